"""``query``: PromQL latency through each server's HTTP API on the same data.

The node_exporter-like data set (:mod:`bench.dataset`: counters, gauges and a
histogram with ``le`` buckets, 15 s interval, 25 h) is loaded into

- Argus: ``write_blocks`` + ``DB.maintain()`` until stable, then
  ``python -m argus`` on the directory (empty scrape config, 10y retention);
- Prometheus: promtool backfill, then ``prometheus`` on the directory; timing starts
  once its compactor has merged the backfilled blocks (as in ``storage``);
- VictoriaMetrics: ``/api/v1/import/prometheus``, ``force_flush``, ``force_merge``;
  run with ``-search.disableCache`` so repetitions are not answered from its cache.

Each query of :data:`QUERIES` runs as an instant query at the end of the data and as a
24 h range query at a 60 s step. Every query and kind runs once as a warm-up (all of
them before any timing, so Argus's numba compilation and every server's page cache
are warm), then :data:`REPEATS` times (:data:`SLOW_REPEATS` if its warm-up took over
:data:`SLOW_S`); the figure is the median wall time of the HTTP
request (sending, evaluation, JSON encoding, reading the body; no client-side decode).

Agreement: the last Argus and Prometheus answers of each query are compared (same
series, same timestamps, values within 1e-6 relative); disagreements are listed in the
notes, never dropped. VictoriaMetrics' MetricsQL differs from PromQL by design (rate
extrapolation, lookback), so it is timed but not compared.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from bench import argus_db
from bench.backfill import promtool_windows, wait_compaction
from bench.context import Context, day_start_ms
from bench.dataset import Dataset, describe, generate, series_text
from bench.peers import PeerError, Prometheus, Server, VictoriaMetrics, http_get
from bench.report import Result, Row

__all__ = ["QUERIES", "run"]

SCALES = (1_000, 10_000)
DEFAULT_HOURS = 25.0
RANGE_MS = 24 * 3_600_000
STEP_S = 60
REPEATS = 5
SLOW_S = 3.0
SLOW_REPEATS = 3
"""A query whose warm-up took over ``SLOW_S`` runs ``SLOW_REPEATS`` times: the run stays
near ten minutes, and the median of 3 is enough at that duration."""
QUERY_TIMEOUT_S = 300.0
REL_TOL = 1e-6
SYSTEMS = ("argus", "prometheus", "victoriametrics")

QUERIES: tuple[tuple[str, str], ...] = (
    ("rate", 'rate(node_network_receive_bytes_total{device="eth0"}[5m])'),
    ("irate", 'irate(node_network_transmit_packets_total{device="eth1"}[5m])'),
    ("sum_by_rate", 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))'),
    ("avg_by_rate", "avg by (mode) (rate(node_cpu_seconds_total[5m]))"),
    ("sum_increase", "sum(increase(node_disk_reads_completed_total[1h]))"),
    (
        "histogram_quantile",
        "histogram_quantile(0.9, sum by (le, handler) "
        "(rate(http_request_duration_seconds_bucket[5m])))",
    ),
    ("topk", "topk(5, rate(node_network_transmit_bytes_total[5m]))"),
    (
        "group_left",
        'sum by (release) (rate(node_cpu_seconds_total{mode="user"}[5m]) '
        "* on (instance) group_left (release) node_uname_info)",
    ),
    ("ratio", "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes"),
    (
        "ratio_sum_by",
        "sum by (instance) (node_filesystem_avail_bytes) "
        "/ sum by (instance) (node_filesystem_free_bytes)",
    ),
    ("subquery", "max_over_time(rate(node_context_switches_total[5m])[1h:1m])"),
    ("avg_over_time", "avg_over_time(node_load1[1h])"),
    ("max_over_time", "max_over_time(node_hwmon_temp_celsius[30m])"),
    ("min_over_time", "min_over_time(node_filesystem_avail_bytes[1h])"),
    ("stddev_over_time", "stddev_over_time(node_load5[30m])"),
    (
        "quantile_over_time",
        "quantile_over_time(0.95, node_scrape_collector_duration_seconds[1h])",
    ),
    ("deriv", "deriv(node_filesystem_free_bytes[30m])"),
    ("count_by", "count by (collector) (node_scrape_collector_success == 1)"),
    ("count", "count(up)"),
    ("quantile_by", "quantile by (mode) (0.9, rate(node_cpu_seconds_total[5m]))"),
)


class ArgusServer(Server):
    """``python -m argus`` on a backfilled data directory, with no scrape targets."""

    name = "argus"
    ready_path = "/-/ready"

    def command(self) -> list[str]:
        config = self.log_path.with_suffix(".yml")
        config.write_text("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
        return [
            sys.executable,
            "-m",
            "argus",
            f"--web.listen-address=127.0.0.1:{self.port}",
            f"--storage.tsdb.path={self.data_dir}",
            "--storage.tsdb.retention.time=10y",
            f"--config.file={config}",
            "--query.max-samples=500000000",
            "--query.timeout=10m",
            "--log.level=warn",
        ]


# ------------------------------------------------------------------- running queries


def _url(server: Server, expr: str, kind: str, end_s: float) -> str:
    if kind == "instant":
        params = {"query": expr, "time": f"{end_s:.3f}"}
        return f"{server.url}/api/v1/query?{urllib.parse.urlencode(params)}"
    params = {
        "query": expr,
        "start": f"{end_s - RANGE_MS / 1000:.3f}",
        "end": f"{end_s:.3f}",
        "step": str(STEP_S),
    }
    return f"{server.url}/api/v1/query_range?{urllib.parse.urlencode(params)}"


def _timed(url: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    body = http_get(url, timeout=QUERY_TIMEOUT_S)
    return time.perf_counter() - t0, body


def measure(
    server: Server, end_s: float, repeats: int, log: Callable[[str], None]
) -> dict[str, dict[str, Any]]:
    """``{"<query>/<kind>": {"median_s", "runs_s", "series", "result" | "error"}}``."""
    urls = {
        f"{qid}/{kind}": _url(server, expr, kind, end_s)
        for qid, expr in QUERIES
        for kind in ("instant", "range")
    }
    out: dict[str, dict[str, Any]] = {}
    warm: dict[str, float] = {}
    for key, url in urls.items():  # Warm-up: every query once before any timing.
        try:
            warm[key] = _timed(url)[0]
        except PeerError as exc:
            out[key] = {"error": str(exc)[:500]}
    for key, url in urls.items():
        if key in out:
            continue
        runs = []
        body = b""
        n = repeats if warm[key] < SLOW_S else SLOW_REPEATS
        try:
            for _ in range(n):
                dt, body = _timed(url)
                runs.append(dt)
        except PeerError as exc:
            out[key] = {"error": str(exc)[:500]}
            continue
        doc = orjson.loads(body)
        result = doc.get("data", {}).get("result", [])
        out[key] = {
            "median_s": statistics.median(runs),
            "runs_s": [round(r, 6) for r in runs],
            "series": len(result) if isinstance(result, list) else 1,
            "bytes": len(body),
            "result": result,
        }
    errors = sum("error" in v for v in out.values())
    total = sum(v.get("median_s", 0.0) for v in out.values())
    log(
        f"{server.name}: {len(out)} query/kind pairs, sum of medians {total:.2f} s, {errors} errors"
    )
    return out


# ---------------------------------------------------------------------- agreement


def _close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= REL_TOL * max(abs(a), abs(b))


def _points(item: dict[str, Any]) -> list[tuple[float, float]]:
    pairs = item["values"] if "values" in item else [item["value"]]
    return [(float(t), float(v)) for t, v in pairs]


def compare(argus: Any, prom: Any) -> str | None:
    """None if the two API results agree, else what differs first."""
    if not isinstance(argus, list) or not isinstance(prom, list):
        return None if argus == prom else f"results differ: {argus!r:.120} vs {prom!r:.120}"
    a = {tuple(sorted(r["metric"].items())): _points(r) for r in argus}
    p = {tuple(sorted(r["metric"].items())): _points(r) for r in prom}
    if len(a) != len(argus) or len(p) != len(prom):
        return "duplicate label sets in a result"
    if a.keys() != p.keys():
        only_a = sorted(a.keys() - p.keys())[:2]
        only_p = sorted(p.keys() - a.keys())[:2]
        return (
            f"series differ: Argus {len(a)}, Prometheus {len(p)}; "
            f"only Argus {only_a}, only Prometheus {only_p}"
        )
    bad = 0
    first = ""
    for key, pa in a.items():
        pp = p[key]
        ok = len(pa) == len(pp) and all(
            ta == tp and _close(va, vp) for (ta, va), (tp, vp) in zip(pa, pp, strict=True)
        )
        if not ok:
            bad += 1
            if not first:
                diffs = [
                    (ta, va, vp) for (ta, va), (_, vp) in zip(pa, pp, strict=False) if va != vp
                ]
                first = (
                    f"{dict(key)}: {len(pa)} vs {len(pp)} points, first differing "
                    f"(t, argus, prom) {diffs[:1]}"
                )
    return None if bad == 0 else f"{bad}/{len(a)} series differ; e.g. {first}"


# -------------------------------------------------------------------------- loading


def _end_s(ds: Dataset) -> float:
    """The evaluation time: the last whole minute that every instance has reached."""
    last = int(ds.instance_ts[:, -1].min())
    return float(last // 60_000 * 60)


def run_argus(ds: Dataset, work: Path, end_s: float, log: Callable[[str], None]) -> dict[str, Any]:
    t0 = time.perf_counter()
    db_dir = work / "db"
    argus_db.write_dataset(db_dir, ds)
    db = argus_db.open_db(db_dir)
    try:
        argus_db.compact_until_stable(db)
        info: dict[str, Any] = {"load_s": time.perf_counter() - t0, **argus_db.block_summary(db)}
    finally:
        db.close()
    log(f"argus: loaded in {info['load_s']:.0f} s ({info['blocks']} blocks)")
    with ArgusServer(db_dir, log_dir=work) as srv:
        info["queries"] = measure(srv, end_s, REPEATS, log)
    return info


def run_prometheus(
    ds: Dataset, work: Path, end_s: float, log: Callable[[str], None]
) -> dict[str, Any]:
    data = work / "data"
    info = promtool_windows(ds, work, data, log)
    flags = ["--query.max-samples=500000000", "--query.timeout=10m"]
    with Prometheus(data, log_dir=work, extra_flags=flags) as prom:
        info["compaction_wait_s"] = wait_compaction(prom, timeout=150.0)
        info["queries"] = measure(prom, end_s, REPEATS, log)
    return info


def run_victoriametrics(
    ds: Dataset, work: Path, end_s: float, log: Callable[[str], None]
) -> dict[str, Any]:
    info: dict[str, Any] = {}
    vm = VictoriaMetrics(work / "data", log_dir=work, extra_flags=["-search.disableCache"])
    with vm:
        t0 = time.perf_counter()
        vm.import_prometheus(series_text(ds, seconds=False, series_per_chunk=50))
        vm.flush()
        vm.force_merge()
        vm.wait_merges(timeout=120.0, settle=3.0)
        vm.flush()
        info["load_s"] = time.perf_counter() - t0
        log(f"victoria-metrics: loaded in {info['load_s']:.0f} s")
        info["queries"] = measure(vm, end_s, REPEATS, log)
    return info


RUNNERS = {"argus": run_argus, "prometheus": run_prometheus, "victoriametrics": run_victoriametrics}


# --------------------------------------------------------------------------- report


def _scale_label(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def run(ctx: Context) -> Result:
    scales = (ctx.series,) if ctx.series else SCALES
    hours = ctx.hours or DEFAULT_HOURS
    res = Result(
        "query",
        f"PromQL query latency through the HTTP API (median of {REPEATS}, {SLOW_REPEATS} "
        f"for queries over {SLOW_S:.0f} s, after a warm-up; ms)",
        {
            "scales": list(scales),
            "hours": hours,
            "range": "24h",
            "step_s": STEP_S,
            "repeats": REPEATS,
            "seed": ctx.seed,
        },
    )
    res.details["queries"] = dict(QUERIES)
    for n in scales:
        ds = generate(n, int(hours * 240), start_ms=day_start_ms(3), seed=ctx.seed)
        end_s = _end_s(ds)
        label = _scale_label(n)
        ctx.log(f"scale {label}: {ds.n_series} series x {ds.n_samples} samples, end {end_s:.0f}")
        per: dict[str, Any] = {"dataset": describe(ds), "end_s": end_s}
        for system in SYSTEMS:
            if not ctx.runs(system):
                continue
            if system == "argus" and (why := argus_db.availability()) is not None:
                res.notes.append(f"Argus skipped: storage engine not usable ({why}).")
                continue
            try:
                per[system] = RUNNERS[system](ds, ctx.dir(label, system), end_s, ctx.log)
            except PeerError as exc:  # A peer failing must not hide the others' figures.
                res.notes.append(f"{label}: {system} failed: {exc}")
                ctx.log(f"{system} failed: {exc}")
        _rows(res, label, per)
        for info in per.values():  # Keep the JSON small: the answers were compared.
            if isinstance(info, dict):
                for q in info.get("queries", {}).values():
                    q.pop("result", None)
        res.details[label] = per
    res.notes += [
        "Latency = wall time of one HTTP request from this client (request, evaluation, JSON "
        "encoding, body read); the client's JSON decode is not included.",
        "Instant queries at the end of the data; range queries over the last 24 h at a 60 s "
        "step (1441 steps). Prometheus is timed after its compactor merged the backfilled "
        "2 h blocks; VictoriaMetrics runs with -search.disableCache.",
        "All three servers ran one after the other on the same machine; the machine may have "
        "been shared with other jobs, so small ratios (< 1.5x) are within noise.",
        "Prometheus 2.42 (Debian) closes range and subquery windows on the left, [t - r, t]; "
        "Argus follows Prometheus 3.x, (t - r, t]. Subquery steps are aligned to the step, so "
        "the one on the left edge is in 2.42's window only and max_over_time(...[1h:1m]) can "
        "differ; with the window widened by 1 ms Argus gives 2.42's answers exactly (checked on"
        " 300 series, instant and range).",
        "VictoriaMetrics (MetricsQL) is timed only: its rate/increase and lookback rules "
        "differ from PromQL by design, so its answers are not compared.",
    ]
    return res


def _ms(entry: dict[str, Any] | None) -> float | None:
    if not entry or "median_s" not in entry:
        return None
    return float(entry["median_s"]) * 1000.0


def _rows(res: Result, label: str, per: dict[str, Any]) -> None:
    queries = {s: per[s]["queries"] for s in SYSTEMS if isinstance(per.get(s), dict)}
    agreement: dict[str, str] = {}
    for kind in ("instant", "range"):
        totals: dict[str, float | None] = {}
        for qid, _ in QUERIES:
            key = f"{qid}/{kind}"
            figures = {s: _ms(q.get(key)) for s, q in queries.items()}
            for s, q in queries.items():
                if "error" in q.get(key, {}):
                    res.notes.append(f"{label} {key}: {s} error: {q[key]['error'][:300]}")
            note = ""
            a, p = queries.get("argus", {}).get(key), queries.get("prometheus", {}).get(key)
            if a and p and "result" in a and "result" in p:
                diff = compare(a["result"], p["result"])
                agreement[key] = diff or "agree"
                note = f"{a['series']} series" + ("" if diff is None else "; DISAGREES")
                if diff is not None:
                    res.notes.append(f"{label} {key}: Argus and Prometheus disagree: {diff}")
            res.rows.append(Row.of(f"{label} {kind} {qid}", "ms", figures, note=note))
            for s, v in figures.items():
                if v is not None:
                    totals[s] = (totals.get(s) or 0.0) + v
        res.rows.append(Row.of(f"{label} {kind}: sum of medians", "ms", totals))
    res.details.setdefault("agreement", {})[label] = agreement
    n_bad = sum(v != "agree" for v in agreement.values())
    res.notes.append(
        f"{label}: Argus vs Prometheus agree on {len(agreement) - n_bad}/{len(agreement)} "
        "query/kind pairs (same series and timestamps, values within 1e-6 relative)."
    )
