"""The write-ahead log writer: the durability point of every append.

``WAL.log_samples`` is on the ingestion hot path. It encodes the batch (a handful of
NumPy calls), takes a lock and hands the buffers to one ``pwritev``; under the default
``INTERVAL`` policy it returns as soon as the kernel has the bytes, and the database
calls ``sync()`` about once a second. Segments are cut at ``segment_size`` and never
appended to after a restart: a new process always starts a new segment, so it never
writes after a possibly torn record left by the previous one.

Thread safety: every method may be called from any thread. Writes, rotation and close
are serialised by one lock; ``sync()`` fsyncs a duplicate of the current descriptor
outside it, so a periodic sync never stalls writers.
"""

from __future__ import annotations

import enum
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from argus.model import Float64Array, Int64Array, Labels
from argus.tsdb.wal.errors import WALClosedError, WALError
from argus.tsdb.wal.record import (
    MAX_RECORD_SAMPLES,
    Chunk,
    encode_samples,
    encode_series,
    encode_tombstones,
)
from argus.tsdb.wal.segment import (
    SEGMENT_HEADER,
    SegmentWriter,
    fsync_dir,
    list_checkpoints,
    list_segments,
    segment_name,
)

__all__ = ["DEFAULT_SEGMENT_SIZE", "WAL", "FsyncPolicy"]

DEFAULT_SEGMENT_SIZE = 128 * 2**20
_MAX_RECORD_ROWS = 1 << 20
"""Series and tombstone records are split at this many rows too."""


class FsyncPolicy(enum.Enum):
    """When logged records are forced to stable storage."""

    ALWAYS = "always"
    """fsync every record before the log call returns (survives power loss; slow)."""
    INTERVAL = "interval"
    """Records reach the OS before returning (survive ``kill -9``); fsync on segment
    rotation, on close and whenever the owner calls ``sync()`` (the DB: every ~1 s)."""
    NEVER = "never"
    """Never fsync; the OS writes back when it likes (tests, throwaway data)."""


class WAL:
    """A segmented write-ahead log in ``directory`` (created if missing).

    Opening an existing directory starts a new segment numbered after every segment and
    checkpoint already there. Log calls raise ``WALClosedError`` after ``close()`` and
    ``WALError`` (with the ``OSError`` chained) if the write fails; a failed record is
    never left half-written in front of later ones.
    """

    def __init__(
        self,
        directory: Path,
        *,
        segment_size: int = DEFAULT_SEGMENT_SIZE,
        fsync: FsyncPolicy = FsyncPolicy.INTERVAL,
        logger: logging.Logger | None = None,
    ) -> None:
        if segment_size <= 0:
            raise ValueError(f"segment_size must be positive, got {segment_size}")
        self.directory = Path(directory)
        self.segment_size = segment_size
        self.fsync = fsync
        self.log = logger or logging.getLogger("argus.tsdb.wal")
        self._lock = threading.Lock()
        self._closed = False
        self.directory.mkdir(parents=True, exist_ok=True)
        last = max(
            [n for n, _ in list_segments(self.directory)]
            + [n for n, _ in list_checkpoints(self.directory)],
            default=-1,
        )
        self._seg = self._open_segment(last + 1)

    def __repr__(self) -> str:
        return (
            f"WAL({str(self.directory)!r}, segment={self._seg_no}, "
            f"fsync={self.fsync.value}{', closed' if self._closed else ''})"
        )

    # --- segments ---------------------------------------------------------------------

    def _open_segment(self, n: int) -> SegmentWriter:
        self._seg_no = n
        try:
            return SegmentWriter(
                self.directory / segment_name(n), sync_dir=self.fsync is not FsyncPolicy.NEVER
            )
        except OSError as exc:
            raise WALError(f"{self.directory}: cannot create WAL segment {n}: {exc}") from exc

    def _cut(self) -> int:
        # Called with the lock held. The old segment is made durable before the new one
        # exists, so a reader never sees a later segment ahead of an unsynced earlier one.
        self._seg.close(sync=self.fsync is not FsyncPolicy.NEVER)
        self._seg = self._open_segment(self._seg_no + 1)
        return self._seg_no

    @property
    def current_segment(self) -> int:
        return self._seg_no

    def segments(self) -> list[int]:
        """Numbers of the segment files on disk, ascending (the current one included)."""
        return [n for n, _ in list_segments(self.directory)]

    def cut_segment(self) -> int:
        """Close the current segment, start the next one and return its number."""
        with self._lock:
            self._check_open()
            try:
                return self._cut()
            except OSError as exc:
                raise WALError(f"{self.directory}: cannot cut WAL segment: {exc}") from exc

    def truncate(self, before: int) -> None:
        """Delete every segment numbered below ``before`` (never the current one)."""
        with self._lock:
            limit = min(before, self._seg_no)
            doomed = [p for n, p in list_segments(self.directory) if n < limit]
            for p in doomed:
                p.unlink()
            if doomed:
                self.log.debug("WAL: deleted %d segments below %d", len(doomed), limit)
                if self.fsync is not FsyncPolicy.NEVER:
                    fsync_dir(self.directory)

    # --- logging ----------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise WALClosedError(f"{self.directory}: WAL is closed")

    def _append(self, bufs: Sequence[Chunk]) -> None:
        size = 0
        for b in bufs:
            size += memoryview(b).nbytes
        with self._lock:
            self._check_open()
            try:
                seg = self._seg
                if seg.size + size > self.segment_size and seg.size > SEGMENT_HEADER.size:
                    self._cut()
                    seg = self._seg
                seg.write(bufs)
                if self.fsync is FsyncPolicy.ALWAYS:
                    seg.sync()
            except OSError as exc:
                raise WALError(
                    f"{self.directory}: cannot write WAL segment {self._seg_no}: {exc}"
                ) from exc

    def log_samples(self, refs: Int64Array, ts: Int64Array, values: Float64Array) -> None:
        """Log one sample batch: ``refs`` int64[n], ``ts`` int64[n] ms, ``values`` float64[n].

        Durable according to the fsync policy when this returns. Batches above
        ``MAX_RECORD_SAMPLES`` become several records; a crash may keep a prefix of them.
        """
        n = len(refs)
        if len(ts) != n or len(values) != n:
            raise ValueError(
                f"sample arrays differ in length: refs={n} ts={len(ts)} values={len(values)}"
            )
        if n == 0:
            return
        if n <= MAX_RECORD_SAMPLES:
            self._append(encode_samples(refs, ts, values))
            return
        for a in range(0, n, MAX_RECORD_SAMPLES):
            b = a + MAX_RECORD_SAMPLES
            self._append(encode_samples(refs[a:b], ts[a:b], values[a:b]))

    def log_series(self, refs: Int64Array, labels: Sequence[Labels]) -> None:
        """Log new (or revived) series: ``refs`` int64[n] and their label sets."""
        n = len(refs)
        if len(labels) != n:
            raise ValueError(f"{n} refs but {len(labels)} label sets")
        for a in range(0, n, _MAX_RECORD_ROWS):
            b = a + _MAX_RECORD_ROWS
            self._append(encode_series(refs[a:b], labels[a:b]))

    def log_tombstones(self, refs: Int64Array, mint: Int64Array, maxt: Int64Array) -> None:
        """Log deleted intervals ``[mint[i], maxt[i]]`` (inclusive, ms) of series ``refs[i]``."""
        n = len(refs)
        if len(mint) != n or len(maxt) != n:
            raise ValueError(
                f"tombstone arrays differ in length: refs={n} mint={len(mint)} maxt={len(maxt)}"
            )
        for a in range(0, n, _MAX_RECORD_ROWS):
            b = a + _MAX_RECORD_ROWS
            self._append(encode_tombstones(refs[a:b], mint[a:b], maxt[a:b]))

    # --- durability and lifecycle -----------------------------------------------------

    def sync(self) -> None:
        """fsync what has been logged so far (a no-op under ``FsyncPolicy.NEVER``)."""
        if self.fsync is FsyncPolicy.NEVER:
            return
        with self._lock:
            if self._closed:
                return
            fd = os.dup(self._seg.fd)
        try:
            os.fdatasync(fd)
        except OSError as exc:
            raise WALError(f"{self.directory}: cannot sync WAL: {exc}") from exc
        finally:
            os.close(fd)

    def close(self) -> None:
        """fsync (unless ``NEVER``) and close the current segment. Idempotent."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._seg.close(sync=self.fsync is not FsyncPolicy.NEVER)

    def __enter__(self) -> WAL:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
