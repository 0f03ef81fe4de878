"""The write-ahead log: every acknowledged batch is on its way to disk first.

``WAL`` appends series, sample and tombstone records to numbered segment files;
``replay`` turns a WAL directory back into columnar arrays (repairing a damaged tail);
``checkpoint`` folds old segments into a compact snapshot. The byte format is in
``argus/tsdb/docs/format/wal.md``.
"""

from argus.tsdb.wal.checkpoint import checkpoint
from argus.tsdb.wal.errors import WALClosedError, WALCorruptionError, WALError, WALFormatError
from argus.tsdb.wal.reader import Damage, SegmentReader
from argus.tsdb.wal.record import (
    Record,
    RecordType,
    SamplesRecord,
    SeriesRecord,
    TombstonesRecord,
)
from argus.tsdb.wal.replay import ReplayResult, replay
from argus.tsdb.wal.wal import WAL, FsyncPolicy

__all__ = [
    "WAL",
    "Damage",
    "FsyncPolicy",
    "Record",
    "RecordType",
    "ReplayResult",
    "SamplesRecord",
    "SegmentReader",
    "SeriesRecord",
    "TombstonesRecord",
    "WALClosedError",
    "WALCorruptionError",
    "WALError",
    "WALFormatError",
    "checkpoint",
    "replay",
]
