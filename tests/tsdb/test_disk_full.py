"""A full disk: writes fail with a clear error, nothing acknowledged is lost, the DB
keeps serving, and it takes writes again once there is room.

The disk is real: a 3 MiB tmpfs the test mounts (root is needed; elsewhere it skips).
"""

from __future__ import annotations

import logging
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from argus.model import Labels, Matcher
from argus.storage import StorageError
from argus.tsdb import DB, DBOptions


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "fs"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)],
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_disk_loses_nothing_acknowledged(small_fs: Path, caplog: pytest.LogCaptureFixture):
    filler = small_fs / "filler"
    filler.write_bytes(b"\0" * (1024 * 1024))
    db = DB.open(small_fs / "data", DBOptions(seal_samples=20_000))
    series = [Labels.of(__name__="m", i=str(i)) for i in range(1000)]
    rng = np.random.default_rng(3)
    acked: list[tuple[int, np.ndarray]] = []
    error = None
    try:
        app = db.appender()
        refs = app.series_refs(series)
        for step in range(10_000):
            vals = rng.random(len(series))  # full-precision floats: incompressible
            app.append(refs, np.full(len(series), step * 15_000, dtype=np.int64), vals)
            try:
                app.commit()
            except StorageError as exc:
                error = exc
                break
            acked.append((step * 15_000, vals))
        assert error is not None, "the disk never filled up"
        assert "No space left on device" in str(error.__cause__) or "space" in str(error)
        # Background work fails on the full disk too, and says so without raising.
        with caplog.at_level(logging.ERROR):
            db.maintain(force_cut=True)
        q = db.querier(0, 10**12)
        got = q.select([Matcher.equal("__name__", "m")])
        assert len(got) == 1000
        assert got.counts().tolist() == [len(acked)] * 1000
        # Room again: writes go through.
        filler.unlink()
        app.append(refs, np.full(len(series), 10**9, dtype=np.int64), np.ones(len(series)))
        assert app.commit().accepted == 1000
    finally:
        db.close()
    db = DB.open(small_fs / "data")
    try:
        got = db.querier(0, 10**12).select(
            [
                Matcher.equal(
                    "__name__",
                    "m",
                )
            ]
        )
        want_ts = [t for t, _ in acked] + [10**9]
        assert got.ts[got.offsets[0] : got.offsets[1]].tolist() == want_ts
        first = np.array([v[0] for _, v in acked])
        assert np.array_equal(got.values[got.offsets[0] : got.offsets[1] - 1], first)
    finally:
        db.close()
