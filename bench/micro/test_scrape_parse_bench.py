"""Parser throughput on a 10k-line node_exporter-like body (lines/s per core).

Run: ``.venv/bin/pytest -m slow -s bench/micro/test_scrape_parse_bench.py``. "Cold" is
the first scrape of a target (empty cache, every line on the slow path); "warm" is the
steady state: same series, new values, so the fast path answers every sample line.
"""

from __future__ import annotations

import time

import pytest

from argus.scrape.parse import OpenMetricsParser, Parser, TextParser
from tests.scrape.bodies import node_exporter_like

LINES = 10_000


def _best(parser: Parser, bodies: list[bytes], rounds: int = 20) -> float:
    best = float("inf")
    for _ in range(rounds):
        for body in bodies:
            start = time.perf_counter()
            parser.parse(body)
            best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["text", "openmetrics"])
def test_parse_lines_per_second(fmt):
    bodies = [node_exporter_like(LINES, step=s) for s in range(6)]
    if fmt == "openmetrics":
        bodies = [b.replace(b" 1700000000000\n", b" 1700000000.5\n") + b"# EOF\n" for b in bodies]
    cls = TextParser if fmt == "text" else OpenMetricsParser
    lines = bodies[0].count(b"\n")
    start = time.perf_counter()
    parser = cls()
    parser.parse(bodies[0])
    cold = time.perf_counter() - start
    warm = _best(parser, bodies[1:])
    print(
        f"\n{fmt}: {lines} lines, {len(bodies[0]) / 1e3:.0f} KB; "
        f"cold {cold * 1e3:.1f} ms ({lines / cold / 1e6:.2f} M lines/s); "
        f"warm {warm * 1e3:.2f} ms ({lines / warm / 1e6:.2f} M lines/s)"
    )
    assert lines / warm > 500_000
