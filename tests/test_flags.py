"""Prometheus's server flags on Argus's command line.

Every flag the installed Prometheus lists in ``--help-long``, and the newer ones of
Prometheus 3.x, is accepted with a value of Prometheus's syntax; the ones Argus acts on
reach the components; inert ones warn; the two refused ones stop the start with a
reason. A real server reloads itself with ``--config.auto-reload`` and logs JSON with
``--log.format=json``.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from argus.cli import build_parser, flag_values, main
from argus.flags import check_compat_flags
from argus.server import db_options, external_url, notifier_options, rule_options
from tests.e2e.peers import argus_command, free_port, get_json, process, wait_for, wait_ready

PROMETHEUS = shutil.which("prometheus")

# Values for flags whose help shows a placeholder instead of a default.
PLACEHOLDERS = {
    "<URL>": "http://prom.example.org:9090/",
    "<path>": "/prometheus",
    "<duration>": "1m",
    "STORAGE.TSDB.RETENTION": "15d",
    "STORAGE.TSDB.RETENTION.TIME": "15d",
    "STORAGE.TSDB.RETENTION.SIZE": "10GB",
    "STORAGE.AGENT.RETENTION.MIN-TIME": "1h",
    "STORAGE.AGENT.RETENTION.MAX-TIME": "4h",
}

# Prometheus 3.x flags (cmd/prometheus/main.go) that 2.42 does not list.
PROMETHEUS_3 = [
    "--config.auto-reload",
    "--config.auto-reload-interval=30s",
    "--auto-gomaxprocs",
    "--no-auto-gomemlimit",
    "--auto-gomemlimit.ratio=0.9",
    "--web.max-notifications-subscribers=16",
    "--web.enable-otlp-receiver",
    "--web.remote-write-receiver.accepted-protobuf-messages=prometheus.WriteRequest",
    "--web.search.max-limit=1000",
    "--storage.tsdb.min-block-duration=2h",
    "--storage.tsdb.max-block-duration=1d",
    "--storage.tsdb.max-block-chunk-segment-size=512MB",
    "--storage.tsdb.wal-segment-size=64MB",
    "--storage.tsdb.no-lockfile",
    "--storage.tsdb.allow-overlapping-compaction",
    "--no-storage.tsdb.wal-compression",
    "--storage.tsdb.wal-compression-type=zstd",
    "--storage.tsdb.samples-per-chunk=120",
    "--storage.tsdb.delayed-compaction.max-percent=10",
    "--storage.tsdb.block-reload-interval=1m",
    "--rules.max-concurrent-evals=4",
    "--alertmanager.notification-batch-size=64",
    "--no-alertmanager.drain-notification-queue-on-shutdown",
    "--scrape.adjust-timestamps",
    "--scrape.timestamp-tolerance=2ms",
    "--scrape.discovery-reload-interval=5s",
]


def prometheus_flags() -> list[str]:
    """``--name=value`` for every flag of the installed Prometheus's ``--help-long``."""
    assert PROMETHEUS is not None
    done = subprocess.run([PROMETHEUS, "--help-long"], capture_output=True, text=True, check=False)
    out = done.stdout + done.stderr  # kingpin's help goes to stdout or stderr by version
    flags = []
    for m in re.finditer(r"^\s+(--[a-z0-9.-]+)(?:=(\S+))?", out, re.M):
        name, value = m.group(1), m.group(2)
        if name in ("--help", "--help-long", "--help-man", "--version", "--web.external-url."):
            continue
        if name in ("--web.config.file", "--agent"):
            continue  # refused: tested below
        if name == "--enable-feature":
            value = "exemplar-storage,promql-at-modifier"
        if value is None:
            flags.append(name)
            continue
        value = PLACEHOLDERS.get(value, value.strip('"'))
        if name == "--web.page-title":
            value = "Prometheus"
        flags.append(f"{name}={value}")
    return flags


@pytest.mark.skipif(PROMETHEUS is None, reason="Debian package 'prometheus' missing")
def test_every_prometheus_flag_is_accepted(caplog: pytest.LogCaptureFixture) -> None:
    argv = prometheus_flags() + PROMETHEUS_3
    assert len(argv) > 60
    parser = build_parser()
    args = parser.parse_args(argv)
    with caplog.at_level(logging.WARNING, logger="argus.flags"):
        assert check_compat_flags(args) is None
    values = flag_values(parser, args)
    # Listed by /api/v1/status/flags under Prometheus's names.
    assert values["web.read-timeout"] == "5m"
    assert values["storage.remote.read-sample-limit"] == "50000000"
    assert values["enable-feature"] == "exemplar-storage,promql-at-modifier"
    assert values["storage.tsdb.wal-compression"] == "false"
    warned = caplog.text
    assert "flag --web.console.templates is accepted for compatibility" in warned
    assert "flag --web.route-prefix is accepted for compatibility" in warned
    assert "unknown feature" not in warned


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--web.config.file=web.yml"], "--web.config.file: TLS and basic-auth web config"),
        (["--agent"], "--agent: Agent mode: not supported yet"),
        (["--log.format=xml"], "--log.format: must be logfmt or json"),
        (["--rules.alert.resend-delay=1x"], "argument --rules.alert.resend-delay"),
    ],
)
def test_refused_and_malformed_flags_stop_the_start(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_wired_flags_reach_their_components() -> None:
    args = build_parser().parse_args(
        [
            "--storage.tsdb.min-block-duration=30m",
            "--storage.tsdb.max-block-duration=6h",
            "--storage.tsdb.wal-segment-size=16MB",
            "--storage.tsdb.retention=7d",
            "--rules.alert.resend-delay=2m",
            "--rules.alert.for-outage-tolerance=2h",
            "--rules.alert.for-grace-period=5m",
            "--alertmanager.notification-queue-capacity=50",
            "--alertmanager.notification-batch-size=10",
            "--web.external-url=https://argus.example.org/prom/",
        ]
    )
    db = db_options(args)
    assert (db.block_range_ms, db.max_block_ms) == (1_800_000, 21_600_000)
    assert db.wal_segment_size == 16 * 2**20
    assert db.retention_ms == 7 * 86_400_000
    rules = rule_options(args, 9090)
    assert (rules.resend_delay_ms, rules.outage_tolerance_ms, rules.for_grace_period_ms) == (
        120_000,
        7_200_000,
        300_000,
    )
    assert rules.external_url == "https://argus.example.org/prom/"
    notify = notifier_options(args)
    assert (notify.queue_capacity, notify.max_batch) == (50, 10)
    # retention.time wins over the deprecated flag, as in Prometheus.
    both = build_parser().parse_args(
        ["--storage.tsdb.retention=7d", "--storage.tsdb.retention.time=1d"]
    )
    assert db_options(both).retention_ms == 86_400_000


def test_default_external_url_is_prometheus_s() -> None:
    args = build_parser().parse_args([])
    url = external_url(args, 9090)
    assert re.fullmatch(r"http://[^/:]+:9090/", url), url


def test_config_auto_reload_and_json_logs(tmp_path: Path) -> None:
    config = tmp_path / "argus.yml"
    config.write_text("scrape_configs: []\n")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = argus_command(
        tmp_path / "data",
        config,
        port,
        "--config.auto-reload",
        "--config.auto-reload-interval=1s",
        "--log.format=json",
    )
    log = tmp_path / "argus.log"
    with process(cmd, log):
        wait_ready(base)
        assert get_json(base + "/api/v1/scrape_pools")["data"]["scrapePools"] == []
        started = time.monotonic()
        config.write_text(
            "scrape_configs:\n  - job_name: added\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{port}']}}]\n"
        )
        wait_for(
            lambda: get_json(base + "/api/v1/scrape_pools")["data"]["scrapePools"] == ["added"],
            "the auto-reload",
            timeout=10,
        )
        assert time.monotonic() - started < 5
        flags = get_json(base + "/api/v1/status/flags")["data"]
        assert flags["config.auto-reload"] == "true"
        assert flags["config.auto-reload-interval"] == "1s"
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert any(d["msg"] == "configuration files changed, reloading" for d in lines)
    assert all({"time", "level", "source", "msg"} <= set(d) for d in lines)
