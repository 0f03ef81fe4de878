"""The head's unsealed tail: accepted samples in arrival order, uncompressed.

Appends copy a batch into preallocated columns (amortised doubling), so the append path
costs three ``memcpy``-like slices. Readers take a :class:`TailView`, which pins the
current arrays and length: later appends write past that length, and growth or sealing
swaps in new arrays, so a view never sees a torn state and needs no lock once taken.

Selecting series goes through a :class:`~argus.tsdb.head.tailindex.TailIndex` of a
prefix of the tail plus a scan of the short unindexed suffix, so a selector costs about
O(series selected + samples returned), not O(tail). Readers, not the writer, extend the
index once the suffix outgrows a fraction of it (so ingestion without queries pays
nothing); one reader at a time builds, outside the head's lock, from its pinned view.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from argus.model import Float64Array, Int64Array
from argus.tsdb.head.tailindex import EMPTY_INDEX, Rows, TailIndex, merge_rows, sort_rows

__all__ = ["Tail", "TailView"]

#: Extend the index once the unindexed suffix holds more than this many samples and
#: more than 1/``_SUFFIX_FRACTION`` of the index: the suffix scan stays short while
#: each sample is copied O(``_SUFFIX_FRACTION``) times over the tail's life.
_MIN_SUFFIX = 4096
_SUFFIX_FRACTION = 16


def _suffix_too_long(indexed: int, total: int) -> bool:
    return total - indexed > max(_MIN_SUFFIX, indexed // _SUFFIX_FRACTION)


@dataclass(frozen=True, slots=True)
class TailView:
    """The tail's first ``len(refs)`` samples (arrival order) and an index of a prefix.

    Arrays are views into the tail's buffers: read them, never write or keep them.
    """

    refs: Int64Array
    ts: Int64Array
    values: Float64Array
    index: TailIndex = EMPTY_INDEX
    owner: Tail | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return len(self.refs)

    def select(self, want: Int64Array, mint: int, maxt: int) -> Rows:
        """Samples of the sorted unique refs ``want`` in ``[mint, maxt]``.

        Returns ``(refs, offsets, ts, values)``: the refs that have samples, sorted, and
        a CSR layout sorted by time within each series (equal times in arrival order).
        """
        index = self.index
        n = len(self.refs)
        if self.owner is not None and _suffix_too_long(index.n, n):
            index = self.owner.extend_index(self)
        part = index.select(want, mint, maxt)
        if index.n == n or not len(want):
            return part
        return merge_rows(part, self._scan(index.n, want, mint, maxt))

    def _scan(self, start: int, want: Int64Array, mint: int, maxt: int) -> Rows:
        """Select from the unindexed samples ``[start:]`` by a full scan."""
        refs, ts = self.refs[start:], self.ts[start:]
        top = int(max(want[-1], refs.max())) + 1
        lut = np.zeros(top, dtype=bool)
        lut[want] = True
        mask = lut[refs] & (ts >= mint) & (ts <= maxt)
        return sort_rows(refs[mask], ts[mask], self.values[start:][mask])


class Tail:
    """Growable columns; only the head's writer (holding its lock) calls ``append``."""

    __slots__ = ("_building", "_index", "_n", "_refs", "_ts", "_values")

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._refs = np.empty(capacity, dtype=np.int64)
        self._ts = np.empty(capacity, dtype=np.int64)
        self._values = np.empty(capacity, dtype=np.float64)
        self._n = 0
        self._index = EMPTY_INDEX
        self._building = threading.Lock()

    def __len__(self) -> int:
        return self._n

    @property
    def nbytes(self) -> int:
        return self._n * 24 + self._index.nbytes

    def append(self, refs: Int64Array, ts: Int64Array, values: Float64Array) -> None:
        n, k = self._n, len(refs)
        if n + k > len(self._refs):
            cap = max(n + k, 2 * len(self._refs))
            for name in ("_refs", "_ts", "_values"):
                old = getattr(self, name)
                new = np.empty(cap, dtype=old.dtype)
                new[:n] = old[:n]
                setattr(self, name, new)
        self._refs[n : n + k] = refs
        self._ts[n : n + k] = ts
        self._values[n : n + k] = values
        self._n = n + k

    def view(self) -> TailView:
        n = self._n
        index = self._index
        return TailView(self._refs[:n], self._ts[:n], self._values[:n], index, self)

    def extend_index(self, view: TailView) -> TailIndex:
        """An index covering as much of ``view`` as is cheap to get; publishes it.

        Thread-safe without the head's lock: only the holder of ``_building`` replaces
        ``_index``, and a reader that finds a build under way scans instead of waiting.
        """
        n = len(view)
        current = self._index
        base = current if current.n <= n else view.index
        if not _suffix_too_long(base.n, n) or not self._building.acquire(blocking=False):
            return base
        try:
            current = self._index
            base = current if current.n <= n else view.index
            new = base.extend(view.refs[base.n :], view.ts[base.n :], view.values[base.n :])
            if new.n > current.n:
                self._index = new
            return new
        finally:
            self._building.release()

    def min_max_time(self) -> tuple[int, int] | None:
        if not self._n:
            return None
        ts = self._ts[: self._n]
        return int(ts.min()), int(ts.max())
