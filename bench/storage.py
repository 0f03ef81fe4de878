"""``storage``: bytes on disk per sample after compaction, Argus vs Prometheus vs VM.

The same node_exporter-like data set (:mod:`bench.dataset`) goes into each system the
way an operator would backfill it:

- Prometheus: ``promtool tsdb create-blocks-from openmetrics`` writes 2h blocks (one
  input file per 2h window, so promtool reads the data once), then ``prometheus`` runs
  on the directory until its compactor has merged them (it first compacts a minute after
  start), and the block directories are measured (``wal``/``chunks_head`` excluded).
- VictoriaMetrics: ``/api/v1/import/prometheus`` with ms timestamps, then
  ``/internal/force_flush`` and ``/internal/force_merge``; ``data/`` and ``indexdb/``
  are measured.
- Argus: ``write_blocks`` (2h blocks) into a DB directory, then ``DB.maintain()``
  until the block list stops changing; the block directories are measured. Each kind of
  series is also written to a DB of its own for a per-kind breakdown.

Sizes are apparent sizes (sum of file sizes), not allocated disk blocks.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from bench import argus_db
from bench.backfill import prom_blocks, promtool_windows, wait_compaction
from bench.context import Context, day_start_ms
from bench.dataset import KINDS, Dataset, describe, generate, series_text
from bench.peers import Prometheus, VictoriaMetrics, dir_size
from bench.report import Result, Row

__all__ = ["run"]

DEFAULT_SERIES = 2_000
DEFAULT_HOURS = 24.0
PROM_COMPACT_TIMEOUT_S = 180.0


def dataset(ctx: Context) -> Dataset:
    n = ctx.series or DEFAULT_SERIES
    hours = ctx.hours or DEFAULT_HOURS
    return generate(n, int(hours * 240), start_ms=day_start_ms(3), seed=ctx.seed)


def run_prometheus(ds: Dataset, ctx: Context) -> dict[str, Any]:
    work = ctx.dir("prometheus")
    data = work / "data"
    info = promtool_windows(ds, work, data, ctx.log)
    prom = Prometheus(data, log_dir=work)
    before = {b["ulid"] for b in prom_blocks(prom)}
    info["blocks_from_promtool"] = len(before)
    with prom:
        info["compaction_wait_s"] = wait_compaction(prom, timeout=PROM_COMPACT_TIMEOUT_S)
    blocks = prom_blocks(prom)
    info["blocks"] = blocks
    info["levels"] = sorted({b["level"] for b in blocks})
    info["samples"] = sum(b["samples"] for b in blocks)
    info["bytes"] = sum(b["bytes"] for b in blocks)
    info["compacted"] = {b["ulid"] for b in blocks} != before
    ctx.log(
        f"prometheus: {len(blocks)} blocks, levels {info['levels']}, "
        f"{info['bytes'] / info['samples']:.3f} B/sample"
    )
    return info


def run_victoriametrics(ds: Dataset, ctx: Context) -> dict[str, Any]:
    work = ctx.dir("victoriametrics")
    vm = VictoriaMetrics(work / "data", log_dir=work)
    info: dict[str, Any] = {}
    with vm:
        t0 = time.perf_counter()
        info["import_bytes"] = vm.import_prometheus(
            series_text(ds, seconds=False, series_per_chunk=50)
        )
        info["import_s"] = time.perf_counter() - t0
        vm.flush()
        t1 = time.perf_counter()
        vm.force_merge()
        info["merge_wait_s"] = vm.wait_merges() + time.perf_counter() - t1
        vm.flush()
        info["rows_reported"] = vm.metric("vm_rows", having="storage/")
    info["data_bytes"] = dir_size(vm.data_dir / "data")
    info["indexdb_bytes"] = dir_size(vm.data_dir / "indexdb")
    info["bytes"] = info["data_bytes"] + info["indexdb_bytes"]
    ctx.log(
        f"victoria-metrics: {info['bytes'] / ds.total_samples:.3f} B/sample "
        f"(data only {info['data_bytes'] / ds.total_samples:.3f})"
    )
    return info


def run_argus(ds: Dataset, ctx: Context, *, per_kind: bool = True) -> dict[str, Any]:
    work = ctx.dir("argus")
    info: dict[str, Any] = {}
    t0 = time.perf_counter()
    info["blocks_written"] = argus_db.write_dataset(work / "db", ds)
    info["write_blocks_s"] = time.perf_counter() - t0
    db = argus_db.open_db(work / "db")
    try:
        t1 = time.perf_counter()
        info["maintain_rounds"] = argus_db.compact_until_stable(db)
        info["compact_s"] = time.perf_counter() - t1
        info.update(argus_db.block_summary(db))
    finally:
        db.close()
    info["bytes"] = argus_db.block_bytes(work / "db")
    ctx.log(f"argus: {info['blocks']} blocks, {info['bytes'] / ds.total_samples:.3f} B/sample")
    if per_kind:
        kinds: dict[str, Any] = {}
        for k, name in enumerate(KINDS):
            rows = np.flatnonzero(ds.kinds == k)
            if not len(rows):
                continue
            d = work / f"kind-{name}"
            argus_db.write_dataset(d, ds, rows)
            kdb = argus_db.open_db(d)
            try:
                argus_db.compact_until_stable(kdb)
            finally:
                kdb.close()
            n = len(rows) * ds.n_samples
            kinds[name] = {
                "series": len(rows),
                "bytes": argus_db.block_bytes(d),
                "b_per_sample": argus_db.block_bytes(d) / n,
            }
        info["per_kind"] = kinds
    return info


def run(ctx: Context) -> Result:
    ds = dataset(ctx)
    res = Result(
        "storage",
        "Bytes on disk per sample after compaction",
        {"series": ds.n_series, "samples_per_series": ds.n_samples, "seed": ctx.seed},
    )
    res.details["dataset"] = describe(ds)
    total = ds.total_samples
    figures: dict[str, float | None] = {"argus": None, "prometheus": None, "victoriametrics": None}
    vm_data_only: float | None = None
    if ctx.runs("prometheus"):
        p = run_prometheus(ds, ctx)
        res.details["prometheus"] = p
        figures["prometheus"] = p["bytes"] / total
        if p["samples"] != total:
            res.notes.append(
                f"Prometheus blocks hold {p['samples']:,} samples, expected {total:,}."
            )
        if not p["compacted"]:
            res.notes.append(
                f"Prometheus did not compact within {PROM_COMPACT_TIMEOUT_S:.0f} s: "
                "its 2h blocks were measured."
            )
    if ctx.runs("victoriametrics"):
        v = run_victoriametrics(ds, ctx)
        res.details["victoriametrics"] = v
        figures["victoriametrics"] = v["bytes"] / total
        vm_data_only = v["data_bytes"] / total
    if ctx.runs("argus"):
        why = argus_db.availability()
        if why is None:
            a = run_argus(ds, ctx)
            res.details["argus"] = a
            figures["argus"] = a["bytes"] / total
        else:
            res.notes.append(f"Argus skipped: storage engine not usable yet ({why}).")
            ctx.log(f"argus skipped: {why}")
    res.rows.append(Row.of("bytes per sample, all series", "B/sample", figures))
    if vm_data_only is not None:
        res.rows.append(
            Row(
                "bytes per sample, VM data/ only (no indexdb)",
                "B/sample",
                argus=figures["argus"],
                victoriametrics=vm_data_only,
            )
        )
    for name, k in res.details.get("argus", {}).get("per_kind", {}).items():
        res.rows.append(
            Row(f"  Argus, {name} only ({k['series']} series)", "B/sample", argus=k["b_per_sample"])
        )
    p_info = res.details.get("prometheus")
    if p_info:
        res.notes.append(
            f"Prometheus reached compaction levels {p_info['levels']} "
            f"({len(p_info['blocks'])} blocks; it never compacts its newest block)."
        )
    a_info = res.details.get("argus")
    if a_info:
        res.notes.append(f"Argus reached levels {a_info['levels']} ({a_info['blocks']} blocks).")
    res.notes.append(
        "VictoriaMetrics figure = data/ + indexdb/ (Prometheus and Argus blocks include their "
        "index too); the data/-only figure is in its own row."
    )
    res.notes.append(
        "Per-kind rows: each kind written to its own Argus DB, so no cross-kind context."
    )
    return res
