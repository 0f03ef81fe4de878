"""``select``: raw selection speed, every sample of ``--series`` series over a day.

Argus and Prometheus hold the same data set (:mod:`bench.dataset`) in compacted blocks
(Prometheus: promtool backfill, then its own compactor; Argus: ``write_blocks`` then
``maintain()``). Figures are samples per second of wall time:

- all series at once: Argus ``querier.select({__name__=~".+"})`` (cold = fresh
  ``DB.open`` + select, warm = the same select again) against Prometheus
  ``sum(count_over_time({__name__="…"}[R]))`` once per metric name (a pure-read proxy:
  Prometheus decodes every sample but serialises nothing; first and second run);
- one selection per instance: Argus ``select({instance="…"})`` against Prometheus
  range-vector instant queries ``{instance="…"}[R]`` through the HTTP API, with the
  client-side JSON decode (orjson) timed separately.

Both run on the same machine with a warm page cache (the blocks were just written).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import orjson

from bench import argus_db
from bench.backfill import prom_blocks, promtool_windows, wait_compaction
from bench.context import Context, day_start_ms
from bench.dataset import Dataset, describe, generate
from bench.peers import Prometheus
from bench.report import Result, Row

__all__ = ["run"]

DEFAULT_SERIES = 10_000
DEFAULT_HOURS = 24.0


def _instances(ds: Dataset) -> list[str]:
    seen: dict[str, None] = {}
    for pairs in ds.labels:
        seen.setdefault(dict(pairs)["instance"], None)
    return list(seen)


def _names(ds: Dataset) -> list[str]:
    return sorted({pairs[0][1] for pairs in ds.labels})


def _range(ds: Dataset) -> tuple[float, int]:
    """Evaluation time (s) and a range (s) that covers every sample."""
    lo, hi = int(ds.instance_ts.min()), int(ds.instance_ts.max())
    return (hi + 1) / 1000.0, (hi - lo) // 1000 + 60


def run_prometheus(ds: Dataset, ctx: Context) -> dict[str, Any]:
    work = ctx.dir("prometheus")
    data = work / "data"
    info = promtool_windows(ds, work, data, ctx.log)
    flags = ["--query.max-samples=500000000", "--query.timeout=10m"]
    prom = Prometheus(data, log_dir=work, extra_flags=flags)
    at, rng = _range(ds)
    total = ds.total_samples
    with prom:
        info["compaction_wait_s"] = wait_compaction(prom, timeout=180.0)
        info["levels"] = sorted({b["level"] for b in prom_blocks(prom)})
        # One query per metric name: count_over_time drops the name, so one query over
        # every name would fail with "same labelset" collisions.
        for run in ("first", "second"):
            t0 = time.perf_counter()
            got = 0
            for name in _names(ds):
                raw = prom.query(f'sum(count_over_time({{__name__="{name}"}}[{rng}s]))', time_s=at)
                got += int(float(orjson.loads(raw)["data"]["result"][0]["value"][1]))
            info[f"count_{run}_s"] = time.perf_counter() - t0
            info[f"count_{run}_samples"] = got
        http_s = decode_s = 0.0
        got = 0
        body = 0
        for inst in _instances(ds):
            t0 = time.perf_counter()
            raw = prom.query(f'{{instance="{inst}"}}[{rng}s]', time_s=at)
            t1 = time.perf_counter()
            doc = orjson.loads(raw)
            got += sum(len(r["values"]) for r in doc["data"]["result"])
            decode_s += time.perf_counter() - t1
            http_s += t1 - t0
            body += len(raw)
        info.update(
            per_instance_http_s=http_s,
            per_instance_decode_s=decode_s,
            per_instance_samples=got,
            per_instance_json_bytes=body,
        )
    ctx.log(
        f"prometheus: count_over_time {total / info['count_second_s'] / 1e6:.1f} M samples/s, "
        f"per-instance API {got / http_s / 1e6:.2f} M samples/s (+ decode {decode_s:.1f} s)"
    )
    return info


def _timed_select(db: Any, matchers: list[Any], mint: int, maxt: int) -> tuple[float, int]:
    t0 = time.perf_counter()
    q = db.querier(mint, maxt)
    try:
        s = q.select(matchers)
        n = len(s.ts)
    finally:
        q.close()
    return time.perf_counter() - t0, n


def run_argus(ds: Dataset, ctx: Context) -> dict[str, Any]:
    from argus.model import Matcher
    from argus.tsdb import DB, DBOptions

    path: Path = ctx.dir("argus") / "db"
    info: dict[str, Any] = {}
    t0 = time.perf_counter()
    argus_db.write_dataset(path, ds)
    db = argus_db.open_db(path)
    try:
        argus_db.compact_until_stable(db)
        info.update(argus_db.block_summary(db))
    finally:
        db.close()
    info["load_s"] = time.perf_counter() - t0
    mint, maxt = int(ds.instance_ts.min()), int(ds.instance_ts.max())
    every = [Matcher.regex("__name__", ".+")]
    t0 = time.perf_counter()
    rdb = DB.open(path, DBOptions(retention_ms=0), read_only=True)
    try:
        info["open_s"] = time.perf_counter() - t0
        info["select_cold_s"], info["select_cold_samples"] = _timed_select(rdb, every, mint, maxt)
        info["select_warm_s"], info["select_warm_samples"] = _timed_select(rdb, every, mint, maxt)
        per_s = 0.0
        per_n = 0
        for inst in _instances(ds):
            dt, n = _timed_select(rdb, [Matcher.equal("instance", inst)], mint, maxt)
            per_s += dt
            per_n += n
        info["per_instance_s"], info["per_instance_samples"] = per_s, per_n
    finally:
        rdb.close()
    total = ds.total_samples
    ctx.log(
        f"argus: cold {total / (info['open_s'] + info['select_cold_s']) / 1e6:.1f} M samples/s, "
        f"warm {total / info['select_warm_s'] / 1e6:.1f} M samples/s"
    )
    return info


def run(ctx: Context) -> Result:
    n = ctx.series or DEFAULT_SERIES
    hours = ctx.hours or DEFAULT_HOURS
    ds = generate(n, int(hours * 240), start_ms=day_start_ms(3), seed=ctx.seed)
    total = ds.total_samples
    res = Result(
        "select",
        "Raw selection speed from compacted blocks",
        {"series": n, "samples_per_series": ds.n_samples, "seed": ctx.seed},
    )
    res.details["dataset"] = describe(ds)
    cold: dict[str, float | None] = {}
    warm: dict[str, float | None] = {}
    per_inst: dict[str, float | None] = {}
    decode: float | None = None
    if ctx.runs("prometheus"):
        p = run_prometheus(ds, ctx)
        res.details["prometheus"] = p
        cold["prometheus"] = total / p["count_first_s"]
        warm["prometheus"] = total / p["count_second_s"]
        per_inst["prometheus"] = total / p["per_instance_http_s"]
        decode = total / (p["per_instance_http_s"] + p["per_instance_decode_s"])
        for key in ("count_first_samples", "count_second_samples", "per_instance_samples"):
            if p[key] != total:
                res.notes.append(f"Prometheus {key} = {p[key]:,}, expected {total:,}.")
    if ctx.runs("argus"):
        why = argus_db.availability()
        if why is None:
            a = run_argus(ds, ctx)
            res.details["argus"] = a
            cold["argus"] = total / (a["open_s"] + a["select_cold_s"])
            warm["argus"] = total / a["select_warm_s"]
            per_inst["argus"] = total / a["per_instance_s"]
            for key in ("select_cold_samples", "select_warm_samples", "per_instance_samples"):
                if a[key] != total:
                    res.notes.append(f"Argus {key} = {a[key]:,}, expected {total:,}.")
        else:
            res.notes.append(f"Argus skipped: storage engine not usable yet ({why}).")
    n_inst = len(_instances(ds))
    res.rows += [
        Row.of("all series, cold", "samples/s", cold, better="higher"),
        Row.of("all series, warm", "samples/s", warm, better="higher"),
        Row.of(f"per instance ({n_inst} selections)", "samples/s", per_inst, better="higher"),
        Row(
            "  Prometheus per instance incl. client JSON decode",
            "samples/s",
            prometheus=decode,
            better="higher",
        ),
    ]
    res.notes += [
        "Argus cold = fresh DB.open (read-only) + querier.select of every series; warm = the "
        "same select again. Prometheus 'all series' = sum(count_over_time({__name__=\"...\"}"
        "[R])), one query per metric name, first and second run: it reads every sample "
        "but serialises nothing.",
        "Per-instance rows: Argus querier.select per instance (in-process arrays) vs "
        "Prometheus /api/v1/query range-vector queries (includes its JSON encoding and "
        "HTTP); the client-side JSON decode is added only in the last row.",
        "Page cache is warm for both (blocks were just written); 'cold' means a fresh open, "
        "not a cold disk.",
    ]
    return res
