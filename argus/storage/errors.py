"""Errors a storage implementation raises through the protocols.

StorageError
├── StorageClosedError      the database was closed under the caller
├── SeriesLimitError        creating a series would pass a configured limit
└── CorruptionError         a file failed its checksum or structure check
"""

from __future__ import annotations

__all__ = ["CorruptionError", "SeriesLimitError", "StorageClosedError", "StorageError"]


class StorageError(Exception):
    """Base of every storage error."""


class StorageClosedError(StorageError):
    pass


class SeriesLimitError(StorageError):
    pass


class CorruptionError(StorageError):
    """Names the file and the offset or record that is damaged."""
