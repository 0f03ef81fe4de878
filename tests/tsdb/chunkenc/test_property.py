"""Property: ``decode(encode(x)) == x`` bit for bit, for any CSR input."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from argus.model.values import STALE_NAN_BITS
from argus.tsdb import chunkenc
from tests.tsdb.chunkenc.conftest import assert_same

_SPECIAL_BITS = [
    STALE_NAN_BITS,
    0x7FF8000000000000,  # NaN
    0xFFF8000000000001,  # negative NaN with payload
    0x7FF0000000000001,  # signalling NaN
    0x7FF0000000000000,  # +Inf
    0xFFF0000000000000,  # -Inf
    0x8000000000000000,  # -0.0
    0x0000000000000001,  # smallest subnormal
    0x7FEFFFFFFFFFFFFF,  # largest finite
]


def _bits(x: float) -> int:
    return int(np.array([x], dtype=np.float64).view(np.uint64)[0])


# Values as uint64 bit patterns: arbitrary bits, specials, and the decimal-friendly values
# real metrics have (integers, few decimals, round numbers), so every path is exercised.
_value_bits = st.one_of(
    st.integers(0, 2**64 - 1),
    st.sampled_from(_SPECIAL_BITS),
    st.integers(-(2**60), 2**60).map(lambda i: _bits(float(i))),
    st.tuples(st.integers(-(10**9), 10**9), st.integers(0, 18)).map(
        lambda t: _bits(t[0] / 10.0 ** t[1])
    ),
    st.tuples(st.integers(-99, 99), st.integers(0, 22)).map(lambda t: _bits(t[0] * 10.0 ** t[1])),
)


@st.composite
def _chunk(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    n = draw(st.integers(0, 40))
    style = draw(st.sampled_from(["any", "const", "counter"]))
    if style == "any":
        bits = draw(st.lists(_value_bits, min_size=n, max_size=n))
    elif style == "const":
        bits = [draw(_value_bits)] * n
    else:
        start = draw(st.integers(0, 10**6))
        steps = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
        bits = [_bits(float(x)) for x in np.cumsum([start, *steps])[:n]]
    first = draw(st.integers(-(2**62), 2**62))
    gaps = draw(
        st.lists(
            st.one_of(st.just(15_000), st.integers(1, 30_000), st.integers(1, 2**50)),
            min_size=max(n - 1, 0),
            max_size=max(n - 1, 0),
        )
    )
    ts = [first + g for g in np.cumsum([0, *gaps]).tolist()][:n]
    return ts, bits


@settings(max_examples=300, deadline=None)
@given(st.lists(_chunk(), max_size=12), st.sampled_from([1, 3]))
def test_round_trip_any_input(chunks, level):
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(t) for t, _ in chunks])
    ts = np.array([t for c, _ in chunks for t in c], dtype=np.int64)
    values = np.array([b for _, c in chunks for b in c], dtype=np.uint64).view(np.float64)
    payload = chunkenc.encode(offsets, ts, values, level=level)
    assert_same(chunkenc.decode(payload), (offsets, ts, values))
    info = chunkenc.payload_info(payload)
    assert (info.num_chunks, info.num_samples) == (len(chunks), ts.size)
    if ts.size:
        assert (info.min_t, info.max_t) == (int(ts.min()), int(ts.max()))
    keep = np.flatnonzero(np.arange(len(chunks)) % 2 == 0)
    sub_off, sub_ts, sub_v = chunkenc.decode_chunks(payload, keep)
    np.testing.assert_array_equal(np.diff(sub_off), np.diff(offsets)[keep])
    parts = [np.arange(offsets[i], offsets[i + 1]) for i in keep]
    want = np.concatenate([np.zeros(0, dtype=np.int64), *parts])
    np.testing.assert_array_equal(sub_ts, ts[want])
    np.testing.assert_array_equal(sub_v.view(np.uint64), values.view(np.uint64)[want])


@settings(max_examples=200, deadline=None)
@given(st.lists(_chunk(), max_size=12), st.data())
def test_decoding_any_subset_of_chunks_equals_slicing_the_full_decode(chunks, data):
    # decode_chunks unpacks only the selected chunks' column entries (a separate code
    # path from decode): it must give exactly the full decode's slices, specials included.
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(t) for t, _ in chunks])
    ts = np.array([t for c, _ in chunks for t in c], dtype=np.int64)
    values = np.array([b for _, c in chunks for b in c], dtype=np.uint64).view(np.float64)
    payload = chunkenc.encode(offsets, ts, values)
    mask = data.draw(st.lists(st.booleans(), min_size=len(chunks), max_size=len(chunks)))
    keep = np.flatnonzero(np.array(mask, dtype=bool)).astype(np.int64)
    parts = [np.arange(offsets[i], offsets[i + 1]) for i in keep]
    want = np.concatenate([np.zeros(0, dtype=np.int64), *parts])
    want_off = np.zeros(keep.size + 1, dtype=np.int64)
    np.cumsum(np.diff(offsets)[keep], out=want_off[1:])
    assert_same(chunkenc.decode_chunks(payload, keep), (want_off, ts[want], values[want]))
