"""A small in-memory storage for rule unit tests.

promtool runs each test group against a fresh in-memory storage; so do we. Rules
reach data only through :mod:`argus.storage`'s protocols, so a dict of sorted arrays
is enough, and ``argus test rules`` needs no data directory. Not meant for more than
the few thousand samples a unit test holds.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence

import numpy as np

from argus.model import Float64Array, Int64Array, Labels, Matcher, SeriesSet
from argus.storage import AppendResult, RejectReason

__all__ = ["MemStore"]


class _Appender:
    def __init__(self, store: MemStore) -> None:
        self.store = store
        self.pending: list[tuple[int, int, float]] = []

    def series_refs(self, labels: Sequence[Labels]) -> Int64Array:
        return np.asarray([self.store.ref(lb) for lb in labels], dtype=np.int64)

    def append(self, refs: Int64Array, ts: Int64Array, values: Float64Array) -> None:
        self.pending.extend(zip(refs.tolist(), ts.tolist(), values.tolist(), strict=True))

    def commit(self) -> AppendResult:
        result = AppendResult()
        for ref, t, v in self.pending:
            if self.store.add(ref, t, v):
                result.accepted += 1
            else:
                result.rejected[RejectReason.DUPLICATE] = (
                    result.rejected.get(RejectReason.DUPLICATE, 0) + 1
                )
        self.pending = []
        return result

    def rollback(self) -> None:
        self.pending = []


class _Querier:
    def __init__(self, store: MemStore, mint: int, maxt: int) -> None:
        self.store = store
        self.mint = mint
        self.maxt = maxt

    def _matching(self, matchers: Sequence[Matcher]) -> list[int]:
        refs = [
            ref
            for ref, lb in enumerate(self.store.labels)
            if all(m.matches(lb.get(m.name)) for m in matchers)
        ]
        return sorted(refs, key=lambda r: self.store.labels[r])

    def select(
        self,
        matchers: Sequence[Matcher],
        mint: int | None = None,
        maxt: int | None = None,
        *,
        labels_only: bool = False,
    ) -> SeriesSet:
        lo = self.mint if mint is None else max(mint, self.mint)
        hi = self.maxt if maxt is None else min(maxt, self.maxt)
        labels: list[Labels] = []
        offsets = [0]
        ts: list[int] = []
        vals: list[float] = []
        for ref in self._matching(matchers):
            times = self.store.ts[ref]
            a = bisect.bisect_left(times, lo)
            b = bisect.bisect_right(times, hi)
            if a == b:
                continue
            labels.append(self.store.labels[ref])
            if not labels_only:
                ts.extend(times[a:b])
                vals.extend(self.store.values[ref][a:b])
            offsets.append(len(ts))
        return SeriesSet(
            labels,
            np.asarray(offsets, dtype=np.int64),
            np.asarray(ts, dtype=np.int64),
            np.asarray(vals, dtype=np.float64),
        )

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        return sorted({n for r in self._matching(matchers) for n, _ in self.store.labels[r]})

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        found = {self.store.labels[r].get(name) for r in self._matching(matchers)}
        return sorted(v for v in found if v)

    def close(self) -> None:
        pass


class MemStore:
    """Appendable and Queryable in memory; samples kept sorted by time per series."""

    def __init__(self) -> None:
        self.labels: list[Labels] = []
        self.ts: list[list[int]] = []
        self.values: list[list[float]] = []
        self._refs: dict[Labels, int] = {}

    def ref(self, labels: Labels) -> int:
        ref = self._refs.get(labels)
        if ref is None:
            ref = self._refs[labels] = len(self.labels)
            self.labels.append(labels)
            self.ts.append([])
            self.values.append([])
        return ref

    def add(self, ref: int, t: int, v: float) -> bool:
        """Insert one sample; a different value at an existing timestamp is rejected."""
        times = self.ts[ref]
        i = bisect.bisect_left(times, t)
        if i < len(times) and times[i] == t:
            old = self.values[ref][i]
            return bool(np.float64(old).tobytes() == np.float64(v).tobytes())
        times.insert(i, t)
        self.values[ref].insert(i, v)
        return True

    def appender(self) -> _Appender:
        return _Appender(self)

    def querier(self, mint: int, maxt: int) -> _Querier:
        return _Querier(self, mint, maxt)
