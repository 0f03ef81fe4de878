"""Replay returns what was logged and survives every kind of damage to the tail.

Each damage case checks the same four promises: everything before the damage comes
back, a WARNING names the segment and the offset, the segment is physically cut at that
offset, and a WAL opened afterwards keeps working (a second replay sees old + new).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from argus.model import STALE_NAN_BITS
from argus.tsdb.wal import WAL, FsyncPolicy, WALFormatError, replay
from argus.tsdb.wal.record import encode_samples
from argus.tsdb.wal.segment import FORMAT_VERSION, MAGIC, SEGMENT_HEADER
from tests.tsdb.wal.helpers import LABELS, batch, only_segment, write_basic

LAST_LEN = sum(len(bytes(p)) for p in encode_samples(*batch(1)))


def test_round_trip_in_log_order(tmp_path):
    with WAL(tmp_path, fsync=FsyncPolicy.NEVER) as wal:
        wal.log_series(np.array([0, 1, 2]), LABELS)
        wal.log_samples(*batch(0))
        wal.log_tombstones(np.array([2]), np.array([10]), np.array([20]))
        wal.log_samples(*batch(1))
        wal.log_series(np.array([1]), [LABELS[0]])
    got = replay(tmp_path)
    assert got.series_refs.tolist() == [0, 1, 2, 1]
    assert got.series_labels == [*LABELS, LABELS[0]]
    assert got.refs.tolist() == [0, 1, 2, 0, 1, 2]
    assert got.ts.tolist() == [0, 0, 0, 1000, 1000, 1000]
    assert got.values.view(np.uint64)[3] == STALE_NAN_BITS
    assert got.values.tolist()[:3] == [0.0, 0.1, 0.2]
    assert [a.tolist() for a in got.tombstones] == [[2], [10], [20]]
    assert (got.segments_read, got.records_read, got.corruption) == (1, 5, None)
    assert got.values.flags.writeable


def test_missing_directory_is_created_and_empty(tmp_path):
    d = tmp_path / "wal"
    got = replay(d)
    assert d.is_dir()
    assert len(got.refs) == 0 and got.series_labels == [] and got.corruption is None
    assert got.tombstones[0].dtype == np.int64


def assert_repaired(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    seg: Path,
    offset: int,
    batches: int = 1,
    *,
    deleted: Sequence[Path] = (),
) -> list[str]:
    """The shared promises of every damage case (see the module docstring).

    Returns the warnings the repairing replay logged.
    """
    got = replay(tmp_path)
    assert got.series_labels == LABELS
    assert got.ts.tolist() == [t * 1000 for t in range(batches) for _ in range(3)]
    assert got.corruption is not None and f"offset {offset}" in got.corruption
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(seg) in m and f"offset {offset}" in m for m in warnings), warnings
    assert seg.stat().st_size == offset
    for p in deleted:
        assert not p.exists()
        assert any(str(p) in m and "deleting" in m for m in warnings), warnings
    with WAL(tmp_path) as wal:
        wal.log_samples(*batch(7))
    caplog.clear()
    again = replay(tmp_path)
    assert again.corruption is None
    assert again.ts.tolist() == [*got.ts.tolist(), 7000, 7000, 7000]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    return warnings


@pytest.mark.parametrize("keep", range(1, LAST_LEN))
def test_torn_last_record_at_every_offset(tmp_path, caplog, keep):
    write_basic(tmp_path)
    seg = only_segment(tmp_path)
    start = seg.stat().st_size - LAST_LEN
    with open(seg, "r+b") as f:
        f.truncate(start + keep)
    assert_repaired(tmp_path, caplog, seg, start)


@pytest.mark.parametrize("at", range(LAST_LEN))
def test_flipped_byte_in_last_record(tmp_path, caplog, at):
    write_basic(tmp_path)
    seg = only_segment(tmp_path)
    data = bytearray(seg.read_bytes())
    start = len(data) - LAST_LEN
    data[start + at] ^= 0x5A
    seg.write_bytes(bytes(data))
    assert_repaired(tmp_path, caplog, seg, start)


@pytest.mark.parametrize(
    "tail",
    [b"\x01", b"garbage appended by someone" * 10, bytes(range(256)) * 4],
    ids=["one-byte", "text", "binary"],
)
def test_garbage_appended(tmp_path, caplog, tail):
    write_basic(tmp_path)
    seg = only_segment(tmp_path)
    end = seg.stat().st_size
    with open(seg, "ab") as f:
        f.write(tail)
    assert_repaired(tmp_path, caplog, seg, end, batches=2)


@pytest.mark.parametrize("zeros", [1, 11, 12, 4096], ids=lambda n: f"{n}B")
def test_zero_filled_tail(tmp_path, caplog, zeros):
    write_basic(tmp_path)
    seg = only_segment(tmp_path)
    end = seg.stat().st_size
    with open(seg, "ab") as f:
        f.write(b"\x00" * zeros)
    warnings = assert_repaired(tmp_path, caplog, seg, end, batches=2)
    assert any("zero-filled" in m for m in warnings)


def test_damage_in_a_middle_segment_deletes_the_later_ones(tmp_path, caplog):
    write_basic(tmp_path, batches=1)
    seg0 = only_segment(tmp_path)
    with WAL(tmp_path, fsync=FsyncPolicy.NEVER) as wal:
        wal.log_samples(*batch(1))
    with WAL(tmp_path, fsync=FsyncPolicy.NEVER) as wal:
        wal.log_samples(*batch(2))
    end = seg0.stat().st_size
    with open(seg0, "ab") as f:
        f.write(b"\xff" * 40)
    later = [tmp_path / "00000001", tmp_path / "00000002"]
    assert_repaired(tmp_path, caplog, seg0, end, batches=1, deleted=later)


@pytest.mark.parametrize(
    "header",
    [MAGIC[:5], b"NOTAWAL!" + b"\x01\x00\x00\x00" * 2],
    ids=["cut-header", "bad-magic"],
)
def test_damaged_segment_header_is_cut_to_zero(tmp_path, caplog, header):
    write_basic(tmp_path, batches=1)
    seg1 = tmp_path / "00000001"
    seg1.write_bytes(header)
    got = replay(tmp_path)
    assert got.ts.tolist() == [0, 0, 0]
    assert "offset 0" in (got.corruption or "")
    assert seg1.stat().st_size == 0
    assert "00000001" in caplog.text


def test_empty_segment_file_is_not_damage(tmp_path, caplog):
    write_basic(tmp_path, batches=1)
    (tmp_path / "00000001").touch()
    got = replay(tmp_path)
    assert got.corruption is None and got.segments_read == 2
    assert not caplog.records


def test_newer_format_version_raises_rather_than_destroying_data(tmp_path):
    seg = tmp_path / "00000000"
    seg.write_bytes(SEGMENT_HEADER.pack(MAGIC, FORMAT_VERSION + 1, 0) + b"future")
    with pytest.raises(WALFormatError, match="version 2"):
        replay(tmp_path)
    assert seg.stat().st_size == 22


def test_gap_between_segments_is_warned_about(tmp_path, caplog):
    write_basic(tmp_path, batches=1)
    with WAL(tmp_path) as wal:
        for i in (1, 2, 3):
            wal.log_samples(*batch(i))
            wal.cut_segment()
    (tmp_path / "00000002").unlink()
    got = replay(tmp_path)
    assert got.ts.tolist() == [0, 0, 0, 1000, 1000, 1000, 3000, 3000, 3000]
    assert "WAL segments 2 to 2 are missing" in caplog.text
