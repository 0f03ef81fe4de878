"""Recording rules in Argus and in Debian's Prometheus: the same recorded series.

How the comparison is made honest and exact:

- **Same data.** One generated OpenMetrics file (counters with a reset, a histogram, a
  gauge, ``up``; 15 s steps, ending a few seconds ago) is backfilled into both
  (``promtool tsdb create-blocks-from openmetrics`` and Argus's command of the same
  name). Scraping a live target instead would give each server its own scrape
  timestamps, so ``rate`` & co. would legitimately differ.
- **Same evaluation timestamps.** Both load the same rule file by the same absolute
  path; a group's phase is ``xxhash(file, name) % interval`` in both, so both evaluate
  at the same instants. The phase is checked to have a non-zero millisecond part, so no
  window boundary ``t - 5m`` ever falls on a (whole-second) sample: there Prometheus
  2.42's closed range windows and Prometheus 3's left-open ones (which Argus follows)
  would differ by design.
- **Real evaluation on both sides.** Both run for a few seconds at a 1 s interval; then
  each server's raw recorded samples (a range selector in an instant query) are read,
  restricted to the window both were running, and compared: the same label sets, the
  same evaluation timestamps, values equal within 1e-9 relative.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from argus.rules.xxhash import labels_hash
from bench.peers import PROMETHEUS, PROMTOOL
from tests.e2e.peers import ConfiguredServer

REPO = Path(__file__).resolve().parents[2]
INTERVAL_S = 1
RUN_S = 10

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (os.path.exists(PROMETHEUS) and os.path.exists(PROMTOOL)),
        reason="Prometheus/promtool not installed (Debian package 'prometheus')",
    ),
]

GROUP = "parity"
RULES = f"""
groups:
  - name: {GROUP}
    interval: {INTERVAL_S}s
    rules:
      - record: job_code:http_requests:rate5m
        expr: sum by (job, code) (rate(http_requests_total[5m]))
      - record: job:http_requests:rate5m
        expr: sum without (instance, code) (rate(http_requests_total[5m]))
      - record: job:http_errors:ratio
        expr: >
          sum by (job) (rate(http_requests_total{{code="500"}}[5m]))
          / sum by (job) (rate(http_requests_total[5m]))
      - record: job:http_errors:ratio_from_recorded
        expr: job_code:http_requests:rate5m{{code="500"}} / ignoring(code) job:http_requests:rate5m
      - record: instance:http_requests:increase2m
        expr: increase(http_requests_total{{code="200"}}[2m])
      - record: job:latency:p90
        expr: histogram_quantile(0.9, sum by (job, le) (rate(http_latency_seconds_bucket[5m])))
      - record: instance:latency:p50
        expr: histogram_quantile(0.5, rate(http_latency_seconds_bucket[3m]))
      - record: job:memory:avg
        expr: avg by (job) (memory_used_bytes)
      - record: instance:memory:avg_over_time4m
        expr: avg_over_time(memory_used_bytes[4m])
      - record: instance:memory:max_over_time
        expr: max_over_time(memory_used_bytes[5m]) - min_over_time(memory_used_bytes[5m])
      - record: instance:memory:delta_offset
        expr: memory_used_bytes - memory_used_bytes offset 2m
      - record: instance:memory:deriv
        expr: deriv(memory_used_bytes[5m])
      - record: job:memory:top2
        expr: topk(2, memory_used_bytes)
      - record: job:memory:bottom1
        expr: bottomk by (job) (1, memory_used_bytes)
      - record: instance:up:renamed
        expr: label_replace(up, "host", "$1", "instance", "([^:]+):.*")
      - record: instance:down
        expr: up == 0
      - record: instance:up:bool
        expr: up == bool 1
      - record: job:up:count
        expr: count by (job) (up == 1)
      - record: absent:nothing
        expr: absent(does_not_exist{{job="x"}})
      - record: constant:one
        expr: vector(1)
      - record: job:requests:quantile
        expr: quantile by (job) (0.75, rate(http_requests_total[5m]))
      - record: instance:requests:resets
        expr: resets(http_requests_total[10m])
      - record: job:memory:stddev
        expr: stddev by (job) (memory_used_bytes)
      - record: instance:requests:gt
        expr: rate(http_requests_total[1m]) > 0.2
      - record: scalar:total
        expr: scalar(sum(up))
      - record: instance:requests:clamped
        expr: clamp_max(irate(http_requests_total[1m]), 0.5)
"""


def _series(name: str, labels: dict[str, str]) -> str:
    return name + "{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}"


def generate(path: Path, end_s: int, minutes: int = 25, step_s: int = 15) -> None:
    """An OpenMetrics file of ``minutes`` of data ending at ``end_s`` (fixed seed)."""
    rnd = random.Random(7)
    stamps = list(range(end_s - minutes * 60, end_s + 1, step_s))
    targets = [{"job": j, "instance": f"{h}:9100"} for j in ("api", "web") for h in "abc"]
    lines: list[str] = ["# TYPE http_requests counter"]
    for code in ("200", "500"):
        for k, t in enumerate(targets):
            total = 0
            reset_at = len(stamps) // 2 if k == 1 and code == "200" else -1
            for i, ts in enumerate(stamps):
                total = 0 if i == reset_at else total + rnd.randrange(0, 30 if code == "200" else 5)
                lines.append(f"{_series('http_requests_total', {**t, 'code': code})} {total} {ts}")
    lines.append("# TYPE http_latency_seconds histogram")
    for t in targets:
        counts = [0, 0, 0, 0, 0]
        for ts in stamps:
            for b in range(5):
                counts[b] += rnd.randrange(0, 4)
            cumulative = 0
            for le, c in zip(("0.1", "0.25", "0.5", "1", "+Inf"), counts, strict=True):
                cumulative += c
                lines.append(f"{_series('http_latency_seconds_bucket', {**t, 'le': le})} "
                             f"{cumulative} {ts}")  # fmt: skip
    lines.append("# TYPE memory_used_bytes gauge")
    lines += [
        f"{_series('memory_used_bytes', t)} {rnd.uniform(1e8, 4e8):.2f} {ts}"
        for t in targets
        for ts in stamps
    ]
    lines.append("# TYPE up gauge")
    lines += [
        f"{_series('up', t)} {0 if k == 4 else 1} {ts}"
        for k, t in enumerate(targets)
        for ts in stamps
    ]
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n")


class _Peer(ConfiguredServer):
    """Either server, with its recorded series read back."""

    def recorded(
        self, at_s: float, range_s: int
    ) -> dict[tuple[tuple[str, str], ...], dict[int, float]]:
        """Raw recorded samples: ``{labels: {ts_ms: value}}``."""
        q = urllib.parse.urlencode(
            {"query": f'{{__name__=~".+:.+"}}[{range_s}s]', "time": f"{at_s:.3f}"}
        )
        with urllib.request.urlopen(f"{self.url}/api/v1/query?{q}", timeout=30) as r:
            doc = json.load(r)
        assert doc["status"] == "success", doc
        assert doc["data"]["resultType"] == "matrix"
        return {
            tuple(sorted(s["metric"].items())): {
                round(float(ts) * 1000): float(v) for ts, v in s["values"]
            }
            for s in doc["data"]["result"]
        }


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def test_recorded_series_match_prometheus(tmp_path, monkeypatch):
    rules = tmp_path / "parity.rules.yml"
    rules.write_text(RULES)
    offset_ms = (
        labels_hash([("file", str(rules)), ("name", GROUP)]) % (INTERVAL_S * 10**9)
    ) // 10**6
    if offset_ms % 1000 == 0:
        pytest.skip("group phase falls on a whole second; window boundaries would hit samples")
    end_s = int(time.time()) - 3
    data = tmp_path / "data.om"
    generate(data, end_s)
    prom_db, argus_db = tmp_path / "prom", tmp_path / "argus"
    subprocess.run(
        [PROMTOOL, "tsdb", "create-blocks-from", "openmetrics", str(data), str(prom_db)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    subprocess.run(
        [sys.executable, "-m", "argus", "tsdb", "create-blocks-from", "openmetrics",
         str(data), str(argus_db)],
        check=True, capture_output=True, timeout=120, cwd=REPO,
    )  # fmt: skip
    config = {"global": {"evaluation_interval": f"{INTERVAL_S}s"}, "rule_files": [str(rules)]}
    peers = [
        _Peer(prom_db, config, [PROMETHEUS], "--storage.tsdb.retention.time=10y"),
        _Peer(
            argus_db, config, [sys.executable, "-m", "argus"], "--storage.tsdb.retention.time=10y"
        ),
    ]
    try:
        for p in peers:
            p.start()
        time.sleep(RUN_S)
        at = time.time()
        prom, argus = (p.recorded(at, RUN_S + 30) for p in peers)
    finally:
        for p in peers:
            p.stop()
    # Compare at the ticks both evaluated (``constant:one`` is recorded at every tick);
    # on a loaded machine either server may skip a tick, which is not a semantic
    # difference.
    ticks = [{t for k, s in doc.items() for t in s if dict(k)["__name__"] == "constant:one"}
             for doc in (prom, argus)]  # fmt: skip
    common = ticks[0] & ticks[1]
    assert len(common) >= RUN_S // 2, f"too few common evaluations: {ticks}"

    def at_common(doc: dict[Any, dict[int, float]]) -> dict[Any, dict[int, float]]:
        cut = {k: {t: v for t, v in s.items() if t in common} for k, s in doc.items()}
        return {k: s for k, s in cut.items() if s}

    prom, argus = at_common(prom), at_common(argus)
    names = {dict(k)["__name__"] for k in prom}
    assert len(names) == RULES.count("- record:"), "every rule recorded something"
    assert sorted(argus) == sorted(prom)
    mismatches = [
        (dict(k), t, prom[k][t], argus[k].get(t))
        for k in prom
        for t in prom[k]
        if t not in argus[k] or not close(prom[k][t], argus[k][t])
    ]
    assert not mismatches, mismatches[:10]
    assert all(set(argus[k]) == set(prom[k]) for k in prom)
