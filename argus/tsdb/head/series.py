"""The head's series registry: label sets, references, postings and per-series state.

References are dense integers handed out in creation order and never reused, so the
WAL can name series by number. Label pairs are interned: a label set costs one tuple of
shared pair objects, which keeps a million series in a few hundred megabytes.

Per-series state used by the append path lives in NumPy arrays indexed by reference
(``last_ts``, ``last_bits``), so validating a batch is a handful of vectorised gathers.

Series whose data has all moved to blocks are garbage-collected: they leave the
postings and the lookup table, but their reference stays valid; appending to it again
brings the series back (the scrape cache holds references across scrapes).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pyroaring import BitMap

from argus.model import MIN_TIME, Int64Array, Labels, UInt64Array
from argus.tsdb.index import MemPostings

__all__ = ["HeadSeries"]

_INITIAL_CAPACITY = 1024


class HeadSeries:
    """Registry of series. Not thread-safe: the head serialises writers with its lock."""

    def __init__(self) -> None:
        self.labels: list[Labels] = []
        self._by_labels: dict[Labels, int] = {}
        self._pairs: dict[tuple[str, str], tuple[str, str]] = {}
        self.postings = MemPostings()
        self.dead = BitMap()
        self.last_ts: Int64Array = np.full(_INITIAL_CAPACITY, MIN_TIME, dtype=np.int64)
        self.last_bits: UInt64Array = np.zeros(_INITIAL_CAPACITY, dtype=np.uint64)

    def __len__(self) -> int:
        return len(self.labels)

    @property
    def num_live(self) -> int:
        return len(self.labels) - len(self.dead)

    def _intern(self, labels: Labels) -> Labels:
        pairs = self._pairs
        return Labels.from_sorted(pairs.setdefault(p, p) for p in labels)

    def _grow(self, n: int) -> None:
        cap = len(self.last_ts)
        if n <= cap:
            return
        new_cap = max(n, cap * 2)
        last_ts = np.full(new_cap, MIN_TIME, dtype=np.int64)
        last_ts[:cap] = self.last_ts
        last_bits = np.zeros(new_cap, dtype=np.uint64)
        last_bits[:cap] = self.last_bits
        self.last_ts, self.last_bits = last_ts, last_bits

    def get_or_create(self, labels: Sequence[Labels]) -> tuple[Int64Array, list[int]]:
        """References for ``labels`` and the list of references created by this call."""
        out = np.empty(len(labels), dtype=np.int64)
        created: list[int] = []
        by_labels = self._by_labels
        for i, lset in enumerate(labels):
            ref = by_labels.get(lset)
            if ref is None:
                ref = len(self.labels)
                lset = self._intern(lset)
                self.labels.append(lset)
                by_labels[lset] = ref
                self.postings.add(ref, lset)
                created.append(ref)
            out[i] = ref
        if created:
            self._grow(len(self.labels))
        return out, created

    def restore(self, refs: Int64Array, labels: Sequence[Labels]) -> None:
        """Re-create series with known references (WAL replay). Gaps become dead refs."""
        if not len(refs):
            return
        top = int(refs.max()) + 1
        if top > len(self.labels):
            start = len(self.labels)
            self.labels.extend([Labels()] * (top - start))
            self.dead.update(range(start, top))
            self._grow(top)
        for ref, lset in zip(refs.tolist(), labels, strict=True):
            lset = self._intern(lset)
            old = self.labels[ref]
            if ref not in self.dead and old != lset:
                self._forget(ref)
            self.labels[ref] = lset
            self.dead.discard(ref)
            self._by_labels.setdefault(lset, ref)
            self.postings.add(ref, lset)

    def revive(self, refs: Int64Array) -> list[int]:
        """Bring back garbage-collected series that a writer appends to again."""
        if not self.dead:
            return []
        back = [r for r in np.unique(refs).tolist() if r in self.dead]
        for ref in back:
            lset = self.labels[ref]
            self.dead.discard(ref)
            self._by_labels.setdefault(lset, ref)
            self.postings.add(ref, lset)
        return back

    def _forget(self, ref: int) -> None:
        lset = self.labels[ref]
        if self._by_labels.get(lset) == ref:
            del self._by_labels[lset]

    def collect(self, refs: BitMap) -> None:
        """Garbage-collect series: out of postings and lookups, references kept valid."""
        refs = refs - self.dead
        if not refs:
            return
        self.postings.remove(refs, ((r, self.labels[r]) for r in refs))
        for r in refs:
            self._forget(r)
        self.dead |= refs
        idx = np.frombuffer(refs.to_array(), dtype=np.uint32).astype(np.int64)
        self.last_ts[idx] = MIN_TIME
        self.last_bits[idx] = 0

    def valid(self, refs: Int64Array) -> bool:
        return bool(len(refs) == 0 or (refs.min() >= 0 and refs.max() < len(self.labels)))
