"""Shared builders for the WAL tests: small, deterministic batches and file surgery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from argus.model import STALE_NAN, Float64Array, Int64Array, Labels
from argus.tsdb.wal import WAL, FsyncPolicy

LABELS = [
    Labels.of(__name__="up", job="api", instance="a:9090"),
    Labels.of(__name__="http_requests_total", code="200", path="/ü/ñ"),
    Labels.of(__name__="node_load1"),
]


def batch(i: int, n: int = 3) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Batch ``i``: refs 0..n-1, ts 1000*i ms, values i + ref/10, a stale NaN on odd i."""
    refs = np.arange(n, dtype=np.int64)
    ts = np.full(n, 1_000 * i, dtype=np.int64)
    values: Float64Array = i + refs / 10.0
    if i % 2:
        values[0] = STALE_NAN
    return refs, ts, values


def write_basic(directory: Path, batches: int = 2, **kwargs: Any) -> None:
    """Series for LABELS, then ``batches`` sample batches, in one segment."""
    with WAL(directory, fsync=FsyncPolicy.NEVER, **kwargs) as wal:
        wal.log_series(np.arange(len(LABELS), dtype=np.int64), LABELS)
        for i in range(batches):
            wal.log_samples(*batch(i))


def only_segment(directory: Path) -> Path:
    files = sorted(p for p in directory.iterdir() if p.name.isdigit())
    assert len(files) == 1, files
    return files[0]
