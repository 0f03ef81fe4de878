"""Bit-exact round trips of ``encode``/``decode`` over the shapes of data metrics have."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from argus.model.values import STALE_NAN
from argus.tsdb import chunkenc
from tests.tsdb.chunkenc.conftest import assert_same, csr

T0 = 1_700_000_000_000
GRID = T0 + np.arange(200, dtype=np.int64) * 15_000
RNG = np.random.default_rng(7)


def _specials_mix() -> np.ndarray:
    v = np.round(RNG.normal(50, 10, 200), 2)
    v[::17] = np.nan
    v[3::23] = STALE_NAN
    v[5::31] = np.inf
    v[7::37] = -np.inf
    v[11::41] = -0.0
    # Other NaN payloads (quiet with payload, signalling, negative) must survive too.
    v[13] = np.array([0x7FF8DEADBEEF0001], dtype=np.uint64).view(np.float64)[0]
    v[14] = np.array([0x7FF0000000000001], dtype=np.uint64).view(np.float64)[0]
    v[15] = np.array([0xFFF8000000000000], dtype=np.uint64).view(np.float64)[0]
    return v


CASES = {
    "counter": csr((GRID, np.cumsum(RNG.poisson(7, 200)).astype(float))),
    "counter-reset": csr((GRID, np.r_[np.arange(100) * 5.0, np.arange(100) * 5.0])),
    "gauge-2dec": csr((GRID, np.round(np.cumsum(RNG.integers(-9, 10, 200)) / 100 + 20, 2))),
    "constants": csr((GRID, np.zeros(200)), (GRID, np.ones(200)), (GRID, np.full(200, 1024.0))),
    "full-precision": csr((GRID, np.cumsum(RNG.random(200)))),
    "huge": csr((GRID, RNG.integers(1, 1000, 200) * 1e18), (GRID, RNG.random(200) * 1e300)),
    "max-float": csr((GRID[:3], [np.finfo(np.float64).max, -np.finfo(np.float64).max, 2.0**53])),
    "tiny": csr((GRID, RNG.random(200) * 1e-300), (GRID[:3], [5e-324, -5e-324, 1e-15])),
    "round-numbers": csr((GRID, RNG.integers(1, 9, 200) * 1e6), (GRID[:2], [1e22, 3e21])),
    "negative": csr((GRID, -np.cumsum(RNG.integers(0, 5, 200)) * 0.25)),
    "mantissa-limit": csr((GRID[:4], [2.0**53, -(2.0**53), 2.0**53 + 2, 0.1])),
    "specials": csr((GRID, _specials_mix())),
    "all-specials": csr((GRID[:4], [np.nan, STALE_NAN, -0.0, np.inf])),
    "empty-payload": csr(),
    "only-empty-chunks": csr((GRID[:0], []), (GRID[:0], [])),
    "empty-chunks-between": csr(
        (GRID[:0], []), (GRID[:5], [1, 2, 3, 4, 5]), (GRID[:0], []), (GRID[:2], [0.5, 0.25])
    ),
    "single-samples": csr(
        *[(GRID[i : i + 1], [v]) for i, v in enumerate([1.5, -0.0, 7, STALE_NAN])]
    ),
    "two-samples": csr((GRID[:2], [1.0, 2.0]), (GRID[:2], [2.0, 1.0]), (GRID[:2], [0.1, 0.3])),
    "irregular-negative-ts": csr(
        (np.cumsum(RNG.integers(1, 10**9, 200)) - 10**11, RNG.integers(-5, 5, 200).astype(float)),
        (np.array([-(2**63), -(2**62), 0, 2**62, 2**63 - 1]), [1.0, 2.0, 3.0, 4.0, 5.0]),
    ),
    "mixed-kinds": csr(
        (GRID, np.cumsum(RNG.poisson(3, 200)).astype(float)),
        (GRID, np.cumsum(RNG.random(200))),
        (GRID, np.round(RNG.normal(0, 1, 200), 3)),
        (GRID, RNG.integers(1, 9, 200) * 1000.0),
        (GRID, _specials_mix()),
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("level", [1, 3, 19])
def test_round_trip(case, level):
    payload = chunkenc.encode(*case, level=level)
    assert_same(chunkenc.decode(payload), case)


def test_ten_thousand_tiny_chunks():
    lens = RNG.integers(0, 4, 10_000)
    offsets = np.zeros(lens.size + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(lens)
    n = int(offsets[-1])
    starts = np.repeat(RNG.integers(-(10**6), 10**12, lens.size), lens)
    ts = starts + (np.arange(n) - np.repeat(offsets[:-1], lens)) * 15_000
    kinds = RNG.integers(0, 3, n)
    values = np.where(kinds == 0, RNG.integers(0, 100, n), RNG.random(n))
    values[kinds == 2] = STALE_NAN
    payload = chunkenc.encode(offsets, ts, values)
    assert_same(chunkenc.decode(payload), (offsets, ts, values))


def test_compresses_regular_data():
    n = 5_760
    ts = T0 + np.arange(n, dtype=np.int64) * 15_000
    offsets = np.array([0, n], dtype=np.int64)
    assert len(chunkenc.encode(offsets, ts, np.ones(n))) < 0.1 * n
    counter = np.cumsum(RNG.integers(0, 10, n)).astype(float)
    assert len(chunkenc.encode(offsets, ts, counter)) < 1.0 * n


def test_accepts_non_contiguous_and_other_dtypes():
    ts = (T0 + np.arange(20, dtype=np.int64) * 1000)[::2]
    values = np.arange(10, dtype=np.float32)
    payload = chunkenc.encode([0, 4, 10], ts, values)  # type: ignore[arg-type]
    assert_same(chunkenc.decode(payload), (np.array([0, 4, 10]), ts, values.astype(np.float64)))


@pytest.mark.parametrize(
    ("offsets", "n", "message"),
    [
        ([], 0, "starting at 0"),
        ([1, 2], 2, "starting at 0"),
        ([0, 3], 2, "offsets end at 3"),
        ([0, 2, 1, 2], 2, "non-decreasing"),
    ],
    ids=["no-offsets", "nonzero-start", "length-mismatch", "decreasing"],
)
def test_encode_rejects_bad_layout(offsets, n, message):
    with pytest.raises(ValueError, match=message):
        chunkenc.encode(np.array(offsets, dtype=np.int64), np.arange(n), np.zeros(n))


def test_payload_info():
    case = CASES["mixed-kinds"]
    info = chunkenc.payload_info(chunkenc.encode(*case))
    assert info == chunkenc.PayloadInfo(
        num_chunks=5, num_samples=1000, min_t=int(GRID[0]), max_t=int(GRID[-1])
    )
    ts_case = CASES["irregular-negative-ts"]
    info = chunkenc.payload_info(chunkenc.encode(*ts_case))
    assert (info.min_t, info.max_t) == (-(2**63), 2**63 - 1)
    empty = chunkenc.payload_info(chunkenc.encode(*CASES["only-empty-chunks"]))
    assert empty == chunkenc.PayloadInfo(num_chunks=2, num_samples=0, min_t=0, max_t=0)


@pytest.mark.parametrize(
    "ids", [[], [0], [2], [0, 2], [1, 3], [0, 1, 2, 3]], ids=lambda ids: str(ids)
)
def test_decode_chunks(ids):
    case = CASES["empty-chunks-between"]
    offsets, ts, values = case
    got = chunkenc.decode_chunks(chunkenc.encode(*case), np.array(ids, dtype=np.int64))
    parts = [(ts[offsets[i] : offsets[i + 1]], values[offsets[i] : offsets[i + 1]]) for i in ids]
    assert_same(got, csr(*parts))


@pytest.mark.parametrize("ids", [[4], [-1], [2, 1], [1, 1]], ids=str)
def test_decode_chunks_rejects_bad_ids(ids):
    payload = chunkenc.encode(*CASES["empty-chunks-between"])
    with pytest.raises(ValueError, match="chunk ids"):
        chunkenc.decode_chunks(payload, np.array(ids, dtype=np.int64))


def test_gather_chunks_reads_across_payloads_in_order():
    from argus.tsdb.chunkenc import encode, gather_chunks

    rng = np.random.default_rng(9)
    counts = rng.integers(1, 20, 30)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    ts = np.concatenate([np.arange(c, dtype=np.int64) * 1000 for c in counts])
    values = rng.random(len(ts))
    first = np.array([0, 10, 25, 30], dtype=np.int64)  # three payloads of 10, 15, 5 chunks
    payloads = [
        encode(
            offsets[a : b + 1] - offsets[a],
            ts[offsets[a] : offsets[b]],
            values[offsets[a] : offsets[b]],
        )
        for a, b in itertools.pairwise(first)
    ]
    fetched: list[int] = []

    def payload(g: int) -> bytes:
        fetched.append(g)
        return payloads[g]

    want = np.array([1, 9, 26, 29], dtype=np.int64)
    got_counts, got_ts, got_values = gather_chunks(payload, first, want)
    assert fetched == [0, 2]  # the middle payload holds none of them and is not read
    assert got_counts.tolist() == counts[want].tolist()
    idx = np.concatenate([np.arange(offsets[i], offsets[i + 1]) for i in want])
    assert np.array_equal(got_ts, ts[idx])
    assert np.array_equal(got_values.view(np.uint64), values[idx].view(np.uint64))
