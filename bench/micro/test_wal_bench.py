"""Throughput of ``argus.tsdb.wal``: logging sample batches and replaying them.

Input is what the head logs after a scrape: a batch of sorted series refs sharing one
timestamp (the scrape time) with gauge/counter-like float64 values, 1k or 10k samples
per batch, 10M samples in all. A second ("jittered") data set gives every sample its
own timestamp within a 15 s window, so the timestamp column cannot be elided.

Prints M samples/s, MB/s of WAL bytes and bytes/sample (best of 3, one core) for:
``log_samples`` under each fsync policy, the record encodings compared (narrowed refs
and timestamps vs. raw 24-byte samples; ``pwritev`` of the pieces vs. ``tobytes`` +
join + ``os.write``), and ``replay``. No timing asserts: run with ``pytest -m slow -s``.
"""

from __future__ import annotations

import os
import shutil
import struct
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from argus.model import Float64Array, Int64Array
from argus.tsdb.wal import WAL, FsyncPolicy, replay
from argus.tsdb.wal.record import RecordType, encode_samples

TOTAL = 10_000_000
T0 = 1_700_000_000_000


def make_batches(
    size: int, *, jitter: bool, seed: int = 0
) -> list[tuple[Int64Array, Int64Array, Float64Array]]:
    rng = np.random.default_rng(seed)
    out = []
    n_batches = TOTAL // size
    series = 50_000
    for b in range(n_batches):
        start = (b * size) % series
        refs = (np.arange(size, dtype=np.int64) + start) % series
        refs.sort()
        if jitter:
            ts = T0 + b * 15_000 + rng.integers(0, 15_000, size)
        else:
            ts = np.full(size, T0 + b * 15_000, dtype=np.int64)
        values = np.round(rng.normal(100.0, 20.0, size), 2)
        out.append((refs, ts.astype(np.int64), values))
        if b == 63:  # reuse 64 distinct batches to keep memory small
            break
    return [out[i % len(out)] for i in range(n_batches)]


def best_of(k: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(k))


def _report(label: str, samples: int, nbytes: int, seconds: float) -> None:
    print(
        f"  {label:<44} {samples / seconds / 1e6:7.1f} M samples/s "
        f"{nbytes / seconds / 1e6:7.0f} MB/s {nbytes / samples:5.1f} B/sample"
    )


def _wal_bytes(d: Path) -> int:
    return sum(p.stat().st_size for p in d.rglob("*") if p.is_file())


@pytest.mark.slow
@pytest.mark.parametrize("size", [1_000, 10_000])
@pytest.mark.parametrize("jitter", [False, True], ids=["scrape", "jittered"])
def test_log_samples_throughput(tmp_path, size, jitter):
    batches = make_batches(size, jitter=jitter)
    print(f"\nlog_samples, batches of {size}, {'jittered' if jitter else 'scrape'} timestamps")
    for policy in (FsyncPolicy.INTERVAL, FsyncPolicy.NEVER):
        nbytes = 0

        def run(policy: FsyncPolicy = policy) -> float:
            nonlocal nbytes
            d = tmp_path / "wal"
            shutil.rmtree(d, ignore_errors=True)
            wal = WAL(d, fsync=policy)
            t = time.perf_counter()
            for b in batches:
                wal.log_samples(*b)
            wal.close()
            dt = time.perf_counter() - t
            nbytes = _wal_bytes(d)
            return dt

        dt = best_of(3, run)
        _report(policy.value, TOTAL, nbytes, dt)
    # ALWAYS: an fdatasync per record; a short run is enough.
    d = tmp_path / "always"
    wal = WAL(d, fsync=FsyncPolicy.ALWAYS)
    few = batches[:200]
    t = time.perf_counter()
    for b in few:
        wal.log_samples(*b)
    dt = time.perf_counter() - t
    wal.close()
    _report("always (200 records)", size * len(few), _wal_bytes(d), dt)


def _encode_raw(refs: Int64Array, ts: Int64Array, values: Float64Array) -> list[bytes]:
    """Baseline: no narrowing, every sample 24 bytes, one joined bytes object."""
    payload = struct.pack("<Iq", len(refs), 0) + refs.tobytes() + ts.tobytes() + values.tobytes()
    head8 = struct.pack("<BBHI", RecordType.SAMPLES, 0, 0, len(payload))
    return [head8 + struct.pack("<I", zlib.crc32(payload, zlib.crc32(head8))) + payload]


@pytest.mark.slow
@pytest.mark.parametrize("size", [1_000, 10_000])
def test_encoding_choices(tmp_path, size):
    """Is narrowing worth it, and is pwritev of pieces better than join + write?"""
    print(f"\nrecord encodings, batches of {size} (encode + write, no WAL lock/rotation)")
    for jitter in (False, True):
        batches = make_batches(size, jitter=jitter)
        for name, encode, gather in (
            ("narrow + pwritev (shipped)", encode_samples, True),
            ("narrow + join + write", encode_samples, False),
            ("raw 24 B + join + write", _encode_raw, False),
        ):
            nbytes = 0

            def run(
                encode: Callable[..., list[Any]] = encode,
                gather: bool = gather,
                batches: list[tuple[Int64Array, Int64Array, Float64Array]] = batches,
            ) -> float:
                nonlocal nbytes
                path = tmp_path / "seg"
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                pos = 0
                t = time.perf_counter()
                for b in batches:
                    parts = encode(*b)
                    if gather:
                        pos += os.pwritev(fd, parts, pos)
                    else:
                        pos += os.write(fd, b"".join(parts))
                dt = time.perf_counter() - t
                os.close(fd)
                nbytes = pos
                return dt

            dt = best_of(3, run)
            _report(f"{name} [{'jittered' if jitter else 'scrape'}]", TOTAL, nbytes, dt)


@pytest.mark.slow
@pytest.mark.parametrize("size", [1_000, 10_000])
@pytest.mark.parametrize("jitter", [False, True], ids=["scrape", "jittered"])
def test_replay_throughput(tmp_path, size, jitter):
    d = tmp_path / "wal"
    with WAL(d, fsync=FsyncPolicy.NEVER) as wal:
        for b in make_batches(size, jitter=jitter):
            wal.log_samples(*b)
    nbytes = _wal_bytes(d)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        got = replay(d)
        times.append(time.perf_counter() - t)
        assert len(got.refs) == TOTAL
        assert got.corruption is None
        del got
    kind = "jittered" if jitter else "scrape"
    print(f"\nreplay, batches of {size}, {kind} timestamps, {nbytes / 1e6:.0f} MB in page cache")
    _report("first run", TOTAL, nbytes, times[0])
    _report("best of 3", TOTAL, nbytes, min(times))
