"""Checkpoints keep exactly what a restart needs and replace the folded files atomically."""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np
import pytest

from argus.model import BoolArray, Int64Array, Labels
from argus.tsdb.wal import WAL, FsyncPolicy, WALCorruptionError, checkpoint, replay
from tests.tsdb.wal.helpers import batch


def keep_below(limit: int) -> Callable[[Int64Array], BoolArray]:
    def keep(refs: Int64Array) -> BoolArray:
        return refs < limit

    return keep


def fill(wal: WAL) -> list[Labels]:
    """Segments 0..2: series 0..3 (ref 1 redefined later), samples at 0..5 s, tombstones."""
    lab = [Labels.of(__name__="m", i=str(i)) for i in range(4)]
    wal.log_series(np.arange(4, dtype=np.int64), lab)
    wal.log_samples(*batch(0, n=4))
    wal.log_tombstones(np.array([0, 3]), np.array([0, 0]), np.array([5, 5]))
    wal.cut_segment()
    wal.log_samples(*batch(1, n=4))
    wal.log_samples(*batch(2, n=4))
    wal.log_series(np.array([1], dtype=np.int64), [Labels.of(__name__="m", i="1b")])
    wal.cut_segment()
    wal.log_samples(*batch(3, n=4))
    return lab


def test_checkpoint_filters_and_truncates(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    with WAL(tmp_path) as wal:
        lab = fill(wal)
        path = checkpoint(wal, upto_segment=1, keep_series=keep_below(3), mint=1000)
        assert path == tmp_path / "checkpoint.00000001"
        assert wal.segments() == [2]
        wal.log_samples(*batch(4, n=4))
    assert "checkpoint.00000001" in caplog.text
    got = replay(tmp_path)
    # Last definition wins and comes in log order; ref 3 is dropped.
    assert got.series_refs.tolist() == [0, 2, 1]
    assert got.series_labels == [lab[0], lab[2], Labels.of(__name__="m", i="1b")]
    # Checkpoint: batches 1, 2 of refs 0..2; then segment 2 (everything).
    assert got.ts.tolist() == [1000] * 3 + [2000] * 3 + [3000] * 4 + [4000] * 4
    assert got.refs.tolist()[:6] == [0, 1, 2] * 2
    assert [a.tolist() for a in got.tombstones] == [[0], [0], [5]]


def test_a_second_checkpoint_folds_in_the_first_and_deletes_it(tmp_path):
    with WAL(tmp_path) as wal:
        fill(wal)
        checkpoint(wal, upto_segment=0, keep_series=keep_below(10), mint=0)
        checkpoint(wal, upto_segment=1, keep_series=keep_below(10), mint=2000)
        assert not (tmp_path / "checkpoint.00000000").exists()
        assert wal.segments() == [2]
    got = replay(tmp_path)
    assert got.ts.tolist() == [2000] * 4 + [3000] * 4
    assert len(got.tombstones[0]) == 2


def test_keep_series_is_called_once_with_distinct_refs(tmp_path):
    calls = []

    def keep(refs):
        calls.append(refs.tolist())
        return np.ones(len(refs), dtype=bool)

    with WAL(tmp_path) as wal:
        fill(wal)
        checkpoint(wal, upto_segment=1, keep_series=keep, mint=0)
    assert calls == [[0, 1, 2, 3]]


def test_checkpointing_the_open_segment_is_refused(tmp_path):
    with WAL(tmp_path) as wal, pytest.raises(ValueError, match="cut a segment"):
        checkpoint(wal, upto_segment=0, keep_series=keep_below(1), mint=0)


def test_same_checkpoint_twice_is_a_no_op_and_older_is_refused(tmp_path):
    with WAL(tmp_path) as wal:
        fill(wal)
        first = checkpoint(wal, upto_segment=1, keep_series=keep_below(10), mint=0)
        again = checkpoint(wal, upto_segment=1, keep_series=keep_below(0), mint=0)
        assert first == again
        with pytest.raises(ValueError, match="already covers"):
            checkpoint(wal, upto_segment=0, keep_series=keep_below(10), mint=0)
    assert replay(tmp_path).series_refs.tolist() == [0, 2, 3, 1]


def test_damaged_segment_fails_the_checkpoint_and_changes_nothing(tmp_path):
    with WAL(tmp_path, fsync=FsyncPolicy.NEVER) as wal:
        fill(wal)
        seg0 = tmp_path / "00000000"
        data = bytearray(seg0.read_bytes())
        data[-1] ^= 1
        seg0.write_bytes(bytes(data))
        with pytest.raises(WALCorruptionError, match="00000000"):
            checkpoint(wal, upto_segment=1, keep_series=keep_below(10), mint=0)
        assert seg0.read_bytes() == bytes(data)
        assert wal.segments() == [0, 1, 2]
    assert not list(tmp_path.glob("checkpoint*"))


def test_leftover_tmp_checkpoint_is_removed_by_replay(tmp_path, caplog):
    with WAL(tmp_path) as wal:
        fill(wal)
    tmp = tmp_path / "checkpoint.00000001.tmp"
    tmp.mkdir()
    (tmp / "00000000").write_bytes(b"half a checkpoint")
    got = replay(tmp_path)
    assert not tmp.exists()
    assert len(got.ts) == 16 and got.corruption is None
    assert "unfinished WAL checkpoint" in caplog.text


def test_empty_checkpoint_directory_is_ignored_with_a_warning(tmp_path, caplog):
    with WAL(tmp_path) as wal:
        fill(wal)
        checkpoint(wal, upto_segment=1, keep_series=keep_below(10), mint=0)
    cp = tmp_path / "checkpoint.00000001"
    for f in cp.iterdir():
        f.unlink()
    got = replay(tmp_path)
    assert got.ts.tolist() == [3000] * 4
    assert "holds no segments" in caplog.text


def test_damaged_checkpoint_keeps_its_intact_part_and_the_segments_after(tmp_path, caplog):
    with WAL(tmp_path) as wal:
        fill(wal)
        checkpoint(wal, upto_segment=1, keep_series=keep_below(10), mint=0)
    seg = tmp_path / "checkpoint.00000001" / "00000000"
    with open(seg, "ab") as f:
        f.write(b"\x00" * 100)
    got = replay(tmp_path)
    assert got.ts.tolist() == [0] * 4 + [1000] * 4 + [2000] * 4 + [3000] * 4
    assert "checkpoint.00000001" in (got.corruption or "")
    assert "was damaged" in caplog.text
    assert replay(tmp_path).corruption is None
