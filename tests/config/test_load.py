"""prometheus.yml cases from tests/config/testdata: *.good.yml load, *.bad.yml fail.

A bad file states what it expects in its first lines: ``# error: <substring>`` and
``# line: <YAML line of the error>``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from argus.config import ConfigError, load_file, load_string
from argus.model import Labels

TESTDATA = Path(__file__).parent / "testdata"
GOOD = sorted(TESTDATA.glob("*.good.yml"))
BAD = sorted(TESTDATA.glob("*.bad.yml"))


def _expect(path: Path) -> tuple[str, int]:
    text = path.read_text()
    error = re.search(r"^# error: (.*)$", text, re.M)
    line = re.search(r"^# line: (\d+)$", text, re.M)
    assert error and line, f"{path.name} must state '# error:' and '# line:'"
    return error.group(1), int(line.group(1))


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_good_files_load(path):
    cfg = load_file(path)
    assert cfg.source == str(path)
    for sc in cfg.scrape_configs:
        assert sc.scrape_timeout is not None and sc.scrape_interval is not None
        assert sc.scrape_timeout <= sc.scrape_interval


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_files_name_error_and_line(path):
    want, line = _expect(path)
    with pytest.raises(ConfigError) as info:
        load_file(path)
    assert want in str(info.value)
    assert info.value.line == line, str(info.value)
    assert str(info.value).startswith(f"{path}:{line}:")


def test_defaults_are_prometheus_defaults():
    cfg = load_string("scrape_configs: [{job_name: a}]")
    g = cfg.global_
    assert (g.scrape_interval, g.scrape_timeout, g.evaluation_interval) == (60_000, 10_000, 60_000)
    sc = cfg.scrape_configs[0]
    assert (sc.metrics_path, sc.scheme, sc.honor_labels, sc.honor_timestamps) == (
        "/metrics",
        "http",
        False,
        True,
    )
    assert (sc.scrape_interval, sc.scrape_timeout) == (60_000, 10_000)
    assert sc.enable_compression and sc.http.follow_redirects


def test_jobs_inherit_global_values():
    cfg = load_string(
        "global: {scrape_interval: 5s, sample_limit: 10, body_size_limit: 1KB}\n"
        "scrape_configs: [{job_name: a}, {job_name: b, scrape_interval: 1s, sample_limit: 3}]"
    )
    a, b = cfg.scrape_configs
    # The default 10s timeout exceeds a 5s interval, so it shrinks to the interval.
    assert (a.scrape_interval, a.scrape_timeout, a.sample_limit, a.body_size_limit) == (
        5000,
        5000,
        10,
        1024,
    )
    assert (b.scrape_interval, b.scrape_timeout, b.sample_limit) == (1000, 1000, 3)


def test_unimplemented_discoveries_are_kept_raw():
    cfg = load_file(TESTDATA / "v3.good.yml")
    k8s = cfg.job("k8s")
    assert k8s is not None and k8s.other_sd_configs == {"kubernetes_sd_configs": [{"role": "pod"}]}
    assert cfg.global_.body_size_limit == 10 * 2**20
    utf8 = cfg.job("utf8")
    assert utf8 is not None and utf8.static_configs[0].labels == Labels.of(
        **{"service.name": "web"}
    )


def test_full_file_details():
    cfg = load_file(TESTDATA / "full.good.yml")
    assert cfg.global_.external_labels == Labels.of(cluster="eu-1", replica="a")
    prom = cfg.job("prometheus")
    assert prom is not None and prom.params == (("match[]", ('{job="node"}',)),)
    assert len(prom.relabel_configs) == 3 and len(prom.metric_relabel_configs) == 2
    node = cfg.job("node")
    assert node is not None and node.http.basic_auth is not None
    assert "secret" not in repr(node)
    assert cfg.remote_write[0].remote_timeout == 10_000
    assert cfg.alerting.alertmanagers[0].timeout == 5000


@pytest.mark.e2e
@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed")
@pytest.mark.parametrize("path", GOOD + BAD, ids=[p.name for p in GOOD + BAD])
def test_promtool_agrees(path, tmp_path):
    """Prometheus's own checker accepts our good files and rejects our bad ones.

    A file may say ``# promtool: skip (why)`` or, for a bad file Argus rejects and
    this promtool accepts, ``# promtool: accepts (why)``: the divergence is pinned.
    """
    text = path.read_text()
    note = re.search(r"^# promtool: (\w+)", text, re.M)
    if note and note.group(1) == "skip":
        pytest.skip("file uses features newer than this promtool")
    # Copy so relative rule_files globs resolve (to nothing) next to the file.
    copy = tmp_path / path.name
    copy.write_text(text)
    proc = subprocess.run(
        ["promtool", "check", "config", "--syntax-only", str(copy)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if path in GOOD or (note and note.group(1) == "accepts"):
        assert proc.returncode == 0, proc.stdout + proc.stderr
    else:
        assert proc.returncode != 0, proc.stdout + proc.stderr


def test_scrape_config_files_are_merged(tmp_path):
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "a.yml").write_text("scrape_configs:\n  - job_name: extra\n")
    (tmp_path / "main.yml").write_text(
        "global: {scrape_interval: 7s}\n"
        "scrape_config_files: [jobs/*.yml]\n"
        "scrape_configs: [{job_name: main}]\n"
    )
    cfg = load_file(tmp_path / "main.yml")
    assert [sc.job_name for sc in cfg.scrape_configs] == ["main", "extra"]
    assert cfg.scrape_configs[1].scrape_interval == 7000
    (tmp_path / "jobs" / "b.yml").write_text("scrape_configs:\n  - job_name: main\n")
    with pytest.raises(ConfigError, match="found multiple scrape configs with job name 'main'"):
        load_file(tmp_path / "main.yml")
    (tmp_path / "jobs" / "b.yml").write_text("scrape_configs:\n  - job_name: c\n    bogus: 1\n")
    with pytest.raises(ConfigError) as info:
        load_file(tmp_path / "main.yml")
    assert str(info.value).startswith(f"{tmp_path / 'jobs' / 'b.yml'}:3:")
