"""``argus tsdb export parquet``: one row per sample, for DuckDB, Spark and pandas.

Why Parquet: it is the batch layer's open format (design §4). Engines read it directly,
so users who outgrow one machine run analytics on their metrics without Argus.

Schema (zstd-compressed)::

    metric_name  dictionary<int32, string>     the __name__ label ("" if none)
    labels       map<string, string>           every other label
    timestamp    timestamp[ms, tz=UTC]
    value        float64                       NaN and ±Inf kept; stale markers too

Files: one per bounded batch of series, not one per source block. The export reads the
database through its querier one metric name at a time (so overlapping blocks and the
head come out merged and de-duplicated), converts each batch in slices of at most
``slice_rows`` samples (one Parquet row group each) and starts a new
``part-NNNNN.parquet`` once a file holds ``max_rows_per_file`` rows. Memory is bounded by
one metric name's series plus one slice. Each file is written as ``….parquet.tmp`` and
renamed when complete, so readers never see half a file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from argus.model import MAX_TIME, METRIC_NAME, MIN_TIME, SeriesSet
from argus.tsdb.tools.batches import iter_series_batches, open_read_only
from argus.tsdb.tools.errors import ToolError
from argus.tsdb.tools.selector import DEFAULT_MATCH, parse_selector

__all__ = ["SCHEMA", "ExportResult", "export_parquet", "series_set_to_table", "write_parquet"]

SCHEMA = pa.schema(
    [
        pa.field("metric_name", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("labels", pa.map_(pa.string(), pa.string()), nullable=False),
        pa.field("timestamp", pa.timestamp("ms", tz="UTC"), nullable=False),
        pa.field("value", pa.float64(), nullable=False),
    ]
)
SLICE_ROWS = 1 << 18
MAX_ROWS_PER_FILE = 1 << 24


def series_set_to_table(series: SeriesSet, start: int = 0, stop: int | None = None) -> Any:
    """Samples ``[start, stop)`` of a series set as a ``pyarrow.Table`` in :data:`SCHEMA`.

    Built column-wise: per-series codes and label lists are repeated to samples with
    NumPy, and the map column's keys and items are gathered with one ``take`` each.
    """
    stop = series.num_samples if stop is None else stop
    n = stop - start
    # Series overlapping the slice, and each sample's series relative to the first.
    first = int(np.searchsorted(series.offsets, start, side="right")) - 1 if n else 0
    last = int(np.searchsorted(series.offsets, stop, side="left")) if n else 0
    label_sets = series.labels[first:last]
    rel_offsets = np.clip(series.offsets[first : last + 1], start, stop) - start
    sidx = np.repeat(np.arange(len(label_sets), dtype=np.int64), np.diff(rel_offsets))

    names = [lset.get(METRIC_NAME) for lset in label_sets]
    dictionary = sorted(set(names))
    code = {name: i for i, name in enumerate(dictionary)}
    series_code = np.fromiter((code[x] for x in names), dtype=np.int32, count=len(names))
    metric = pa.DictionaryArray.from_arrays(
        pa.array(series_code[sidx], type=pa.int32()), pa.array(dictionary, type=pa.string())
    )

    keys = [k for lset in label_sets for k, _ in lset if k != METRIC_NAME]
    items = [v for lset in label_sets for k, v in lset if k != METRIC_NAME]
    n_labels = np.fromiter(
        (len(lset) - (lset.get(METRIC_NAME) != "") for lset in label_sets),
        dtype=np.int64,
        count=len(label_sets),
    )
    series_start = np.zeros(len(label_sets) + 1, dtype=np.int64)
    np.cumsum(n_labels, out=series_start[1:])
    per_sample = n_labels[sidx]
    map_offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(per_sample, out=map_offsets[1:])
    gather = np.repeat(series_start[:-1][sidx] - map_offsets[:-1], per_sample) + np.arange(
        int(map_offsets[-1]), dtype=np.int64
    )
    take = pa.array(gather, type=pa.int64())
    labels = pa.MapArray.from_arrays(
        pa.array(map_offsets.astype(np.int32), type=pa.int32()),
        pa.array(keys, type=pa.string()).take(take),
        pa.array(items, type=pa.string()).take(take),
    )
    ts = pa.array(series.ts[start:stop], type=pa.int64()).view(pa.timestamp("ms", tz="UTC"))
    value = pa.array(series.values[start:stop], type=pa.float64())
    return pa.Table.from_arrays([metric, labels, ts, value], schema=SCHEMA)


@dataclass(slots=True)
class ExportResult:
    files: list[Path]
    rows: int


class _RollingWriter:
    def __init__(self, out_dir: Path, max_rows_per_file: int) -> None:
        self.out_dir = out_dir
        self.max_rows = max_rows_per_file
        self.files: list[Path] = []
        self.rows = 0
        self._writer: Any = None
        self._tmp: Path | None = None
        self._file_rows = 0

    def write(self, table: Any) -> None:
        if self._writer is None:
            final = self.out_dir / f"part-{len(self.files):05d}.parquet"
            self._tmp = final.with_name(final.name + ".tmp")
            self._writer = pq.ParquetWriter(
                self._tmp, SCHEMA, compression="zstd", use_dictionary=True
            )
            self.files.append(final)
        self._writer.write_table(table, row_group_size=table.num_rows)
        self._file_rows += table.num_rows
        self.rows += table.num_rows
        if self._file_rows >= self.max_rows:
            self.close()

    def close(self) -> None:
        if self._writer is not None:
            assert self._tmp is not None
            self._writer.close()
            os.replace(self._tmp, self.files[-1])
            self._writer, self._tmp, self._file_rows = None, None, 0

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
            assert self._tmp is not None
            self._tmp.unlink(missing_ok=True)
            self._writer = None
        for f in self.files:
            f.unlink(missing_ok=True)


def write_parquet(
    batches: Iterable[SeriesSet],
    out_dir: Path,
    *,
    slice_rows: int = SLICE_ROWS,
    max_rows_per_file: int = MAX_ROWS_PER_FILE,
) -> ExportResult:
    """Write series sets as Parquet files in ``out_dir`` (created; must hold none yet)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if any(out_dir.glob("*.parquet")):
        raise ToolError(f"{out_dir}: already holds .parquet files; export into an empty directory")
    writer = _RollingWriter(out_dir, max_rows_per_file)
    try:
        for series in batches:
            for a in range(0, series.num_samples, slice_rows):
                b = min(a + slice_rows, series.num_samples)
                writer.write(series_set_to_table(series, a, b))
        writer.close()
    except BaseException:
        writer.abort()
        raise
    return ExportResult(files=writer.files, rows=writer.rows)


def export_parquet(
    db_path: Path,
    out_dir: Path,
    *,
    mint: int = MIN_TIME,
    maxt: int = MAX_TIME,
    match: str = DEFAULT_MATCH,
    slice_rows: int = SLICE_ROWS,
    max_rows_per_file: int = MAX_ROWS_PER_FILE,
) -> ExportResult:
    """Export the matching samples of the database at ``db_path`` to Parquet files."""
    matchers = parse_selector(match)
    with open_read_only(db_path, mint, maxt) as querier:
        return write_parquet(
            iter_series_batches(querier, matchers, mint, maxt),
            out_dir,
            slice_rows=slice_rows,
            max_rows_per_file=max_rows_per_file,
        )
