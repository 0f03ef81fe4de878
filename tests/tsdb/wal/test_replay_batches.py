"""Batched replay yields exactly what a full replay does, in the same order."""

from __future__ import annotations

import numpy as np

from argus.model import Labels
from argus.tsdb.wal import WAL, replay


def test_sample_batches_equal_full_replay(tmp_path):
    rng = np.random.default_rng(5)
    with WAL(tmp_path) as wal:
        wal.log_series(np.arange(50, dtype=np.int64), [Labels.of(i=str(i)) for i in range(50)])
        for step in range(40):
            k = int(rng.integers(1, 300))
            wal.log_samples(
                rng.integers(0, 50, k).astype(np.int64),
                step * 1000 + rng.integers(0, 900, k).astype(np.int64),
                rng.random(k),
            )
    full = replay(tmp_path)
    lazy = replay(tmp_path, widen=False)
    assert len(lazy.refs) == 0
    batches = list(lazy.sample_batches(500))
    assert len(batches) > 5
    assert all(len(b[0]) < 500 + 300 for b in batches)
    for got, want in zip(
        (np.concatenate(c) for c in zip(*batches, strict=True)),
        (full.refs, full.ts, full.values),
        strict=True,
    ):
        assert np.array_equal(got, want)
