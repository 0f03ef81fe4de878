"""Segment files: naming, the header, directory listing and the raw writer.

A WAL directory holds numbered segment files (``00000000``, ``00000001``, … as in
Prometheus) and at most one live ``checkpoint.NNNNNNNN`` directory. This module knows
the names and the bytes at the start of each file; it does not know what a record means.

The writer uses a bare file descriptor and ``os.writev`` rather than a buffered Python
file: when ``write`` returns, the bytes are in the kernel's page cache and survive the
death of the process (``kill -9``); only power loss needs the ``fsync``.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from argus.tsdb.wal.record import Chunk

__all__ = [
    "CHECKPOINT_PREFIX",
    "FORMAT_VERSION",
    "MAGIC",
    "SEGMENT_HEADER",
    "SegmentWriter",
    "checkpoint_name",
    "fsync_dir",
    "list_checkpoints",
    "list_segments",
    "segment_name",
]

MAGIC = b"ARGUSWAL"
FORMAT_VERSION = 1
SEGMENT_HEADER = struct.Struct("<8sII")
"""magic, format version, reserved (0): 16 bytes at the start of every segment."""
HEADER_BYTES = SEGMENT_HEADER.pack(MAGIC, FORMAT_VERSION, 0)
CHECKPOINT_PREFIX = "checkpoint."
TMP_SUFFIX = ".tmp"

_SEGMENT_RE = re.compile(r"\d{8,}")
_CHECKPOINT_RE = re.compile(r"checkpoint\.(\d{8,})")


def segment_name(n: int) -> str:
    return f"{n:08d}"


def checkpoint_name(n: int) -> str:
    return f"{CHECKPOINT_PREFIX}{n:08d}"


def list_segments(directory: Path) -> list[tuple[int, Path]]:
    """``(number, path)`` of every segment file in ``directory``, ascending."""
    out = [
        (int(p.name), p)
        for p in directory.iterdir()
        if _SEGMENT_RE.fullmatch(p.name) and p.is_file()
    ]
    return sorted(out)


def list_checkpoints(directory: Path) -> list[tuple[int, Path]]:
    """``(upto_segment, path)`` of every finished checkpoint directory, ascending."""
    out = []
    for p in directory.iterdir():
        m = _CHECKPOINT_RE.fullmatch(p.name)
        if m and p.is_dir():
            out.append((int(m.group(1)), p))
    return sorted(out)


def fsync_dir(directory: Path) -> None:
    """Make creations, renames and deletions in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SegmentWriter:
    """Appends whole records to one new segment file. Not thread-safe: the WAL locks.

    ``size`` is the number of bytes that form complete records (plus the header). If a
    write fails part-way, the file is cut back to ``size`` before the error propagates,
    so a later record never follows a torn one.
    """

    def __init__(self, path: Path, *, sync_dir: bool) -> None:
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
        self.size = 0
        self._torn = False
        try:
            self.write([HEADER_BYTES])
            if sync_dir:
                os.fdatasync(self.fd)
                fsync_dir(path.parent)
        except BaseException:
            os.close(self.fd)
            raise

    def write(self, bufs: Sequence[Chunk]) -> int:
        """Write ``bufs`` back to back with (normally) one syscall; return bytes written."""
        if self._torn:
            # A previous write failed and could not be undone; try again before appending.
            os.ftruncate(self.fd, self.size)
            self._torn = False
        total = 0
        for b in bufs:
            total += memoryview(b).nbytes
        try:
            done = os.pwritev(self.fd, bufs, self.size)
            if done < total:
                # Short write (rare on regular files): finish with the joined remainder.
                rest = memoryview(b"".join(bytes(memoryview(b)) for b in bufs))[done:]
                while rest:
                    k = os.pwrite(self.fd, rest, self.size + done)
                    done += k
                    rest = rest[k:]
        except BaseException:
            self._torn = True
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, self.size)
                self._torn = False
            raise
        self.size += total
        return total

    def sync(self) -> None:
        os.fdatasync(self.fd)

    def close(self, *, sync: bool) -> None:
        try:
            if sync:
                os.fdatasync(self.fd)
        finally:
            os.close(self.fd)
