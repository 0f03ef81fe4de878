"""Loading a data set into Prometheus: promtool backfill, then waiting for compaction.

promtool 2.42 re-reads its whole input once per 2h block, so the data set is written as
one OpenMetrics file per aligned 2h window and promtool runs once per file (the next
file is generated while promtool chews on the previous one). The blocks are the same
as from one big file.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.dataset import Dataset, series_text, windows
from bench.peers import PROMTOOL, PeerError, Prometheus, dir_size

__all__ = ["BLOCK_MS", "prom_blocks", "promtool_windows", "wait_compaction"]

BLOCK_MS = 2 * 3_600_000


def promtool_windows(
    ds: Dataset, work: Path, out: Path, log: Callable[[str], None]
) -> dict[str, Any]:
    """Backfill ``ds`` into Prometheus blocks under ``out``; returns timings and sizes."""
    out.mkdir(parents=True, exist_ok=True)
    running: subprocess.Popen[bytes] | None = None
    running_file: Path | None = None

    def finish() -> None:
        nonlocal running, running_file
        if running is None:
            return
        _, err = running.communicate(timeout=900)
        if running.returncode != 0:
            raise PeerError(f"promtool failed: {err.decode(errors='replace')[-2000:]}")
        if running_file is not None:
            running_file.unlink(missing_ok=True)
        running = running_file = None

    t0 = time.perf_counter()
    t_gen = 0.0
    in_bytes = 0
    try:
        for i, win in enumerate(windows(ds, BLOCK_MS)):
            f = work / f"window-{i:03d}.om"
            g0 = time.perf_counter()
            with f.open("wb") as fh:
                for chunk in series_text(ds, seconds=True, window=win):
                    fh.write(chunk)
                    in_bytes += len(chunk)
                fh.write(b"# EOF\n")
            t_gen += time.perf_counter() - g0
            finish()
            cmd = [
                PROMTOOL,
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                "--quiet",
                str(f),
                str(out),
            ]
            running = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            running_file = f
        finish()
    finally:
        if running is not None and running.poll() is None:
            running.kill()  # Popen.kill signals this child's PID only.
            with contextlib.suppress(subprocess.TimeoutExpired):
                running.wait(timeout=30)
    total = time.perf_counter() - t0
    log(f"promtool: {in_bytes / 1e6:.0f} MB of OpenMetrics in {total:.0f} s")
    return {"openmetrics_bytes": in_bytes, "text_generation_s": t_gen, "backfill_total_s": total}


def prom_blocks(prom: Prometheus) -> list[dict[str, Any]]:
    """Each block's ULID, compaction level, samples, bytes and span (hours)."""
    out = []
    for d in prom.block_dirs():
        try:
            meta = json.loads((d / "meta.json").read_text())
        except (OSError, ValueError):
            continue
        out.append(
            {
                "ulid": d.name,
                "level": meta["compaction"]["level"],
                "samples": meta["stats"]["numSamples"],
                "bytes": dir_size(d),
                "hours": (meta["maxTime"] - meta["minTime"]) / 3_600_000,
            }
        )
    return out


def wait_compaction(prom: Prometheus, *, timeout: float, settle: float = 10.0) -> float:
    """Wait until the running Prometheus has changed its block set and left it alone for
    ``settle`` seconds (it first compacts about a minute after start), or ``timeout``.

    Returns the seconds waited.
    """
    t0 = time.monotonic()
    before = {b["ulid"] for b in prom_blocks(prom)}
    last, last_change = before, time.monotonic()
    while time.monotonic() - t0 < timeout:
        time.sleep(2.0)
        now = {b["ulid"] for b in prom_blocks(prom)}
        if now != last:
            last, last_change = now, time.monotonic()
        if now != before and time.monotonic() - last_change > settle:
            break
    return time.monotonic() - t0
