"""The notifier against a real aiohttp Alertmanager stand-in and a scripted transport.

The HTTP tests run a real server on 127.0.0.1:0 that records what it receives. The
outage tests fake only the transport (``post=``), because they need exact control over
which attempt fails, and time them with short backoffs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web

from argus.config import load_string
from argus.model import Labels
from argus.model.relabel import RelabelConfig
from argus.notify import (
    Alert,
    AlertmanagerTarget,
    Notifier,
    NotifierOptions,
    SendError,
    notifier_metrics,
    rfc3339_ms,
    targets_from_config,
)
from argus.resilience import BreakerOptions, BreakerState

FAST = NotifierOptions(
    queue_capacity=100,
    max_batch=10,
    retry_initial_s=0.01,
    retry_max_s=0.02,
    breaker=BreakerOptions(min_requests=3, error_threshold=0.5, sleep_window=0.05),
)


def alert(name: str, **labels: str) -> Alert:
    return Alert(
        Labels.of(alertname=name, **labels),
        Labels.of(summary=f"{name} fired"),
        starts_at_ms=1_700_000_000_000,
        ends_at_ms=1_700_000_240_500,
        generator_url="http://argus/graph",
    )


class FakeAM:
    """Records batches; fails the first ``fail`` attempts, optionally with a status."""

    def __init__(self, fail: int = 0, status_4xx: bool = False, delay: float = 0.0) -> None:
        self.fail = fail
        self.status_4xx = status_4xx
        self.delay = delay
        self.attempts = 0
        self.received: list[dict[str, Any]] = []

    async def post(self, session, target, body: bytes) -> None:
        self.attempts += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.attempts <= self.fail:
            raise SendError("down", retryable=not self.status_4xx)
        self.received.extend(json.loads(body))


async def settle(cond, within_s: float = 5.0) -> None:
    for _ in range(int(within_s / 0.01)):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


def target(url: str = "http://am:9093/api/v2/alerts", **kw) -> AlertmanagerTarget:
    return AlertmanagerTarget(url, **kw)


def test_v2_payload_over_http_with_external_labels_and_relabelling():
    received: list[Any] = []

    async def handler(request: web.Request) -> web.Response:
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["Authorization"] == "Bearer s3cret"
        received.extend(await request.json())
        return web.json_response({})

    async def main():
        app = web.Application()
        app.router.add_post("/prefix/api/v2/alerts", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        cfg = load_string(
            f"""
global: {{external_labels: {{cluster: eu1, alertname: ignored}}}}
alerting:
  alert_relabel_configs:
    - {{source_labels: [severity], regex: debug, action: drop}}
  alertmanagers:
    - path_prefix: /prefix
      authorization: {{credentials: s3cret}}
      static_configs: [{{targets: ['127.0.0.1:{port}']}}]
"""
        )
        n = Notifier(FAST)
        n.apply_config(cfg)
        await n.run()
        n.send([alert("A", severity="page"), alert("B", severity="debug")])
        await settle(lambda: len(received) == 1)
        await n.stop()
        await runner.cleanup()
        return n

    n = asyncio.run(main())
    (got,) = received
    assert got == {
        "labels": {"alertname": "A", "cluster": "eu1", "severity": "page"},
        "annotations": {"summary": "A fired"},
        "startsAt": "2023-11-14T22:13:20Z",
        "endsAt": "2023-11-14T22:17:20.5Z",
        "generatorURL": "http://argus/graph",
    }
    text = notifier_metrics(n)
    assert "prometheus_notifications_sent_total{alertmanager=" in text
    assert "prometheus_notifications_dropped_total 0\n" in text


def test_outage_keeps_alerts_and_delivers_them_in_order_when_back():
    am = FakeAM(fail=5)

    async def main():
        n = Notifier(FAST, post=am.post)
        n.set_targets([target()])
        await n.run()
        for i in range(25):
            n.send([alert(f"A{i}")])
        await settle(lambda: len(am.received) == 25)
        await n.stop()
        return n

    n = asyncio.run(main())
    assert [a["labels"]["alertname"] for a in am.received] == [f"A{i}" for i in range(25)]
    stats = n.stats()["http://am:9093/api/v2/alerts"]
    assert stats.errors_total >= 1
    assert stats.sent_total == 25
    assert n.queue_length() == 0


def test_full_queue_drops_oldest_and_counts():
    am = FakeAM(fail=10**9)

    async def main():
        n = Notifier(NotifierOptions(queue_capacity=5, retry_initial_s=1), post=am.post)
        n.set_targets([target()])
        n.send([alert(f"A{i}") for i in range(8)])
        return n

    n = asyncio.run(main())
    assert n.queue_length() == 5
    assert "prometheus_notifications_dropped_total 3\n" in notifier_metrics(n)


def test_breaker_opens_and_limits_attempts():
    am = FakeAM(fail=10**9)

    async def main():
        opts = NotifierOptions(
            retry_initial_s=0.001,
            retry_max_s=0.001,
            breaker=BreakerOptions(min_requests=3, error_threshold=0.5, sleep_window=60),
        )
        n = Notifier(opts, post=am.post)
        n.set_targets([target()])
        await n.run()
        n.send([alert("A")])
        await asyncio.sleep(0.2)
        await n.stop()
        return n

    n = asyncio.run(main())
    assert am.attempts == 3
    (snap,) = n.breakers()
    assert snap.state is BreakerState.OPEN
    assert n.queue_length() == 1


def test_rejected_batches_are_dropped_not_retried():
    am = FakeAM(fail=1, status_4xx=True)

    async def main():
        n = Notifier(FAST, post=am.post)
        n.set_targets([target()])
        await n.run()
        n.send([alert("Bad")])
        await settle(lambda: n.queue_length() == 0)
        n.send([alert("Good")])
        await settle(lambda: len(am.received) == 1)
        await n.stop()
        return n

    n = asyncio.run(main())
    assert am.received[0]["labels"]["alertname"] == "Good"
    assert "prometheus_notifications_dropped_total 1\n" in notifier_metrics(n)


def test_slow_alertmanager_blocks_neither_send_nor_the_others():
    slow, fast = FakeAM(delay=5), FakeAM()

    async def post(session, t, body):
        await (slow if "slow" in t.url else fast).post(session, t, body)

    async def main():
        n = Notifier(FAST, post=post)
        n.set_targets([target("http://slow/api/v2/alerts"), target("http://fast/api/v2/alerts")])
        await n.run()
        loop = asyncio.get_running_loop()
        start = loop.time()
        n.send([alert("A")])
        assert loop.time() - start < 0.05
        await settle(lambda: len(fast.received) == 1, within_s=1)
        await n.stop()

    asyncio.run(main())
    assert slow.received == []


def test_per_alertmanager_relabelling_and_no_targets():
    am = FakeAM()
    drop_all = RelabelConfig.from_dict({"regex": ".*", "action": "drop", "source_labels": ["x"]})

    async def main():
        n = Notifier(FAST, post=am.post)
        n.send([alert("A")])  # no Alertmanagers yet: counted as dropped
        n.set_targets([target(alert_relabel_configs=(drop_all,))])
        await n.run()
        n.send([alert("A")])
        await asyncio.sleep(0.05)
        await n.stop()
        return n

    n = asyncio.run(main())
    assert am.received == []
    assert n.dropped_total == 1


def test_reconfig_keeps_queues_of_unchanged_alertmanagers():
    am = FakeAM(fail=10**9)

    async def main():
        n = Notifier(NotifierOptions(retry_initial_s=10), post=am.post)
        n.set_targets([target()])
        n.send([alert("A")])
        n.set_targets([target(), target("http://other/api/v2/alerts")])
        return n

    n = asyncio.run(main())
    assert n.alertmanagers() == ["http://am:9093/api/v2/alerts", "http://other/api/v2/alerts"]
    assert n.queue_length() == 1


@pytest.mark.parametrize(
    ("yaml_text", "urls"),
    [
        ("static_configs: [{targets: ['a:9093', 'b:9093']}]",
         ["http://a:9093/api/v2/alerts", "http://b:9093/api/v2/alerts"]),
        ("scheme: https\npath_prefix: /am/\nstatic_configs: [{targets: ['a:1']}]",
         ["https://a:1/am/api/v2/alerts"]),
        ("static_configs: [{targets: ['a:1', 'b:1']}]\n"
         "relabel_configs: [{source_labels: [__address__], regex: 'b:.*', action: drop}]",
         ["http://a:1/api/v2/alerts"]),
    ],
)  # fmt: skip
def test_targets_from_config(yaml_text, urls):
    body = "\n".join("      " + line for line in yaml_text.splitlines())
    cfg = load_string(f"alerting:\n  alertmanagers:\n    - \n{body}\n".replace("- \n      ", "- "))
    (am,) = cfg.alerting.alertmanagers
    assert [t.url for t in targets_from_config(am)] == urls


def test_rfc3339():
    assert rfc3339_ms(0) == "1970-01-01T00:00:00Z"
    assert rfc3339_ms(1_500) == "1970-01-01T00:00:01.5Z"
