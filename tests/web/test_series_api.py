"""/api/v1/series, /labels, /label/<name>/values, and request bounds."""

from __future__ import annotations

import pytest

from argus.web import Sources
from tests.web.conftest import POINTS, STEP, T0, LiveServer


def test_series(server: LiveServer) -> None:
    r = server.get("/api/v1/series", [("match[]", "up"), ("match[]", '{__name__=~"temp.*"}')])
    assert r.status == 200
    data = r.json()["data"]
    assert data[0] == {"__name__": "temperature_celsius", "instance": "a:9100", "job": "node"}
    assert data[-1] == {"__name__": "up", "instance": "a:9100", "job": "api"}
    assert len(data) == 4


def test_series_post_and_limit(server: LiveServer) -> None:
    r = server.post("/api/v1/series", {"match[]": "http_requests_total", "limit": "2"}).json()
    assert len(r["data"]) == 2
    assert r["warnings"] == ["results truncated due to limit"]


def test_series_time_range_excludes_older_data(server: LiveServer) -> None:
    after = (T0 + STEP * POINTS) / 1000 + 3600
    r = server.get("/api/v1/series", {"match[]": "up", "start": after, "end": after + 60})
    assert r.json()["data"] == []


def test_bounded_label_lookups_follow_the_data_range(server: LiveServer) -> None:
    inside = {"start": T0 / 1000 + 600, "end": T0 / 1000 + 660}
    after = {"start": (T0 + STEP * POINTS) / 1000 + 3600, "end": (T0 + STEP * POINTS) / 1000 + 7200}
    names = server.get("/api/v1/label/__name__/values", inside).json()["data"]
    assert names == ["http_requests_total", "temperature_celsius", "tiny", "up"]
    assert server.get("/api/v1/label/__name__/values", after).json()["data"] == []
    assert server.get("/api/v1/labels", {"match[]": "up", **inside}).json()["data"] == [
        "__name__",
        "instance",
        "job",
    ]
    assert server.get("/api/v1/labels", {"match[]": "up", **after}).json()["data"] == []


def test_labels_and_values(server: LiveServer) -> None:
    names = server.get("/api/v1/labels").json()["data"]
    assert names == ["__name__", "code", "instance", "job"]
    names = server.get("/api/v1/labels", {"match[]": "up"}).json()["data"]
    assert names == ["__name__", "instance", "job"]
    values = server.get("/api/v1/label/job/values").json()["data"]
    assert values == ["api", "node", "x"]
    values = server.get("/api/v1/label/code/values", {"match[]": "up"}).json()["data"]
    assert values == []
    r = server.get("/api/v1/label/__name__/values", {"limit": 1}).json()
    assert r == {
        "status": "success",
        "data": ["http_requests_total"],
        "warnings": ["results truncated due to limit"],
    }


def test_escaped_label_name(server: LiveServer) -> None:
    plain = server.get("/api/v1/label/job/values").json()
    assert server.get("/api/v1/label/U__job/values").json() == plain


BAD = [
    ({}, "no match[] parameter provided"),
    ({"match[]": "up +"}, 'invalid parameter "match[]"'),
    ({"match[]": '{job=""}'}, "at least one non-empty matcher"),
    ({"match[]": "rate(up[5m])"}, '1:5: parse error: unexpected "("'),
    ({"match[]": "up", "start": "x"}, 'invalid parameter "start"'),
]


@pytest.mark.parametrize(("params", "needle"), BAD, ids=[n for _, n in BAD])
def test_series_bad_input(server: LiveServer, params, needle) -> None:
    r = server.get("/api/v1/series", params)
    assert r.status == 400
    assert r.json()["errorType"] == "bad_data"
    assert needle in r.json()["error"]


def test_too_many_match_params(data_db, make_server) -> None:
    server = make_server(Sources(queryable=data_db), max_match_params=100)
    form = [("match[]", f'up{{instance="{i}"}}') for i in range(101)]
    r = server.post("/api/v1/series", form)
    assert r.status == 400
    assert "too many match[] parameters" in r.json()["error"]
    r = server.post("/api/v1/labels", form[:100])
    assert r.status == 200


def test_body_over_limit_is_bad_data(data_db, make_server) -> None:
    server = make_server(Sources(queryable=data_db), max_request_bytes=64 * 1024)
    form = [("match[]", "up" + "x" * 1000) for _ in range(100)]
    r = server.post("/api/v1/series", form)
    assert r.status == 400
    assert r.json() == {
        "status": "error",
        "errorType": "bad_data",
        "error": "error parsing form values: http: POST too large",
    }


def test_request_line_over_limit_is_refused(data_db, make_server) -> None:
    server = make_server(Sources(queryable=data_db), max_line_bytes=8192)
    r = server.get("/api/v1/series", {"match[]": "up" + "x" * 10_000})
    assert r.status in (400, 414)
    assert server.get("/-/healthy").status == 200


def test_unknown_endpoint_and_method(server: LiveServer) -> None:
    r = server.get("/api/v1/nope")
    assert r.status == 404
    assert r.json()["errorType"] == "not_found"
    assert server.get("/api/v1/admin/tsdb/snapshot").status == 405
    assert server.get("/nope").status == 404
    assert server.request("OPTIONS", "/api/v1/query").status == 204
