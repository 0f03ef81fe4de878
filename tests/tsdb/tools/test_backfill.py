"""Backfill: grouping, promtool's out-of-order rules, block windows, the summary table."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest

from argus.model import Labels, SeriesSet
from argus.tsdb import DB
from argus.tsdb.tools.backfill import (
    APPEND_BATCH,
    BackfillResult,
    backfill_openmetrics,
    compatible_block_duration,
    group_samples,
)
from argus.tsdb.tools.errors import BackfillError, OpenMetricsError
from argus.tsdb.tools.openmetrics import parse_openmetrics
from argus.tsdb.tools.table import BlockRow, format_block_rows, tabwrite

H = 3_600_000


def _group(text: str) -> SeriesSet:
    return group_samples(parse_openmetrics(text.encode()), 2 * H)


def test_groups_by_labels_and_time():
    ss = _group('b 1 3\na{x="2"} 5 1\na{x="1"} 4 2\nb 2 4\na{x="1"} 6 5\n# EOF\n')
    assert [str(lset) for lset in ss.labels] == ['a{x="1"}', 'a{x="2"}', "b"]
    assert ss.offsets.tolist() == [0, 2, 3, 5]
    assert ss.ts.tolist() == [2000, 5000, 1000, 3000, 4000]
    assert ss.values.tolist() == [4, 6, 5, 1, 2]


def test_out_of_order_within_a_commit_batch_is_dropped():
    # promtool keeps 1@10 and 5@20 (checked with promtool 2.42).
    ss = _group("a 1 10\na 2 5\na 3 10\na 4 10\na 5 20\n# EOF\n")
    assert ss.ts.tolist() == [10_000, 20_000]
    assert ss.values.tolist() == [1, 5]


def _two_batches(first: str, second: str, filler: int = APPEND_BATCH - 1) -> str:
    lines = [f"a {first}"] + [f"b 1 {100 + i}" for i in range(filler)] + [f"a {second}"]
    return "\n".join(lines) + "\n# EOF\n"


def test_out_of_order_across_batches_fails_like_promtool():
    with pytest.raises(BackfillError, match="out of order sample") as info:
        _group(_two_batches("1 10", "2 5"))
    assert info.value.line == APPEND_BATCH + 1


def test_duplicate_across_batches():
    with pytest.raises(BackfillError, match="duplicate sample for timestamp"):
        _group(_two_batches("1 10", "2 10"))
    ss = _group(_two_batches("1 10", "1 10"))  # An exact repeat is dropped.
    assert ss.series(0)[1].tolist() == [10_000]
    ss = _group(_two_batches("1 10", "2 5", filler=APPEND_BATCH - 2))  # Same batch.
    assert ss.series(0)[1].tolist() == [10_000]


def test_windows_are_independent_heads():
    # 10s, then 3h (next window), then 20s: all kept, as each window has its own head.
    ss = _group("a 1 10\na 2 10800\na 3 20\n# EOF\n")
    assert ss.ts.tolist() == [10_000, 20_000, 10_800_000]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        (0, 2 * H),
        (H, 2 * H),
        (2 * H, 2 * H),
        (5 * H, 2 * H),
        (6 * H, 6 * H),
        (24 * H, 18 * H),
        (10**12, 2 * H * 3**9),
    ],
)
def test_compatible_block_duration(requested, expected):
    assert compatible_block_duration(requested) == expected


def _write(tmp_path: Path, text: str) -> tuple[BackfillResult, str]:
    src = tmp_path / "in.om"
    src.write_text(text)
    out = io.StringIO()
    result = backfill_openmetrics(src, tmp_path / "data", stdout=out)
    return result, out.getvalue()


def test_backfill_writes_aligned_blocks_and_prints_promtool_table(tmp_path):
    lines = [f'm{{i="{i % 3}"}} {i} {1_700_000_000 + 15 * i}' for i in range(2000)]
    result, table = _write(tmp_path, "\n".join(lines) + "\n# EOF\n")
    assert result.num_samples_written == 2000
    assert [b.min_time // (2 * H) for b in result.blocks] == [
        236111,
        236112,
        236113,
        236114,
        236115,
    ]
    header, *rows = table.splitlines()
    assert header == (
        "BLOCK ULID                  MIN TIME       MAX TIME       DURATION      "
        "NUM SAMPLES  NUM CHUNKS   NUM SERIES   SIZE"
    )
    assert len(rows) == len(result.blocks)
    assert re.fullmatch(r"[0-9A-Z]{26}  1700000000000  \d{13}  \S+\s+\d+\s+\d+\s+3\s+\d+", rows[0])
    dirs = sorted(p.name for p in (tmp_path / "data").iterdir())
    assert dirs == sorted(b.ulid for b in result.blocks)  # No staging directory left.
    db = DB.open(tmp_path / "data", read_only=True)
    try:
        q = db.querier(0, 2**62)
        ss = q.select([])
        assert ss.num_samples == 2000
        assert ss.labels[0] == Labels.of(__name__="m", i="0")
        q.close()
    finally:
        db.close()


def test_bad_input_leaves_nothing_behind(tmp_path):
    with pytest.raises(OpenMetricsError):
        _write(tmp_path, "a 1 1\nb 2\n# EOF\n")
    assert not (tmp_path / "data").exists()
    with pytest.raises(BackfillError):
        _write(tmp_path, _two_batches("1 10", "2 5"))
    assert not (tmp_path / "data").exists()


def test_max_block_duration(tmp_path):
    src = tmp_path / "in.om"
    src.write_text("\n".join(f"a {i} {i * 600}" for i in range(100)) + "\n# EOF\n")
    result = backfill_openmetrics(src, tmp_path / "d", max_block_duration_ms=6 * H, quiet=True)
    assert [(b.min_time, b.max_time) for b in result.blocks] == [
        (0, 21_000_001),
        (21_600_000, 42_600_001),
        (43_200_000, 59_400_001),
    ]


def test_table_matches_promtool_bytes():
    # Captured from `promtool tsdb create-blocks-from openmetrics [-r]` (2.42).
    row = BlockRow("01M88WKQYZ7FD34XHSEZ2QQB28", 1700000000000, 1700000030001, 8, 3, 3, 879)
    assert format_block_rows([row], human_readable=False) == (
        "BLOCK ULID                  MIN TIME       MAX TIME       DURATION     NUM SAMPLES  "
        "NUM CHUNKS   NUM SERIES   SIZE\n"
        "01M88WKQYZ7FD34XHSEZ2QQB28  1700000000000  1700000030001  30.001s      8            "
        "3            3            879\n"
    )
    assert format_block_rows([row], human_readable=True).splitlines()[1] == (
        "01M88WKQYZ7FD34XHSEZ2QQB28  2023-11-14 22:13:20 +0000 UTC  "
        "2023-11-14 22:13:50 +0000 UTC  30.001s      8            3            3            879B"
    )


def test_tabwriter_aligns_each_call_separately():
    assert tabwrite([("a", "b"), ("c" * 15, "d")]) == "a" + " " * 16 + "b\n" + "c" * 15 + "  d\n"
    assert tabwrite([("a", "b")]) == "a" + " " * 12 + "b\n"  # Minimum width 13.
    assert tabwrite([]) == ""


def test_group_empty():
    ss = group_samples(parse_openmetrics(b"# EOF\n"))
    assert len(ss) == 0 and ss.num_samples == 0
    assert np.array_equal(ss.offsets, [0])
