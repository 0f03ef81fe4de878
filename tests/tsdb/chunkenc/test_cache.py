"""The decoded-payload cache: LRU by bytes, second-miss admission, and gather_chunks
answering identically with and without it."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argus.tsdb.chunkenc import CacheSession, DecodedCache, encode, gather_chunks
from argus.tsdb.chunkenc.cache import CachedPayload
from tests.tsdb.chunkenc.conftest import assert_same


def _decoded(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([0, n], dtype=np.int64),
        np.arange(n, dtype=np.int64),
        np.arange(n, dtype=np.float64),
    )


ALL = np.array([0], dtype=np.int64)  # the one chunk of a ``_decoded`` payload


def _size(n: int) -> int:
    return CachedPayload(_decoded(n)).nbytes


def test_lru_evicts_least_recently_used_to_stay_within_bytes():
    cache = DecodedCache(max_bytes=2 * _size(100))
    old = [CacheSession() for _ in range(3)]  # long-past queries: nothing protected
    cache.put(("a", 0), _decoded(100), old[0])
    cache.put(("a", 1), _decoded(100), old[0])
    assert cache.get(("a", 0), ALL, old[1]) is not None  # now ("a", 1) is least recent
    later = [CacheSession() for _ in range(3)]
    for session in later:
        cache.get(("zz", 0), ALL, session)  # take sequence numbers: old[] are now long past
    assert cache.put(("a", 2), _decoded(100), later[2]) is not None
    assert cache.get(("a", 1), ALL) is None
    assert cache.get(("a", 0), ALL) is not None
    assert cache.get(("a", 2), ALL) is not None
    st_ = cache.stats()
    assert (st_.hits, st_.evictions, st_.entries, st_.bytes) == (3, 1, 2, 2 * _size(100))
    assert cache.put(("b", 0), _decoded(10_000)) is None  # larger than the whole cache
    assert cache.stats().entries == 2


def test_entries_are_read_only_and_drop_forgets_one_owner():
    cache = DecodedCache()
    cache.put(("blk1", 0), _decoded(5))
    cache.put(("blk1", 1), _decoded(5), chunk_ids=np.array([3], dtype=np.int64))
    cache.put(("blk2", 0), _decoded(5))
    found = cache.get(("blk1", 0), ALL)
    assert found is not None
    with pytest.raises(ValueError, match="read-only"):
        found[0].values[0] = 7
    cache.drop("blk1")
    assert cache.get(("blk1", 0), ALL) is None
    assert cache.get(("blk1", 1), np.array([3], dtype=np.int64)) is None
    assert cache.get(("blk2", 0), ALL) is not None
    assert cache.stats().entries == 1


def test_partial_entries_serve_reads_of_the_chunks_they_hold():
    cache = DecodedCache()
    decoded = (np.array([0, 2, 5], dtype=np.int64), np.arange(5, dtype=np.int64), np.arange(5.0))
    cache.put(("b", 0), decoded, chunk_ids=np.array([4, 9], dtype=np.int64))
    found = cache.get(("b", 0), np.array([9], dtype=np.int64))
    assert found is not None
    counts, ts, values = found[0].take(found[1])
    assert (counts.tolist(), ts.tolist(), values.tolist()) == ([3], [2, 3, 4], [2.0, 3.0, 4.0])
    assert cache.get(("b", 0), np.array([4, 5], dtype=np.int64)) is None  # 5 is not held
    cache.put(("c", 0), _decoded(3))
    with pytest.raises(ValueError, match="chunk ids"):
        cache.get(("c", 0), np.array([1], dtype=np.int64))


def test_admission_on_second_miss_or_when_most_of_the_payload_is_read():
    cache = DecodedCache()
    assert not cache.should_admit(("b", 3), share=0.1)
    assert cache.should_admit(("b", 3), share=0.1)
    assert cache.should_admit(("b", 4), share=0.5)
    assert not DecodedCache(0).should_admit(("b", 5), share=1.0)
    with pytest.raises(ValueError, match=">= 0"):
        DecodedCache(-1)


def test_a_query_never_evicts_what_it_or_the_query_before_it_used():
    cache = DecodedCache(max_bytes=4 * _size(100))

    def query(keys):  # what gather_chunks does with one query's whole-payload reads
        session = CacheSession()
        before = cache.stats().hits
        for key in keys:
            if cache.get(key, ALL, session) is None and not session.full:
                session.full = cache.put(key, _decoded(100), session) is None
        return cache.stats().hits - before

    big = [("blk", g) for g in range(6)]  # needs more than the cache holds
    # Plain LRU would evict each payload just before it is read again: 0 hits forever.
    assert [query(big) for _ in range(4)] == [0, 4, 4, 4]
    assert cache.stats().evictions == 0
    small = [("other", g) for g in range(2)]
    # The first run may not evict what the query before it used; the next ones may.
    assert [query(small) for _ in range(4)] == [0, 0, 2, 2]
    assert cache.stats().evictions == 2


def csr_of(got, i):
    """Row ``i`` of a gather result ``(counts, ts, values)`` as a one-row CSR."""
    counts, ts, values = got
    a = int(counts[:i].sum())
    b = a + int(counts[i])
    return np.array([0, b - a], dtype=np.int64), ts[a:b], values[a:b]


def _payloads() -> tuple[list[bytes], np.ndarray]:
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 30, 40)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    ts = np.concatenate([np.arange(c, dtype=np.int64) * 15_000 for c in counts])
    values = np.round(rng.random(len(ts)) * 100, 2)
    values[::17] = np.nan
    first = np.array([0, 12, 30, 40], dtype=np.int64)
    payloads = [
        encode(
            offsets[a : b + 1] - offsets[a],
            ts[offsets[a] : offsets[b]],
            values[offsets[a] : offsets[b]],
        )
        for a, b in itertools.pairwise(first.tolist())
    ]
    return payloads, first


@pytest.mark.parametrize(
    "want", [[5], [0, 1, 2, 13, 39], list(range(0, 40, 3)), list(range(40))], ids=str
)
def test_gather_with_cache_answers_like_without_on_every_repetition(want):
    payloads, first = _payloads()
    chunks = np.array(want, dtype=np.int64)
    plain = gather_chunks(payloads.__getitem__, first, chunks)
    fetched: list[int] = []

    def payload(g: int) -> bytes:
        fetched.append(g)
        return payloads[g]

    cache = DecodedCache()
    for _ in range(4):  # a miss (whole or partial entry made), then hits
        got = gather_chunks(payload, first, chunks, cache=cache, owner="blk")
        assert_same(
            (np.r_[0, np.cumsum(got[0])], got[1], got[2]),
            (np.r_[0, np.cumsum(plain[0])], plain[1], plain[2]),
        )
        assert all(a.flags.writeable for a in got)  # copies, never the cache's arrays
    groups = len(set(np.searchsorted(first, chunks, side="right") - 1))
    s = cache.stats()
    assert (s.hits, s.misses, s.entries) == (3 * groups, groups, groups)
    assert len(fetched) == groups  # later repetitions fetch nothing
    g0 = int(np.searchsorted(first, chunks[0], side="right") - 1)
    found = cache.get(("blk", g0), chunks[:1] - first[g0])
    assert found is not None
    off, ts, values = found[0].as_decoded()
    assert_same((off[:2] - off[0], ts[: off[1]], values[: off[1]]), csr_of(plain, 0))


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_cached_payload_take_clips_like_a_time_mask(data):
    # Clipped reads use sort keys and searchsorted, not a mask: compare with the mask.
    n_chunks = data.draw(st.integers(1, 8))
    huge = data.draw(st.booleans())  # a time range too wide for keys: no clipping
    lens = data.draw(st.lists(st.integers(0, 12), min_size=n_chunks, max_size=n_chunks))
    offsets = np.zeros(n_chunks + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    lo, hi = (-(2**62), 2**62) if huge else (-1000, 1000)
    ts = np.concatenate(
        [np.zeros(0, np.int64)]
        + [
            np.array(
                sorted(data.draw(st.sets(st.integers(lo, hi), min_size=k, max_size=k))),
                dtype=np.int64,
            )
            for k in lens
        ]
    )
    values = np.arange(ts.size, dtype=np.float64)
    entry = CachedPayload((offsets, ts.copy(), values))
    width = int(ts.max()) - int(ts.min()) + 1 if ts.size else 1
    assert (entry.span == 0) == (width * (n_chunks + 2) >= 2**62)
    ids = np.flatnonzero(data.draw(st.lists(st.booleans(), min_size=n_chunks, max_size=n_chunks)))
    if not ids.size:
        return
    mint = data.draw(st.integers(lo - 10, hi + 10))
    maxt = data.draw(st.integers(mint - 5, hi + 10))
    counts, got_ts, got_v = entry.take(ids.astype(np.int64), mint, maxt)
    rows = [np.arange(offsets[i], offsets[i + 1]) for i in ids]
    if entry.span:
        rows = [r[(ts[r] >= mint) & (ts[r] <= maxt)] for r in rows]
    want = np.concatenate([np.zeros(0, np.int64), *rows])
    assert counts.tolist() == [len(r) for r in rows]
    np.testing.assert_array_equal(got_ts, ts[want])
    np.testing.assert_array_equal(got_v, values[want])
    whole = entry.take(ids.astype(np.int64))
    assert whole[0].tolist() == [int(offsets[i + 1] - offsets[i]) for i in ids]
