"""/api/v1/query and /query_range through real HTTP: shapes, parameters, errors."""

from __future__ import annotations

import pytest

from tests.web.conftest import POINTS, STEP, T0, LiveServer

T_END = (T0 + STEP * (POINTS - 1)) / 1000


def test_instant_vector_shape(server: LiveServer) -> None:
    r = server.get("/api/v1/query", {"query": 'up{job="api"}', "time": T_END})
    assert r.status == 200
    assert r.headers["Content-Type"] == "application/json"
    assert r.json() == {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [
                {
                    "metric": {"__name__": "up", "instance": "a:9100", "job": "api"},
                    "value": [T_END, "1"],
                }
            ],
        },
    }


def test_range_matrix_and_post_form_agree(server: LiveServer) -> None:
    params = {
        "query": "sum by (code) (rate(http_requests_total[5m]))",
        "start": T0 / 1000 + 600,
        "end": T_END,
        "step": "60s",
    }
    got = server.get("/api/v1/query_range", params)
    posted = server.post("/api/v1/query_range", params)
    assert got.status == posted.status == 200
    assert got.body == posted.body
    result = got.json()["data"]["result"]
    assert [s["metric"] for s in result] == [{"code": "200"}, {"code": "500"}]
    assert len(result[0]["values"]) == 51
    assert result[0]["values"][0][0] == T0 / 1000 + 600
    assert float(result[0]["values"][0][1]) == pytest.approx(60)
    assert float(result[1]["values"][-1][1]) == pytest.approx(3)


def test_values_formatted_like_go(server: LiveServer) -> None:
    r = server.get("/api/v1/query", {"query": "tiny * 1", "time": T_END}).json()
    assert r["data"]["result"][0]["value"][1] == "1.5e-09"
    r = server.get("/api/v1/query", {"query": "1e-7", "time": 1.5}).json()
    assert r["data"] == {"resultType": "scalar", "result": [1.5, "0.0000001"]}
    r = server.get("/api/v1/query", {"query": "vector(1e21)", "time": 1.5}).json()
    assert r["data"]["result"][0]["value"] == [1.5, "1e+21"]
    r = server.get("/api/v1/query", {"query": '"a<b"', "time": 2}).json()
    assert r["data"] == {"resultType": "string", "result": [2, "a<b"]}


def test_string_escaping_matches_go(server: LiveServer) -> None:
    r = server.get("/api/v1/query", {"query": '"a<b&c>"', "time": 2})
    assert b'"a\\u003cb\\u0026c\\u003e"' in r.body


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        ("1700000000", 1700000000),
        ("1700000000.123", 1700000000.123),
        ("2023-11-14T22:13:20Z", 1700000000),
        ("2023-11-14T23:13:20.5+01:00", 1700000000.5),
    ],
    ids=["unix", "unix-fraction", "rfc3339", "rfc3339-offset"],
)
def test_time_formats(server: LiveServer, time: str, expected: float) -> None:
    r = server.get("/api/v1/query", {"query": "time()", "time": time}).json()
    assert r["data"]["result"][0] == expected


def test_step_as_duration_or_seconds(server: LiveServer) -> None:
    a = server.get("/api/v1/query_range", {"query": "1", "start": 0, "end": 300, "step": "1m"})
    b = server.get("/api/v1/query_range", {"query": "1", "start": 0, "end": 300, "step": "60"})
    assert a.body == b.body
    assert len(a.json()["data"]["result"][0]["values"]) == 6


def test_limit_truncates_with_warning(server: LiveServer) -> None:
    r = server.get(
        "/api/v1/query", {"query": "http_requests_total", "time": T_END, "limit": 2}
    ).json()
    assert len(r["data"]["result"]) == 2
    assert r["warnings"] == ["results truncated due to limit"]
    r = server.get(
        "/api/v1/query_range",
        {"query": "http_requests_total", "start": T_END - 60, "end": T_END, "step": 15, "limit": 1},
    ).json()
    assert len(r["data"]["result"]) == 1
    assert r["warnings"] == ["results truncated due to limit"]


def test_stats(server: LiveServer) -> None:
    r = server.get("/api/v1/query", {"query": "up", "time": T_END, "stats": "true"}).json()
    assert set(r["data"]["stats"]) == {"timings", "samples"}
    assert r["data"]["stats"]["timings"]["execTotalTime"] > 0
    r = server.get("/api/v1/query", {"query": "up", "time": T_END, "stats": "yes"}).json()
    assert "deprecated" in r["warnings"][0]


def test_annotations_are_returned(server: LiveServer) -> None:
    r = server.get("/api/v1/query", {"query": "rate(temperature_celsius[5m])", "time": T_END})
    body = r.json()
    assert r.status == 200
    assert any("counter" in w for w in body.get("infos", []) + body.get("warnings", []))


ERRORS = [
    ("/api/v1/query", {}, 400, "bad_data", 'invalid parameter "query"'),
    ("/api/v1/query", {"query": "1 +"}, 400, "bad_data", "parse error"),
    ("/api/v1/query", {"query": "1", "time": "yesterday"}, 400, "bad_data", '"time"'),
    ("/api/v1/query", {"query": "1", "timeout": "soon"}, 400, "bad_data", '"timeout"'),
    ("/api/v1/query", {"query": "1", "limit": "-1"}, 400, "bad_data", "non-negative"),
    ("/api/v1/query", {"query": "1", "limit": "x"}, 400, "bad_data", "strconv.Atoi"),
    ("/api/v1/query", {"query": "1", "lookback_delta": "x"}, 400, "bad_data", "lookback"),
    ("/api/v1/query_range", {"query": "1", "end": 1, "step": 1}, 400, "bad_data", '"start"'),
    (
        "/api/v1/query_range",
        {"query": "1", "start": 2, "end": 1, "step": 1},
        400,
        "bad_data",
        "before start",
    ),
    (
        "/api/v1/query_range",
        {"query": "1", "start": 0, "end": 1, "step": 0},
        400,
        "bad_data",
        "zero or negative",
    ),
    (
        "/api/v1/query_range",
        {"query": "1", "start": 0, "end": 1e6, "step": 1},
        400,
        "bad_data",
        "11,000 points",
    ),
    (
        "/api/v1/query_range",
        {"query": "up[5m]", "start": 0, "end": 1, "step": 1},
        400,
        "bad_data",
        "range vector",
    ),
    (
        "/api/v1/query",
        {"query": "label_replace(up, 'a', 'b', 'c', '(')", "time": 1},
        422,
        "execution",
        "",
    ),
]


@pytest.mark.parametrize(
    ("path", "params", "status", "kind", "needle"),
    ERRORS,
    ids=[f"{p.rsplit('/', 1)[1]}-{s}-{n or k}" for p, _, s, k, n in ERRORS],
)
def test_errors(server, path, params, status, kind, needle) -> None:
    r = server.get(path, params)
    assert r.status == status, r.text
    body = r.json()
    assert body["status"] == "error"
    assert body["errorType"] == kind
    assert needle in body["error"]


def test_too_many_samples_is_execution(data_db, make_server) -> None:
    from argus.web import Sources

    server = make_server(Sources(queryable=data_db), max_samples=100)
    r = server.get(
        "/api/v1/query_range",
        {"query": "http_requests_total", "start": T0 / 1000, "end": T_END, "step": 15},
    )
    assert r.status == 422
    assert r.json()["errorType"] == "execution"
    assert "too many samples" in r.json()["error"]


def test_timeout_param(server: LiveServer) -> None:
    r = server.get(
        "/api/v1/query",
        {"query": "count_over_time(vector(1)[3d:1s])", "time": T_END, "timeout": "0.001"},
    )
    assert r.status == 503
    assert r.json()["errorType"] == "timeout"


def test_format_and_parse_query(server: LiveServer) -> None:
    r = server.get("/api/v1/format_query", {"query": "up{job='api'}  offset 5m"}).json()
    assert r == {"status": "success", "data": 'up{job="api"} offset 5m'}
    r = server.post("/api/v1/parse_query", {"query": "rate(x[5m]) > 1"}).json()["data"]
    assert r["type"] == "binaryExpr"
    assert r["lhs"]["args"][0]["range"] == 300_000
    r = server.get("/api/v1/parse_query", {"query": "x +"})
    assert r.status == 400
    assert r.json()["errorType"] == "bad_data"


def test_repeated_expressions_are_parsed_once(server: LiveServer) -> None:
    from argus.web.api.v1.query import _parse_cached

    params = {"query": 'sum by (code) (http_requests_total{job="api"})', "time": T0 / 1000 + 60}
    first = server.get("/api/v1/query", params).json()
    hits = _parse_cached.cache_info().hits
    assert server.get("/api/v1/query", params).json() == first
    assert _parse_cached.cache_info().hits == hits + 1
    alternatives = "|".join(f"job{i}" for i in range(1000))
    long = {"query": f'up{{job=~"api|{alternatives}"}}', "time": T0 / 1000 + 60}  # > 4 KiB
    misses = _parse_cached.cache_info().misses
    assert server.post("/api/v1/query", long).status == 200
    assert _parse_cached.cache_info().misses == misses  # Not cached.
    bad = server.get("/api/v1/query", {"query": "sum(("})
    assert bad.status == 400  # Parse errors are raised every time, not cached.
    assert server.get("/api/v1/query", {"query": "sum(("}).status == 400
