"""Reading across the batch layer (blocks) and the speed layer (head) as one store.

Each source resolves matchers against its own postings and reads only the series that
match; label sets are unified here (one dict pass over the matching series) and the
samples of all sources are merged once by :func:`argus.storage.merge.merge_parts`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from argus.model import Int64Array, Labels, Matcher, SeriesSet
from argus.storage.merge import Part, merge_parts
from argus.tsdb.block import Block
from argus.tsdb.chunkenc import CacheSession, DecodedCache
from argus.tsdb.head import Head, HeadSnapshot

__all__ = ["DBQuerier"]


class DBQuerier:
    """A :class:`argus.storage.Querier` over pinned blocks and a head snapshot."""

    def __init__(
        self,
        blocks: Sequence[Block],
        head: Head | None,
        mint: int,
        maxt: int,
        release: Callable[[], None] = lambda: None,
        cache: DecodedCache | None = None,
    ) -> None:
        self.mint, self.maxt = mint, maxt
        self._blocks = [b for b in blocks if b.meta.max_time > mint and b.meta.min_time <= maxt]
        # Like Prometheus, the head takes part only if its time range overlaps the
        # querier's; within it, series are listed without a per-series range check.
        self._head = head if head is not None and _head_overlaps(head, mint, maxt) else None
        self._snap: HeadSnapshot | None = self._head.snapshot() if self._head else None
        self._release = release
        self._closed = False
        # One cache session per querier (one query): its reads never evict each other.
        # Blocks hold the cache themselves; head segments get it passed per read.
        self._cache = cache
        self._session = CacheSession()

    def _range(self, mint: int | None, maxt: int | None) -> tuple[int, int]:
        lo = self.mint if mint is None else max(mint, self.mint)
        hi = self.maxt if maxt is None else min(maxt, self.maxt)
        return lo, hi

    def _matching(
        self, matchers: Sequence[Matcher], mint: int, maxt: int
    ) -> tuple[
        list[tuple[Block, Int64Array, list[Labels]]], tuple[Int64Array, list[Labels]] | None
    ]:
        per_block = []
        for b in self._blocks:
            if b.meta.max_time <= mint or b.meta.min_time > maxt:
                continue
            ids = b.select_ids(matchers, mint, maxt)
            if len(ids):
                per_block.append((b, ids, b.labels_of(ids)))
        head = None
        if self._head is not None:
            refs = self._head.select_refs(matchers)
            if len(refs):
                head = (refs, self._head.labels_of(refs))
        return per_block, head

    def select(
        self,
        matchers: Sequence[Matcher],
        mint: int | None = None,
        maxt: int | None = None,
        *,
        labels_only: bool = False,
    ) -> SeriesSet:
        lo, hi = self._range(mint, maxt)
        if lo > hi:
            return SeriesSet.empty()
        per_block, head = self._matching(matchers, lo, hi)
        index: dict[Labels, int] = {}
        for _, _, labels in per_block:
            for lset in labels:
                index.setdefault(lset, len(index))
        if head is not None:
            for lset in head[1]:
                index.setdefault(lset, len(index))
        if not index:
            return SeriesSet.empty()
        ordered = sorted(index)
        rank = np.empty(len(ordered), dtype=np.int64)
        rank[[index[lset] for lset in ordered]] = np.arange(len(ordered))
        if labels_only:
            return SeriesSet(ordered, np.zeros(len(ordered) + 1, dtype=np.int64))

        parts: list[Part] = []
        for block, ids, labels in per_block:
            out_of = rank[np.fromiter((index[lset] for lset in labels), np.int64, len(labels))]
            got, off, ts, vals = block.read(ids, lo, hi, self._session)
            sids = out_of[np.searchsorted(ids, got)]
            parts.append(Part(sids, off, ts, vals))
        if head is not None and self._snap is not None:
            refs, labels = head
            out_of = rank[np.fromiter((index[lset] for lset in labels), np.int64, len(labels))]
            got, off, ts, vals = self._snap.read_merged(refs, lo, hi, self._cache, self._session)
            parts.append(Part(out_of[np.searchsorted(refs, got)], off, ts, vals))
        offsets, ts, values = merge_parts(parts, len(ordered))
        counts = np.diff(offsets)
        if counts.all():
            return SeriesSet(ordered, offsets, ts, values)
        keep = np.flatnonzero(counts)
        new_off = np.zeros(len(keep) + 1, dtype=np.int64)
        np.cumsum(counts[keep], out=new_off[1:])
        return SeriesSet([ordered[i] for i in keep.tolist()], new_off, ts, values)

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        if not matchers:
            names: set[str] = set()
            for b in self._blocks:
                names.update(b.label_names_of(None))
            if self._head is not None:
                with self._head.lock:
                    names.update(self._head.series.postings.label_names())
            return sorted(names)
        series = self.select(matchers, labels_only=True)
        return sorted({n for lset in series.labels for n, _ in lset})

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        if not matchers:
            values: set[str] = set()
            for b in self._blocks:
                values.update(b.label_values_of(name))
            if self._head is not None:
                with self._head.lock:
                    values.update(self._head.series.postings.label_values_of(name))
            return sorted(values)
        series = self.select(matchers, labels_only=True)
        return sorted({v for lset in series.labels if (v := lset.get(name))})

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._release()


def _head_overlaps(head: Head, mint: int, maxt: int) -> bool:
    if head.num_samples == 0:
        return True  # Series created but not yet written still answer label queries.
    return head.max_time >= mint and head.min_time <= maxt
