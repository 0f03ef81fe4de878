"""Leveled compaction of blocks, with Prometheus's planner.

Block ranges grow by 3x from the head's block range (2h, 6h, 18h, 54h, ...), capped at
a tenth of the retention time or 31 days. The planner first merges overlapping blocks
(backfills, out-of-order data), then blocks that fill an aligned range of the next size
(or lie entirely before the newest block), never touching the newest block so a whole
block range is left to back up new data piece by piece. Merging applies tombstones.

A compaction writes the new block atomically (``block.write_block``) and only then
deletes its parents; if it dies in between, start-up finds a block whose
``compaction.parents`` name blocks still present and deletes those.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from argus.model import Float64Array, Int64Array, Labels
from argus.storage.merge import Part, merge_parts
from argus.tsdb.block import Block, BlockMeta

__all__ = ["merge_blocks", "plan_compaction", "ranges_for"]

_DAY = 86_400_000


def ranges_for(
    block_range: int, retention_ms: int | None, max_block_ms: int | None = None
) -> list[int]:
    cap = max_block_ms
    if cap is None:
        cap = min(retention_ms // 10, 31 * _DAY) if retention_ms else 31 * _DAY
    ranges = [block_range]
    while ranges[-1] * 3 <= cap and len(ranges) < 10:
        ranges.append(ranges[-1] * 3)
    return ranges


def plan_compaction(metas: Sequence[BlockMeta], ranges: Sequence[int]) -> list[BlockMeta]:
    ms = sorted(metas, key=lambda m: m.min_time)
    overlapping = _overlapping(ms)
    if overlapping:
        return overlapping
    if len(ms) < 2:
        return []
    ms = ms[:-1]  # Leave the newest block alone.
    high = ms[-1].min_time if ms else 0
    for rng in ranges[1:]:
        for part in _split_by_range(ms, rng):
            mint, maxt = part[0].min_time, part[-1].max_time
            if len(part) > 1 and (maxt - mint == rng or maxt <= high):
                return part
    return []


def _overlapping(ms: Sequence[BlockMeta]) -> list[BlockMeta]:
    if not ms:
        return []
    group = [ms[0]]
    reach = ms[0].max_time
    for m in ms[1:]:
        if m.min_time < reach:
            group.append(m)
            reach = max(reach, m.max_time)
        elif len(group) > 1:
            return group
        else:
            group, reach = [m], m.max_time
    return group if len(group) > 1 else []


def _split_by_range(ms: Sequence[BlockMeta], rng: int) -> list[list[BlockMeta]]:
    out: list[list[BlockMeta]] = []
    i = 0
    while i < len(ms):
        m = ms[i]
        t0 = (m.min_time // rng) * rng
        if m.max_time > t0 + rng:
            i += 1
            continue
        group = []
        while i < len(ms) and ms[i].max_time <= t0 + rng and ms[i].min_time >= t0:
            group.append(ms[i])
            i += 1
        if group:
            out.append(group)
    return out


def merge_blocks(
    blocks: Sequence[Block],
) -> tuple[list[Labels], Int64Array, Int64Array, Float64Array]:
    """All samples of ``blocks`` merged by label set, tombstones applied."""
    index: dict[Labels, int] = {}
    per_block = []
    for b in blocks:
        ids = np.arange(b.num_series, dtype=np.int64)
        labels = b.labels_of(ids)
        for lset in labels:
            index.setdefault(lset, len(index))
        per_block.append((b, ids, labels))
    ordered = sorted(index)
    rank = np.empty(len(ordered), dtype=np.int64)
    rank[[index[lset] for lset in ordered]] = np.arange(len(ordered))
    parts = []
    for b, ids, labels in per_block:
        out_of = rank[np.fromiter((index[lset] for lset in labels), np.int64, len(labels))]
        got, off, ts, vals = b.read(ids, b.meta.min_time, b.meta.max_time)
        parts.append(Part(out_of[got], off, ts, vals))
    offsets, ts, values = merge_parts(parts, len(ordered))
    return ordered, offsets, ts, values
