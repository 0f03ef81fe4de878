"""Replay: turn a WAL directory back into columnar arrays, repairing a damaged tail.

Replay reads the newest checkpoint, then every segment after it, and returns each kind
of record concatenated in log order: one ``np.concatenate`` per column at the end, no
per-sample Python. It is the only place that repairs a WAL, following Prometheus: the
first damaged record ends the log. Its segment is truncated at the record's offset,
every later segment is deleted (each with a WARNING naming file and offset), and what
came before is returned. Damage never raises. A leftover ``checkpoint.N.tmp`` (a
checkpoint that died before its rename) is removed.

The one exception that does escape is ``WALFormatError``: a segment from a newer
Argus is not damage, and cutting it would throw good data away.
"""

from __future__ import annotations

import itertools
import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from argus.model import Float64Array, Int64Array, Labels
from argus.tsdb.wal.reader import Damage, SegmentReader, delete_segments, truncate_segment
from argus.tsdb.wal.record import RawSamples, Record, SamplesRecord, SeriesRecord
from argus.tsdb.wal.segment import (
    CHECKPOINT_PREFIX,
    TMP_SUFFIX,
    list_checkpoints,
    list_segments,
)

__all__ = ["ReplayResult", "read_log", "replay"]

_LOG = logging.getLogger("argus.tsdb.wal")


def _empty_i64() -> Int64Array:
    return np.zeros(0, dtype=np.int64)


def _empty_tombstones() -> tuple[Int64Array, Int64Array, Int64Array]:
    return _empty_i64(), _empty_i64(), _empty_i64()


@dataclass(slots=True)
class ReplayResult:
    """Everything a WAL holds, column by column, in log order.

    ``series_refs`` int64[s] with ``series_labels`` (a ref may repeat: the last wins);
    ``refs``/``ts``/``values`` int64[n]/int64[n] ms/float64[n] of every sample record;
    ``tombstones`` ``(refs, mint, maxt)`` int64[k] each, intervals inclusive.
    ``corruption`` describes the damage that was cut off, or is None.
    """

    series_refs: Int64Array = field(default_factory=_empty_i64)
    series_labels: list[Labels] = field(default_factory=list)
    refs: Int64Array = field(default_factory=_empty_i64)
    ts: Int64Array = field(default_factory=_empty_i64)
    values: Float64Array = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    tombstones: tuple[Int64Array, Int64Array, Int64Array] = field(default_factory=_empty_tombstones)
    segments_read: int = 0
    records_read: int = 0
    corruption: str | None = None
    raw_samples: list[RawSamples] = field(default_factory=list, repr=False)
    """With ``widen=False``: the sample records as stored, for :meth:`sample_batches`."""

    def sample_batches(
        self, max_samples: int
    ) -> Iterator[tuple[Int64Array, Int64Array, Float64Array]]:
        """Samples in log order, about ``max_samples`` at a time, widened on demand.

        Replaying a large WAL this way holds one batch of int64 columns at a time
        instead of the whole log (24 bytes a sample) at once.
        """
        if not self.raw_samples:
            if len(self.refs):
                yield self.refs, self.ts, self.values
            return
        group: list[RawSamples] = []
        size = 0
        for rec in self.raw_samples:
            group.append(rec)
            size += len(rec)
            if size >= max_samples:
                yield _widen(group, size)
                group, size = [], 0
        if group:
            yield _widen(group, size)

    def __repr__(self) -> str:
        return (
            f"ReplayResult(series={len(self.series_refs)}, samples={len(self.refs)}, "
            f"tombstones={len(self.tombstones[0])}, segments_read={self.segments_read}, "
            f"records_read={self.records_read}, corruption={self.corruption!r})"
        )


class _Collector:
    """Keeps each record's arrays until one concatenation per column at the end."""

    def __init__(self) -> None:
        self.series_refs: list[Int64Array] = []
        self.series_labels: list[Labels] = []
        self.samples: list[RawSamples] = []
        self.t_refs: list[Int64Array] = []
        self.t_mint: list[Int64Array] = []
        self.t_maxt: list[Int64Array] = []
        self.segments = 0
        self.records = 0
        self.damage: list[Damage] = []

    def add(self, rec: Record | RawSamples) -> None:
        if isinstance(rec, RawSamples):
            self.samples.append(rec)
        elif isinstance(rec, SamplesRecord):
            self.samples.append(RawSamples(rec.refs, rec.ts, 0, rec.values))
        elif isinstance(rec, SeriesRecord):
            self.series_refs.append(rec.refs)
            self.series_labels.extend(rec.labels)
        else:
            self.t_refs.append(rec.refs)
            self.t_mint.append(rec.mint)
            self.t_maxt.append(rec.maxt)

    def read(self, segments: list[tuple[int, Path]], *, repair: bool, log: logging.Logger) -> bool:
        """Read ``segments`` in order; on damage repair (or raise) and return False."""
        for i, (_, path) in enumerate(segments):
            reader = SegmentReader(path)
            for rec in reader.iter_raw():
                self.add(rec)
            self.segments += 1
            self.records += reader.records_read
            if reader.damage is not None:
                if not repair:
                    raise reader.damage.error()
                self.damage.append(reader.damage)
                truncate_segment(reader.damage, log)
                delete_segments([p for _, p in segments[i + 1 :]], path, log)
                return False
        return True

    def result(self, *, widen: bool = True) -> ReplayResult:
        def cat_i64(parts: list[Int64Array]) -> Int64Array:
            return np.concatenate(parts) if parts else _empty_i64()

        if widen:
            refs, ts, values = _widen(self.samples, sum(len(s) for s in self.samples))
        else:
            refs, ts, values = _empty_i64(), _empty_i64(), np.zeros(0, dtype=np.float64)
        return ReplayResult(
            series_refs=cat_i64(self.series_refs),
            series_labels=self.series_labels,
            refs=refs,
            ts=ts,
            values=values,
            tombstones=(cat_i64(self.t_refs), cat_i64(self.t_mint), cat_i64(self.t_maxt)),
            segments_read=self.segments,
            records_read=self.records,
            corruption="; ".join(str(d) for d in self.damage) or None,
            raw_samples=[] if widen else self.samples,
        )


def _widen(records: list[RawSamples], n: int) -> tuple[Int64Array, Int64Array, Float64Array]:
    # Size the columns once and widen every record straight into its slice: each
    # sample is copied exactly once, and no per-record temporaries are allocated.
    refs, ts = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    values = np.empty(n, dtype=np.float64)
    a = 0
    for s in records:
        b = a + len(s)
        s.widen_into(refs[a:b], ts[a:b], values[a:b])
        a = b
    return refs, ts, values


def _remove_leftovers(directory: Path, log: logging.Logger) -> None:
    for p in directory.iterdir():
        if p.name.startswith(CHECKPOINT_PREFIX) and p.name.endswith(TMP_SUFFIX):
            log.warning("removing unfinished WAL checkpoint %s (interrupted before rename)", p)
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def read_log(
    directory: Path,
    *,
    upto_segment: int | None = None,
    repair: bool,
    logger: logging.Logger | None = None,
    widen: bool = True,
) -> tuple[ReplayResult, int | None]:
    """Read the newest checkpoint and the segments after it (up to ``upto_segment``).

    Returns the result and the checkpoint's number (None if there was none). With
    ``repair`` damage is cut off as described above; without it the first damage raises
    ``WALCorruptionError`` and no file is touched.
    """
    log = logger or _LOG
    directory = Path(directory)
    if not directory.exists():
        if repair:
            directory.mkdir(parents=True, exist_ok=True)
        return ReplayResult(), None
    if repair:
        _remove_leftovers(directory, log)
    col = _Collector()
    checkpoints = list_checkpoints(directory)
    cp_no: int | None = None
    if checkpoints:
        cp_no, cp_dir = checkpoints[-1]
        cp_segments = list_segments(cp_dir)
        if not cp_segments:
            log.warning("WAL checkpoint %s holds no segments; ignoring it", cp_dir)
        elif not col.read(cp_segments, repair=repair, log=log):
            log.warning("WAL checkpoint %s was damaged; replaying the part before it", cp_dir)
    segments = list_segments(directory)
    after = [(n, p) for n, p in segments if cp_no is None or n > cp_no]
    if len(after) < len(segments):
        skipped = len(segments) - len(after)
        log.debug("skipping %d WAL segments already in checkpoint %s", skipped, cp_no)
    if upto_segment is not None:
        after = [(n, p) for n, p in after if n <= upto_segment]
    for (a, _), (b, _) in itertools.pairwise(after):
        if b != a + 1:
            log.warning("WAL segments %d to %d are missing from %s", a + 1, b - 1, directory)
    col.read(after, repair=repair, log=log)
    return col.result(widen=widen), cp_no


def replay(
    directory: Path, *, logger: logging.Logger | None = None, widen: bool = True
) -> ReplayResult:
    """Read and repair the WAL in ``directory`` (created if missing). Never raises on damage.

    With ``widen=False`` the samples stay as stored; read them with
    :meth:`ReplayResult.sample_batches`.
    """
    return read_log(directory, repair=True, logger=logger, widen=widen)[0]
