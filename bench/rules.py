"""``rules``: recording-rule evaluation time per group, Argus vs Prometheus, one run.

Both servers run at the same time, scrape the same generated targets with the same
config and load the same rule file (by the same path, so each group is evaluated at
the same phase in both):

- data: ``TARGETS`` targets in two jobs, each serving ``--series / TARGETS`` series
  (default 10,000 in all): counters ``bench_counter_<i>_total{shard}``, gauges
  ``bench_gauge_<i>{shard}`` and histograms ``bench_latency_<i>_seconds_bucket{handler,
  le}``, new values at every scrape (each target rotates through ``BODIES`` bodies);
- rules: ``GROUPS`` groups x ``RULES_PER_GROUP`` recording rules (default 10 x 100) in
  a realistic mix: ``sum by (job) (rate(..[5m]))``, ``increase`` by shard,
  ``histogram_quantile`` over summed bucket rates, error ratios, ``avg_over_time``,
  ``avg by``, ``max by (instance) (rate(..[1m]))``, ``topk``;
- after a warm-up (the ``[5m]`` windows fill with 5 s scrapes), each group's
  evaluation time as each server reports it (``evaluationTime`` of ``/api/v1/rules``,
  the same figure as ``prometheus_rule_group_last_duration_seconds``) is read after
  every evaluation for ``--seconds``; the figure per group is the median.

Rows: total over all groups (sum of medians), and the median, fastest and slowest
group; the per-group table goes to the details.
"""

from __future__ import annotations

import contextlib
import json
import statistics
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np

from bench.context import Context
from bench.peers import Prometheus
from bench.report import Result, Row
from bench.target import ScrapeTarget

__all__ = ["bodies", "rule_file", "run"]

DEFAULT_SERIES = 10_000
TARGETS = 10
SCRAPE_S = 5
EVAL_S = 15
GROUPS = 10
RULES_PER_GROUP = 100
BODIES = 64
DEFAULT_WARMUP_S = 90.0
DEFAULT_SECONDS = 150.0
COUNTERS = 60
GAUGES = 40
HISTOGRAMS = 5
SHARDS = 5
BUCKETS = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf")


def _series(per_target: int) -> list[tuple[str, str]]:
    """``(name, labels text)`` of one target's series: ~30% counters, 20% gauges, 50%
    histogram buckets, scaled to ``per_target``."""
    scale = per_target / 1000
    shards = max(1, round(SHARDS * scale))
    handlers = max(1, round(10 * scale))
    out = [
        (f"bench_counter_{i}_total", f'shard="{s}"') for i in range(COUNTERS) for s in range(shards)
    ]
    out += [(f"bench_gauge_{i}", f'shard="{s}"') for i in range(GAUGES) for s in range(shards)]
    out += [
        (f"bench_latency_{i}_seconds_bucket", f'handler="/h{h}",le="{le}"')
        for i in range(HISTOGRAMS)
        for h in range(handlers)
        for le in BUCKETS
    ]
    return out


def bodies(per_target: int, seed: int) -> list[bytes]:
    """``BODIES`` exposition bodies of the same series; counters and buckets grow.

    Buckets of one histogram (same name and handler) are cumulative in ``le``.
    """
    series = _series(per_target)
    rng = np.random.default_rng(seed)
    n = len(series)
    kind = np.array([0 if "counter" in name else 1 if "gauge" in name else 2 for name, _ in series])
    n_hist = int((kind == 2).sum())
    bucket = np.arange(n_hist) % len(BUCKETS) + 1.0
    hist_base = np.repeat(np.floor(rng.uniform(0, 1e5, n_hist // len(BUCKETS))), len(BUCKETS))
    base = np.floor(rng.uniform(0, 1e6, n))
    step = rng.poisson(20, (BODIES, n)).cumsum(axis=0).astype(np.float64)
    hist_step = np.repeat(
        rng.poisson(5, (BODIES, n_hist // len(BUCKETS))).cumsum(axis=1 - 1), len(BUCKETS), axis=1
    )
    out = []
    for k in range(BODIES):
        vals = np.where(kind == 0, base + step[k], np.round(rng.uniform(0, 100, n), 2))
        vals[kind == 2] = (hist_base + hist_step[k]) * bucket
        lines = [
            f"{name}{{{labels}}} {v!r}\n"
            for (name, labels), v in zip(series, vals.tolist(), strict=True)
        ]
        out.append("".join(lines).encode())
    return out


def _rule(g: int, r: int) -> str:
    i = (g * RULES_PER_GROUP + r) % COUNTERS
    j = (g * RULES_PER_GROUP + r) % GAUGES
    h = (g * RULES_PER_GROUP + r) % HISTOGRAMS
    c = f"bench_counter_{i}_total"
    kind = r % 10
    if kind <= 2:
        return f"sum by (job) (rate({c}[5m]))"
    if kind == 3:
        return f"sum by (job, shard) (increase({c}[5m]))"
    if kind == 4:
        return (
            "histogram_quantile(0.9, sum by (job, le) "
            f"(rate(bench_latency_{h}_seconds_bucket[5m])))"
        )
    if kind == 5:
        return f'sum by (job) (rate({c}{{shard="0"}}[5m])) / sum by (job) (rate({c}[5m]))'
    if kind == 6:
        return f"avg_over_time(bench_gauge_{j}[5m])"
    if kind == 7:
        return f"avg by (job) (bench_gauge_{j})"
    if kind == 8:
        return f"max by (instance) (rate({c}[1m]))"
    return f"topk(3, bench_gauge_{j})"


def rule_file(groups: int = GROUPS, per_group: int = RULES_PER_GROUP) -> str:
    lines = ["groups:"]
    for g in range(groups):
        lines += [f"  - name: bench_{g}", f"    interval: {EVAL_S}s", "    rules:"]
        for r in range(per_group):
            lines += [f"      - record: bench:rule_{g}_{r}", f"        expr: '{_rule(g, r)}'"]
    return "\n".join(lines) + "\n"


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
        ]


def _with_rules(server: Prometheus, rules: Path) -> None:
    """Make ``server`` write a config with ``rule_files`` (JSON is YAML)."""

    def write_config() -> None:
        cfg = {
            "global": server.global_config,
            "scrape_configs": server.scrape_configs,
            "rule_files": [str(rules)],
        }
        server.config_path.write_text(json.dumps(cfg, indent=2))

    server.write_config = write_config  # type: ignore[method-assign]


def _groups(server: Prometheus) -> dict[str, tuple[str, float]]:
    """``{group: (lastEvaluation, evaluationTime)}`` from ``/api/v1/rules``."""
    with urllib.request.urlopen(server.url + "/api/v1/rules", timeout=60) as r:
        doc = json.load(r)
    return {
        g["name"]: (g["lastEvaluation"], float(g["evaluationTime"])) for g in doc["data"]["groups"]
    }


def _recorded_series(server: Prometheus) -> int:
    """How many series the rules recorded (a sanity check that both did the same work)."""
    doc = json.loads(server.query('count({__name__=~"bench:.+"})', timeout=60))
    result = doc["data"]["result"]
    return int(float(result[0]["value"][1])) if result else 0


def _failures(server: Prometheus) -> float:
    return server.metric("prometheus_rule_evaluation_failures_total")


def run(ctx: Context) -> Result:
    total = ctx.series or DEFAULT_SERIES
    per_target = max(1, total // TARGETS)
    seconds = ctx.seconds or DEFAULT_SECONDS
    warmup = DEFAULT_WARMUP_S * min(1.0, seconds / DEFAULT_SECONDS)
    res = Result(
        "rules",
        "Recording rules: evaluation time per group",
        {
            "series": per_target * TARGETS,
            "targets": TARGETS,
            "groups": GROUPS,
            "rules_per_group": RULES_PER_GROUP,
            "scrape_interval_s": SCRAPE_S,
            "evaluation_interval_s": EVAL_S,
            "warmup_s": warmup,
            "measured_s": seconds,
        },
    )
    work = ctx.dir("rules")
    rules = work / "bench.rules.yml"
    rules.write_text(rule_file())
    names = [n for n in ("prometheus", "argus") if ctx.runs(n)]
    kinds: dict[str, type[Prometheus]] = {"prometheus": Prometheus, "argus": Argus}
    samples: dict[str, dict[str, dict[str, float]]] = {n: {} for n in names}
    failures: dict[str, float] = {}
    bodies_ = bodies(per_target, ctx.seed)
    with contextlib.ExitStack() as stack:
        targets = [stack.enter_context(ScrapeTarget(bodies_)) for _ in range(TARGETS)]
        jobs = [
            {
                "job_name": f"job{j}",
                "scrape_interval": f"{SCRAPE_S}s",
                "scrape_timeout": f"{SCRAPE_S - 1}s",
                "static_configs": [{"targets": [t.address for t in targets[j::2]]}],
            }
            for j in range(2)
        ]
        servers: dict[str, Prometheus] = {}
        for n in names:
            s = kinds[n](
                ctx.dir(n) / "data",
                log_dir=ctx.dir(n),
                scrape_configs=jobs,
                global_config={
                    "scrape_interval": f"{SCRAPE_S}s",
                    "evaluation_interval": f"{EVAL_S}s",
                },
            )
            _with_rules(s, rules)
            servers[n] = stack.enter_context(s)
        ctx.log(f"{', '.join(names)} running; warming up for {warmup:.0f}s")
        time.sleep(warmup)
        before = {n: _failures(s) for n, s in servers.items()}
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for n, s in servers.items():
                for group, (last, took) in _groups(s).items():
                    samples[n].setdefault(group, {})[last] = took
            time.sleep(2.0)
        failures = {n: _failures(s) - before[n] for n, s in servers.items()}
        recorded = {n: _recorded_series(s) for n, s in servers.items()}

    medians = {
        n: {g: statistics.median(v.values()) for g, v in sorted(samples[n].items())} for n in names
    }
    res.details["per_group_median_s"] = medians
    res.details["evaluations_per_group"] = {
        n: {g: len(v) for g, v in samples[n].items()} for n in names
    }
    res.details["failures_during_measurement"] = failures
    res.details["recorded_series"] = recorded
    if len(set(recorded.values())) > 1:
        res.notes.append(f"The servers hold different numbers of recorded series: {recorded}.")
    elif recorded:
        res.notes.append(f"Both hold {next(iter(recorded.values()))} recorded series.")

    def pick(fn: Any) -> dict[str, float | None]:
        return {n: (fn(list(medians[n].values())) if medians[n] else None) for n in names}

    res.rows = [
        Row.of("all groups (sum of medians)", "s", pick(sum)),
        Row.of("median group", "s", pick(statistics.median)),
        Row.of("fastest group", "s", pick(min)),
        Row.of("slowest group", "s", pick(max)),
    ]
    per_rule = pick(sum)
    res.rows.append(
        Row.of(
            "per rule",
            "ms",
            {
                n: (v * 1000 / (GROUPS * RULES_PER_GROUP) if v is not None else None)
                for n, v in per_rule.items()
            },
        )
    )
    if "argus" in medians and "prometheus" in medians:
        ratios = [
            medians["argus"][g] / medians["prometheus"][g]
            for g in medians["argus"]
            if medians["prometheus"].get(g)
        ]
        if ratios:
            res.details["ratio_per_group"] = {
                g: medians["argus"][g] / medians["prometheus"][g]
                for g in medians["argus"]
                if medians["prometheus"].get(g)
            }
            res.notes.append(
                f"Argus/Prometheus per group: median {statistics.median(ratios):.2f}x, "
                f"range {min(ratios):.2f}x-{max(ratios):.2f}x."
            )
    res.notes += [
        f"{GROUPS} groups x {RULES_PER_GROUP} recording rules every {EVAL_S} s over "
        f"{per_target * TARGETS} series from {TARGETS} targets scraped every {SCRAPE_S} s; "
        "both servers ran at the same time on the same targets and rule file.",
        f"Figures are per-group medians of evaluationTime (/api/v1/rules) over {seconds:.0f} s "
        f"after {warmup:.0f} s of warm-up; the [5m] windows were partly filled "
        f"({(warmup + seconds) / SCRAPE_S:.0f} scrapes at most).",
    ]
    return res
