"""Merging columnar series data from several sources into one CSR set.

Every read crosses several sources (head segments, the head's unsealed tail, blocks),
each returning samples for a subset of series. They are merged here once, vectorised:
when the sources are disjoint in time and given oldest first (the usual case), each
source's samples are scattered straight into place; when they overlap (out-of-order
data, overlapping blocks), one stable sort orders them and exact duplicates go.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from argus.model import Float64Array, Int64Array

__all__ = ["Part", "merge_parts", "segment_ids"]

#: From this many samples per row on, rows are copied as slices rather than scattered.
_ROW_COPY_MIN = 64


@dataclass(frozen=True, slots=True)
class Part:
    """Samples of one source: ``sids[i]`` (output series index) owns CSR row ``i``.

    ``sids`` must be unique within a part; rows hold strictly increasing timestamps.
    """

    sids: Int64Array
    offsets: Int64Array
    ts: Int64Array
    values: Float64Array

    @property
    def mint(self) -> int:
        return int(self.ts.min()) if len(self.ts) else 0

    @property
    def maxt(self) -> int:
        return int(self.ts.max()) if len(self.ts) else 0


def segment_ids(offsets: Int64Array) -> Int64Array:
    """Row index of every element of a CSR layout (``repeat(arange, counts)``)."""
    counts = np.diff(offsets)
    return np.repeat(np.arange(len(counts), dtype=np.int64), counts)


def merge_parts(
    parts: Sequence[Part], num_series: int
) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Merge parts into CSR ``(offsets[num_series+1], ts, values)`` by output series.

    Within a series the result is sorted by timestamp. Where two parts hold the same
    timestamp for a series, the sample from the earlier part wins.
    """
    parts = [p for p in parts if len(p.ts)]
    offsets = np.zeros(num_series + 1, dtype=np.int64)
    if not parts:
        return offsets, np.zeros(0, np.int64), np.zeros(0, np.float64)
    if len(parts) == 1:
        # One source (an instant query inside one block, or the head alone): its samples
        # are already in series order when its sids increase; only the offsets change.
        p = parts[0]
        if _is_identity(p, num_series):
            return p.offsets.astype(np.int64, copy=False), p.ts, p.values
        if len(p.sids) < 2 or bool(np.all(p.sids[1:] > p.sids[:-1])):
            offsets[p.sids + 1] = np.diff(p.offsets)
            np.cumsum(offsets, out=offsets)
            return offsets, p.ts, p.values

    ordered = sorted(parts, key=lambda p: p.mint)
    if _rows_disjoint(ordered):
        return _scatter(ordered, num_series)
    return _sort_merge(parts, num_series)


def _rows_disjoint(parts: Sequence[Part]) -> bool:
    """True when, series by series, each part's samples all precede the next part's.

    Checked on row bounds (first and last timestamp of each row), not on samples, so it
    costs O(rows); parts that overlap in time but not within any series pass.
    """
    if all(a.maxt < b.mint for a, b in itertools.pairwise(parts)):
        return True
    sid = np.concatenate([p.sids for p in parts])
    rank = np.concatenate([np.full(len(p.sids), i) for i, p in enumerate(parts)])
    first = np.concatenate([p.ts[p.offsets[:-1]] for p in parts])
    last = np.concatenate([p.ts[p.offsets[1:] - 1] for p in parts])
    order = np.lexsort((rank, sid))
    sid, first, last = sid[order], first[order], last[order]
    same = sid[1:] == sid[:-1]
    return bool(np.all(last[:-1][same] < first[1:][same]))


def _is_identity(part: Part, num_series: int) -> bool:
    return len(part.sids) == num_series and bool(
        np.array_equal(part.sids, np.arange(num_series, dtype=np.int64))
    )


def _scatter(parts: Sequence[Part], num_series: int) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Time-disjoint parts, oldest first: each sample goes straight to its slot."""
    counts = np.zeros(num_series, dtype=np.int64)
    for p in parts:
        counts[p.sids] += np.diff(p.offsets)
    offsets = np.zeros(num_series + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    total = int(offsets[-1])
    num_rows = sum(len(p.sids) for p in parts)
    if total >= _ROW_COPY_MIN * num_rows:
        # Long rows (range queries over blocks): copying each row as one slice, in
        # (series, part) order, costs a Python step per row but no per-sample index
        # arithmetic; measured 3-5x faster than the scatter below at 1,000+ samples/row.
        sid = np.concatenate([p.sids for p in parts])
        which = np.concatenate(
            [np.full(len(p.sids), i, dtype=np.int64) for i, p in enumerate(parts)]
        )
        lo = np.concatenate([p.offsets[:-1] for p in parts])
        hi = np.concatenate([p.offsets[1:] for p in parts])
        order = np.argsort(sid, kind="stable")  # parts are oldest first: stable keeps that
        rows = list(zip(which[order].tolist(), lo[order].tolist(), hi[order].tolist(), strict=True))
        ts = np.concatenate([parts[i].ts[a:b] for i, a, b in rows])
        values = np.concatenate([parts[i].values[a:b] for i, a, b in rows])
        return offsets, ts, values
    fill = offsets[:-1].copy()
    ts = np.empty(total, dtype=np.int64)
    values = np.empty(total, dtype=np.float64)
    for p in parts:
        counts = np.diff(p.offsets)
        # Sample j of row r goes to fill[sid[r]] + (j - offsets[r]).
        dest = np.repeat(fill[p.sids] - p.offsets[:-1], counts)
        dest += np.arange(len(p.ts), dtype=np.int64)
        ts[dest] = p.ts
        values[dest] = p.values
        fill[p.sids] += counts
    return offsets, ts, values


def _sort_merge(
    parts: Sequence[Part], num_series: int
) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Overlapping parts: one stable sort by (series, ts), first occurrence kept."""
    sid = np.concatenate([p.sids[segment_ids(p.offsets)] for p in parts])
    ts = np.concatenate([p.ts for p in parts])
    values = np.concatenate([p.values for p in parts])
    order = np.lexsort((ts, sid))
    sid, ts, values = sid[order], ts[order], values[order]
    keep = np.ones(len(ts), dtype=bool)
    keep[1:] = (sid[1:] != sid[:-1]) | (ts[1:] != ts[:-1])
    sid, ts, values = sid[keep], ts[keep], values[keep]
    offsets = np.zeros(num_series + 1, dtype=np.int64)
    np.cumsum(np.bincount(sid, minlength=num_series), out=offsets[1:])
    return offsets, ts, values
