"""Protocols between the writers and readers of series data."""

from argus.storage.errors import (
    CorruptionError,
    SeriesLimitError,
    StorageClosedError,
    StorageError,
)
from argus.storage.protocols import (
    Appendable,
    Appender,
    AppendResult,
    Querier,
    Queryable,
    RejectReason,
)

__all__ = [
    "AppendResult",
    "Appendable",
    "Appender",
    "CorruptionError",
    "Querier",
    "Queryable",
    "RejectReason",
    "SeriesLimitError",
    "StorageClosedError",
    "StorageError",
]
