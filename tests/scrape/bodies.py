"""Realistic scrape bodies for parser tests and benchmarks (node_exporter-like)."""

from __future__ import annotations

import random


def node_exporter_like(lines: int = 10_000, *, seed: int = 1, step: int = 0) -> bytes:
    """About ``lines`` lines in 50 families: HELP/TYPE, labels with escapes, a histogram,
    a summary, NaN/±Inf, exponents, one timestamped line. ``step`` changes the values
    only (the series stay the same), as successive scrapes of one target do."""
    rng = random.Random(seed)
    vrng = random.Random(seed * 1000 + step)
    out: list[str] = []
    families = 50
    per = max(1, (lines - 2 * families) // families)
    for f in range(families):
        name = f"node_family_{f}_total" if f % 3 == 0 else f"node_family_{f}"
        kind = "counter" if f % 3 == 0 else ("histogram" if f == 7 else "gauge")
        if f == 11:
            kind = "summary"
        out.append(f"# HELP {name} Family {f} of a generated node_exporter-like body.")
        out.append(f"# TYPE {name} {kind}")
        for i in range(per):
            dev = f"dev{rng.randrange(1000)}_{i}"
            if kind == "histogram":
                le = ["0.005", "0.01", "0.1", "1", "10", "+Inf"][i % 6]
                series = f'{name}_bucket{{path="/a\\"b\\\\c",le="{le}",i="{i // 6}"}}'
            elif kind == "summary":
                q = ["0.5", "0.9", "0.99"][i % 3]
                series = f'{name}{{quantile="{q}",i="{i // 3}"}}'
            else:
                series = f'{name}{{device="{dev}",mode="user",cpu="{i % 64}"}}'
            r = vrng.random()
            if i % 97 == 5:
                value = ["NaN", "+Inf", "-Inf"][i % 3]
            elif i % 13 == 0:
                value = f"{r * 1e9:e}"
            else:
                value = repr(round(r * 1000, 3))
            out.append(f"{series} {value}")
    out[-1] += " 1700000000000"
    return ("\n".join(out) + "\n").encode()
