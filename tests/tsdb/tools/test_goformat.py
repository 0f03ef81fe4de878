"""Go's number, quote, duration and size formats, checked against real Go output."""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argus.tsdb.tools.goformat import (
    format_base2_bytes,
    format_go_duration,
    format_go_float,
    format_go_floats,
    format_go_time_utc,
    go_quote,
)

GOLDEN = Path(__file__).parent / "testdata" / "go_floats.txt"
"""``repr(v)`` and what promtool 2.42 (Go 1.19 ``%g``) printed for it in ``tsdb dump``."""

KNOWN = [
    (1e-07, "1e-07"),
    (1234567.0, "1.234567e+06"),
    (1027.5, "1027.5"),
    (math.nan, "NaN"),
    (math.inf, "+Inf"),
    (-math.inf, "-Inf"),
    (0.0, "0"),
    (-0.0, "-0"),
    (100000.0, "100000"),
    (1e6, "1e+06"),
    (999999.0, "999999"),
    (0.0001, "0.0001"),
    (0.00001, "1e-05"),
    (123456.7, "123456.7"),
    (1234567.5, "1.2345675e+06"),
    (1e21, "1e+21"),
    (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
    (0.1 + 0.2, "0.30000000000000004"),
    (-42.0, "-42"),
    (2.0**53, "9.007199254740992e+15"),
    (1e100, "1e+100"),
]


@pytest.mark.parametrize(("value", "expected"), KNOWN, ids=[k[1] for k in KNOWN])
def test_known_go_outputs(value, expected):
    assert format_go_float(value) == expected
    assert format_go_floats(np.array([value, 1.0]))[0] == expected


def test_golden_file_from_promtool():
    rows = [line.split() for line in GOLDEN.read_text().splitlines()]
    assert len(rows) > 2000
    values = np.array([float(r[0]) for r in rows])
    assert format_go_floats(values) == [r[1] for r in rows]


def _reference(v: float) -> str:
    """Go's %g from first principles: shortest digits (Python's repr finds the same
    ones) as a Decimal, then Go's layout rule, written independently of the module."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    sign, digits, exponent = Decimal(repr(v)).normalize().as_tuple()
    assert isinstance(exponent, int)
    text = "".join(map(str, digits))
    if text == "0":
        return "-0" if math.copysign(1, v) < 0 else "0"
    exp10 = len(text) - 1 + exponent  # Position of the first digit.
    neg = "-" if sign else ""
    if exp10 < -4 or exp10 >= 6:
        mant = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{neg}{mant}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if exp10 >= len(text) - 1:
        return neg + text + "0" * (exp10 - len(text) + 1)
    if exp10 >= 0:
        return neg + text[: exp10 + 1] + "." + text[exp10 + 1 :]
    return neg + "0." + "0" * (-exp10 - 1) + text


@settings(max_examples=2000, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_matches_reference_for_any_float(v):
    assert format_go_float(v) == _reference(v)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(),
            st.integers(-(10**17), 10**17).map(float),
            st.integers(-(10**7), 10**7).map(lambda i: i / 100),
        ),
        max_size=50,
    )
)
def test_vectorised_matches_scalar(values):
    assert format_go_floats(np.array(values, dtype=np.float64)) == [_reference(v) for v in values]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("plain", '"plain"'),
        ('q"b\\', '"q\\"b\\\\"'),
        ("tab\there\n", '"tab\\there\\n"'),
        ("bell\x07\x01\x7f", '"bell\\a\\x01\\x7f"'),
        ("héllo ✓", '"héllo ✓"'),
        ("nbsp\u00a0zw\u200b", '"nbsp\\u00a0zw\\u200b"'),
        ("\U000e0001", '"\\U000e0001"'),
    ],
    ids=["plain", "quote-backslash", "tab-newline", "control", "unicode", "u-escapes", "U"],
)
def test_go_quote(value, expected):
    assert go_quote(value) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (0, "0s"),
        (1, "1ms"),
        (999, "999ms"),
        (1000, "1s"),
        (30_001, "30.001s"),
        (30_010, "30.01s"),
        (60_000, "1m0s"),
        (7_200_000, "2h0m0s"),
        (6_390_001, "1h46m30.001s"),
        (7_185_058, "1h59m45.058s"),
        (780_001, "13m0.001s"),
    ],
)
def test_go_duration(ms, expected):
    assert format_go_duration(ms) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0B"), (879, "879B"), (1024, "1KiB"), (1536, "1KiB512B"), (3 * 2**20 + 5, "3MiB5B")],
)
def test_base2_bytes(n, expected):
    assert format_base2_bytes(n) == expected


def test_go_time_utc():
    assert format_go_time_utc(1700000030001) == "2023-11-14 22:13:50 +0000 UTC"
    assert format_go_time_utc(0) == "1970-01-01 00:00:00 +0000 UTC"
