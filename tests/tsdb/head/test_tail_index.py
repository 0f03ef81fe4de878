"""The tail's per-series index answers exactly as a plain scan of the tail would.

The oracle is the scan the index replaces: mask the whole tail, then stable-sort by
(ref, ts). Appends are random (out of order within a series, duplicate timestamps with
equal or different values), and every prefix is read, also through views taken before
later appends extended the index.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from argus.model import Labels
from argus.tsdb.head import Head, HeadOptions
from argus.tsdb.head import tail as tail_mod
from argus.tsdb.head.tail import Tail, TailView
from argus.tsdb.head.tailindex import merge_rows, sort_rows


def _scan(view: TailView, want: np.ndarray, mint: int, maxt: int):
    refs, ts = view.refs, view.ts
    mask = np.isin(refs, want) & (ts >= mint) & (ts <= maxt)
    r, t, v = refs[mask], ts[mask], view.values[mask]
    order = np.lexsort((t, r))
    r, t, v = r[order], t[order], v[order]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else np.zeros(0, np.int64)
    return r[starts], np.append(starts, len(r)), t, v


def _assert_rows_equal(got, want) -> None:
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
    # Values compared bit for bit (NaN payloads, signed zeros).
    np.testing.assert_array_equal(got[3].view(np.uint64), want[3].view(np.uint64))


@contextmanager
def _min_suffix(n: int) -> Iterator[None]:
    """Index small tails too (the production threshold is thousands of samples)."""
    old = tail_mod._MIN_SUFFIX
    tail_mod._MIN_SUFFIX = n
    try:
        yield
    finally:
        tail_mod._MIN_SUFFIX = old


_values = st.sampled_from([0.0, -0.0, 1.5, 2.0, float("nan"), float("inf")])
_sample = st.tuples(st.integers(0, 7), st.integers(0, 30), _values)
_batches = st.lists(st.lists(_sample, min_size=1, max_size=12), min_size=1, max_size=12)
_query = st.tuples(
    st.sets(st.integers(0, 9), max_size=10), st.integers(-2, 32), st.integers(-2, 32)
)


@settings(max_examples=300, deadline=None)
@given(
    batches=_batches,
    queries=st.lists(_query, min_size=1, max_size=4),
    min_suffix=st.integers(0, 6),
)
def test_select_equals_plain_scan_at_every_prefix(batches, queries, min_suffix):
    tail = Tail(capacity=4)  # tiny: growth swaps buffers under older views
    views: list[TailView] = []
    with _min_suffix(min_suffix):
        for batch in batches:
            r, t, v = zip(*batch, strict=True)
            tail.append(np.array(r, np.int64), np.array(t, np.int64), np.array(v, np.float64))
            views.append(tail.view())
            for view in views:  # older views stay exact after the index moved on
                for want_set, mint, maxt in queries:
                    want = np.array(sorted(want_set), dtype=np.int64)
                    _assert_rows_equal(view.select(want, mint, maxt), _scan(view, want, mint, maxt))


@settings(max_examples=200, deadline=None)
@given(a=st.lists(_sample, max_size=30), b=st.lists(_sample, max_size=30))
def test_merge_rows_is_a_stable_sort_of_both(a, b):
    def rows(samples):
        r, t, v = (list(x) for x in zip(*samples, strict=True)) if samples else ([], [], [])
        return sort_rows(np.array(r, np.int64), np.array(t, np.int64), np.array(v, np.float64))

    _assert_rows_equal(merge_rows(rows(a), rows(b)), rows(a + b))


def test_index_is_extended_by_readers_and_reused():
    tail = Tail()
    rng = np.random.default_rng(3)
    for step in range(40):
        refs = np.arange(500, dtype=np.int64)
        ts = np.full(500, step * 1000, np.int64) - rng.integers(0, 3, 500) * 1000
        tail.append(refs, ts, rng.random(500))
    view = tail.view()
    want = np.array([3, 77, 499], np.int64)
    got = view.select(want, 5_000, 20_000)
    assert tail._index.n == len(view) == 20_000  # the first read built the index
    _assert_rows_equal(got, _scan(view, want, 5_000, 20_000))
    tail.append(np.array([3], np.int64), np.array([10_500], np.int64), np.array([9.0]))
    later = tail.view()
    assert later.index.n == 20_000  # a one-sample suffix is scanned, not re-indexed
    _assert_rows_equal(later.select(want, 5_000, 20_000), _scan(later, want, 5_000, 20_000))


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.lists(st.tuples(st.integers(0, 5), st.integers(0, 40), _values), max_size=10),
        min_size=1,
        max_size=10,
    )
)
def test_head_reads_with_index_equal_reads_without(steps):
    """Through the head (validation, out-of-order window, seal): same answers."""

    def run(min_suffix: int):
        head = Head(HeadOptions(ooo_window_ms=20, seal_samples=25))
        refs = head.series_refs([Labels.of(__name__="m", i=str(i)) for i in range(6)])
        out = []
        with _min_suffix(min_suffix):
            for batch in steps:
                if batch:
                    r, t, v = (np.array(x) for x in zip(*batch, strict=True))
                    order = np.lexsort((t, r))
                    head.commit(refs[r[order]], t[order].astype(np.int64), v[order])
                if head.needs_seal():
                    head.seal()
                snap = head.snapshot()
                for want in (refs, refs[::2]):
                    out.append(snap.read_merged(want, 5, 35))
                    out.append(snap.read_merged(want, 0, 1 << 40))
        return out

    for got, want in zip(run(0), run(1 << 40), strict=True):
        _assert_rows_equal(got, want)
