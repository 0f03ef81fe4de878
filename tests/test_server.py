"""The server process: Prometheus flags, lifecycle endpoints, clean stop on SIGTERM."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
import urllib.request

import pytest


@pytest.fixture
def server(tmp_path):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "argus",
            "--web.listen-address=127.0.0.1:0",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            "--storage.tsdb.retention.time=1d",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    port = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and port is None:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"ready to receive web requests on 127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
    if not port:
        proc.kill()
        proc.wait()
        proc.stderr.close()
        pytest.fail("server did not report its address")
    yield proc, f"http://127.0.0.1:{port}"
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    proc.stderr.close()


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read().decode()


def test_health_ready_and_metrics(server):
    proc, base = server
    assert get(base + "/-/healthy") == (200, "Argus Server is Healthy.\n")
    assert get(base + "/-/ready")[0] == 200
    status, body = get(base + "/metrics")
    assert status == 200
    assert re.search(r"^prometheus_tsdb_head_series 0$", body, re.M)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0


def test_bad_flag_value_names_the_problem(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "argus", "--storage.tsdb.retention.time=15 days"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert "not a valid duration string" in out.stderr
