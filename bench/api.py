"""``api``: the query API under concurrent, dashboard-like load, Argus beside Prometheus.

The node_exporter-like data set (:mod:`bench.dataset`, default 2,000 series over 7 h at
15 s) is loaded as in ``query``: Argus through ``write_blocks`` + ``maintain()`` and
``python -m argus`` on the directory; Prometheus through the promtool backfill, timed
once its compactor has merged the blocks.

The load comes from :mod:`bench.api_load`, a separate process (aiohttp on uvloop) with
``c`` closed-loop virtual clients for each level of :data:`LEVELS`. Each client walks
one "dashboard refresh" (:func:`dashboard`): ten range-query panels over the last 1 h
(15 s step) or 6 h (30 s step) with ``rate``, ``sum by (job|instance) (rate)``,
``histogram_quantile``, ``topk`` and gauge ratios, two instant queries,
``label/__name__/values`` and ``series`` with ``match[]`` (each over the last hour,
as Grafana asks), and starts over. Every request is sent once as a warm-up, then each
level runs for ``--seconds`` (default :data:`SECONDS`). Figures: completed requests
per second, and p50/p90/p99 of the request latency (send to last body byte).

Responsiveness: two clients loop a heavy range query (:data:`HEAVY`) while one
client alternates ``/-/healthy`` and a small instant query (:data:`SMALL`); their
latencies are compared with the same light client alone.

Agreement: each request of the mix is answered once by both servers before timing and
compared (same series, timestamps, values within 1e-6; label and series lists equal).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from bench import argus_db
from bench.backfill import promtool_windows, wait_compaction
from bench.context import Context, day_start_ms
from bench.dataset import Dataset, describe, generate
from bench.peers import PeerError, Prometheus, Server, http_get
from bench.query import ArgusServer, compare
from bench.report import Result, Row

__all__ = ["HEAVY", "LEVELS", "SMALL", "dashboard", "run"]

SERIES = 2_000
HOURS = 7.0
SECONDS = 15.0
LEVELS = (1, 4, 16)
MAX_REQUESTS = 20_000
SYSTEMS = ("argus", "prometheus")

# (label, expression, range hours, step seconds)
PANELS: tuple[tuple[str, str, int, int], ...] = (
    ("rate 1h", "rate(node_network_receive_bytes_total[5m])", 1, 15),
    ("sum by job rate 6h", 'sum by (job) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))', 6, 30),
    (
        "sum by instance rate 1h",
        'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))',
        1,
        15,
    ),
    (
        "histogram_quantile 6h",
        "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))",
        6,
        30,
    ),
    (
        "histogram_quantile by handler 1h",
        "histogram_quantile(0.9, sum by (le, handler) "
        "(rate(http_request_duration_seconds_bucket[5m])))",
        1,
        15,
    ),
    ("topk 1h", "topk(5, rate(node_network_transmit_bytes_total[5m]))", 1, 15),
    ("memory ratio 6h", "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes", 6, 30),
    ("gauge 1h", "node_load1", 1, 15),
    ("disk sum by 6h", "sum by (instance) (rate(node_disk_read_bytes_total[5m]))", 6, 30),
    ("min by 1h", "min by (instance) (node_filesystem_avail_bytes)", 1, 15),
)
INSTANT: tuple[tuple[str, str], ...] = (
    ("instant sum by job", "sum by (job) (up)"),
    ("instant topk", "topk(3, rate(node_context_switches_total[5m]))"),
)
HEAVY = (
    "histogram_quantile(0.9, sum by (le, instance) "
    "(rate(http_request_duration_seconds_bucket[5m])))"
)
"""Over the whole data set at a 15 s step: hundreds of ms on either server."""
SMALL = 'node_load1{instance="host-00000:9100"}'


def _qs(params: list[tuple[str, str]]) -> str:
    return urllib.parse.urlencode(params)


def dashboard(end_s: float) -> list[tuple[str, str]]:
    """One refresh: ``(label, path?query)`` for every request, in panel order."""
    out: list[tuple[str, str]] = []
    for label, expr, hours, step in PANELS:
        params = [
            ("query", expr),
            ("start", f"{end_s - hours * 3600:.0f}"),
            ("end", f"{end_s:.0f}"),
            ("step", str(step)),
        ]
        out.append((label, "/api/v1/query_range?" + _qs(params)))
    for label, expr in INSTANT:
        out.append((label, "/api/v1/query?" + _qs([("query", expr), ("time", f"{end_s:.0f}")])))
    hour = [("start", f"{end_s - 3600:.0f}"), ("end", f"{end_s:.0f}")]
    out.append(("label __name__ values", "/api/v1/label/__name__/values?" + _qs(hour)))
    out.append(("series match[]", "/api/v1/series?" + _qs([("match[]", "node_uname_info"), *hour])))
    return out


def _heavy_path(start_s: float, end_s: float) -> str:
    params = [
        ("query", HEAVY),
        ("start", f"{start_s:.0f}"),
        ("end", f"{end_s:.0f}"),
        ("step", "15"),
    ]
    return "/api/v1/query_range?" + _qs(params)


def _small_path(end_s: float) -> str:
    return "/api/v1/query?" + _qs([("query", SMALL), ("time", f"{end_s:.0f}")])


# --------------------------------------------------------------------- load runs


def load(work: Path, spec: dict[str, Any]) -> dict[str, Any]:
    """Run :mod:`bench.api_load` with ``spec`` in its own process; its JSON result."""
    spec_path = work / f"load-{time.monotonic_ns()}.json"
    spec_path.write_text(json.dumps(spec))
    budget = float(spec["seconds"]) + 300.0
    proc = subprocess.run(
        [sys.executable, "-m", "bench.api_load", str(spec_path)],
        capture_output=True,
        timeout=budget,
        check=False,
        cwd=Path(__file__).resolve().parents[1],
    )
    spec_path.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise PeerError(f"load generator failed: {proc.stderr.decode(errors='replace')[-2000:]}")
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


def _summary(rec: dict[str, Any], elapsed_s: float) -> dict[str, Any]:
    lat = np.asarray(rec["lat_ms"], dtype=np.float64)
    out: dict[str, Any] = {
        "requests": len(lat),
        "rps": len(lat) / elapsed_s if elapsed_s else 0.0,
        "status": rec["status"],
        "bytes": rec["bytes"],
        "errors": rec["errors"],
    }
    if len(lat):
        p = np.percentile(lat, [50, 90, 99])
        out.update(p50_ms=float(p[0]), p90_ms=float(p[1]), p99_ms=float(p[2]), max_ms=lat.max())
        labels = np.asarray(rec["labels"])
        out["p50_by_label_ms"] = {
            str(k): float(np.median(lat[labels == k])) for k in dict.fromkeys(rec["labels"])
        }
    return out


def measure(
    server: Server, work: Path, end_s: float, start_s: float, seconds: float, log: Any
) -> dict[str, Any]:
    """Every load level, then the responsiveness runs, against one running server."""
    mix = dashboard(end_s)
    out: dict[str, Any] = {"levels": {}, "answers": {}}
    for label, path in mix:  # Warm-up and the answers for the agreement check.
        try:
            out["answers"][label] = orjson.loads(http_get(server.url + path, timeout=120.0))
        except PeerError as exc:
            out["answers"][label] = {"error": str(exc)[:300]}
    heavy, small = _heavy_path(start_s, end_s), _small_path(end_s)
    for path in (heavy, small):
        http_get(server.url + path, timeout=300.0)
    for c in LEVELS:
        spec = {
            "base": server.url,
            "seconds": seconds,
            "max_requests": MAX_REQUESTS,
            "warmup": False,
            "groups": [{"name": "mix", "concurrency": c, "requests": mix}],
        }
        cpu0 = server.cpu()
        res = load(work, spec)
        cpu_s = server.cpu() - cpu0
        summary = _summary(res["groups"]["mix"], res["elapsed_s"])
        summary["server_cpu_s"] = cpu_s
        summary["cpu_ms_per_request"] = 1000 * cpu_s / max(summary["requests"], 1)
        out["levels"][str(c)] = summary
        log(
            f"{server.name} c={c}: {summary['rps']:.1f} req/s, p50 "
            f"{summary.get('p50_ms', 0):.1f} ms, p99 {summary.get('p99_ms', 0):.1f} ms, "
            f"server CPU {summary['cpu_ms_per_request']:.2f} ms/request"
        )
    light = [("healthy", "/-/healthy"), ("small query", small)]
    alone = load(
        work,
        {
            "base": server.url,
            "seconds": min(seconds, 5.0),
            "groups": [{"name": "light", "concurrency": 1, "requests": light}],
        },
    )
    busy = load(
        work,
        {
            "base": server.url,
            "seconds": seconds,
            "groups": [
                {"name": "heavy", "concurrency": 2, "requests": [("heavy", heavy)]},
                {"name": "light", "concurrency": 1, "requests": light},
            ],
        },
    )
    out["responsiveness"] = {
        "alone": _by_label(alone["groups"]["light"]),
        "busy": _by_label(busy["groups"]["light"]),
        "heavy": _summary(busy["groups"]["heavy"], busy["elapsed_s"]),
    }
    r = out["responsiveness"]
    log(
        f"{server.name} responsiveness: heavy p50 {r['heavy'].get('p50_ms', 0):.0f} ms; "
        f"small query p50 {r['busy']['small query'].get('p50_ms', 0):.1f} ms / p99 "
        f"{r['busy']['small query'].get('p99_ms', 0):.1f} ms during, "
        f"{r['alone']['small query'].get('p50_ms', 0):.1f} ms alone"
    )
    return out


def _by_label(rec: dict[str, Any]) -> dict[str, dict[str, float]]:
    lat = np.asarray(rec["lat_ms"], dtype=np.float64)
    labels = np.asarray(rec["labels"])
    out: dict[str, dict[str, float]] = {}
    for k in dict.fromkeys(rec["labels"]):
        x = lat[labels == k]
        p = np.percentile(x, [50, 99])
        out[str(k)] = {"n": len(x), "p50_ms": float(p[0]), "p99_ms": float(p[1]), "max_ms": x.max()}
    return out


# ------------------------------------------------------------------------ loading


def _end_s(ds: Dataset) -> float:
    """The last whole minute every instance has reached: "now" for the dashboard."""
    return float(int(ds.instance_ts[:, -1].min()) // 60_000 * 60)


def _start_s(ds: Dataset) -> float:
    return float(-(-int(ds.instance_ts[:, 0].max()) // 60_000) * 60)


def run_argus(
    ds: Dataset, work: Path, seconds: float, log: Callable[[str], None]
) -> dict[str, Any]:
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
        info.update(measure(srv, work, _end_s(ds), _start_s(ds), seconds, log))
    return info


def run_prometheus(
    ds: Dataset, work: Path, seconds: float, log: Callable[[str], None]
) -> dict[str, Any]:
    data = work / "data"
    info = promtool_windows(ds, work, data, log)
    with Prometheus(data, log_dir=work) as prom:
        info["compaction_wait_s"] = wait_compaction(prom, timeout=150.0)
        info.update(measure(prom, work, _end_s(ds), _start_s(ds), seconds, log))
    return info


RUNNERS = {"argus": run_argus, "prometheus": run_prometheus}


# ------------------------------------------------------------------------- report


def _agreement(per: dict[str, Any]) -> dict[str, str]:
    a, p = per["argus"]["answers"], per["prometheus"]["answers"]
    out: dict[str, str] = {}
    for label in a:
        da, dp = a[label].get("data"), p.get(label, {}).get("data")
        if da is None or dp is None:
            out[label] = "error on one side"
        elif isinstance(da, dict):
            out[label] = compare(da.get("result"), dp.get("result")) or "agree"
        else:
            key = json.dumps  # Label lists and series lists compare as sets.
            same = sorted(map(key, da)) == sorted(map(key, dp))
            out[label] = "agree" if same else f"differ: {len(da)} vs {len(dp)} items"
    return out


def run(ctx: Context) -> Result:
    n = ctx.series or SERIES
    hours = ctx.hours or HOURS
    seconds = ctx.seconds or SECONDS
    res = Result(
        "api",
        "Query API under concurrent dashboard-like load (closed-loop clients on 127.0.0.1)",
        {"series": n, "hours": hours, "seconds_per_level": seconds, "levels": list(LEVELS)},
    )
    ds = generate(n, int(hours * 240), start_ms=day_start_ms(2), seed=ctx.seed)
    ctx.log(f"{ds.n_series} series x {ds.n_samples} samples")
    per: dict[str, Any] = {"dataset": describe(ds), "end_s": _end_s(ds)}
    for system in SYSTEMS:
        if not ctx.runs(system):
            continue
        if system == "argus" and (why := argus_db.availability()) is not None:
            res.notes.append(f"Argus skipped: storage engine not usable ({why}).")
            continue
        try:
            per[system] = RUNNERS[system](ds, ctx.dir(system), seconds, ctx.log)
        except PeerError as exc:
            res.notes.append(f"{system} failed: {exc}")
            ctx.log(f"{system} failed: {exc}")
    _rows(res, per)
    for s in SYSTEMS:
        if isinstance(per.get(s), dict):
            per[s].pop("answers", None)
    res.details["runs"] = per
    res.details["dashboard"] = [label for label, _ in dashboard(0.0)]
    res.details["panels"] = [list(p) for p in PANELS]
    res.notes += [
        f"One refresh = {len(dashboard(0.0))} requests: {len(PANELS)} range panels (1 h at "
        "15 s or 6 h at 30 s), 2 instant queries, label/__name__/values and series?match[] "
        "over the last hour. c closed-loop clients each walk the refresh in a loop.",
        "Latency = send to last body byte, gzip accepted, in a separate client process "
        "(aiohttp + uvloop) that shares the 2 cores with the server. Server CPU per request "
        "= the server process's user+system CPU over the level / requests completed: the "
        "figure least disturbed by other work on a shared machine.",
        "Responsiveness: one client alternates /-/healthy and a one-series instant query "
        "while two clients loop a heavy range query (histogram_quantile by (le, instance) "
        "over all data at a 15 s step); 'alone' is the same light client with no heavy load.",
        "Both servers ran one after the other on the same machine with default "
        "--query.max-concurrency (20); small ratios are within noise on a shared machine.",
    ]
    return res


def _rows(res: Result, per: dict[str, Any]) -> None:
    runs = {s: per[s] for s in SYSTEMS if isinstance(per.get(s), dict) and "levels" in per[s]}
    for c in LEVELS:
        lv = {s: r["levels"][str(c)] for s, r in runs.items()}
        res.rows.append(
            Row.of(
                f"c={c} throughput",
                "req/s",
                {s: v["rps"] for s, v in lv.items()},
                better="higher",
            )
        )
        for q in ("p50", "p90", "p99"):
            res.rows.append(
                Row.of(f"c={c} {q}", "ms", {s: v.get(f"{q}_ms") for s, v in lv.items()})
            )
        res.rows.append(
            Row.of(
                f"c={c} server CPU per request",
                "ms",
                {s: v["cpu_ms_per_request"] for s, v in lv.items()},
            )
        )
        for s, v in lv.items():
            bad = {k: n for k, n in v["status"].items() if k != "200"}
            if bad:
                res.notes.append(f"c={c} {s}: non-200 answers {bad}; e.g. {v['errors'][:2]}")
    one = {s: r["levels"][str(LEVELS[0])].get("p50_by_label_ms", {}) for s, r in runs.items()}
    for label in dict.fromkeys(label for v in one.values() for label in v):
        res.rows.append(
            Row.of(f"c={LEVELS[0]} p50 {label}", "ms", {s: v.get(label) for s, v in one.items()})
        )
    for phase in ("alone", "busy"):
        for what in ("healthy", "small query"):
            for q in ("p50", "p99"):
                figures = {
                    s: r["responsiveness"][phase].get(what, {}).get(f"{q}_ms")
                    for s, r in runs.items()
                }
                res.rows.append(Row.of(f"{what} {q}, {phase}", "ms", figures))
    res.rows.append(
        Row.of(
            "heavy query p50 (during responsiveness run)",
            "ms",
            {s: r["responsiveness"]["heavy"].get("p50_ms") for s, r in runs.items()},
        )
    )
    if len(runs) == 2:
        agreement = _agreement(per)
        res.details["agreement"] = agreement
        bad = {k: v for k, v in agreement.items() if v != "agree"}
        res.notes.append(
            f"Argus and Prometheus agree on {len(agreement) - len(bad)}/{len(agreement)} "
            "requests of the mix."
        )
        res.notes += [f"Disagreement, {k}: {v[:300]}" for k, v in bad.items()]
        if bad:
            res.notes.append(
                "A disagreement shows the first point whose values differ at all (often "
                "last-bit rounding: Prometheus 2.42 sums naively); what fails the 1e-6 "
                "check can be a later point where a sample sits exactly on a window's left "
                "edge, which 2.42 includes and Prometheus 3.x and Argus exclude."
            )
