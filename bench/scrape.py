"""``scrape``: CPU per million samples scraped and memory per active series.

Argus (``python -m argus``) and Prometheus scrape the same generated targets, one
server after the other (never both at once): ``TARGETS`` targets on 127.0.0.1, each
serving ``--series / TARGETS`` node_exporter-like series (default 100,000 in all) every
``INTERVAL_S`` seconds. Each target rotates through ``BODIES`` pre-generated bodies
(the same series, new values), gzipped once, so serving costs almost nothing and the
scrapers see changing values as they would in production.

For each server:

1. start it with no scrape jobs and take its baseline RSS;
2. write the job and reload (``POST /-/reload``);
3. warm up until every target was scraped ``WARMUP_SCRAPES`` times, so series creation
   and the first parse are behind us;
4. measure for ``--seconds`` (default 75): CPU seconds (utime + stime from
   ``/proc/PID/stat``) and samples appended
   (``prometheus_tsdb_head_samples_appended_total``, which both expose) at both ends;
5. read RSS and ``prometheus_tsdb_head_series`` at the end.

Figures: CPU seconds per million samples in the steady state, and resident memory per
active series (whole process, and minus the baseline).
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import sys
import time
from typing import Any

from bench.context import Context
from bench.dataset import generate, series_name
from bench.peers import Prometheus
from bench.report import Result, Row
from bench.target import ScrapeTarget

__all__ = ["run"]

DEFAULT_SERIES = 100_000
TARGETS = 20
INTERVAL_S = 5
BODIES = 4
WARMUP_SCRAPES = 3
DEFAULT_SECONDS = 75.0
SETTLE_S = 2.0
KB = 1024.0


class Argus(Prometheus):
    """``python -m argus`` with a generated config; Prometheus's flags and endpoints."""

    name = "argus"

    def command(self) -> list[str]:
        self.write_config()
        return [
            sys.executable,
            "-m",
            "argus",
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.data_dir}",
            f"--web.listen-address=127.0.0.1:{self.port}",
            "--log.level=warn",
            *self.extra_flags,
        ]


def bodies(per_target: int, seed: int) -> list[bytes]:
    """``BODIES`` exposition bodies of the same ``per_target`` series, new values each."""
    ds = generate(per_target, BODIES, start_ms=0, seed=seed, resets=False)
    names = [series_name(p) for p in ds.labels]
    out = []
    for k in range(BODIES):
        vals = map(repr, ds.values[:, k].tolist())
        out.append("".join([f"{n} {v}\n" for n, v in zip(names, vals, strict=True)]).encode())
    return out


def job(targets: list[ScrapeTarget]) -> dict[str, Any]:
    return {
        "job_name": "bench",
        "scrape_interval": f"{INTERVAL_S}s",
        "scrape_timeout": f"{INTERVAL_S - 1}s",
        "static_configs": [{"targets": [t.address for t in targets]}],
    }


def measure(
    server: Prometheus, targets: list[ScrapeTarget], seconds: float, ctx: Context
) -> dict[str, Any]:
    """Steps 1-5 of the module docstring for one running server."""
    info: dict[str, Any] = {}
    time.sleep(SETTLE_S)
    info["baseline_rss"] = server.rss()
    start_requests = [t.requests for t in targets]
    server.reload([job(targets)])
    deadline = time.monotonic() + WARMUP_SCRAPES * INTERVAL_S + 120
    while time.monotonic() < deadline:
        done = min(t.requests - r for t, r in zip(targets, start_requests, strict=True))
        if done >= WARMUP_SCRAPES:
            break
        time.sleep(0.5)
    else:
        raise RuntimeError(f"{server.name}: targets not scraped {WARMUP_SCRAPES} times in time")
    # Let the last warm-up scrape's append finish before the clock starts.
    time.sleep(1.0)
    requests0 = sum(t.requests for t in targets)
    cpu0, samples0 = server.cpu(), server.metric("prometheus_tsdb_head_samples_appended_total")
    t0 = time.monotonic()
    time.sleep(seconds)
    cpu1, samples1 = server.cpu(), server.metric("prometheus_tsdb_head_samples_appended_total")
    wall = time.monotonic() - t0
    info.update(
        wall_s=wall,
        cpu_s=cpu1 - cpu0,
        samples=samples1 - samples0,
        scrapes=sum(t.requests for t in targets) - requests0,
        rss=server.rss(),
        head_series=server.metric("prometheus_tsdb_head_series"),
        failed_targets=sum(1 for v in _up_values(server) if v != 1.0),
        loadavg_end=os.getloadavg(),
        scrape_duration_s=_mean_scrape_duration(server, wall),
    )
    info["cpu_per_m_samples"] = info["cpu_s"] / (info["samples"] / 1e6) if info["samples"] else None
    info["cores_used"] = info["cpu_s"] / wall
    ctx.log(
        f"{server.name}: {info['samples'] / 1e6:.2f} M samples in {wall:.0f} s, "
        f"CPU {info['cpu_s']:.1f} s ({info['cores_used']:.2f} cores), "
        f"{info['head_series']:.0f} head series, RSS {info['rss'] / 2**20:.0f} MiB"
    )
    return info


# The bodies hold an ``up`` series too; theirs carries ``exported_job``, ours does not.
_SYNTHETIC = 'job="bench",exported_job=""'


def _instant(server: Prometheus, expr: str) -> list[float]:
    doc = json.loads(server.query(expr, timeout=30))
    return [float(r["value"][1]) for r in doc["data"]["result"]]


def _up_values(server: Prometheus) -> list[float]:
    return _instant(server, f"up{{{_SYNTHETIC}}}")


def _mean_scrape_duration(server: Prometheus, seconds: float) -> float | None:
    expr = f"avg(avg_over_time(scrape_duration_seconds{{{_SYNTHETIC}}}[{int(seconds)}s]))"
    values = _instant(server, expr)
    return values[0] if values else None


def run_one(
    kind: type[Prometheus], bodies_: list[bytes], seconds: float, ctx: Context
) -> dict[str, Any]:
    work = ctx.dir(kind.name)
    server = kind(work / "data", log_dir=work, extra_flags=["--web.enable-lifecycle"])
    with contextlib.ExitStack() as stack:
        targets = [stack.enter_context(ScrapeTarget(bodies_)) for _ in range(TARGETS)]
        with server:
            return measure(server, targets, seconds, ctx)


def run(ctx: Context) -> Result:
    total = ctx.series or DEFAULT_SERIES
    per_target = max(1, total // TARGETS)
    seconds = ctx.seconds or DEFAULT_SECONDS
    res = Result(
        "scrape",
        "Scraping: CPU per million samples and memory per active series",
        {
            "targets": TARGETS,
            "series_per_target": per_target,
            "interval_s": INTERVAL_S,
            "measured_s": seconds,
            "warmup_scrapes": WARMUP_SCRAPES,
        },
    )
    bodies_ = bodies(per_target, ctx.seed)
    res.details["body_bytes"] = len(bodies_[0])
    res.details["body_gzip_bytes"] = len(gzip.compress(bodies_[0], compresslevel=1))
    got: dict[str, dict[str, Any]] = {}
    for name, kind in (("prometheus", Prometheus), ("argus", Argus)):
        if ctx.runs(name):
            got[name] = run_one(kind, bodies_, seconds, ctx)
            res.details[name] = got[name]

    def kb_per_series(baseline: bool) -> dict[str, float | None]:
        """RSS per active series in KB, whole process or minus the baseline."""
        out: dict[str, float | None] = {}
        for name, info in got.items():
            rss = info["rss"] - (info["baseline_rss"] if baseline else 0)
            out[name] = rss / info["head_series"] / KB if info["head_series"] else None
        return out

    res.rows = [
        Row.of(
            "CPU per million samples",
            "CPU s/M",
            {n: i["cpu_per_m_samples"] for n, i in got.items()},
        ),
        Row.of(
            "samples ingested per second",
            "samples/s",
            {n: i["samples"] / i["wall_s"] for n, i in got.items()},
            better="higher",
        ),
        Row.of("CPU used while scraping", "cores", {n: i["cores_used"] for n, i in got.items()}),
        Row.of(
            f"mean scrape duration ({per_target} series)",
            "s",
            {n: i["scrape_duration_s"] for n, i in got.items()},
        ),
        Row.of("RSS, whole process", "KB/series", kb_per_series(baseline=False)),
        Row.of("RSS minus baseline", "KB/series", kb_per_series(baseline=True)),
        Row.of("active series", "series", {n: i["head_series"] for n, i in got.items()}),
    ]
    res.notes += [
        f"{TARGETS} targets x {per_target} series at {INTERVAL_S} s; each target rotates "
        f"through {BODIES} bodies (same series, new values), served gzipped.",
        "The servers ran one after the other on the same targets, each measured after "
        f"{WARMUP_SCRAPES} warm-up scrapes per target; CPU is utime+stime of the server "
        "process only (the targets run in the benchmark process).",
        "Samples are prometheus_tsdb_head_samples_appended_total deltas (both servers "
        "export it); they include the 5 synthetic series per scrape.",
        "Baseline RSS: the server running with no scrape jobs, before the reload that "
        "adds the targets.",
    ]
    for name, info in got.items():
        if info["failed_targets"]:
            res.notes.append(f"{name}: {info['failed_targets']} target(s) not up at the end.")
    return res
