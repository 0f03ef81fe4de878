"""/-/healthy, /-/ready, /-/reload, /-/quit, /metrics and gzip."""

from __future__ import annotations

import threading

from argus.web import Sources
from tests.web.conftest import LiveServer, ServerFactory


def test_health_and_ready(server: LiveServer) -> None:
    assert server.get("/-/healthy").text == "Argus Server is Healthy.\n"
    assert server.get("/-/ready").status == 200
    assert server.request("HEAD", "/-/healthy").status == 200


def test_lifecycle_disabled(server: LiveServer) -> None:
    for path in ("/-/reload", "/-/quit"):
        r = server.post(path)
        assert (r.status, r.text) == (403, "Lifecycle API is not enabled.\n")
        r = server.get(path)
        assert (r.status, r.text) == (405, "Only POST or PUT requests allowed\n")


def test_reload_runs_reloaders(data_db, make_server: ServerFactory) -> None:
    calls: list[str] = []

    def fail() -> None:
        raise ValueError("bad config")

    ok = make_server(
        Sources(queryable=data_db, reloaders=[lambda: calls.append("a")]), enable_lifecycle=True
    )
    assert ok.post("/-/reload").status == 200
    assert calls == ["a"]
    bad = make_server(Sources(queryable=data_db, reloaders=[fail]), enable_lifecycle=True)
    r = bad.request("PUT", "/-/reload")
    assert (r.status, r.text) == (500, "failed to reload config: bad config\n")
    assert bad.get("/api/v1/status/runtimeinfo").json()["data"]["reloadConfigSuccess"] is False


def test_quit(data_db, make_server: ServerFactory) -> None:
    stopped = threading.Event()
    server = make_server(Sources(queryable=data_db, quit=stopped.set), enable_lifecycle=True)
    r = server.post("/-/quit")
    assert (r.status, r.text) == (200, "Requesting termination... Goodbye!\n")
    assert stopped.wait(5)


def test_not_ready_refuses_api(server: LiveServer) -> None:
    from argus.web import READY_KEY

    server.app[READY_KEY]["ready"] = False
    assert server.get("/-/ready").status == 503
    r = server.get("/api/v1/labels")
    assert (r.status, r.text) == (503, "Service Unavailable\n")
    assert server.get("/-/healthy").status == 200


def test_gzip_when_accepted(server: LiveServer) -> None:
    plain = server.get("/api/v1/series", {"match[]": "http_requests_total"})
    zipped = server.get(
        "/api/v1/series", {"match[]": "http_requests_total"}, headers={"Accept-Encoding": "gzip"}
    )
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.body == plain.body


def test_metrics_include_http_and_storage(data_db, make_server: ServerFactory) -> None:
    server = make_server(Sources(queryable=data_db, metrics=lambda: "storage_metric 1\n"))
    server.get("/api/v1/query", {"query": "1"})
    text = server.get("/metrics").text
    assert text.startswith("storage_metric 1\n")
    assert 'prometheus_http_requests_total{code="200",handler="/api/v1/query"} 1' in text
    assert "prometheus_engine_queries_concurrent_max 20" in text
