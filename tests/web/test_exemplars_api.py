"""``/api/v1/query_exemplars``: Prometheus's parameter checks; no exemplars are stored."""

from __future__ import annotations

import pytest

from argus.promql import parse
from argus.web.api.v1.exemplars import has_selector
from tests.web.conftest import LiveServer

OK = [
    {"query": "http_requests_total"},
    {"query": "rate(http_requests_total[5m])", "start": "1700000000", "end": "1700003600"},
    {"query": 'sum by (job) (up{job="api"})', "start": "2023-11-14T22:13:20Z"},
]
BAD = [
    ({"query": "up", "start": "x"}, 'invalid parameter "start"'),
    ({"query": "up", "end": "yesterday"}, 'invalid parameter "end"'),
    ({"query": "up", "start": "10", "end": "5"}, "end timestamp must not be before start"),
    ({"query": "up +"}, "parse error"),
    ({}, "no expression found in input"),
]


@pytest.mark.parametrize("params", OK, ids=[p["query"] for p in OK])
def test_valid_queries_answer_an_empty_list(server: LiveServer, params) -> None:
    for r in (
        server.get("/api/v1/query_exemplars", params),
        server.post("/api/v1/query_exemplars", params),
    ):
        assert r.status == 200
        assert r.json() == {"status": "success", "data": []}


@pytest.mark.parametrize(("params", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_parameters_are_bad_data(server: LiveServer, params, message) -> None:
    r = server.get("/api/v1/query_exemplars", params)
    assert r.status == 400
    doc = r.json()
    assert doc["errorType"] == "bad_data"
    assert message in doc["error"]
    # Prometheus reports query parse errors without the "invalid parameter" prefix.
    if "parse error" in message or "expression" in message:
        assert not doc["error"].startswith("invalid parameter")


def test_query_without_selectors_has_no_content(server: LiveServer) -> None:
    r = server.get("/api/v1/query_exemplars", {"query": "1 + time()"})
    assert (r.status, r.body) == (204, b"")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("1", False),
        ('"s"', False),
        ("-(2 * time())", False),
        ("up", True),
        ("max_over_time(rate(x[5m])[1h:1m])", True),
        ("topk(scalar(x), vector(1))", True),
        ("vector(1) + on() group_left y", True),
    ],
)
def test_has_selector(expr: str, expected: bool) -> None:
    assert has_selector(parse(expr)) is expected
