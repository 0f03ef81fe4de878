"""Status endpoints and the provider-backed targets/rules/alerts/metadata."""

from __future__ import annotations

from typing import Any

from argus.model import Labels
from argus.web import HeadInfo, Sources
from argus.web.api.v1.status import tsdb_status
from tests.web.conftest import LiveServer

EMPTY = [
    ("/api/v1/targets", {"activeTargets": [], "droppedTargets": [], "droppedTargetCounts": {}}),
    ("/api/v1/targets/metadata", []),
    ("/api/v1/scrape_pools", {"scrapePools": []}),
    ("/api/v1/metadata", {}),
    ("/api/v1/rules", {"groups": []}),
    ("/api/v1/alerts", {"alerts": []}),
    ("/api/v1/status/walreplay", {"min": 0, "max": 0, "current": 0}),
    ("/api/v1/status/config", {"yaml": ""}),
    ("/api/v1/status/flags", {}),
]


def test_empty_providers_have_prometheus_shapes(server: LiveServer) -> None:
    for path, expected in EMPTY:
        r = server.get(path)
        assert r.status == 200, path
        assert r.json() == {"status": "success", "data": expected}, path


def test_build_and_runtime_info(server: LiveServer) -> None:
    build = server.get("/api/v1/status/buildinfo").json()["data"]
    assert set(build) == {"version", "revision", "branch", "buildUser", "buildDate", "goVersion"}
    rt = server.get("/api/v1/status/runtimeinfo").json()["data"]
    assert rt["reloadConfigSuccess"] is True
    assert rt["startTime"].endswith("Z")


def test_tsdb_status_from_head_info(data_db, make_server) -> None:
    series = [Labels.of(__name__="up", job=j, instance=i) for j in "ab" for i in "xyz"]
    series.append(Labels.of(__name__="other", job="a"))
    server = make_server(
        Sources(queryable=data_db, head_info=lambda: HeadInfo(series, 7, 1000, 2000))
    )
    r = server.get("/api/v1/status/tsdb", {"limit": 2}).json()["data"]
    assert r["headStats"] == {
        "numSeries": 7,
        "numLabelPairs": 7,
        "chunkCount": 7,
        "minTime": 1000,
        "maxTime": 2000,
    }
    assert r["seriesCountByMetricName"] == [
        {"name": "up", "value": 6},
        {"name": "other", "value": 1},
    ]
    assert r["labelValueCountByLabelName"] == [
        {"name": "instance", "value": 3},
        {"name": "__name__", "value": 2},
    ]
    assert r["seriesCountByLabelValuePair"][0] == {"name": "__name__=up", "value": 6}
    for bad in ("0", "x", "10001"):
        e = server.get("/api/v1/status/tsdb", {"limit": bad})
        assert e.status == 400
        assert e.json()["errorType"] == "bad_data"


def test_tsdb_status_memory_by_label_name() -> None:
    """Prometheus 3.x: (name + value bytes, each with a uvarint length) x series."""
    long = "v" * 200  # A two-byte length prefix.
    head = HeadInfo(
        [Labels.of(a="xx"), Labels.of(a="yyy"), Labels.of(a="yyy", b="é"), Labels.of(b=long)],
        0,
        0,
        0,
    )
    memory = tsdb_status(head, 10)["memoryInBytesByLabelName"]
    assert memory == [
        {"name": "b", "value": (1 + 1 + 2 + 1) + (1 + 1 + 200 + 2)},
        {"name": "a", "value": (1 + 1 + 2 + 1) + 2 * (1 + 1 + 3 + 1)},
    ]


TARGETS: dict[str, Any] = {
    "activeTargets": [
        {"scrapePool": "api", "labels": {"job": "api"}, "health": "up"},
        {"scrapePool": "node", "labels": {"job": "node"}, "health": "down"},
    ],
    "droppedTargets": [{"scrapePool": "api", "discoveredLabels": {"__address__": "x"}}],
    "droppedTargetCounts": {"api": 1},
}
GROUPS: list[dict[str, Any]] = [
    {
        "name": "g1",
        "file": "a.yml",
        "rules": [
            {"name": "r1", "type": "recording", "query": "up"},
            {"name": "A1", "type": "alerting", "query": "up == 0", "alerts": []},
        ],
    },
    {"name": "g2", "file": "b.yml", "rules": [{"name": "r2", "type": "recording"}]},
]


def test_provider_filters(data_db, make_server) -> None:
    server = make_server(
        Sources(
            queryable=data_db,
            targets=lambda: TARGETS,
            rule_groups=lambda: GROUPS,
            alerts=lambda: [{"labels": {"alertname": "A1"}, "state": "firing"}],
            metadata=lambda: {
                "up": [{"type": "gauge", "help": "h", "unit": ""}],
                "x": [{"type": "counter", "help": "", "unit": ""}],
            },
            target_metadata=lambda: [
                {"target": {"job": "api"}, "metric": "up", "type": "gauge"},
                {"target": {"job": "node"}, "metric": "up", "type": "gauge"},
            ],
        )
    )
    t = server.get("/api/v1/targets", {"state": "active", "scrapePool": "node"}).json()["data"]
    assert t == {
        "activeTargets": [TARGETS["activeTargets"][1]],
        "droppedTargets": [],
        "droppedTargetCounts": None,
    }
    t = server.get("/api/v1/targets", {"scrapePool": "api"}).json()["data"]
    assert [x["scrapePool"] for x in t["activeTargets"] + t["droppedTargets"]] == ["api", "api"]
    assert t["droppedTargetCounts"] == {"api": 1}
    t = server.get("/api/v1/targets", {"state": "dropped"}).json()["data"]
    assert t["droppedTargetCounts"] == {"api": 1}
    assert t["activeTargets"] == []
    g = server.get("/api/v1/rules", {"type": "alert"}).json()["data"]["groups"]
    assert [(x["name"], [r["name"] for r in x["rules"]]) for x in g] == [("g1", ["A1"])]
    g = server.get("/api/v1/rules", [("rule_group[]", "g2")]).json()["data"]["groups"]
    assert [x["name"] for x in g] == ["g2"]
    assert server.get("/api/v1/rules", {"type": "bogus"}).status == 400
    a = server.get("/api/v1/alerts").json()["data"]["alerts"]
    assert a[0]["state"] == "firing"
    m = server.get("/api/v1/metadata", {"metric": "up"}).json()["data"]
    assert list(m) == ["up"]
    assert (
        server.get("/api/v1/metadata", {"limit": "x"}).json()["error"] == "limit must be a number"
    )
    tm = server.get("/api/v1/targets/metadata", {"match_target": '{job="node"}'}).json()
    assert [e["target"] for e in tm["data"]] == [{"job": "node"}]


def test_scrape_pools_sorted_including_pools_without_targets(data_db, make_server) -> None:
    server = make_server(Sources(queryable=data_db, scrape_pools=lambda: ["node", "api", "idle"]))
    r = server.get("/api/v1/scrape_pools")
    assert r.status == 200
    assert r.json() == {"status": "success", "data": {"scrapePools": ["api", "idle", "node"]}}
