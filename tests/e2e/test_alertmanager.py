"""Argus's rules and notifier against a real Alertmanager (Debian's prometheus-alertmanager).

1. A rule fires on data in a real database; the alert shows up in Alertmanager's API
   with its labels, external labels and annotations; the data recovers, the rule
   resolves, and Alertmanager no longer lists the alert as active.
2. Alertmanager is down while alerts are sent: rule evaluation goes on, the alerts
   wait in the queue, and all of them arrive once Alertmanager starts.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from argus.model import Labels, now_ms
from argus.notify import Alert, AlertmanagerTarget, Notifier, NotifierOptions
from argus.resilience import BreakerOptions
from argus.rules import ManagerOptions, RuleManager
from tests.conftest import append

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        BINARY is None,
        reason="prometheus-alertmanager is not installed (Debian package "
        "'prometheus-alertmanager'; `make system-deps`)",
    ),
]

AM_CONFIG = """
route:
  receiver: blackhole
  group_wait: 0s
receivers:
  - name: blackhole
"""

FAST = NotifierOptions(
    retry_initial_s=0.1,
    retry_max_s=0.3,
    breaker=BreakerOptions(min_requests=3, error_threshold=0.5, sleep_window=0.3),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class AlertmanagerProcess:
    def __init__(self, tmp: Path, port: int) -> None:
        self.tmp = tmp
        self.port = port
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_file = open(tmp / "am.log", "wb")  # noqa: SIM115
        (tmp / "am.yml").write_text(AM_CONFIG)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert BINARY is not None
        self.proc = subprocess.Popen(
            [
                BINARY,
                f"--config.file={self.tmp / 'am.yml'}",
                f"--storage.path={self.tmp / 'data'}",
                f"--web.listen-address=127.0.0.1:{self.port}",
                "--cluster.listen-address=",
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log_file,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("Alertmanager did not become ready:\n" + self.log())

    def log(self) -> str:
        return (self.tmp / "am.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log_file.close()

    def alerts(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=2) as r:
            return list(json.load(r))


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[AlertmanagerProcess]:
    am = AlertmanagerProcess(tmp_path, free_port())
    yield am
    am.stop()


async def wait_for(cond, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await asyncio.to_thread(cond):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached")


def test_fire_then_resolve_through_real_alertmanager(tmp_db, tmp_path, alertmanager):
    alertmanager.start()
    rules = tmp_path / "rules.yml"
    rules.write_text(
        """
groups:
  - name: e2e
    interval: 1s
    rules:
      - alert: InstanceDown
        expr: up == 0
        labels: {severity: page}
        annotations: {summary: "{{ $labels.instance }} is down"}
"""
    )
    series = Labels.of(__name__="up", job="node", instance="h1:9100")
    notifier = Notifier(FAST)
    notifier.set_targets(
        [AlertmanagerTarget(f"{alertmanager.url}/api/v2/alerts")],
        external_labels=Labels.of(cluster="eu1"),
    )
    manager = RuleManager(
        appendable=tmp_db,
        queryable=tmp_db,
        notifier=notifier,
        options=ManagerOptions(external_url="http://argus:9090", resend_delay_ms=1000),
    )
    manager.update([str(rules)])

    def active() -> list[dict[str, Any]]:
        return [a for a in alertmanager.alerts() if a["status"]["state"] == "active"]

    async def scenario() -> list[dict[str, Any]]:
        stop = asyncio.Event()

        async def feed(value: float) -> None:
            while not stop.is_set():
                append(tmp_db, [series], [now_ms()], [value])
                await asyncio.sleep(0.2)

        await notifier.run()
        await manager.run()
        feeder = asyncio.create_task(feed(0))
        await wait_for(lambda: len(active()) == 1, 15)
        fired = active()
        stop.set()
        await feeder
        stop.clear()
        feeder = asyncio.create_task(feed(1))
        await wait_for(lambda: active() == [], 15)
        stop.set()
        await feeder
        await manager.stop()
        await notifier.stop(drain_timeout_s=2)
        return fired

    (fired,) = asyncio.run(scenario())
    assert fired["labels"] == {
        "alertname": "InstanceDown",
        "cluster": "eu1",
        "instance": "h1:9100",
        "job": "node",
        "severity": "page",
    }
    assert fired["annotations"] == {"summary": "h1:9100 is down"}
    assert fired["generatorURL"].startswith("http://argus:9090/graph?g0.expr=up+%3D%3D+0")
    assert notifier.stats()[f"{alertmanager.url}/api/v2/alerts"].errors_total == 0


def test_alerts_sent_while_alertmanager_is_down_arrive_when_it_is_back(alertmanager):
    notifier = Notifier(FAST)
    notifier.set_targets([AlertmanagerTarget(f"{alertmanager.url}/api/v2/alerts", timeout_s=1)])
    now = now_ms()
    alerts = [
        Alert(Labels.of(alertname=f"A{i}"), starts_at_ms=now, ends_at_ms=now + 600_000)
        for i in range(300)
    ]

    async def scenario() -> None:
        await notifier.run()
        loop = asyncio.get_running_loop()
        start = loop.time()
        notifier.send(alerts)
        assert loop.time() - start < 0.5, "send() must not wait for Alertmanager"
        await asyncio.sleep(1.0)
        assert notifier.queue_length() == 300
        await asyncio.to_thread(alertmanager.start)
        await wait_for(lambda: len(alertmanager.alerts()) == 300, 20)
        await notifier.stop()

    asyncio.run(scenario())
    (stats,) = notifier.stats().values()
    assert stats.errors_total >= 1
    assert stats.sent_total == 300
    assert notifier.queue_length() == 0
