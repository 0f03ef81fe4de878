"""Blocks read through the DB's decoded-payload cache answer exactly as without it, the
cache fills on repeated reads, and a block's entries go when the block is closed."""

from __future__ import annotations

import numpy as np

from argus.model import Labels, Matcher
from argus.tsdb import DB, DBOptions, write_blocks
from argus.tsdb.metrics import tsdb_metrics

H = 3_600_000


def _write(path, n_series=600, hours=4):
    rng = np.random.default_rng(11)
    labels = [Labels.of(__name__="m", i=f"{i:04d}", odd=str(i % 2)) for i in range(n_series)]
    per = hours * 240
    ts = np.tile(np.arange(per, dtype=np.int64) * 15_000 + 1, n_series)
    values = np.cumsum(rng.integers(0, 50, n_series * per)).astype(np.float64) / 10
    values[::97] = np.nan
    offsets = np.arange(0, n_series * per + 1, per, dtype=np.int64)
    write_blocks(path, labels, offsets, ts, values)


def _read(db, matchers, mint, maxt):
    q = db.querier(mint, maxt)
    try:
        s = q.select(matchers, mint, maxt)
        return s.labels, s.offsets.copy(), s.ts.copy(), s.values.view(np.uint64).copy()
    finally:
        q.close()


def test_cached_reads_equal_uncached_and_fill_the_cache(tmp_path):
    _write(tmp_path / "a")
    _write(tmp_path / "b")
    cached = DB.open(tmp_path / "a", DBOptions(retention_ms=0))
    plain = DB.open(tmp_path / "b", DBOptions(retention_ms=0, decoded_cache_bytes=0))
    try:
        cases = [
            ([Matcher.equal("i", "0007")], 3 * H, 3 * H + 300_000),  # one series, 5 minutes
            ([Matcher.equal("odd", "1")], 0, 4 * H),  # half of all series, everything
            ([Matcher.regex("i", "00[1-3].")], H + 5, 3 * H - 5),  # across block edges
        ]
        for matchers, mint, maxt in cases:
            want = _read(plain, matchers, mint, maxt)
            for _ in range(3):
                got = _read(cached, matchers, mint, maxt)
                assert got[0] == want[0]
                for g, w in zip(got[1:], want[1:], strict=True):
                    np.testing.assert_array_equal(g, w)
        stats = cached.decoded_cache.stats()
        assert stats.hits > 0 and stats.entries > 0 and 0 < stats.bytes <= stats.max_bytes
        assert plain.decoded_cache.stats().entries == 0
        text = tsdb_metrics(cached)
        assert f"argus_tsdb_decoded_cache_hits_total {stats.hits}" in text
        assert "argus_tsdb_decoded_cache_max_bytes 2.68435e+08" in text
    finally:
        plain.close()
    cached.close()  # closing the blocks drops their entries
    assert cached.decoded_cache.stats().entries == 0


def test_cache_size_flag_reaches_the_db_options():
    from argus.cli import build_parser
    from argus.server import db_options

    parse = build_parser().parse_args
    assert db_options(parse([])).decoded_cache_bytes == 256 * 2**20
    assert db_options(parse(["--storage.tsdb.decoded-cache-size=64MB"])).decoded_cache_bytes == (
        64 * 2**20
    )
    assert db_options(parse(["--storage.tsdb.decoded-cache-size=0"])).decoded_cache_bytes == 0
