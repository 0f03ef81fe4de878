"""A per-series index of the tail: its samples sorted by (ref, time), as CSR rows.

The tail keeps samples in arrival order, so finding one series in it means scanning it
all. A :class:`TailIndex` holds a sorted copy of a prefix of the tail; selecting series
from it costs a binary search per selected series plus a copy of the samples returned,
whatever the tail's size. Indexes are immutable and grow by merging a sorted batch of
newer samples into the previous index (linear in its size, no full re-sort).

Ties (two samples of one series with the same timestamp) keep arrival order, exactly as
a stable sort of the whole tail would.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from argus.model import Float64Array, Int64Array

__all__ = ["EMPTY_INDEX", "Rows", "TailIndex", "merge_rows", "sort_rows"]

#: ``(refs, offsets, ts, values)``: unique sorted refs, CSR rows sorted by time.
Rows = tuple[Int64Array, Int64Array, Int64Array, Float64Array]


def _empty_rows() -> Rows:
    z = np.zeros(0, dtype=np.int64)
    return z, np.zeros(1, dtype=np.int64), z, np.zeros(0, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class TailIndex:
    """The first ``n`` samples of a tail in (ref, ts) order.

    ``refs``: int64[r] unique sorted; ``offsets``: int64[r+1] rows into ``ts``/``values``
    (int64[n] ms / float64[n]). ``mint``/``maxt`` bound ``ts`` (0 when empty).
    """

    n: int
    refs: Int64Array
    offsets: Int64Array
    ts: Int64Array
    values: Float64Array
    mint: int
    maxt: int

    @classmethod
    def from_rows(cls, n: int, rows: Rows) -> TailIndex:
        refs, offsets, ts, values = rows
        lo, hi = (int(ts.min()), int(ts.max())) if len(ts) else (0, 0)
        return cls(n, refs, offsets, ts, values, lo, hi)

    @property
    def nbytes(self) -> int:
        return self.refs.nbytes + self.offsets.nbytes + self.ts.nbytes + self.values.nbytes

    def extend(self, refs: Int64Array, ts: Int64Array, values: Float64Array) -> TailIndex:
        """A new index covering this one plus the next samples (in arrival order)."""
        if not len(refs):
            return self
        rows = merge_rows(self.rows(), sort_rows(refs, ts, values))
        return TailIndex.from_rows(self.n + len(refs), rows)

    def rows(self) -> Rows:
        return self.refs, self.offsets, self.ts, self.values

    def select(self, want: Int64Array, mint: int, maxt: int) -> Rows:
        """Samples in ``[mint, maxt]`` of sorted unique refs ``want``; only non-empty rows.

        Costs O(len(want) * log) plus the samples returned.
        """
        if not len(self.ts) or not len(want) or mint > self.maxt or maxt < self.mint:
            return _empty_rows()
        pos = np.searchsorted(self.refs, want)
        ok = pos < len(self.refs)
        ok[ok] = self.refs[pos[ok]] == want[ok]
        pos = pos[ok]
        lo, hi = self.offsets[pos], self.offsets[pos + 1]
        a = _bound(self.ts, lo, hi, mint, right=False) if mint > self.mint else lo
        b = _bound(self.ts, lo, hi, maxt, right=True) if maxt < self.maxt else hi
        counts = b - a
        keep = counts > 0
        if not keep.all():
            pos, a, counts = pos[keep], a[keep], counts[keep]
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        if len(counts) == len(self.refs):
            take = slice(None) if offsets[-1] == len(self.ts) else _gather(a, offsets)
        else:
            take = _gather(a, offsets)
        return self.refs[pos], offsets, self.ts[take], self.values[take]


EMPTY_INDEX = TailIndex.from_rows(0, _empty_rows())


def _gather(starts: Int64Array, offsets: Int64Array) -> Int64Array:
    """Source positions of CSR rows that start at ``starts`` with lengths from ``offsets``."""
    counts = np.diff(offsets)
    return np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1], dtype=np.int64)


def _bound(ts: Int64Array, lo: Int64Array, hi: Int64Array, x: int, *, right: bool) -> Int64Array:
    """``_row_search`` for one scalar ``x``, searching only rows whose first (for the
    lower bound) or last (upper) sample is on the wrong side of ``x``: usually none, as
    a query window tends to cover the whole tail."""
    nonempty = lo < hi
    if right:
        edge = hi
        need = nonempty & (ts[np.maximum(hi - 1, 0)] > x)
    else:
        edge = lo
        need = nonempty & (ts[np.minimum(lo, len(ts) - 1)] < x)
    if not need.any():
        return edge
    out = edge.copy()
    out[need] = _row_search(ts, lo[need], hi[need], x, right=right)
    return out


def _row_search(
    ts: Int64Array, lo: Int64Array, hi: Int64Array, x: int | Int64Array, *, right: bool
) -> Int64Array:
    """Per row, ``searchsorted(ts[lo:hi], x, side)`` + lo: a binary search vectorised
    across rows (one NumPy pass per halving, so O(rows * log(longest row)))."""
    lo = lo.copy()
    hi = hi.copy()
    last = len(ts) - 1
    act = lo < hi
    while act.any():
        mid = (lo + hi) >> 1
        v = ts[np.minimum(mid, last)]
        go = act & ((v <= x) if right else (v < x))
        lo = np.where(go, mid + 1, lo)
        hi = np.where(act & ~go, mid, hi)
        act = lo < hi
    return lo


def sort_rows(refs: Int64Array, ts: Int64Array, values: Float64Array) -> Rows:
    """Arrival-order samples as CSR rows, stable-sorted by (ref, ts)."""
    if not len(refs):
        return _empty_rows()
    order = np.lexsort((ts, refs))
    r, t, v = refs[order], ts[order], values[order]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    offsets = np.append(starts, len(r)).astype(np.int64)
    return r[starts], offsets, t, v


def merge_rows(a: Rows, b: Rows) -> Rows:
    """Merge two CSR sets sorted by (ref, ts); on equal (ref, ts) ``a``'s samples come
    first. Duplicates are kept. Linear in the sizes plus O(len(b) * log) searches."""
    a_refs, a_off, a_ts, a_vals = a
    b_refs, b_off, b_ts, b_vals = b
    if not len(b_ts):
        return a
    if not len(a_ts):
        return b
    # Where each b sample goes in a: within a's row of the same ref (after equal times),
    # or at the start of the next ref's row when a has no such ref.
    p = np.searchsorted(a_refs, b_refs)
    found = p < len(a_refs)
    found[found] = a_refs[p[found]] == b_refs[found]
    row_lo = a_off[p]
    row_hi = np.where(found, a_off[np.minimum(p + 1, len(a_refs))], row_lo)
    b_counts = np.diff(b_off)
    lo = np.repeat(row_lo, b_counts)
    hi = np.repeat(row_hi, b_counts)
    ins = _row_search(a_ts, lo, hi, b_ts, right=True)
    nb = len(b_ts)
    total = len(a_ts) + nb
    dest = ins + np.arange(nb, dtype=np.int64)
    from_a = np.ones(total, dtype=bool)
    from_a[dest] = False
    ts = np.empty(total, dtype=np.int64)
    values = np.empty(total, dtype=np.float64)
    ts[dest] = b_ts
    values[dest] = b_vals
    ts[from_a] = a_ts
    values[from_a] = a_vals
    refs = np.union1d(a_refs, b_refs)
    counts = np.zeros(len(refs), dtype=np.int64)
    counts[np.searchsorted(refs, a_refs)] += np.diff(a_off)
    counts[np.searchsorted(refs, b_refs)] += b_counts
    offsets = np.zeros(len(refs) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    return refs, offsets, ts, values
