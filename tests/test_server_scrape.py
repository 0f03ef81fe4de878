"""The server scrapes itself on the embedded default config, shows the target, and
reloads a config file on SIGHUP (a broken file is rejected, the old one stays)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest


def start(args: list[str]) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "argus", "--web.listen-address=127.0.0.1:0", *args],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"ready to receive web requests on 127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, f"http://127.0.0.1:{m.group(1)}"
    proc.kill()
    proc.wait()
    proc.stderr.close()
    pytest.fail("server did not start")


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    assert proc.stderr is not None
    proc.stderr.close()


def api(base: str, path: str, **params: str) -> Any:
    url = f"{base}{path}?{urllib.parse.urlencode(params)}"
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


def wait_for(fn, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def test_default_config_scrapes_itself(tmp_path: Path):
    proc, base = start([f"--storage.tsdb.path={tmp_path / 'data'}"])
    try:
        targets = wait_for(
            lambda: [
                t
                for t in api(base, "/api/v1/targets")["data"]["activeTargets"]
                if t["health"] == "up"
            ]
        )
        assert targets, "the self-scrape target never came up"
        assert targets[0]["labels"]["job"] == "argus"
        assert targets[0]["circuitBreaker"]["state"] == "closed"
        result = wait_for(
            lambda: api(base, "/api/v1/query", query='up{job="argus"}')["data"]["result"]
        )
        assert result[0]["value"][1] == "1"
        # The first scrape saw an empty head; a later one sees the series it created.
        heads = wait_for(
            lambda: api(base, "/api/v1/query", query="prometheus_tsdb_head_series > 0")["data"][
                "result"
            ],
            timeout=40,
        )
        assert heads, "self-monitoring never reported head series"
    finally:
        stop(proc)


def test_sighup_reloads_and_rejects_a_broken_config(tmp_path: Path):
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: a\n"
        "    static_configs:\n      - targets: ['127.0.0.1:1']\n"
    )
    proc, base = start([f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'data'}"])
    try:

        def jobs():
            return {t["scrapePool"] for t in api(base, "/api/v1/targets")["data"]["activeTargets"]}

        assert wait_for(lambda: jobs() == {"a"})
        cfg.write_text(cfg.read_text().replace("job_name: a", "job_name: b"))
        proc.send_signal(signal.SIGHUP)
        assert wait_for(lambda: jobs() == {"b"}), "SIGHUP did not apply the new config"
        cfg.write_text("scrape_configs:\n  - job_name: c\n    scrape_interval: nonsense\n")
        proc.send_signal(signal.SIGHUP)
        time.sleep(1.5)
        assert jobs() == {"b"}, "a broken config must not replace the running one"
        down = api(base, "/api/v1/targets")["data"]["activeTargets"][0]
        assert down["health"] == "down" and down["lastError"]
    finally:
        stop(proc)


def test_rules_from_config_are_evaluated_and_listed(tmp_path: Path):
    (tmp_path / "rules.yml").write_text(
        "groups:\n  - name: g\n    interval: 1s\n    rules:\n"
        "      - record: job:up:sum\n        expr: sum by (job) (up)\n"
        "      - alert: TargetDown\n        expr: up == 0\n        labels: {severity: page}\n"
    )
    cfg = tmp_path / "prometheus.yml"
    cfg.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files: [rules.yml]\n"
        "scrape_configs:\n  - job_name: dead\n    static_configs:\n"
        "      - targets: ['127.0.0.1:1']\n"
    )
    proc, base = start([f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'data'}"])
    try:
        recorded = wait_for(
            lambda: api(base, "/api/v1/query", query="job:up:sum")["data"]["result"]
        )
        assert recorded[0]["metric"] == {"__name__": "job:up:sum", "job": "dead"}
        assert recorded[0]["value"][1] == "0"
        alerts = wait_for(lambda: api(base, "/api/v1/alerts")["data"]["alerts"])
        assert alerts[0]["labels"]["alertname"] == "TargetDown"
        assert alerts[0]["state"] == "firing"
        groups = api(base, "/api/v1/rules")["data"]["groups"]
        assert [r["name"] for r in groups[0]["rules"]] == ["job:up:sum", "TargetDown"]
        assert groups[0]["rules"][0]["health"] == "ok"
    finally:
        stop(proc)
