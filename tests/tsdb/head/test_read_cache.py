"""Sealed head segments read through the decoded-payload cache answer exactly as
without it, and repeated reads are served from it."""

from __future__ import annotations

import numpy as np

from argus.model import Labels, Matcher
from argus.tsdb import DB, DBOptions
from tests.conftest import append


def _fill(db: DB) -> None:
    labels = [Labels.of(__name__="m", i=f"{i:03d}") for i in range(300)]
    rng = np.random.default_rng(5)
    for step in range(60):  # small seals: the data ends up in several sealed segments
        ts = np.full(len(labels), 1_000 + step * 15_000, dtype=np.int64)
        values = np.round(rng.random(len(labels)) * 100, 1)
        if step == 7:
            values[::5] = np.nan
        append(db, labels, ts, values)


def _read(db: DB, matchers, mint, maxt):
    q = db.querier(mint, maxt)
    try:
        s = q.select(matchers, mint, maxt)
        return s.labels, s.offsets.copy(), s.ts.copy(), s.values.view(np.uint64).copy()
    finally:
        q.close()


def test_head_segments_cached_reads_equal_uncached(tmp_path):
    cached = DB.open(tmp_path / "a", DBOptions(retention_ms=0, seal_samples=2_000))
    plain = DB.open(
        tmp_path / "b", DBOptions(retention_ms=0, seal_samples=2_000, decoded_cache_bytes=0)
    )
    try:
        _fill(cached)
        _fill(plain)
        assert cached.head.stats.seals > 0
        cases = [
            ([Matcher.equal("i", "042")], 0, 10**9),
            ([Matcher.regex("i", "0[0-4].")], 200_000, 600_000),
            ([Matcher.equal("__name__", "m")], 0, 10**9),
        ]
        for matchers, mint, maxt in cases:
            want = _read(plain, matchers, mint, maxt)
            for _ in range(3):
                got = _read(cached, matchers, mint, maxt)
                assert got[0] == want[0]
                for g, w in zip(got[1:], want[1:], strict=True):
                    np.testing.assert_array_equal(g, w)
        stats = cached.decoded_cache.stats()
        assert stats.hits > 0 and stats.entries > 0
        assert plain.decoded_cache.stats().entries == 0
    finally:
        cached.close()
        plain.close()
