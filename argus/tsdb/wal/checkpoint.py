"""Checkpoints: fold old segments into a compact snapshot so the WAL stops growing.

When the head drops data that is now safe in a block, most WAL records are dead
weight. ``checkpoint`` (as in Prometheus) reads the previous checkpoint plus segments
up to ``upto_segment``, keeps only what a restart still needs (series that are still
alive, their samples at or after ``mint`` and their tombstones), writes that as ordinary
segments in ``checkpoint.NNNNNNNN.tmp/``, fsyncs it and renames it into place. Only
then are older checkpoints and the folded segments deleted, so a crash at any point
leaves either the old state or the new one, never neither. Filtering is column-wise:
``keep_series`` is called once with every distinct series ref.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np

from argus.model import BoolArray, Float64Array, Int64Array
from argus.tsdb.wal.record import RawSamples
from argus.tsdb.wal.replay import read_log
from argus.tsdb.wal.segment import (
    TMP_SUFFIX,
    checkpoint_name,
    fsync_dir,
    list_checkpoints,
)
from argus.tsdb.wal.wal import WAL, FsyncPolicy

__all__ = ["checkpoint"]


def _last_occurrences(refs: Int64Array) -> Int64Array:
    """Indices of the last occurrence of each distinct ref, in log order."""
    if not len(refs):
        return np.zeros(0, dtype=np.int64)
    _, first_in_reversed = np.unique(refs[::-1], return_index=True)
    idx: Int64Array = (len(refs) - 1 - first_in_reversed).astype(np.int64)
    idx.sort()
    return idx


def checkpoint(
    wal: WAL,
    *,
    upto_segment: int,
    keep_series: Callable[[Int64Array], BoolArray],
    mint: int,
    logger: logging.Logger | None = None,
) -> Path:
    """Write ``checkpoint.{upto_segment:08d}`` and truncate the WAL after it.

    ``upto_segment`` must be a closed segment (below ``wal.current_segment``; cut one
    first). ``keep_series(refs)`` gets int64[k] distinct refs and returns bool[k].
    Samples are kept when their series is kept and ``ts >= mint`` (ms). Returns the
    checkpoint directory. Damage in the segments read raises ``WALCorruptionError``
    with no file changed (replay, not a checkpoint, is where the WAL is repaired).
    """
    log = logger or wal.log
    directory = wal.directory
    if upto_segment >= wal.current_segment:
        raise ValueError(
            f"cannot checkpoint up to segment {upto_segment}: segment "
            f"{wal.current_segment} is being written (cut a segment first)"
        )
    final = directory / checkpoint_name(upto_segment)
    existing = list_checkpoints(directory)
    if existing and existing[-1][0] > upto_segment:
        raise ValueError(
            f"checkpoint {existing[-1][0]} already covers more than segment {upto_segment}"
        )
    if existing and existing[-1][0] == upto_segment:
        log.debug("WAL checkpoint %s already exists", final)
        wal.truncate(upto_segment + 1)
        return final

    data, previous = read_log(
        directory, upto_segment=upto_segment, repair=False, logger=log, widen=False
    )

    distinct = np.unique(data.series_refs)
    kept_mask = np.asarray(keep_series(distinct), dtype=bool)
    if kept_mask.shape != distinct.shape:
        raise ValueError(f"keep_series returned shape {kept_mask.shape} for {len(distinct)} refs")
    kept = distinct[kept_mask]
    s_idx = _last_occurrences(data.series_refs)
    s_idx = s_idx[_member(data.series_refs[s_idx], kept)]
    s_refs = data.series_refs[s_idx]
    s_labels = [data.series_labels[i] for i in s_idx.tolist()]
    k_refs, k_ts, k_values, total = _kept_samples(data.raw_samples, kept, mint)
    t_refs, t_mint, t_maxt = data.tombstones
    keep_tomb = _member(t_refs, kept)

    durable = wal.fsync is not FsyncPolicy.NEVER
    tmp = directory / (final.name + TMP_SUFFIX)
    if tmp.exists():
        shutil.rmtree(tmp)
    with WAL(
        tmp,
        segment_size=wal.segment_size,
        fsync=FsyncPolicy.INTERVAL if durable else FsyncPolicy.NEVER,
        logger=log,
    ) as out:
        if len(s_refs):
            out.log_series(s_refs, s_labels)
        if keep_tomb.any():
            out.log_tombstones(t_refs[keep_tomb], t_mint[keep_tomb], t_maxt[keep_tomb])
        if len(k_refs):
            out.log_samples(k_refs, k_ts, k_values)
    if durable:
        fsync_dir(tmp)
    os.replace(tmp, final)
    if durable:
        fsync_dir(directory)
    log.info(
        "WAL checkpoint %s: kept %d of %d series records, %d of %d samples, "
        "%d of %d tombstones (previous checkpoint: %s)",
        final.name,
        len(s_refs),
        len(data.series_refs),
        len(k_refs),
        total,
        int(keep_tomb.sum()),
        len(t_refs),
        previous,
    )
    for n, p in list_checkpoints(directory):
        if n < upto_segment:
            shutil.rmtree(p)
    wal.truncate(upto_segment + 1)
    return final


def _member(refs: Int64Array, kept: Int64Array) -> BoolArray:
    """``np.isin`` for small non-negative ids: one lookup table instead of a sort."""
    if not len(refs) or not len(kept):
        return np.zeros(len(refs), dtype=bool)
    table = np.zeros(max(int(refs.max()), int(kept.max())) + 1, dtype=bool)
    table[kept] = True
    out: BoolArray = table[refs]
    return out


def _kept_samples(
    records: list[RawSamples], kept: Int64Array, mint: int
) -> tuple[Int64Array, Int64Array, Float64Array, int]:
    """Samples of kept series at or after ``mint``, filtered on the stored (narrow)
    columns record by record, so only what is kept is ever widened to int64."""
    if not records or not len(kept):
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0, dtype=np.float64), sum(len(r) for r in records)
    top = max(int(kept.max()), max(int(r.refs.max()) for r in records if len(r))) + 1
    table = np.zeros(top, dtype=bool)
    table[kept] = True
    refs, ts, values = [], [], []
    total = 0
    for rec in records:
        total += len(rec)
        if not len(rec):
            continue
        mask = table[rec.refs]
        if rec.ts is None:
            if rec.base < mint:
                continue
            full_ts = np.full(len(rec), rec.base, dtype=np.int64)
        else:
            full_ts = rec.ts.astype(np.int64) + rec.base
            mask &= full_ts >= mint
        if not mask.any():
            continue
        refs.append(rec.refs[mask].astype(np.int64))
        ts.append(full_ts[mask])
        values.append(rec.values[mask])
    if not refs:
        z = np.zeros(0, dtype=np.int64)
        return z, z, np.zeros(0, dtype=np.float64), total
    return np.concatenate(refs), np.concatenate(ts), np.concatenate(values), total
