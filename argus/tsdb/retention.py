"""Which blocks retention deletes, by time and by size, as Prometheus decides.

Time retention counts back from the newest block's end, not from the wall clock, so
backfilled history stays queryable. Size retention keeps the newest blocks whose sizes
(plus the WAL's) fit the limit.
"""

from __future__ import annotations

from collections.abc import Sequence

from argus.tsdb.block import BlockMeta

__all__ = ["beyond_retention"]


def beyond_retention(
    blocks: Sequence[tuple[BlockMeta, int]],
    *,
    retention_ms: int | None,
    retention_bytes: int,
    wal_bytes: int = 0,
) -> list[BlockMeta]:
    """Blocks to delete. ``blocks`` are ``(meta, size in bytes)`` pairs."""
    newest_first = sorted(blocks, key=lambda b: b[0].max_time, reverse=True)
    doomed: dict[str, BlockMeta] = {}
    if retention_ms and newest_first:
        top = newest_first[0][0].max_time
        for meta, _ in newest_first[1:]:
            if top - meta.max_time > retention_ms:
                doomed[meta.ulid] = meta
    if retention_bytes > 0:
        total = wal_bytes
        for meta, size in newest_first:
            total += size
            if total > retention_bytes:
                doomed[meta.ulid] = meta
    return list(doomed.values())
