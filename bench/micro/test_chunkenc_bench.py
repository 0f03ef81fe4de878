"""Size and speed of ``argus.tsdb.chunkenc`` on the data of research §3.

400 series x 5,760 samples (one day at 15 s; 2% of timestamps are 1-20 ms early or late)
of four kinds: integer counters, two-decimal gauges, constants and full-precision floats.
Each series is cut into chunks of 120, 480 or 5,760 samples; the chunks of one time range
are grouped into payloads of 256 chunks (how a block writes them), and every payload is
encoded and decoded. Prints bytes/sample, encode and decode M samples/s (best of 3, one
core), and the bit-exact size of Prometheus's Gorilla XOR chunks (120 samples each) on the
same data as a reference. No timing asserts: run with ``pytest -m slow -s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

from argus.tsdb import chunkenc

SERIES = 400
SAMPLES = 5_760
SCRAPE_MS = 15_000
PAYLOAD_CHUNKS = 256
KINDS = ("counter", "gauge2dec", "constant", "float")


def make_series(kind: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(ts: int64[SERIES, SAMPLES] ms, values: float64[SERIES, SAMPLES])`` of one kind."""
    rng = np.random.default_rng(seed)
    base = 1_700_000_000_000 + rng.integers(0, SCRAPE_MS, size=(SERIES, 1))
    ts = base + np.arange(SAMPLES, dtype=np.int64) * SCRAPE_MS
    jitter = rng.random((SERIES, SAMPLES)) < 0.02
    ts = ts + np.where(jitter, rng.integers(1, 21, ts.shape) * rng.choice([-1, 1], ts.shape), 0)
    if kind == "counter":
        lam = rng.uniform(0.5, 20.0, size=(SERIES, 1))
        values = np.cumsum(rng.poisson(np.broadcast_to(lam, ts.shape)), axis=1).astype(float)
    elif kind == "gauge2dec":
        start = rng.integers(0, 100_000, size=(SERIES, 1))
        steps = np.rint(rng.normal(0.0, 8.0, ts.shape)).astype(np.int64)
        values = np.round((start + np.cumsum(steps, axis=1)) / 100.0, 2)
    elif kind == "constant":
        values = np.broadcast_to(rng.choice([0.0, 1.0, 4.0, 1024.0], size=(SERIES, 1)), ts.shape)
    elif kind == "float":
        values = np.cumsum(rng.uniform(0.0, 0.25, ts.shape), axis=1)
    else:
        raise ValueError(kind)
    return ts.astype(np.int64), np.ascontiguousarray(values, dtype=np.float64)


def make_payload_inputs(
    ts: np.ndarray, values: np.ndarray, chunk_len: int
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """CSR inputs of every payload: per time range, up to 256 series' chunks each."""
    out = []
    for lo in range(0, SAMPLES, chunk_len):
        hi = min(lo + chunk_len, SAMPLES)
        for s0 in range(0, SERIES, PAYLOAD_CHUNKS):
            t = ts[s0 : s0 + PAYLOAD_CHUNKS, lo:hi]
            v = values[s0 : s0 + PAYLOAD_CHUNKS, lo:hi]
            offsets = np.arange(t.shape[0] + 1, dtype=np.int64) * (hi - lo)
            out.append((offsets, t.ravel().copy(), v.ravel().copy()))
    return out


def _best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def gorilla_bits(ts: np.ndarray, values: np.ndarray) -> int:
    """Bit-exact size of one Prometheus XOR chunk (tsdb/chunkenc/xor.go) in bits.

    Header: 2-byte sample count. Sample 0: varint ts + 64-bit value. Sample 1: uvarint
    delta + XOR-coded value. Then dod in the 1/14/17/20/64-bit buckets (with 1-4 prefix
    bits) and XOR values with leading/trailing-zero window reuse (5-bit leading count,
    6-bit significant count). Vectorised over the chunk's samples.
    """
    n = ts.size

    def varint_bits(x: int, signed: bool) -> int:
        u = (x << 1) ^ (x >> 63) if signed else x
        nbytes = 1
        while u >= 0x80:
            u >>= 7
            nbytes += 1
        return 8 * nbytes

    bits = 16 + varint_bits(int(ts[0]), True) + 64
    if n == 1:
        return bits
    bits += varint_bits(int(ts[1] - ts[0]), False)
    dod = np.diff(ts, n=2)
    bucket = np.full(dod.shape, 4 + 64)
    for lim, cost in ((524_288, 4 + 20), (65_536, 3 + 17), (8_192, 2 + 14), (0, 1)):
        bucket[(dod >= 1 - lim) & (dod <= lim) if lim else dod == 0] = cost
    bits += int(bucket.sum())
    # Values: XOR with the previous value; window reuse is sequential, so walk it.
    x = values.view(np.uint64)
    xr = np.bitwise_xor(x[1:], x[:-1])
    lead_tab = [64 - int(w).bit_length() if w else 64 for w in xr.tolist()]
    trail_tab = [(int(w) & -int(w)).bit_length() - 1 if w else 64 for w in xr.tolist()]
    lead_w, trail_w = 0xFF, 0
    for w, lead, trail in zip(xr.tolist(), lead_tab, trail_tab, strict=True):
        if w == 0:
            bits += 1
            continue
        lead = min(lead, 31)
        if lead_w != 0xFF and lead >= lead_w and trail >= trail_w:
            bits += 2 + (64 - lead_w - trail_w)
        else:
            lead_w, trail_w = lead, trail
            bits += 2 + 5 + 6 + (64 - lead - trail)
    return bits


def gorilla_bytes_per_sample(ts: np.ndarray, values: np.ndarray) -> float:
    total_bits = 0
    for s in range(ts.shape[0]):
        for lo in range(0, SAMPLES, 120):
            total_bits += (
                (gorilla_bits(ts[s, lo : lo + 120], values[s, lo : lo + 120]) + 7) // 8 * 8
            )
    return total_bits / 8 / ts.size


@pytest.mark.slow
@pytest.mark.parametrize("chunk_len", [120, 480, 5_760])
@pytest.mark.parametrize("kind", KINDS)
def test_size_and_speed(kind: str, chunk_len: int) -> None:
    ts, values = make_series(kind)
    inputs = make_payload_inputs(ts, values, chunk_len)
    payloads = [chunkenc.encode(*args) for args in inputs]
    for args, payload in zip(inputs, payloads, strict=True):
        off, t, v = chunkenc.decode(payload)
        assert (off == args[0]).all()
        assert (t == args[1]).all()
        assert (v.view(np.uint64) == args[2].view(np.uint64)).all()
    size = sum(len(p) for p in payloads)
    enc_s = _best_of(lambda: [chunkenc.encode(*args) for args in inputs])
    dec_s = _best_of(lambda: [chunkenc.decode(p) for p in payloads])
    print(
        f"\nchunkenc {kind:10s} chunk={chunk_len:5d} payloads={len(payloads):3d}: "
        f"{size / ts.size:6.3f} B/sample, encode {ts.size / enc_s / 1e6:5.1f} M samples/s, "
        f"decode {ts.size / dec_s / 1e6:5.1f} M samples/s"
    )


@pytest.mark.slow
@pytest.mark.parametrize("kind", KINDS)
def test_gorilla_reference(kind: str) -> None:
    ts, values = make_series(kind)
    print(
        f"\ngorilla  {kind:10s} chunk=  120: {gorilla_bytes_per_sample(ts, values):6.3f} B/sample"
    )
