"""``append``: batched append throughput into head + WAL on one core (Argus only).

:mod:`bench.append_worker` runs pinned to CPU 0 (``taskset -c 0``) in a fresh process
and DB, once with scrape-sized batches (10k series per commit) and once with 1k-sample
batches. Figures:

- append + commit samples/s: time inside ``appender() / append / commit`` only, which
  includes the WAL write (durable per the DB's fsync policy when commit returns);
- including maintenance: the same samples over append time + the ``DB.maintain()``
  calls the server's background loop would make (about one per second: seal, cut,
  compact), so the figure is honest about the deferred work.

Prometheus has no comparable in-process API; its ingestion cost through scraping
belongs to the collection benchmarks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from typing import Any

from bench.argus_db import availability
from bench.context import Context
from bench.report import Result, Row

__all__ = ["run"]

DEFAULT_SERIES = 100_000
DEFAULT_SECONDS = 15.0
BATCHES = (10_000, 1_000)
GOAL = 2_000_000.0


def _worker(ctx: Context, n: int, batch: int, seconds: float) -> dict[str, Any]:
    db_dir = ctx.dir(f"argus-batch-{batch}") / "db"
    start_ms = (int(time.time() * 1000) // 7_200_000 - 12) * 7_200_000
    cmd = [
        sys.executable,
        "-m",
        "bench.append_worker",
        f"--db={db_dir}",
        f"--series={n}",
        f"--batch={batch}",
        f"--seconds={seconds}",
        f"--start-ms={start_ms}",
        f"--seed={ctx.seed}",
    ]
    taskset = shutil.which("taskset")
    if taskset:
        cmd = [taskset, "-c", "0", *cmd]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, timeout=seconds * 10 + 600, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"append worker failed: {proc.stderr[-3000:]}")
    info: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    info["pinned_with_taskset"] = bool(taskset)
    shutil.rmtree(db_dir, ignore_errors=True)
    return info


def run(ctx: Context) -> Result:
    n = ctx.series or DEFAULT_SERIES
    seconds = ctx.seconds or DEFAULT_SECONDS
    res = Result(
        "append",
        "Batched append throughput into head + WAL (one core)",
        {"series": n, "seconds": seconds, "batches": list(BATCHES)},
    )
    if not ctx.runs("argus"):
        res.notes.append("Argus not selected: nothing to measure.")
        return res
    why = availability()
    if why is not None:
        res.notes.append(f"Argus skipped: storage engine not usable yet ({why}).")
        return res
    for batch in BATCHES:
        info = _worker(ctx, n, batch, seconds)
        res.details[f"batch_{batch}"] = info
        rate = info["samples"] / info["append_s"]
        honest = info["samples"] / (
            info["append_s"] + info["maintain_s"] + info["final_maintain_s"]
        )
        ctx.log(f"batch {batch}: {rate / 1e6:.2f} M samples/s, with maintain {honest / 1e6:.2f} M")
        hours = info["rounds"] * 15 / 3600
        res.notes.append(
            f"{batch:,}-sample run: {info['samples'] / 1e6:.1f} M samples = {hours:.1f} h of data "
            f"at 15 s, so its maintain() time includes cutting {int(hours // 2)} or so 2h "
            f"block(s); {info['maintain_calls']} calls, {info['maintain_s']:.1f} s in total."
        )
        res.rows += [
            Row(
                f"append + commit, {batch:,}-sample batches",
                "samples/s",
                argus=rate,
                better="higher",
            ),
            Row(
                f"  including maintain(), {batch:,}-sample batches",
                "samples/s",
                argus=honest,
                better="higher",
            ),
            Row(f"  commit latency p50, {batch:,}", "ms", argus=info["commit_ms_p50"]),
            Row(f"  commit latency p99, {batch:,}", "ms", argus=info["commit_ms_p99"]),
            Row(f"  longest maintain() call, {batch:,}", "s", argus=info["max_maintain_s"]),
        ]
    res.notes += [
        f"Goal: >= {GOAL / 1e6:.0f} M samples/s with scrape-sized batches.",
        f"{n:,} series, refs resolved once; each batch one appender()/append/commit.",
        "maintain() ran about once per wall second plus once at the end (seal, cut, "
        "compact), timed separately and added in the 'including' rows.",
        "WAL fsync policy: the DBOptions default ('interval').",
        "Prometheus has no comparable in-process API, so there is no peer figure.",
    ]
    return res
