"""Immutable blocks: the batch layer's on-disk unit (meta.json, index, samples)."""

from argus.tsdb.block.meta import FORMAT_VERSION, BlockMeta, new_ulid, read_meta, write_meta
from argus.tsdb.block.reader import Block
from argus.tsdb.block.tombstones import (
    Tombstones,
    read_tombstones,
    tombstone_mask,
    write_tombstones,
)
from argus.tsdb.block.writer import TMP_SUFFIX, fsync_dir, write_block, write_blocks

__all__ = [
    "FORMAT_VERSION",
    "TMP_SUFFIX",
    "Block",
    "BlockMeta",
    "Tombstones",
    "fsync_dir",
    "new_ulid",
    "read_meta",
    "read_tombstones",
    "tombstone_mask",
    "write_block",
    "write_blocks",
    "write_meta",
    "write_tombstones",
]
