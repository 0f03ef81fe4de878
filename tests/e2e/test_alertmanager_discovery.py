"""Alertmanager discovery against real Alertmanagers and a real Prometheus.

1. Three real Alertmanagers; ``file_sd_configs`` lists A and B, and a relabel rule
   drops C. A firing rule's alert reaches A and B, never C. The file is rewritten to
   list A and C: C starts receiving the (re-sent) alert, B gets nothing new, and A's
   sender kept its queue and counters (it was not restarted).
2. Debian's Prometheus and an Argus server get the same ``alerting`` config (static
   and file SD, ``path_prefix``, ``relabel_configs`` that drop one); their
   ``/api/v1/alertmanagers`` documents are the same, before and after the SD file
   changes.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from argus.config import load_file
from argus.notify import Notifier, NotifierOptions
from argus.resilience import BreakerOptions
from argus.rules import ManagerOptions, RuleManager
from bench.peers import PROMETHEUS
from tests.e2e.peers import ConfiguredServer
from tests.e2e.test_alertmanager import BINARY, AlertmanagerProcess, free_port

REPO = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        BINARY is None, reason="prometheus-alertmanager is not installed (Debian package)"
    ),
]

FAST = NotifierOptions(
    retry_initial_s=0.1,
    retry_max_s=0.3,
    breaker=BreakerOptions(min_requests=3, error_threshold=0.5, sleep_window=0.3),
    file_sd_poll_interval_s=0.1,
)

RULES = """
groups:
  - name: disc
    interval: 1s
    rules:
      - alert: Always
        expr: vector(1)
        labels: {severity: page}
"""


@pytest.fixture
def three_alertmanagers(tmp_path: Path) -> Iterator[list[AlertmanagerProcess]]:
    ams = []
    for name in "abc":
        d = tmp_path / name
        d.mkdir()
        ams.append(AlertmanagerProcess(d, free_port()))
    try:
        for am in ams:
            am.start()
        yield ams
    finally:
        for am in ams:
            am.stop()


def sd_file(path: Path, groups: list[tuple[list[str], dict[str, str]]]) -> None:
    """Write atomically, so a poll never sees half a file."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps([{"targets": t, "labels": lb} for t, lb in groups]))
    os.replace(tmp, path)


def host(am: AlertmanagerProcess) -> str:
    return f"127.0.0.1:{am.port}"


async def wait_for(cond: Callable[[], bool], within_s: float, what: str) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await asyncio.to_thread(cond):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not reached within {within_s}s: {what}")


def test_file_sd_swap_and_relabel_drop(tmp_db, tmp_path, three_alertmanagers):
    a, b, c = three_alertmanagers
    targets = tmp_path / "ams.json"
    sd_file(targets, [([host(a), host(b)], {}), ([host(c)], {"role": "spare"})])
    (tmp_path / "rules.yml").write_text(RULES)
    config = tmp_path / "argus.yml"
    config.write_text(
        f"""
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - file_sd_configs: [{{files: ["{targets.name}"]}}]
      relabel_configs:
        - {{source_labels: [role], regex: spare, action: drop}}
"""
    )
    cfg = load_file(str(config))
    notifier = Notifier(FAST)
    rules = RuleManager(
        appendable=tmp_db,
        queryable=tmp_db,
        notifier=notifier,
        options=ManagerOptions(resend_delay_ms=1000),
    )
    url = {am: f"http://{host(am)}/api/v2/alerts" for am in (a, b, c)}

    def names(am: AlertmanagerProcess) -> list[str]:
        return [x["labels"]["alertname"] for x in am.alerts()]

    async def scenario() -> tuple[int, int]:
        rules.apply_config(cfg)
        notifier.apply_config(cfg)
        assert notifier.alertmanagers() == [url[a], url[b]]
        assert notifier.dropped_alertmanagers() == [url[c]]
        await notifier.run()
        await rules.run()
        await wait_for(lambda: names(a) == names(b) == ["Always"], 15, "A and B get the alert")
        sent_to_a = notifier.stats()[url[a]].sent_total
        sd_file(targets, [([host(a), host(c)], {})])
        await wait_for(lambda: notifier.alertmanagers() == [url[a], url[c]], 5, "swap")
        assert notifier.dropped_alertmanagers() == []
        await wait_for(lambda: names(c) == ["Always"], 15, "C gets the re-sent alert")
        # B left the set: it must not receive the resends that C now gets.
        b_updated = b.alerts()[0]["updatedAt"]
        await asyncio.sleep(2.5)
        assert b.alerts()[0]["updatedAt"] == b_updated
        await rules.stop()
        await notifier.stop(drain_timeout_s=2)
        return sent_to_a, notifier.stats()[url[a]].sent_total

    before, after = asyncio.run(scenario())
    assert after > before, "A's sender kept its counters across the SD change"
    assert names(c) == ["Always"]


class _Peer(ConfiguredServer):
    """Either server, with its ``/api/v1/alertmanagers`` read back."""

    def alertmanagers(self) -> dict[str, list[str]]:
        with urllib.request.urlopen(self.url + "/api/v1/alertmanagers", timeout=5) as r:
            doc = json.load(r)
        assert doc["status"] == "success"
        assert set(doc["data"]) == {"activeAlertmanagers", "droppedAlertmanagers"}
        return {k: sorted(x["url"] for x in v) for k, v in doc["data"].items()}


@pytest.mark.skipif(not os.path.exists(PROMETHEUS), reason="Prometheus is not installed")
def test_api_alertmanagers_matches_prometheus(tmp_path, monkeypatch):
    targets = tmp_path / "ams.yml"
    sd_file(targets, [(["10.0.0.1:9093", "10.0.0.2:9093"], {"dc": "x"})])
    config = {
        "alerting": {
            "alertmanagers": [
                {
                    "path_prefix": "/am/",
                    "static_configs": [{"targets": ["10.0.0.9:9093"], "labels": {"dc": "y"}}],
                    "file_sd_configs": [{"files": [str(targets)]}],
                    "relabel_configs": [
                        {"source_labels": ["__address__"], "regex": "10.0.0.2:.*", "action": "drop"}
                    ],
                },
                {
                    "scheme": "https",
                    "static_configs": [{"targets": ["am.example:443"]}],
                    "relabel_configs": [
                        {"target_label": "__alerts_path__", "replacement": "/custom/alerts"}
                    ],
                },
            ]
        }
    }
    peers = [
        _Peer(tmp_path / "prom", config, [PROMETHEUS]),
        _Peer(tmp_path / "argus", config, [sys.executable, "-m", "argus"]),
    ]
    monkeypatch.setenv("PYTHONPATH", str(REPO))

    def settle(active: int, dropped: int) -> list[dict[str, list[str]]]:
        deadline = time.monotonic() + 20
        docs = [p.alertmanagers() for p in peers]
        while time.monotonic() < deadline:
            docs = [p.alertmanagers() for p in peers]
            if all(
                len(d["activeAlertmanagers"]) == active
                and len(d["droppedAlertmanagers"]) == dropped
                for d in docs
            ):
                break
            time.sleep(0.2)
        return docs

    try:
        for p in peers:
            p.start()
        prom, argus = settle(3, 1)
        assert argus == prom
        assert prom == {
            "activeAlertmanagers": [
                "http://10.0.0.1:9093/am/api/v2/alerts",
                "http://10.0.0.9:9093/am/api/v2/alerts",
                "https://am.example:443/custom/alerts",
            ],
            "droppedAlertmanagers": ["http://10.0.0.2:9093/am/api/v2/alerts"],
        }
        sd_file(targets, [(["10.0.0.3:9093"], {})])
        prom, argus = settle(3, 0)
        assert argus == prom
        assert "http://10.0.0.3:9093/am/api/v2/alerts" in argus["activeAlertmanagers"]
    finally:
        for p in peers:
            p.stop()
