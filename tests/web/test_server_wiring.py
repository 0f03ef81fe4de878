"""``python -m argus`` wires the web layer: flags reach it, the DB backs the admin and
status endpoints, and ``/-/quit`` stops the process cleanly."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CONFIG = """global:
  scrape_interval: 15s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:1"]
  - job_name: idle
"""


@pytest.fixture
def argus(tmp_path: Path):
    cfg = tmp_path / "argus.yml"
    cfg.write_text(CONFIG)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "argus",
            "--web.listen-address=127.0.0.1:0",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--config.file={cfg}",
            "--web.enable-admin-api",
            "--web.enable-lifecycle",
            "--query.timeout=30s",
            "--query.lookback-delta=1m",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    port = None
    deadline = time.monotonic() + 30
    while port is None and time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"ready to receive web requests on 127\.0\.0\.1:(\d+)", line)
        port = int(m.group(1)) if m else None
    assert port, "server did not report its address"
    yield proc, f"http://127.0.0.1:{port}", tmp_path / "data"
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)
    proc.stderr.close()


def _call(url: str, method: str = "GET") -> tuple[int, bytes]:
    req = urllib.request.Request(url, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.read()


def test_flags_status_admin_and_quit(argus) -> None:
    proc, base, data = argus
    flags = json.loads(_call(base + "/api/v1/status/flags")[1])["data"]
    assert flags["query.timeout"] == "30s"
    assert flags["query.lookback-delta"] == "1m"
    assert flags["web.enable-admin-api"] == "true"
    config = json.loads(_call(base + "/api/v1/status/config")[1])["data"]
    assert config == {"yaml": CONFIG}
    pools = json.loads(_call(base + "/api/v1/scrape_pools")[1])["data"]
    assert pools == {"scrapePools": ["idle", "node"]}
    targets = json.loads(_call(base + "/api/v1/targets?scrapePool=node")[1])["data"]
    assert [t["scrapeUrl"] for t in targets["activeTargets"]] == ["http://127.0.0.1:1/metrics"]
    targets = json.loads(_call(base + "/api/v1/targets?scrapePool=idle")[1])["data"]
    assert targets["activeTargets"] == []
    tsdb = json.loads(_call(base + "/api/v1/status/tsdb")[1])["data"]
    assert tsdb["headStats"]["numSeries"] == 0
    status, body = _call(base + "/api/v1/admin/tsdb/snapshot", "POST")
    assert status == 200
    name = json.loads(body)["data"]["name"]
    assert (data / "snapshots" / name).is_dir()
    assert _call(base + "/api/v1/query?query=vector(1)")[0] == 200
    assert _call(base + "/-/quit", "POST") == (
        200,
        b"Requesting termination... Goodbye!\n",
    )
    assert proc.wait(timeout=30) == 0
