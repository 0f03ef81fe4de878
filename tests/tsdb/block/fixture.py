"""Builds the checked-in format-v1 block (run once per format version, never in tests).

    python -m tests.tsdb.block.fixture

The block holds a counter, a 2-decimal gauge with a staleness marker, a NaN and +Inf,
and label values with escapes, so every part of the format is exercised.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from argus.model import STALE_NAN, Labels
from argus.tsdb import write_block

ULID = "01JBV1FXTURE0000000000000A"
HERE = Path(__file__).parent / "testdata" / "format_v1"


def expected() -> tuple[list[Labels], list[list[int]], list[list[float]]]:
    labels = [
        Labels.of(__name__="http_requests_total", code="200", path='/a"b\\c'),
        Labels.of(__name__="node_temp_celsius", sensor="cpu\n0"),
        Labels.of(__name__="up", job="api"),
    ]
    t0 = 1_700_000_000_000
    ts = [
        [t0 + 15_000 * i for i in range(40)],
        [t0 + 15_000 * i + (7 if i % 9 == 0 else 0) for i in range(30)],
        [t0, t0 + 15_000, t0 + 30_000],
    ]
    values = [
        [float(3 * i * i) for i in range(40)],
        [round(40 + 0.25 * i, 2) for i in range(28)] + [STALE_NAN, 41.5],
        [1.0, float("nan"), float("inf")],
    ]
    return labels, ts, values


def main() -> None:
    labels, ts, values = expected()
    offsets = np.cumsum([0] + [len(t) for t in ts]).astype(np.int64)
    HERE.mkdir(parents=True, exist_ok=True)
    write_block(
        HERE,
        labels,
        offsets,
        np.concatenate([np.asarray(t, dtype=np.int64) for t in ts]),
        np.concatenate([np.asarray(v, dtype=np.float64) for v in values]),
        ulid=ULID,
    )


if __name__ == "__main__":
    main()
