"""Reading one segment: every intact record up to the first damage, and where that is.

A segment is memory-mapped and walked record by record; each record costs a
header unpack, one CRC over a memoryview and a few ``np.frombuffer`` calls, however many
samples it holds. The walk stops at the first record that is torn (runs past the end of
the file), fails its CRC, has an impossible type (a zero-filled tail has type 0) or a
malformed payload. It never raises for damage: it records a ``Damage`` and leaves the
decision (truncate, or refuse) to the caller. The repair helpers live here too so that
replay and tools cut files the same way.
"""

from __future__ import annotations

import logging
import mmap
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from argus.tsdb.wal.errors import WALCorruptionError, WALFormatError
from argus.tsdb.wal.record import (
    RECORD_HEADER,
    RawSamples,
    Record,
    RecordError,
    RecordType,
    decode_payload,
)
from argus.tsdb.wal.segment import FORMAT_VERSION, MAGIC, SEGMENT_HEADER, fsync_dir

__all__ = ["Damage", "SegmentReader", "delete_segments", "truncate_segment"]

_TYPES = frozenset(int(t) for t in RecordType)


@dataclass(frozen=True, slots=True)
class Damage:
    """The first damaged byte range of a segment: everything from ``offset`` on is lost."""

    path: Path
    offset: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: damaged at offset {self.offset}: {self.reason}"

    def error(self) -> WALCorruptionError:
        return WALCorruptionError(self.path, self.offset, self.reason)


def _map(path: Path) -> memoryview:
    """The file's bytes, memory-mapped read-only (no copy, no read buffer to fault in).

    The map lives as long as any array viewing it. Safe against SIGBUS because segments
    are only ever cut by replay itself, at or after the last byte a view can reach.
    """
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return memoryview(b"")
        return memoryview(mmap.mmap(fd, size, access=mmap.ACCESS_READ))
    finally:
        os.close(fd)


class SegmentReader:
    """Iterate the intact records of one segment; afterwards ``damage`` tells what stopped it.

    Streaming use::

        reader = SegmentReader(path)
        for rec in reader:
            ...
        if reader.damage is not None:
            ...  # everything from reader.damage.offset on was not yielded

    Decoded arrays may be read-only views into the file buffer. A segment whose header
    declares a newer format version raises ``WALFormatError`` (it is not damage: a newer
    Argus wrote it, and cutting it would destroy good data).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.damage: Damage | None = None
        self.records_read = 0
        self.end = 0
        """Offset just past the last intact record (or header)."""

    def _damaged(self, offset: int, reason: str) -> None:
        self.damage = Damage(self.path, offset, reason)

    def __iter__(self) -> Iterator[Record]:
        for rec in self.iter_raw():
            yield rec.materialize() if isinstance(rec, RawSamples) else rec

    def iter_raw(self) -> Iterator[Record | RawSamples]:
        """Like iterating, but samples stay ``RawSamples`` views (replay's fast path)."""
        buf = _map(self.path)
        size = len(buf)
        hsize = SEGMENT_HEADER.size
        if size == 0:
            # Created, then the process died before the header was written: empty, not damaged.
            return
        if size < hsize:
            self._damaged(0, f"segment header cut short ({size} of {hsize} bytes)")
            return
        magic, version, _ = SEGMENT_HEADER.unpack_from(buf)
        if magic != MAGIC:
            self._damaged(0, f"bad segment magic {bytes(magic)!r}")
            return
        if version > FORMAT_VERSION or version == 0:
            raise WALFormatError(
                f"{self.path}: WAL format version {version}, this Argus reads up to "
                f"{FORMAT_VERSION}"
            )
        pos = self.end = hsize
        rhsize = RECORD_HEADER.size
        unpack = RECORD_HEADER.unpack_from
        crc32 = zlib.crc32
        while pos < size:
            if size - pos < rhsize:
                self._damaged(pos, self._tail_reason(buf, pos, "record header cut short"))
                return
            rtype, flags, reserved, length, crc = unpack(buf, pos)
            if rtype not in _TYPES or reserved:
                self._damaged(pos, self._tail_reason(buf, pos, f"invalid record type {rtype}"))
                return
            body = pos + rhsize
            stop = body + length
            if stop > size:
                self._damaged(
                    pos, f"torn record: {length} payload bytes, {size - body} left in the file"
                )
                return
            payload = buf[body:stop]
            if crc32(payload, crc32(buf[pos : pos + 8])) != crc:
                self._damaged(pos, "record checksum mismatch")
                return
            try:
                rec = decode_payload(rtype, flags, payload)
            except RecordError as exc:
                self._damaged(pos, f"malformed record: {exc}")
                return
            pos = self.end = stop
            self.records_read += 1
            yield rec

    @staticmethod
    def _tail_reason(buf: memoryview, pos: int, reason: str) -> str:
        if not any(buf[pos:]):
            return f"zero-filled tail of {len(buf) - pos} bytes"
        return reason

    def read_all(self) -> list[Record]:
        """Every intact record; raise ``WALCorruptionError`` if any damage was found."""
        out = list(self)
        if self.damage is not None:
            raise self.damage.error()
        return out


def truncate_segment(damage: Damage, logger: logging.Logger) -> None:
    """Cut a damaged segment at the damage so the next reader sees a clean end."""
    logger.warning(
        "WAL segment %s is damaged at offset %d (%s); truncating it there, losing %d bytes",
        damage.path,
        damage.offset,
        damage.reason,
        damage.path.stat().st_size - damage.offset,
    )
    os.truncate(damage.path, damage.offset)
    fd = os.open(damage.path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def delete_segments(paths: list[Path], damaged: Path, logger: logging.Logger) -> None:
    """Delete the segments that followed a damaged one: their records lost their context."""
    for p in paths:
        logger.warning(
            "deleting WAL segment %s (%d bytes): it follows damaged segment %s",
            p,
            p.stat().st_size,
            damaged,
        )
        p.unlink()
    if paths:
        fsync_dir(paths[0].parent)
