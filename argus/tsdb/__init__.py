"""Argus's time-series database: head (speed layer) + blocks (batch layer)."""

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
]
