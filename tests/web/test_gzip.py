"""gzip: query bodies are compressed on their worker, others by the middleware."""

from __future__ import annotations

import gzip
import urllib.request
from urllib.parse import urlencode

import pytest

from argus.web import Sources
from tests.web.conftest import POINTS, STEP, T0, LiveServer, ServerFactory

GZIP = {"Accept-Encoding": "gzip"}
RANGE = {
    "query": "rate(http_requests_total[5m])",
    "start": T0 / 1000,
    "end": (T0 + STEP * (POINTS - 1)) / 1000,
    "step": "15",
}


def _raw(server: LiveServer, path: str, headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
    """The undecoded body (the fixture's client decodes gzip)."""
    req = urllib.request.Request(server.base + path, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return dict(r.headers), r.read()


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/query_range", RANGE),
        ("/api/v1/query", {"query": "http_requests_total", "time": T0 / 1000 + 60}),
        ("/api/v1/series", {"match[]": "http_requests_total"}),
        ("/api/v1/query_exemplars", {"query": "up"}),
    ],
)
def test_gzipped_body_equals_plain_body(server: LiveServer, path, params) -> None:
    plain = server.get(path, params)
    zipped = server.get(path, params, headers=GZIP)
    assert plain.status == zipped.status == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.body == plain.body  # The fixture's client gunzips.


def test_query_with_warnings_is_gzipped_whole(server: LiveServer) -> None:
    params = {**RANGE, "limit": "1"}
    doc = server.get("/api/v1/query_range", params, headers=GZIP).json()
    assert doc["warnings"] == ["results truncated due to limit"]
    assert len(doc["data"]["result"]) == 1


def test_large_plain_bodies_are_gzipped_off_the_loop(data_db, make_server: ServerFactory) -> None:
    text = "".join(f"metric_{i} {i}\n" for i in range(5000))  # ~70 KB: the executor path
    server = make_server(Sources(queryable=data_db, metrics=lambda: text))
    headers, body = _raw(server, "/metrics", GZIP)
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body).decode().startswith(text)
    assert len(body) < len(text) / 3


def test_gzip_level_is_configurable(data_db, make_server: ServerFactory) -> None:
    path = "/api/v1/query_range?" + urlencode(RANGE)
    fast = make_server(Sources(queryable=data_db), gzip_level=1)
    small = make_server(Sources(queryable=data_db), gzip_level=9)
    (_, b1), (_, b9) = _raw(fast, path, GZIP), _raw(small, path, GZIP)
    assert gzip.decompress(b1) == gzip.decompress(b9)
    assert len(b9) < len(b1)
