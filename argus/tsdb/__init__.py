"""Argus's time-series database: head (speed layer) + blocks (batch layer)."""

from argus.model import SeriesSet as _SeriesSet
from argus.tsdb.block import Block, BlockMeta, write_block, write_blocks
from argus.tsdb.db import DB, DBAppender, DBOptions
from argus.tsdb.querier import DBQuerier

__all__ = [
    "DB",
    "Block",
    "BlockMeta",
    "DBAppender",
    "DBOptions",
    "DBQuerier",
    "write_block",
    "write_blocks",
    "write_series_set",
]


def write_series_set(parent, series: _SeriesSet, *, block_duration_ms: int = 7_200_000):  # type: ignore[no-untyped-def]
    """``write_blocks`` for a :class:`argus.model.SeriesSet` (backfill)."""
    return write_blocks(
        parent,
        series.labels,
        series.offsets,
        series.ts,
        series.values,
        block_duration_ms=block_duration_ms,
    )
