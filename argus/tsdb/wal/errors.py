"""The WAL's exception tree, rooted in the storage errors so callers need not import us.

StorageError (argus.storage.errors)
└── WALError                    anything the write-ahead log refuses or fails to do
    ├── WALClosedError          written to after close() (also a StorageClosedError)
    ├── WALFormatError          a segment written by a newer format version we cannot read
    └── WALCorruptionError      a record failed its checksum or structure check (also a
                                CorruptionError); replay repairs instead of raising it,
                                checkpoint raises it and leaves the files untouched

OS errors from writing (disk full, I/O error) are re-raised as ``WALError`` with the
``OSError`` chained, after the half-written record has been cut off again.
"""

from __future__ import annotations

from pathlib import Path

from argus.storage.errors import CorruptionError, StorageClosedError, StorageError

__all__ = ["WALClosedError", "WALCorruptionError", "WALError", "WALFormatError"]


class WALError(StorageError):
    """Base of every write-ahead log error."""


class WALClosedError(WALError, StorageClosedError):
    """The WAL was closed; nothing more can be logged."""


class WALFormatError(WALError):
    """A segment declares a format version this code does not know."""


class WALCorruptionError(WALError, CorruptionError):
    """A record is damaged. Names the file and the byte offset of the damaged record."""

    def __init__(self, path: Path, offset: int, reason: str) -> None:
        super().__init__(f"{path}: damaged at offset {offset}: {reason}")
        self.path = path
        self.offset = offset
        self.reason = reason
