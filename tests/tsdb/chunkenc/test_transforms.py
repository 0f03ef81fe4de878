"""The vectorised building blocks, checked against plain per-chunk Python."""

from __future__ import annotations

import numpy as np
import pytest

from argus.tsdb.chunkenc.decimal import find_exponents, from_mantissas, to_mantissas
from argus.tsdb.chunkenc.ints import (
    pack_uints,
    segmented_cumsum,
    unpack_uints,
    zigzag_decode,
    zigzag_encode,
)
from argus.tsdb.chunkenc.specials import split_specials
from argus.tsdb.chunkenc.xor import xor_decode, xor_encode

RNG = np.random.default_rng(11)


def test_zigzag():
    x = np.array([0, -1, 1, -2, 2, 2**63 - 1, -(2**63)], dtype=np.int64)
    u = zigzag_encode(x)
    np.testing.assert_array_equal(u[:5], [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(zigzag_decode(u), x)


@pytest.mark.parametrize("top", [0, 255, 256, 2**16, 2**32, 2**64 - 1])
def test_pack_uints_narrowest_width(top):
    u = np.array([0, 1, top, 7], dtype=np.uint64)
    width, data = pack_uints(u)
    assert width == next(w for w in (1, 2, 4, 8) if top < 2 ** (8 * w))
    assert len(data) == width * u.size
    np.testing.assert_array_equal(unpack_uints(data, width, u.size), u)


def test_pack_uints_stores_byte_planes():
    width, data = pack_uints(np.array([0x0102, 0x0304], dtype=np.uint64))
    assert (width, data) == (2, bytes([0x02, 0x04, 0x01, 0x03]))


def test_segmented_cumsum():
    lens = np.array([3, 1, 4, 2])
    starts = np.r_[0, np.cumsum(lens)[:-1]]
    x = RNG.integers(-100, 100, lens.sum())
    want = np.concatenate([np.cumsum(part) for part in np.split(x, starts[1:])])
    np.testing.assert_array_equal(segmented_cumsum(x.copy(), starts), want)


def test_xor_round_trip_restarts_per_chunk():
    bits = RNG.integers(0, 2**63, 10, dtype=np.int64).view(np.uint64)
    starts = np.array([0, 4, 5])
    words = xor_encode(bits, starts)
    assert words[4] == bits[4] and words[1] == bits[1] ^ bits[0]
    np.testing.assert_array_equal(xor_decode(words.copy(), starts), bits)


@pytest.mark.parametrize(
    ("values", "exponent"),
    [
        ([1.0, 2.0, 3.0], 0),
        ([0.5, 0.25], 2),
        ([0.1, 0.2, 0.3], 1),
        ([1e6, 3e6], -6),
        ([1000.0, 2500.0], -2),
        ([0.0, 0.0], 0),
        ([1e20, 3e21], -20),
        ([12.345678901], 9),
        ([1e-15], 15),
    ],
)
def test_smallest_exact_exponent(values, exponent):
    v = np.array(values)
    cid = np.zeros(v.size, dtype=np.int64)
    exps, usable = find_exponents(v, cid, 1)
    assert usable.all() and exps.tolist() == [exponent]
    m, exact = to_mantissas(v, exps, np.array([v.size]), cid)
    assert exact.all()
    np.testing.assert_array_equal(from_mantissas(m, exps, np.array([v.size])), v)


@pytest.mark.parametrize(
    "values", [[0.1 + 0.2], [1 / 3], [1e-16], [1e300, 1.0], [2.0**53 + 2, 0.5]]
)
def test_no_decimal_form(values):
    v = np.array(values)
    cid = np.zeros(v.size, dtype=np.int64)
    exps, usable = find_exponents(v, cid, 1)
    if usable.all():
        _, exact = to_mantissas(v, exps, np.array([v.size]), cid)
        assert not exact.any()


def test_specials_take_a_neighbour_from_their_own_chunk():
    v = np.array([np.nan, 2.0, np.inf, 5.0, -0.0, np.nan, 7.0, np.nan])
    offsets = np.array([0, 3, 4, 6, 8])
    pos, bits, filled = split_specials(v, offsets)
    np.testing.assert_array_equal(pos, [0, 2, 4, 5, 7])
    np.testing.assert_array_equal(bits, v.view(np.uint64)[pos])
    np.testing.assert_array_equal(filled, [2.0, 2.0, 2.0, 5.0, 0.0, 0.0, 7.0, 7.0])
