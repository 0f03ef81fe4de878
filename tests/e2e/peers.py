"""Real processes for end-to-end tests: Argus and Debian's Prometheus on 127.0.0.1.

Each runs on a free port with its output in a log file under the test's tmp_path, and
is stopped by its own PID (SIGTERM, then SIGKILL) when the ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bench.peers import Prometheus

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get_json(url: str, **params: str) -> Any:
    query = "?" + urllib.parse.urlencode(params) if params else ""
    with urllib.request.urlopen(url + query, timeout=10) as r:
        return json.load(r)


def wait_for(fn: Callable[[], T | None], what: str, timeout: float = 20.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError, ValueError):
            value = fn()
            if value:
                return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.25)


@contextlib.contextmanager
def process(cmd: list[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A subprocess with its output in ``log``, stopped by its PID on exit."""
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def argus_command(data: Path, config: Path, port: int, *flags: str) -> list[str]:
    """The command line of ``python -m argus`` on ``config`` with its data in ``data``."""
    return [
        sys.executable,
        "-m",
        "argus",
        f"--config.file={config}",
        f"--storage.tsdb.path={data}",
        f"--web.listen-address=127.0.0.1:{port}",
        *flags,
    ]


def wait_ready(base: str, what: str = "Argus", timeout: float = 30.0) -> None:
    wait_for(lambda: urllib.request.urlopen(base + "/-/ready", timeout=5).read(), what, timeout)


@contextlib.contextmanager
def argus(tmp_path: Path, config: Path, *flags: str, port: int = 0) -> Iterator[str]:
    """``python -m argus`` on ``config``; yields its base URL once ready."""
    port = port or free_port()
    cmd = argus_command(tmp_path / "argus-data", config, port, *flags)
    with process(cmd, tmp_path / "argus.log"):
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        yield base


@contextlib.contextmanager
def prometheus(tmp_path: Path, config: Path, *flags: str) -> Iterator[str]:
    """Debian's Prometheus on ``config``; yields its base URL once ready."""
    port = free_port()
    cmd = [
        PROMETHEUS,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'prom-data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--log.level=warn",
        *flags,
    ]
    with process(cmd, tmp_path / "prometheus.log"):
        base = f"http://127.0.0.1:{port}"
        wait_for(lambda: urllib.request.urlopen(base + "/-/ready", timeout=5).read(), "Prometheus")
        yield base


@contextlib.contextmanager
def generated_target(body: bytes) -> Iterator[str]:
    """A target serving ``body`` as text format 0.0.4; yields its host:port."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class ConfiguredServer(Prometheus):
    """Prometheus or Argus (by ``argv0``) run on a whole config document (JSON is YAML),
    with bench's process handling: free port, log file, stop by PID."""

    def __init__(
        self, data_dir: Path, config: dict[str, Any], argv0: list[str], *flags: str
    ) -> None:
        super().__init__(data_dir, log_dir=data_dir.parent)
        self.config = config
        self.argv0 = argv0
        self.flags = flags

    def write_config(self) -> None:
        self.config_path.write_text(json.dumps(self.config))

    def command(self) -> list[str]:
        self.write_config()
        return [
            *self.argv0,
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.data_dir}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
            *self.flags,
        ]
