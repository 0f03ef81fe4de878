"""The head's unsealed tail: accepted samples in arrival order, uncompressed.

Appends copy a batch into preallocated columns (amortised doubling), so the append path
costs three ``memcpy``-like slices. Readers take a :class:`TailView`, which pins the
current arrays and length: later appends write past that length, and growth or sealing
swaps in new arrays, so a view never sees a torn state and needs no lock once taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from argus.model import BoolArray, Float64Array, Int64Array

__all__ = ["Tail", "TailView"]


@dataclass(frozen=True, slots=True)
class TailView:
    refs: Int64Array
    ts: Int64Array
    values: Float64Array

    def __len__(self) -> int:
        return len(self.refs)

    def select(
        self, want: BoolArray, mint: int, maxt: int
    ) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
        """Samples of series with ``want[ref]`` set, in ``[mint, maxt]``.

        Returns ``(refs, offsets, ts, values)``: unique sorted refs and a CSR layout
        sorted by time within each series.
        """
        refs, ts = self.refs, self.ts
        mask = want[refs] & (ts >= mint) & (ts <= maxt)
        r, t, v = refs[mask], ts[mask], self.values[mask]
        order = np.lexsort((t, r))
        r, t, v = r[order], t[order], v[order]
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if len(r) else np.zeros(0, np.int64)
        offsets = np.append(starts, len(r)).astype(np.int64)
        return r[starts], offsets, t, v


class Tail:
    """Growable columns; only the head's writer (holding its lock) calls ``append``."""

    __slots__ = ("_n", "_refs", "_ts", "_values")

    def __init__(self, capacity: int = 1 << 16) -> None:
        self._refs = np.empty(capacity, dtype=np.int64)
        self._ts = np.empty(capacity, dtype=np.int64)
        self._values = np.empty(capacity, dtype=np.float64)
        self._n = 0

    def __len__(self) -> int:
        return self._n

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
        return TailView(self._refs[:n], self._ts[:n], self._values[:n])

    def min_max_time(self) -> tuple[int, int] | None:
        if not self._n:
            return None
        ts = self._ts[: self._n]
        return int(ts.min()), int(ts.max())
