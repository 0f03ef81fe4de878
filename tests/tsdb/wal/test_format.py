"""The v1 byte format: a checked-in segment still reads, and the writer still produces it.

``testdata/format_v1/`` was written by ``write_fixture`` below. If this test fails after
a deliberate format change, bump ``FORMAT_VERSION``, keep the old fixture and reader
path, and add a new fixture; never regenerate the old one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from argus.model import STALE_NAN_BITS, Labels
from argus.tsdb.wal import WAL, FsyncPolicy, replay
from argus.tsdb.wal.record import RECORD_HEADER
from argus.tsdb.wal.segment import MAGIC, SEGMENT_HEADER

FIXTURE = Path(__file__).parent / "testdata" / "format_v1"
DOC = Path(__file__).parents[3] / "argus" / "tsdb" / "docs" / "format" / "wal.md"
T0 = 1_700_000_000_000


def write_fixture(directory: Path) -> None:
    with WAL(directory, fsync=FsyncPolicy.NEVER) as wal:
        wal.log_series(
            np.array([0, 1], dtype=np.int64),
            [Labels.of(__name__="up", job="api"), Labels.of(__name__="temp", room="küche")],
        )
        values = np.array([1.0, 21.5, 0.0], dtype=np.float64)
        values[2:].view(np.uint64)[0] = STALE_NAN_BITS
        wal.log_samples(np.array([0, 1, 0], dtype=np.int64), np.full(3, T0), values)
        wal.log_samples(
            np.array([0, 1], dtype=np.int64), np.array([T0, T0 + 15_000]), np.array([2.0, 3.0])
        )
        wal.log_tombstones(np.array([1]), np.array([T0]), np.array([T0 + 1]))


def test_fixture_still_reads(tmp_path):
    work = tmp_path / "wal"
    shutil.copytree(FIXTURE, work)
    got = replay(work)
    assert got.corruption is None
    assert got.series_labels == [
        Labels.of(__name__="up", job="api"),
        Labels.of(__name__="temp", room="küche"),
    ]
    assert got.refs.tolist() == [0, 1, 0, 0, 1]
    assert got.ts.tolist() == [T0, T0, T0, T0, T0 + 15_000]
    assert got.values.view(np.uint64)[2] == STALE_NAN_BITS
    assert got.values.tolist()[:2] == [1.0, 21.5]
    assert [a.tolist() for a in got.tombstones] == [[1], [T0], [T0 + 1]]


def test_writer_still_produces_the_fixture_bytes(tmp_path):
    write_fixture(tmp_path)
    assert (tmp_path / "00000000").read_bytes() == (FIXTURE / "00000000").read_bytes()


def test_format_doc_names_the_constants():
    text = DOC.read_text()
    assert MAGIC.decode() in text
    assert f"{SEGMENT_HEADER.size} bytes" in text
    assert f"{RECORD_HEADER.size} bytes" in text
