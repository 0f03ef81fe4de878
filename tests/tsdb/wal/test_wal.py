"""The writer: segment naming and rotation, lifecycle, policies and failed writes."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

import argus.tsdb.wal as wal_pkg
from argus.model import Labels
from argus.tsdb.wal import WAL, FsyncPolicy, WALClosedError, WALError, replay
from argus.tsdb.wal.segment import HEADER_BYTES
from tests.tsdb.wal.helpers import batch, write_basic


def test_all_is_sorted_the_ruff_way():
    # RUF022: CONSTANTS, then Classes, then functions, each alphabetical.
    def key(name):
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert wal_pkg.__all__ == sorted(wal_pkg.__all__, key=key)


def test_missing_directory_is_created_with_segment_zero(tmp_path):
    d = tmp_path / "a" / "wal"
    with WAL(d) as wal:
        assert wal.current_segment == 0
        assert wal.segments() == [0]
    assert (d / "00000000").read_bytes() == HEADER_BYTES


def test_reopening_starts_a_new_segment(tmp_path):
    write_basic(tmp_path)
    size0 = (tmp_path / "00000000").stat().st_size
    with WAL(tmp_path) as wal:
        assert wal.current_segment == 1
        wal.log_samples(*batch(9))
    assert (tmp_path / "00000000").stat().st_size == size0
    assert replay(tmp_path).ts.tolist() == [0] * 3 + [1000] * 3 + [9000] * 3


def test_numbering_continues_after_a_checkpoint_without_segments(tmp_path):
    (tmp_path / "checkpoint.00000041").mkdir()
    with WAL(tmp_path) as wal:
        assert wal.current_segment == 42


@pytest.mark.parametrize("policy", list(FsyncPolicy), ids=lambda p: p.value)
def test_segments_rotate_at_segment_size(tmp_path, policy):
    with WAL(tmp_path, segment_size=300, fsync=policy) as wal:
        for i in range(20):
            wal.log_samples(*batch(i, n=5))  # 12+12+20+8+40 = 92 bytes, 3 per segment
        segs = wal.segments()
        wal.sync()
    assert segs == list(range(7))
    assert all((tmp_path / f"{n:08d}").stat().st_size <= 300 for n in segs)
    got = replay(tmp_path)
    assert got.ts.tolist() == np.repeat(np.arange(20) * 1000, 5).tolist()
    assert got.segments_read == 7


def test_a_record_larger_than_a_segment_gets_a_segment_of_its_own(tmp_path):
    with WAL(tmp_path, segment_size=100) as wal:
        wal.log_samples(*batch(0, n=1000))
        wal.log_samples(*batch(1, n=1000))
        assert wal.segments() == [0, 1]
    assert len(replay(tmp_path).refs) == 2000


def test_cut_segment_and_truncate(tmp_path):
    with WAL(tmp_path) as wal:
        wal.log_samples(*batch(0))
        assert wal.cut_segment() == 1
        wal.log_samples(*batch(1))
        assert wal.cut_segment() == 2
        wal.truncate(2)
        assert wal.segments() == [2]
        wal.truncate(100)  # never the current segment
        assert wal.segments() == [2]
        wal.log_samples(*batch(2))
    assert replay(tmp_path).ts.tolist() == [2000] * 3


def test_big_batches_are_split_into_several_records(tmp_path, monkeypatch):
    monkeypatch.setattr("argus.tsdb.wal.wal.MAX_RECORD_SAMPLES", 4)
    with WAL(tmp_path) as wal:
        wal.log_samples(*batch(0, n=10))
    got = replay(tmp_path)
    assert got.records_read == 3
    assert got.refs.tolist() == list(range(10))


def test_closed_wal_refuses_writes_and_close_is_idempotent(tmp_path):
    wal = WAL(tmp_path)
    wal.close()
    wal.close()
    wal.sync()  # nothing to do, no error
    assert "closed" in repr(wal)
    with pytest.raises(WALClosedError):
        wal.log_samples(*batch(0))
    with pytest.raises(WALClosedError):
        wal.cut_segment()


@pytest.mark.parametrize(
    "call",
    [
        lambda w: w.log_samples(np.arange(2), np.zeros(3, dtype=np.int64), np.zeros(2)),
        lambda w: w.log_series(np.arange(2), [Labels.of(a="1")]),
        lambda w: w.log_tombstones(np.arange(2), np.zeros(2, dtype=np.int64), np.zeros(1)),
    ],
    ids=["samples", "series", "tombstones"],
)
def test_length_mismatch_raises_value_error(tmp_path, call):
    with WAL(tmp_path) as wal, pytest.raises(ValueError, match=r"differ|label sets"):
        call(wal)


def test_empty_batches_write_nothing(tmp_path):
    with WAL(tmp_path) as wal:
        e = np.zeros(0, dtype=np.int64)
        wal.log_samples(e, e, np.zeros(0))
        wal.log_series(e, [])
        wal.log_tombstones(e, e, e)
    assert (tmp_path / "00000000").read_bytes() == HEADER_BYTES


def test_concurrent_writers_and_syncs_lose_nothing(tmp_path):
    wal = WAL(tmp_path, segment_size=4096)
    stop = threading.Event()

    def syncer():
        while not stop.is_set():
            wal.sync()

    def writer(k):
        for i in range(200):
            refs = np.full(4, k, dtype=np.int64)
            wal.log_samples(refs, np.full(4, i, dtype=np.int64), np.full(4, float(i)))

    s = threading.Thread(target=syncer)
    s.start()
    ws = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in ws:
        t.start()
    for t in ws:
        t.join()
    stop.set()
    s.join()
    wal.close()
    got = replay(tmp_path)
    assert got.corruption is None
    for k in range(4):
        assert sorted(got.ts[got.refs == k].tolist()) == sorted(list(range(200)) * 4)


def test_a_failed_write_is_cut_off_and_later_records_stay_readable(tmp_path, monkeypatch):
    # Faking the edge: a disk that accepts half a record and then reports ENOSPC.
    wal = WAL(tmp_path)
    wal.log_samples(*batch(0))
    real = os.pwritev

    def half_then_fail(fd, bufs, offset):
        os.pwrite(fd, bytes(bufs[0])[:7], offset)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "pwritev", half_then_fail)
    with pytest.raises(WALError, match="No space left") as info:
        wal.log_samples(*batch(1))
    assert isinstance(info.value.__cause__, OSError)
    monkeypatch.setattr(os, "pwritev", real)
    wal.log_samples(*batch(2))
    wal.close()
    got = replay(tmp_path)
    assert got.corruption is None
    assert got.ts.tolist() == [0] * 3 + [2000] * 3
