"""``argus tsdb create-blocks-from openmetrics``: OpenMetrics text → blocks, as promtool.

Why it matches promtool 2.42 sample for sample: users load the same file into Prometheus
and Argus and compare. promtool appends a file's samples window by window (aligned
``--max-block-duration`` windows, 2h by default) into a fresh head, committing every
5000 samples of a window. That gives its out-of-order rules, which we reproduce:

- within one commit batch a sample not newer than the series' latest is dropped
  silently (out of order, or a repeated timestamp whatever its value);
- against what was already committed, an older sample fails the whole backfill ("out of
  order sample"), a repeated timestamp with another value too ("duplicate sample for
  timestamp"); an exact repeat is dropped.

The common case (each series' timestamps strictly increase through the file) is found
with one stable NumPy sort by series and a ``diff``; only series that break it are
replayed through those rules, one Python loop per such series.

Unlike promtool, every check runs before anything is written, blocks are written into
a hidden directory inside the output directory and renamed into place at the end, so
a bad file or a full disk leaves no partial block behind. Samples with negative
timestamps are kept (promtool 2.42 silently drops those before the first aligned window
because it rounds the start toward zero).
"""

from __future__ import annotations

import mmap
import os
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from argus.model import BoolArray, Int64Array, Labels, SeriesSet, format_go_labels
from argus.tsdb import BlockMeta, write_blocks
from argus.tsdb.tools.errors import BackfillError
from argus.tsdb.tools.openmetrics import ParsedSamples, parse_openmetrics
from argus.tsdb.tools.table import BlockRow, block_size, format_block_rows

__all__ = [
    "APPEND_BATCH",
    "DEFAULT_BLOCK_DURATION_MS",
    "BackfillResult",
    "backfill_openmetrics",
    "compatible_block_duration",
    "group_samples",
]

DEFAULT_BLOCK_DURATION_MS = 2 * 3_600_000
APPEND_BATCH = 5000
"""Samples promtool appends to a window's head between commits."""


def compatible_block_duration(max_block_ms: int) -> int:
    """promtool's ``getCompatibleBlockDuration``: the largest of 2h·3^k (k < 10) that
    does not exceed the request; 2h for anything smaller."""
    duration = DEFAULT_BLOCK_DURATION_MS
    if max_block_ms > duration:
        ranges = [DEFAULT_BLOCK_DURATION_MS * 3**i for i in range(10)]
        idx = len(ranges) - 1
        for i, r in enumerate(ranges):
            if r > max_block_ms:
                idx = i - 1
                break
        duration = ranges[idx]
    return duration


def _window_batches(ts: Int64Array, block_ms: int) -> tuple[Int64Array, Int64Array]:
    """Per sample (file order): its window, and its commit batch within the window."""
    window = np.floor_divide(ts, block_ms)
    order = np.argsort(window, kind="stable")
    sorted_w = window[order]
    starts = np.flatnonzero(np.r_[True, sorted_w[1:] != sorted_w[:-1]])
    sizes = np.diff(np.append(starts, len(ts)))
    pos = np.empty(len(ts), dtype=np.int64)
    pos[order] = np.arange(len(ts), dtype=np.int64) - np.repeat(starts, sizes)
    return window, pos // APPEND_BATCH


def _replay(
    parsed: ParsedSamples,
    perm: Int64Array,
    offsets: Int64Array,
    series_ranks: Sequence[int],
    block_ms: int,
) -> tuple[BoolArray, tuple[int, int, str] | None]:
    """promtool's append/commit rules for the given series (by rank).

    Returns the keep mask over grouped samples and the first error promtool would hit
    as ``(window, file index, message)``: windows are processed in time order, each
    in file order.
    """
    keep = np.ones(len(perm), dtype=bool)
    window, batch = _window_batches(parsed.ts, block_ms)
    bits = parsed.values.view(np.uint64)
    first_error: tuple[int, int, str] | None = None
    for r in series_ranks:
        a, b = int(offsets[r]), int(offsets[r + 1])
        fidx = perm[a:b]
        ts_l = parsed.ts[fidx].tolist()
        bits_l = bits[fidx].tolist()
        win_l = window[fidx].tolist()
        batch_l = batch[fidx].tolist()
        fidx_l = fidx.tolist()
        # Per window: [committed max ts, its value bits, current batch, max ts, its bits]
        states: dict[int, list[int | None]] = {}
        for j, t in enumerate(ts_l):
            w = win_l[j]
            st = states.get(w)
            if st is None:
                st = states[w] = [None, None, batch_l[j], None, None]
            if batch_l[j] != st[2]:
                st[0], st[1], st[2] = st[3], st[4], batch_l[j]
            committed = st[0]
            if committed is not None and (t < committed or (t == committed and bits_l[j] != st[1])):
                what = "out of order sample" if t < committed else "duplicate sample for timestamp"
                err = (w, fidx_l[j], what)
                if first_error is None or err[:2] < first_error[:2]:
                    first_error = err
            newest = st[3]
            if newest is None or t > newest:
                st[3], st[4] = t, bits_l[j]
            else:
                keep[a + j] = False
    return keep, first_error


def group_samples(parsed: ParsedSamples, block_ms: int = DEFAULT_BLOCK_DURATION_MS) -> SeriesSet:
    """Samples in file order → a series set sorted by labels, each series by time.

    Raises :class:`BackfillError` where promtool would fail to append.
    """
    num_series = len(parsed.labels)
    if not len(parsed):
        return SeriesSet.empty()
    order = sorted(range(num_series), key=parsed.labels.__getitem__)
    rank = np.empty(num_series, dtype=np.int64)
    rank[order] = np.arange(num_series, dtype=np.int64)
    labels: list[Labels] = [parsed.labels[i] for i in order]
    key = rank[parsed.sids]
    perm = np.argsort(key, kind="stable")
    offsets = np.zeros(num_series + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=num_series), out=offsets[1:])
    ts = parsed.ts[perm]
    not_newer = np.diff(ts) <= 0
    not_newer[offsets[1:-1] - 1] = False
    if not not_newer.any():
        return SeriesSet(labels, offsets, ts, parsed.values[perm])

    bad = np.unique(np.searchsorted(offsets, np.flatnonzero(not_newer), side="right") - 1)
    keep, error = _replay(parsed, perm, offsets, bad.tolist(), block_ms)
    if error is not None:
        _, fidx, what = error
        line = int(parsed.line_of(fidx))
        series = format_go_labels(parsed.labels[int(parsed.sids[fidx])])
        raise BackfillError(
            line,
            f"{what} for series {series} at timestamp {int(parsed.ts[fidx])} "
            "(an older or conflicting sample was already committed; promtool refuses this "
            "file too)",
        )
    idx = perm[keep]
    key_k, ts_k = key[idx], parsed.ts[idx]
    order2 = np.lexsort((ts_k, key_k))
    idx = idx[order2]
    offsets = np.zeros(num_series + 1, dtype=np.int64)
    np.cumsum(np.bincount(key[idx], minlength=num_series), out=offsets[1:])
    return SeriesSet(labels, offsets, parsed.ts[idx], parsed.values[idx])


@dataclass(frozen=True, slots=True)
class BackfillResult:
    blocks: list[BlockRow]
    num_lines: int
    num_samples_read: int
    num_samples_written: int


def _read(path: Path) -> ParsedSamples:
    with open(path, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return parse_openmetrics(b"")
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            return parse_openmetrics(mm)


def _write(out_dir: Path, series: SeriesSet, block_ms: int) -> list[BlockMeta]:
    """Write blocks in a hidden directory inside ``out_dir``, then rename them in."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".argus-backfill-", dir=out_dir))
    moved: list[Path] = []
    try:
        metas = write_blocks(
            staging,
            series.labels,
            series.offsets,
            series.ts,
            series.values,
            block_duration_ms=block_ms,
        )
        for meta in metas:
            target = out_dir / meta.ulid
            os.rename(staging / meta.ulid, target)
            moved.append(target)
    except BaseException:
        for target in moved:
            shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return metas


def backfill_openmetrics(
    input_path: Path,
    out_dir: Path,
    *,
    max_block_duration_ms: int = DEFAULT_BLOCK_DURATION_MS,
    human_readable: bool = False,
    quiet: bool = False,
    stdout: TextIO | None = None,
) -> BackfillResult:
    """Parse, check and write; print promtool's table of new blocks unless ``quiet``."""
    block_ms = compatible_block_duration(max_block_duration_ms)
    parsed = _read(input_path)
    series = group_samples(parsed, block_ms)
    metas = _write(out_dir, series, block_ms) if series.num_samples else []
    rows = [
        BlockRow(
            ulid=m.ulid,
            min_time=m.min_time,
            max_time=m.max_time,
            num_samples=m.num_samples,
            num_chunks=m.num_chunks,
            num_series=m.num_series,
            size_bytes=block_size(out_dir / m.ulid),
        )
        for m in sorted(metas, key=lambda m: m.min_time)
    ]
    if not quiet and stdout is not None:
        stdout.write(format_block_rows(rows, human_readable=human_readable))
        stdout.flush()
    return BackfillResult(
        blocks=rows,
        num_lines=parsed.num_lines,
        num_samples_read=len(parsed),
        num_samples_written=series.num_samples,
    )
