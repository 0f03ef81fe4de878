"""Real peers for side-by-side runs: promtool, Prometheus and VictoriaMetrics.

Each server runs from Debian's binaries on ``127.0.0.1`` at a free port, with its data
in a directory the caller owns, and is stopped by its PID only (SIGTERM, then SIGKILL
after a timeout). Use them as context managers so a failing benchmark still stops them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

__all__ = [
    "PROMETHEUS",
    "PROMTOOL",
    "VICTORIA_METRICS",
    "PeerError",
    "Prometheus",
    "Server",
    "VictoriaMetrics",
    "dir_size",
    "free_port",
    "http_get",
    "http_post",
    "promtool_backfill",
    "version_of",
]

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
VICTORIA_METRICS = shutil.which("victoria-metrics") or "/usr/bin/victoria-metrics"


class PeerError(RuntimeError):
    """A peer is missing, did not start, or answered with an error."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_get(url: str, *, timeout: float = 30.0) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.read()  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode(errors="replace")
        raise PeerError(f"GET {url}: HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise PeerError(f"GET {url}: {exc}") from exc


def http_post(
    url: str, body: bytes = b"", *, timeout: float = 120.0, content_type: str = "text/plain"
) -> bytes:
    req = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.read()  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode(errors="replace")
        raise PeerError(f"POST {url}: HTTP {exc.code}: {detail}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise PeerError(f"POST {url}: {exc}") from exc


def dir_size(path: Path, *, exclude: Iterable[str] = ()) -> int:
    """Apparent size (sum of file sizes) under ``path``, skipping top-level ``exclude``."""
    skip = set(exclude)
    total = 0
    if not path.exists():
        return 0
    for entry in path.iterdir():
        if entry.name in skip:
            continue
        if entry.is_file():
            total += entry.stat().st_size
        elif entry.is_dir():
            for root, _dirs, files in os.walk(entry):
                for f in files:
                    with contextlib.suppress(FileNotFoundError):
                        total += (Path(root) / f).stat().st_size
    return total


def version_of(binary: str) -> str:
    """The Debian package version that owns ``binary`` (VictoriaMetrics' ``-version`` is empty)."""
    try:
        owner = subprocess.run(
            ["dpkg-query", "-S", os.path.realpath(binary)],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        pkg = owner.stdout.split(":", 1)[0].strip()
        out = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", pkg],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return f"{pkg} {out.stdout.strip()}" if pkg and out.returncode == 0 else "unknown"


def promtool_backfill(input_file: Path, out_dir: Path, *, timeout: float = 900.0) -> float:
    """``promtool tsdb create-blocks-from openmetrics`` (2h blocks); returns wall seconds.

    promtool 2.42 has no ``--max-block-duration``: it writes 2h blocks, re-reading the
    whole input once per block.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [
        PROMTOOL,
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        "--quiet",
        str(input_file),
        str(out_dir),
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise PeerError(f"promtool failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return time.perf_counter() - t0


def rss_bytes(pid: int) -> int:
    """VmRSS of a process, from ``/proc/PID/status``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise PeerError(f"no VmRSS for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from ``/proc/PID/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


class Server:
    """A peer process on 127.0.0.1:``port``; stopped by PID on exit."""

    name = "server"
    ready_path = "/"

    def __init__(self, data_dir: Path, *, log_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.log_path = (log_dir or data_dir.parent) / f"{self.name}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise PeerError(f"{self.name} is not running")
        return self.proc.pid

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, *, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = self.command()
        if not Path(cmd[0]).exists():
            raise PeerError(f"{cmd[0]} is not installed")
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PeerError(
                    f"{self.name} exited with {self.proc.returncode}: {self.log_tail()}"
                )
            with contextlib.suppress(PeerError):
                http_get(self.url + self.ready_path, timeout=2.0)
                return
            time.sleep(0.2)
        self.stop()
        raise PeerError(f"{self.name} not ready after {timeout:.0f}s: {self.log_tail()}")

    def log_tail(self, n: int = 1500) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def stop(self, *, timeout: float = 60.0) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

    def metrics(self) -> list[tuple[str, float]]:
        """The server's own ``/metrics`` as ``(series, value)`` pairs."""
        out: list[tuple[str, float]] = []
        for raw in http_get(self.url + "/metrics").decode().splitlines():
            if not raw or raw[0] == "#":
                continue
            series, _, value = raw.rpartition(" ")
            with contextlib.suppress(ValueError):
                out.append((series, float(value)))
        return out

    def metric(self, name: str, *, having: str = "") -> float:
        """Sum of the samples of metric ``name`` whose series text contains ``having``."""
        return sum(v for s, v in self.metrics() if s.split("{", 1)[0] == name and having in s)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class Prometheus(Server):
    """Prometheus with a generated config (no targets unless ``scrape_configs`` given)."""

    name = "prometheus"
    ready_path = "/-/ready"

    def __init__(
        self,
        data_dir: Path,
        *,
        scrape_configs: Sequence[dict[str, Any]] = (),
        global_config: dict[str, Any] | None = None,
        retention: str = "10y",
        extra_flags: Sequence[str] = (),
        log_dir: Path | None = None,
    ) -> None:
        super().__init__(data_dir, log_dir=log_dir)
        self.config_path = self.log_path.with_suffix(".yml")
        self.scrape_configs = list(scrape_configs)
        self.global_config = global_config or {"scrape_interval": "15s"}
        self.retention = retention
        self.extra_flags = list(extra_flags)

    def write_config(self) -> None:
        # JSON is YAML: no YAML dependency for writing the config.
        cfg = {"global": self.global_config, "scrape_configs": self.scrape_configs}
        self.config_path.write_text(json.dumps(cfg, indent=2))

    def reload(self, scrape_configs: Sequence[dict[str, Any]]) -> None:
        """Rewrite the config and ``POST /-/reload`` (needs ``--web.enable-lifecycle``)."""
        self.scrape_configs = list(scrape_configs)
        self.write_config()
        http_post(self.url + "/-/reload", timeout=60.0)

    def command(self) -> list[str]:
        self.write_config()
        return [
            PROMETHEUS,
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.data_dir}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            f"--storage.tsdb.retention.time={self.retention}",
            "--log.level=warn",
            *self.extra_flags,
        ]

    def query(self, expr: str, *, time_s: float | None = None, timeout: float = 300.0) -> bytes:
        params = {"query": expr}
        if time_s is not None:
            params["time"] = f"{time_s:.3f}"
        return http_get(
            self.url + "/api/v1/query?" + urllib.parse.urlencode(params), timeout=timeout
        )

    def block_dirs(self) -> list[Path]:
        return sorted(
            p
            for p in self.data_dir.iterdir()
            if p.is_dir() and len(p.name) == 26 and (p / "meta.json").exists()
        )


class VictoriaMetrics(Server):
    name = "victoria-metrics"
    ready_path = "/health"

    def __init__(
        self,
        data_dir: Path,
        *,
        extra_flags: Sequence[str] = (),
        log_dir: Path | None = None,
    ) -> None:
        super().__init__(data_dir, log_dir=log_dir)
        self.extra_flags = list(extra_flags)

    def command(self) -> list[str]:
        return [
            VICTORIA_METRICS,
            f"-storageDataPath={self.data_dir}",
            f"-httpListenAddr=127.0.0.1:{self.port}",
            "-retentionPeriod=100y",
            "-loggerLevel=WARN",
            *self.extra_flags,
        ]

    def import_prometheus(self, chunks: Iterable[bytes]) -> int:
        """POST text-format chunks to ``/api/v1/import/prometheus``; returns bytes sent."""
        sent = 0
        for chunk in chunks:
            http_post(self.url + "/api/v1/import/prometheus", chunk, timeout=600.0)
            sent += len(chunk)
        return sent

    def flush(self) -> None:
        http_get(self.url + "/internal/force_flush", timeout=300.0)

    def force_merge(self) -> None:
        http_get(self.url + "/internal/force_merge", timeout=1800.0)

    def wait_merges(self, *, timeout: float = 300.0, settle: float = 5.0) -> float:
        """Wait until no merge is running and the data size is stable; returns seconds."""
        t0 = time.monotonic()
        last = -1
        stable_since = time.monotonic()
        while time.monotonic() - t0 < timeout:
            active = self.metric("vm_active_merges")
            size = dir_size(self.data_dir / "data")
            if size != last or active > 0:
                last = size
                stable_since = time.monotonic()
            elif time.monotonic() - stable_since >= settle:
                break
            time.sleep(1.0)
        return time.monotonic() - t0
