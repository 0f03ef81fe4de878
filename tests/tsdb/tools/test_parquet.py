"""``tsdb export parquet``: the schema, and numbers DuckDB reads back in plain SQL."""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from argus.model import Labels, SeriesSet
from argus.tsdb.tools.errors import ToolError
from argus.tsdb.tools.parquet import SCHEMA, export_parquet, series_set_to_table, write_parquet


def _sql(query: str) -> list[tuple[Any, ...]]:
    relation = duckdb.sql(query)
    assert relation is not None
    return relation.fetchall()


def test_duckdb_reads_the_export(backfilled_db, tmp_path):
    out = tmp_path / "pq"
    result = export_parquet(backfilled_db, out)
    assert result.rows == 12
    assert [f.name for f in result.files] == ["part-00000.parquet"]
    assert pq.read_schema(result.files[0]).remove_metadata() == SCHEMA
    assert pq.ParquetFile(result.files[0]).metadata.row_group(0).column(0).compression == "ZSTD"
    rows = _sql(
        f"""SELECT metric_name, labels['job'] AS job, count(*) AS n, sum(value) AS total,
                   min(timestamp) AS first
            FROM read_parquet('{out}/*.parquet')
            WHERE metric_name <> 'temp'
            GROUP BY ALL ORDER BY ALL"""
    )
    assert [r[:4] for r in rows] == [
        ("", "nameless", 1, 7.0),
        ("http_requests_total", "api", 2, 1234567 + 1e-07),
        ("up", "api", 4, 3.0),
        ("up", "node", 2, 1.5),
    ]
    assert str(rows[2][4]).startswith("2023-11-14 22:13:20")
    temp = _sql(
        f"SELECT value, cardinality(labels) FROM read_parquet('{out}/*.parquet') "
        "WHERE metric_name = 'temp' ORDER BY timestamp"
    )
    assert math.isnan(temp[0][0]) and temp[1][0] == math.inf and temp[2][0] == -math.inf
    assert temp[0][1] == 0
    path = _sql(
        f"SELECT DISTINCT labels['path'] FROM read_parquet('{out}/*.parquet') "
        "WHERE metric_name = 'http_requests_total'"
    )
    assert path == [('/q "x"\\ttab',)]


def _series(n_series: int, per: int) -> SeriesSet:
    labels = [Labels.of(__name__=f"m{i % 3}", i=str(i), job="j") for i in range(n_series)]
    labels.sort()
    offsets = np.arange(0, (n_series + 1) * per, per, dtype=np.int64)
    ts = np.tile(np.arange(per, dtype=np.int64) * 1000, n_series)
    return SeriesSet(labels, offsets, ts, np.arange(n_series * per, dtype=np.float64))


def test_slices_and_file_rollover(tmp_path):
    ss = _series(7, 5)
    result = write_parquet([ss], tmp_path / "o", slice_rows=4, max_rows_per_file=10)
    assert result.rows == 35
    assert len(result.files) == 3  # 12 + 12 + 11 rows: files close after >= 10 rows.
    table = pq.read_table(tmp_path / "o")
    assert table.num_rows == 35
    assert sorted(table.column("value").to_pylist()) == list(range(35))
    whole = series_set_to_table(ss)
    got = {(r["labels"][0][1], r["value"]) for r in table.select(["labels", "value"]).to_pylist()}
    want = {(r["labels"][0][1], r["value"]) for r in whole.select(["labels", "value"]).to_pylist()}
    assert got == want
    assert not list((tmp_path / "o").glob("*.tmp"))


def test_refuses_a_directory_with_parquet_files(tmp_path):
    (tmp_path / "x.parquet").write_bytes(b"")
    with pytest.raises(ToolError, match="already holds"):
        write_parquet([_series(1, 1)], tmp_path)
