"""``memory``: resident memory per active series in the head.

The same ``--series`` label sets (default 1M, node_exporter-like) with the same values
get ``SCRAPES`` samples each, 15 s apart:

- Prometheus scrapes a pre-generated exposition body (``honor_labels``, no sample or
  body-size limit) ``SCRAPES`` times. The baseline RSS is taken before the target is
  added (config reload), the final one after the last scrape plus a settle time.
- VictoriaMetrics imports the same lines with ms timestamps via
  ``/api/v1/import/prometheus``; baseline after start, final after a flush and settle.
- Argus: :mod:`bench.memory_worker` in a subprocess appends through the appender and
  runs ``maintain()`` after each commit; baseline after imports (Python + NumPy +
  Argus). There is no scraper yet, so its parse caches are not counted.

Figures are VmRSS from ``/proc/PID/status``; KB = 1024 bytes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

from bench.context import Context
from bench.dataset import Dataset, generate, series_name
from bench.peers import Prometheus, VictoriaMetrics
from bench.report import Result, Row
from bench.target import ScrapeTarget, exposition

__all__ = ["run"]

DEFAULT_SERIES = 1_000_000
SCRAPES = 8
INTERVAL_MS = 15_000
SETTLE_S = 20.0
KB = 1024.0


def run_prometheus(ds: Dataset, body: bytes, ctx: Context) -> dict[str, Any]:
    work = ctx.dir("prometheus")
    prom = Prometheus(work / "data", log_dir=work, extra_flags=["--web.enable-lifecycle"])
    n = ds.n_series
    info: dict[str, Any] = {}
    with ScrapeTarget(body) as target, prom:
        time.sleep(5.0)
        info["baseline_rss"] = prom.rss()
        prom.reload(
            [
                {
                    "job_name": "node",
                    "honor_labels": True,
                    "scrape_interval": "15s",
                    "scrape_timeout": "14s",
                    "sample_limit": 0,
                    "body_size_limit": "0",
                    "static_configs": [{"targets": [target.address]}],
                }
            ]
        )
        deadline = time.monotonic() + SCRAPES * 15 + 180
        appended = 0.0
        while time.monotonic() < deadline:
            appended = prom.metric("prometheus_tsdb_head_samples_appended_total")
            if target.requests >= SCRAPES and appended >= SCRAPES * n:
                break
            time.sleep(1.0)
        info["scrapes_served"] = target.requests
        info["samples_appended"] = appended
        time.sleep(SETTLE_S)
        info["rss"] = prom.rss()
        info["head_series"] = prom.metric("prometheus_tsdb_head_series")
        info["process_resident_memory_bytes"] = prom.metric("process_resident_memory_bytes")
        info["go_memstats_heap_inuse_bytes"] = prom.metric("go_memstats_heap_inuse_bytes")
        info["cpu_s"] = prom.cpu()
    ctx.log(
        f"prometheus: {info['scrapes_served']} scrapes, {info['head_series']:.0f} head series, "
        f"RSS {info['rss'] / 2**20:.0f} MiB"
    )
    return info


def _import_lines(ds: Dataset, ts_ms: int, per_chunk: int = 100_000) -> list[bytes]:
    suffix = f" {ts_ms}\n"
    vals = [repr(v) for v in ds.values[:, 0].tolist()]
    chunks = []
    for lo in range(0, ds.n_series, per_chunk):
        hi = min(lo + per_chunk, ds.n_series)
        chunks.append(
            "".join(
                [f"{series_name(ds.labels[i])} {vals[i]}{suffix}" for i in range(lo, hi)]
            ).encode()
        )
    return chunks


def run_victoriametrics(ds: Dataset, start_ms: int, ctx: Context) -> dict[str, Any]:
    work = ctx.dir("victoriametrics")
    vm = VictoriaMetrics(work / "data", log_dir=work)
    info: dict[str, Any] = {}
    with vm:
        time.sleep(3.0)
        info["baseline_rss"] = vm.rss()
        t0 = time.perf_counter()
        for k in range(SCRAPES):
            vm.import_prometheus(_import_lines(ds, start_ms + k * INTERVAL_MS))
        info["import_s"] = time.perf_counter() - t0
        vm.flush()
        time.sleep(SETTLE_S)
        info["rss"] = vm.rss()
        info["rows_inserted"] = vm.metric("vm_rows_inserted_total")
        info["new_series"] = vm.metric("vm_new_timeseries_created_total")
        info["process_resident_memory_bytes"] = vm.metric("process_resident_memory_bytes")
        info["go_memstats_heap_inuse_bytes"] = vm.metric("go_memstats_heap_inuse_bytes")
        info["cpu_s"] = vm.cpu()
    ctx.log(f"victoria-metrics: RSS {info['rss'] / 2**20:.0f} MiB")
    return info


def run_argus(n: int, start_ms: int, ctx: Context) -> dict[str, Any]:
    work = ctx.dir("argus")
    cmd = [
        sys.executable,
        "-m",
        "bench.memory_worker",
        f"--db={work / 'db'}",
        f"--series={n}",
        f"--scrapes={SCRAPES}",
        f"--start-ms={start_ms}",
        f"--seed={ctx.seed}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"memory worker failed: {proc.stderr[-3000:]}")
    info: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    ctx.log(
        f"argus: RSS {info['rss_after_trim'] / 2**20:.0f} MiB "
        f"(baseline {info['baseline_rss'] / 2**20:.0f} MiB)"
    )
    return info


def run(ctx: Context) -> Result:
    n = ctx.series or DEFAULT_SERIES
    start_ms = (int(time.time() * 1000) // INTERVAL_MS - SCRAPES - 1) * INTERVAL_MS
    res = Result(
        "memory",
        "Resident memory per active head series",
        {"series": n, "samples_per_series": SCRAPES, "interval_s": INTERVAL_MS // 1000},
    )
    need_data = ctx.runs("prometheus") or ctx.runs("victoriametrics")
    ds = generate(n, 1, start_ms=start_ms, seed=ctx.seed, resets=False) if need_data else None
    per: dict[str, dict[str, float | None]] = {
        k: {"argus": None, "prometheus": None, "victoriametrics": None}
        for k in ("delta", "full", "rss_metric", "heap")
    }
    if ds is not None and ctx.runs("prometheus"):
        body = exposition(ds)
        res.details["body_bytes"] = len(body)
        p = run_prometheus(ds, body, ctx)
        del body
        res.details["prometheus"] = p
        per["delta"]["prometheus"] = (p["rss"] - p["baseline_rss"]) / n / KB
        per["full"]["prometheus"] = p["rss"] / n / KB
        per["rss_metric"]["prometheus"] = p["process_resident_memory_bytes"] / n / KB
        per["heap"]["prometheus"] = p["go_memstats_heap_inuse_bytes"] / n / KB
        if p["scrapes_served"] < SCRAPES or p["samples_appended"] < SCRAPES * n:
            res.notes.append(
                f"Prometheus only got {p['scrapes_served']} scrapes / "
                f"{p['samples_appended']:.0f} samples before the timeout."
            )
    if ds is not None and ctx.runs("victoriametrics"):
        v = run_victoriametrics(ds, start_ms, ctx)
        res.details["victoriametrics"] = v
        per["delta"]["victoriametrics"] = (v["rss"] - v["baseline_rss"]) / n / KB
        per["full"]["victoriametrics"] = v["rss"] / n / KB
        per["rss_metric"]["victoriametrics"] = v["process_resident_memory_bytes"] / n / KB
        per["heap"]["victoriametrics"] = v["go_memstats_heap_inuse_bytes"] / n / KB
        if v["rows_inserted"] < SCRAPES * n or v["new_series"] < n:
            res.notes.append(
                f"VictoriaMetrics reports {v['rows_inserted']:.0f} rows inserted and "
                f"{v['new_series']:.0f} new series, expected {SCRAPES * n} and {n}."
            )
        res.notes.append(
            "VictoriaMetrics keeps little per series in memory after ingestion (parts are "
            "on disk, caches fill on queries); its RSS grows once queries run."
        )
    del ds
    if ctx.runs("argus"):
        from bench.argus_db import availability

        why = availability()
        if why is None:
            a = run_argus(n, start_ms, ctx)
            res.details["argus"] = a
            per["delta"]["argus"] = (a["rss_after_trim"] - a["baseline_rss"]) / n / KB
            per["full"]["argus"] = a["rss_after_trim"] / n / KB
            res.rows.append(
                Row(
                    "Argus RSS minus baseline, before malloc_trim",
                    "KB/series",
                    argus=(a["rss_after_gc"] - a["baseline_rss"]) / n / KB,
                )
            )
        else:
            res.notes.append(f"Argus skipped: storage engine not usable yet ({why}).")
    res.rows[0:0] = [
        Row.of("RSS minus baseline", "KB/series", per["delta"]),
        Row.of("RSS, whole process", "KB/series", per["full"]),
        Row.of("process_resident_memory_bytes", "KB/series", per["rss_metric"]),
        Row.of("go_memstats_heap_inuse_bytes", "KB/series", per["heap"]),
    ]
    res.notes += [
        "Argus has no scraper yet: it appends the same series and values through the "
        "appender with cached refs (no parse caches, no per-target state).",
        "Argus baseline = RSS after importing NumPy and Argus; Prometheus baseline = RSS "
        "before the target was added; VictoriaMetrics baseline = RSS after start.",
        "Argus figures are after gc.collect() and malloc_trim(0) (returns freed heap the "
        "benchmark's own label generation left behind); the untrimmed figure is its own row.",
        f"RSS read {SETTLE_S:.0f} s after the last sample, without forcing a Go GC.",
    ]
    return res
