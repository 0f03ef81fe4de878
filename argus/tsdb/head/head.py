"""The head: the speed layer that takes every write and answers for recent data.

Writes land in the :class:`~argus.tsdb.head.tail.Tail` after the WAL has them. The tail
is sealed into compressed :class:`~argus.tsdb.head.segment.HeadSegment` s, one per block
window, which merge level by level; the DB cuts whole windows into blocks and then
truncates the head. Reads see segments and tail together.

Locking: one re-entrant lock serialises writers and structural changes (seal, merge,
truncate). Readers take a :class:`HeadSnapshot` under the lock and then read without
it: segments are immutable and tail views are pinned, so a long query never blocks
ingestion. CPU-heavy encoding during seal and merge also runs outside the lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from pyroaring import BitMap

from argus.model import MAX_TIME, MIN_TIME, Float64Array, Int64Array, Labels, Matcher
from argus.storage import AppendResult, RejectReason, StorageError
from argus.storage.merge import Part, merge_parts
from argus.tsdb.block.tombstones import tombstone_mask
from argus.tsdb.chunkenc import CacheSession, DecodedCache
from argus.tsdb.head.segment import HeadSegment, build_segment
from argus.tsdb.head.series import HeadSeries
from argus.tsdb.head.tail import Tail, TailView
from argus.tsdb.head.validate import judge
from argus.tsdb.index import select_postings

__all__ = ["Head", "HeadOptions", "HeadSnapshot", "WALWriter"]

log = logging.getLogger("argus.tsdb.head")


class WALWriter(Protocol):
    """What the head needs of a write-ahead log (see ``argus.tsdb.wal.WAL``)."""

    def log_series(self, refs: Int64Array, labels: Sequence[Labels]) -> None: ...
    def log_samples(self, refs: Int64Array, ts: Int64Array, values: Float64Array) -> None: ...
    def log_tombstones(self, refs: Int64Array, mint: Int64Array, maxt: Int64Array) -> None: ...


@dataclass(frozen=True, slots=True)
class HeadOptions:
    block_range_ms: int = 2 * 3_600_000
    ooo_window_ms: int = 0
    seal_samples: int = 1 << 20
    """Seal the tail once it holds this many samples."""
    merge_fanout: int = 8
    """Merge a window's segments of one level once there are this many."""


@dataclass(slots=True)
class HeadStats:
    appended: int = 0
    rejected: dict[RejectReason, int] = field(default_factory=dict)
    seals: int = 0
    merges: int = 0


@dataclass(frozen=True, slots=True)
class HeadSnapshot:
    """A consistent, lock-free read view of the head."""

    segments: tuple[HeadSegment | SealingTail, ...]
    tail: TailView
    tombstones: dict[int, list[tuple[int, int]]]
    num_refs: int

    def read(
        self,
        refs: Int64Array,
        mint: int,
        maxt: int,
        cache: DecodedCache | None = None,
        session: CacheSession | None = None,
    ) -> list[tuple[Int64Array, Int64Array, Int64Array, Float64Array]]:
        """Per-source ``(refs, offsets, ts, values)`` for sorted unique ``refs``.

        ``cache``/``session``: the decoded-payload cache for sealed segments' payloads.
        """
        out = []
        for seg in self.segments:
            if seg.maxt >= mint and seg.mint <= maxt:
                if isinstance(seg, HeadSegment):
                    part = seg.read(refs, mint, maxt, cache, session)
                else:
                    part = seg.read(refs, mint, maxt)
                if len(part[0]):
                    out.append(part)
        if len(self.tail):
            part = self.tail.select(refs, mint, maxt)
            if len(part[0]):
                out.append(part)
        return out

    def read_merged(
        self,
        refs: Int64Array,
        mint: int,
        maxt: int,
        cache: DecodedCache | None = None,
        session: CacheSession | None = None,
    ) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
        """One CSR set for sorted unique ``refs`` (rows only for refs with samples)."""
        parts = [
            Part(np.searchsorted(refs, r), off, t, v)
            for r, off, t, v in self.read(refs, mint, maxt, cache, session)
        ]
        offsets, ts, values = merge_parts(parts, len(refs))
        if self.tombstones:
            offsets, ts, values = apply_tombstones(refs, offsets, ts, values, self.tombstones)
        counts = np.diff(offsets)
        nonempty = counts > 0
        if nonempty.all():
            return refs, offsets, ts, values
        new_off = np.zeros(int(nonempty.sum()) + 1, dtype=np.int64)
        np.cumsum(counts[nonempty], out=new_off[1:])
        return refs[nonempty], new_off, ts, values


def apply_tombstones(
    ids: Int64Array,
    offsets: Int64Array,
    ts: Int64Array,
    values: Float64Array,
    tombstones: dict[int, list[tuple[int, int]]],
) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Drop samples inside deleted intervals. Loops over tombstoned series only."""
    keep = tombstone_mask(ids, offsets, ts, tombstones)
    if keep is None:
        return offsets, ts, values
    rows = np.repeat(np.arange(len(ids)), np.diff(offsets))
    counts = np.bincount(rows[keep], minlength=len(ids))
    new_off = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(counts, out=new_off[1:])
    return new_off, ts[keep], values[keep]


class Head:
    def __init__(
        self,
        options: HeadOptions | None = None,
        *,
        wal: WALWriter | None = None,
        min_valid_time: int = MIN_TIME,
    ) -> None:
        self.options = options or HeadOptions()
        self.wal = wal
        self.series = HeadSeries()
        self.lock = threading.RLock()
        self._tail = Tail()
        self._segments: list[HeadSegment | SealingTail] = []
        self.tombstones: dict[int, list[tuple[int, int]]] = {}
        self.min_valid_time = min_valid_time
        self.min_time = MAX_TIME
        self.max_time = MIN_TIME
        self.stats = HeadStats()

    # --- writing -------------------------------------------------------------------

    def series_refs(self, labels: Sequence[Labels]) -> Int64Array:
        with self.lock:
            refs, created = self.series.get_or_create(labels)
            if created and self.wal is not None:
                self.wal.log_series(
                    np.asarray(created, dtype=np.int64), [self.series.labels[r] for r in created]
                )
            return refs

    def commit(
        self, refs: Int64Array, ts: Int64Array, values: Float64Array, *, replay: bool = False
    ) -> AppendResult:
        """Validate, log and store one batch. With ``replay`` nothing is logged."""
        if not len(refs):
            return AppendResult()
        with self.lock:
            if not self.series.valid(refs):
                raise StorageError(
                    f"append names unknown series references (0..{len(self.series) - 1} exist)"
                )
            revived = self.series.revive(refs)
            if revived and self.wal is not None and not replay:
                self.wal.log_series(
                    np.asarray(revived, dtype=np.int64), [self.series.labels[r] for r in revived]
                )
            verdict = judge(
                refs,
                ts,
                values,
                last_ts=self.series.last_ts,
                last_bits=self.series.last_bits,
                min_valid_time=self.min_valid_time,
                head_max_time=self.max_time,
                ooo_window=MAX_TIME if replay else self.options.ooo_window_ms,
                read_stored=self._read_stored,
            )
            r, t, v = verdict.refs, verdict.ts, verdict.values
            if len(r):
                if self.wal is not None and not replay:
                    # Durability point: a failure here (disk full) stores nothing.
                    self.wal.log_samples(r, t, v)
                self._insert(r, t, v)
            result = AppendResult(accepted=len(r) + verdict.noop, rejected=verdict.rejected)
            self.stats.appended += len(r)
            for reason, k in verdict.rejected.items():
                self.stats.rejected[reason] = self.stats.rejected.get(reason, 0) + k
        return result

    def _insert(self, r: Int64Array, t: Int64Array, v: Float64Array) -> None:
        self._tail.append(r, t, v)
        # r is sorted by (ref, ts): the last sample of each ref run is its newest.
        last = np.flatnonzero(np.r_[r[1:] != r[:-1], True])
        lr, lt = r[last], t[last]
        newer = lt > self.series.last_ts[lr]
        self.series.last_ts[lr[newer]] = lt[newer]
        self.series.last_bits[lr[newer]] = v[last][newer].view(np.uint64)
        self.min_time = min(self.min_time, int(t.min()))
        self.max_time = max(self.max_time, int(t.max()))

    def _read_stored(
        self, refs: Int64Array, mint: int, maxt: int
    ) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
        return self.snapshot(tombstones=False).read_merged(refs, mint, maxt)

    def delete(self, matchers: Sequence[Matcher], mint: int, maxt: int) -> int:
        """Tombstone ``[mint, maxt]`` of matching series; returns how many series."""
        with self.lock:
            refs = self.select_refs(matchers)
            if not len(refs):
                return 0
            if self.wal is not None:
                k = len(refs)
                self.wal.log_tombstones(
                    refs, np.full(k, mint, dtype=np.int64), np.full(k, maxt, dtype=np.int64)
                )
            self.add_tombstones(refs, mint, maxt)
            return len(refs)

    def add_tombstones(self, refs: Int64Array, mint: int, maxt: int) -> None:
        for ref in refs.tolist():
            self.tombstones.setdefault(ref, []).append((mint, maxt))

    # --- reading -------------------------------------------------------------------

    def snapshot(self, *, tombstones: bool = True) -> HeadSnapshot:
        with self.lock:
            return HeadSnapshot(
                segments=tuple(self._segments),
                tail=self._tail.view(),
                tombstones=dict(self.tombstones) if tombstones else {},
                num_refs=len(self.series),
            )

    def select_refs(self, matchers: Sequence[Matcher]) -> Int64Array:
        with self.lock:
            bm: BitMap = select_postings(self.series.postings, matchers)
        return np.frombuffer(bm.to_array(), dtype=np.uint32).astype(np.int64)

    def labels_of(self, refs: Int64Array) -> list[Labels]:
        labels = self.series.labels
        return [labels[r] for r in refs.tolist()]

    @property
    def num_series(self) -> int:
        return self.series.num_live

    @property
    def num_samples(self) -> int:
        with self.lock:
            return len(self._tail) + sum(s.num_samples for s in self._segments)

    @property
    def nbytes(self) -> int:
        with self.lock:
            return self._tail.nbytes + sum(s.nbytes for s in self._sealed())

    # --- sealing, merging, truncating ------------------------------------------------

    def needs_seal(self) -> bool:
        return len(self._tail) >= self.options.seal_samples

    def seal(self) -> int:
        """Seal the tail into level-0 segments; returns samples sealed."""
        with self.lock:
            view = self._tail.view()
            if not len(view):
                return 0
            self._tail = Tail(max(1 << 16, min(len(view), self.options.seal_samples)))
            # Until the new segments exist, readers must still see the old tail:
            # keep it as a frozen pseudo-segment in the list.
            pending = SealingTail(view)
            self._segments.append(pending)
        new = _encode_windows(view, self.options.block_range_ms, level=0)
        with self.lock:
            idx = self._segments.index(pending)
            self._segments[idx : idx + 1] = new
            self.stats.seals += 1
        return len(view)

    def merge(self) -> int:
        """Merge full levels of each window; returns how many merges ran."""
        merges = 0
        while True:
            with self.lock:
                plan = self._plan_merge()
            if plan is None:
                return merges
            merged = _merge_segments(plan)
            with self.lock:
                pos = min(self._segments.index(s) for s in plan)
                for s in plan:
                    self._segments.remove(s)
                self._segments.insert(pos, merged)
                self.stats.merges += 1
            merges += 1

    def _sealed(self) -> list[HeadSegment]:
        return [s for s in self._segments if isinstance(s, HeadSegment)]

    def _plan_merge(self) -> list[HeadSegment] | None:
        groups: dict[tuple[int, int], list[HeadSegment]] = {}
        for s in self._sealed():
            groups.setdefault((s.window, s.level), []).append(s)
        for segs in groups.values():
            if len(segs) >= self.options.merge_fanout:
                return segs
        return None

    def windows(self) -> list[int]:
        """Block windows that hold sealed data, oldest first."""
        with self.lock:
            return sorted({s.window for s in self._sealed()})

    def window_data(self, window: int) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
        """All sealed data of one window, merged: (refs, offsets, ts, values)."""
        with self.lock:
            segs = [s for s in self._sealed() if s.window == window]
            tomb = dict(self.tombstones)
        if not segs:
            z = np.zeros(0, dtype=np.int64)
            return z, np.zeros(1, dtype=np.int64), z, np.zeros(0, dtype=np.float64)
        refs, offsets, ts, values = _merge_decoded(segs)
        if tomb:
            offsets, ts, values = apply_tombstones(refs, offsets, ts, values, tomb)
        return refs, offsets, ts, values

    def truncate_before(self, mint: int) -> None:
        """Forget data older than ``mint`` (now in blocks) and collect dead series."""
        with self.lock:
            rng = self.options.block_range_ms
            self._segments = [
                s
                for s in self._segments
                if isinstance(s, SealingTail) or (s.window + 1) * rng > mint
            ]
            self.min_valid_time = max(self.min_valid_time, mint)
            live = BitMap()
            for s in self._segments:
                refs = s.refs
                live.update(np.unique(refs).astype(np.uint32))
            if len(self._tail):
                live.update(np.unique(self._tail.view().refs).astype(np.uint32))
            all_refs = BitMap(range(len(self.series)))
            self.series.collect(all_refs - live)
            self.tombstones = {r: iv for r, iv in self.tombstones.items() if r in live}
            times = [(s.mint, s.maxt) for s in self._segments if s.num_samples]
            tail_mm = self._tail.min_max_time()
            if tail_mm:
                times.append(tail_mm)
            self.min_time = min((a for a, _ in times), default=MAX_TIME)
            if not times:
                self.max_time = max(self.max_time, mint - 1)


class SealingTail:
    """A tail being sealed: readable like a segment until its encoded form replaces it."""

    __slots__ = ("level", "maxt", "mint", "num_samples", "view", "window")

    def __init__(self, view: TailView) -> None:
        self.view = view
        self.window = -1
        self.level = -1
        self.num_samples = len(view)
        self.mint = int(view.ts.min())
        self.maxt = int(view.ts.max())

    @property
    def refs(self) -> Int64Array:
        return self.view.refs

    def read(
        self, refs: Int64Array, mint: int, maxt: int
    ) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
        return self.view.select(refs, mint, maxt)


def _encode_windows(view: TailView, block_range: int, level: int) -> list[HeadSegment]:
    r, t, v = view.refs, view.ts, view.values
    window = np.floor_divide(t, block_range)
    order = np.lexsort((t, r, window))
    r, t, v, window = r[order], t[order], v[order], window[order]
    out = []
    bounds = np.flatnonzero(np.r_[True, window[1:] != window[:-1], True])
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        rr, tt, vv = r[a:b], t[a:b], v[a:b]
        starts = np.flatnonzero(np.r_[True, rr[1:] != rr[:-1]])
        offsets = np.append(starts, len(rr)).astype(np.int64)
        out.append(build_segment(int(window[a]), level, rr[starts], offsets, tt, vv))
    return out


def _merge_decoded(
    segs: Sequence[HeadSegment],
) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
    """Decode and merge segments: (union of refs, offsets, ts, values)."""
    decoded = [s.decode_all() for s in segs]
    if len(decoded) == 1:
        return decoded[0]
    union = np.unique(np.concatenate([d[0] for d in decoded]))
    parts = [Part(np.searchsorted(union, r), off, t, v) for r, off, t, v in decoded]
    offsets, ts, values = merge_parts(parts, len(union))
    return union, offsets, ts, values


def _merge_segments(segs: Sequence[HeadSegment]) -> HeadSegment:
    union, offsets, ts, values = _merge_decoded(segs)
    return build_segment(segs[0].window, max(s.level for s in segs) + 1, union, offsets, ts, values)
