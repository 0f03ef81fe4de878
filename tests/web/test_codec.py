"""Value, timestamp and envelope encoding, against Go's formatting."""

from __future__ import annotations

import math

import numpy as np
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from argus.model import Labels
from argus.promql import Matrix, Result, Scalar, String, Vector
from argus.web.api.v1.codec import (
    encode_error,
    encode_query_data,
    encode_success,
    format_go_float,
    format_sample_value,
    format_timestamps,
    format_values,
)

# (value, strconv.FormatFloat(v, 'f', -1, 64), MarshalFloat, FormatFloat(v, 'g', -1, 64))
GO = [
    (1.0, "1", "1", "1"),
    (0.1, "0.1", "0.1", "0.1"),
    (-2.5, "-2.5", "-2.5", "-2.5"),
    (1e-6, "0.000001", "0.000001", "1e-06"),
    (9.99e-7, "0.000000999", "9.99e-07", "9.99e-07"),
    (1e-4, "0.0001", "0.0001", "0.0001"),
    (1e-5, "0.00001", "0.00001", "1e-05"),
    (123456.0, "123456", "123456", "123456"),
    (1234567.0, "1234567", "1234567", "1.234567e+06"),
    (1e20, "100000000000000000000", "100000000000000000000", "1e+20"),
    (1e21, "1000000000000000000000", "1e+21", "1e+21"),
    (123456789012345678.0, "123456789012345680", "123456789012345680", "1.2345678901234568e+17"),
    (0.30000000000000004, "0.30000000000000004", "0.30000000000000004", "0.30000000000000004"),
    (-0.0, "-0", "-0", "-0"),
    (0.0, "0", "0", "0"),
    (math.nan, "NaN", "NaN", "NaN"),
    (math.inf, "+Inf", "+Inf", "+Inf"),
    (-math.inf, "-Inf", "-Inf", "-Inf"),
    (5e-324, "0." + "0" * 323 + "5", "5e-324", "5e-324"),
    (
        1.7976931348623157e308,
        "17976931348623157" + "0" * 292,
        "1.7976931348623157e+308",
        "1.7976931348623157e+308",
    ),
]


@pytest.mark.parametrize(("v", "f", "point", "g"), GO, ids=[repr(c[0]) for c in GO])
def test_go_float_formats(v: float, f: str, point: str, g: str) -> None:
    assert format_go_float(v, "f") == f
    assert format_sample_value(v) == point
    assert format_go_float(v, "g") == g


def test_vectorised_values_match_scalar_path() -> None:
    values = np.array([c[0] for c in GO] + [10.0, 100.5, 1e15, 1.5e15, 2.5e-7, 7e-5])
    assert format_values(values) == [format_sample_value(v).encode() for v in values.tolist()]


@given(hnp.arrays(np.float64, st.integers(0, 50), elements=st.floats(width=64)))
def test_vectorised_values_property(values: np.ndarray) -> None:
    assert format_values(values) == [format_sample_value(v).encode() for v in values.tolist()]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_f_format_round_trips(v: float) -> None:
    assert float(format_go_float(v, "f")) == v
    assert float(format_sample_value(v)) == v


def test_timestamps() -> None:
    ts = np.array([0, 1500, -1500, 1001, -1, 1_795_596_675_292, 1010], dtype=np.int64)
    assert format_timestamps(ts) == [
        b"0",
        b"1.500",
        b"-1.500",
        b"1.001",
        b"-0.001",
        b"1795596675.292",
        b"1.010",
    ]


def test_query_data_shapes() -> None:
    lb = [Labels.of(__name__="up", job="a"), Labels.of(job="b")]
    vec = Vector(lb, np.array([1.0, 0.5]), 1500)
    assert orjson.loads(encode_query_data(Result(vec))) == {
        "resultType": "vector",
        "result": [
            {"metric": {"__name__": "up", "job": "a"}, "value": [1.5, "1"]},
            {"metric": {"job": "b"}, "value": [1.5, "0.5"]},
        ],
    }
    present = np.array([[True, False, True], [False, False, False], [False, True, False]])
    mat = Matrix(
        [*lb, Labels.of(job="c")],
        np.array([1000, 2000, 3000]),
        np.arange(9.0).reshape(3, 3),
        present,
    )
    assert encode_query_data(Result(mat)) == (
        b'{"resultType":"matrix","result":['
        b'{"metric":{"__name__":"up","job":"a"},"values":[[1,"0"],[3,"2"]]},'
        b'{"metric":{"job":"c"},"values":[[2,"7"]]}]}'
    )
    assert encode_query_data(Result(Scalar(1e-7, 2500))) == (
        b'{"resultType":"scalar","result":[2.5,"0.0000001"]}'
    )
    assert encode_query_data(Result(String("x", 3000))) == (
        b'{"resultType":"string","result":[3,"x"]}'
    )
    empty = Matrix([], np.zeros(0, np.int64), np.zeros((0, 0)), np.zeros((0, 0), bool))
    assert encode_query_data(Result(empty)) == b'{"resultType":"matrix","result":[]}'


def test_envelopes_escape_like_go() -> None:
    assert encode_success(["a<b"], ["w&"], ["i>"]) == (
        b'{"status":"success","data":["a\\u003cb"],"warnings":["w\\u0026"],"infos":["i\\u003e"]}'
    )
    assert encode_error("bad_data", "x") == (
        b'{"status":"error","errorType":"bad_data","error":"x"}'
    )
    assert encode_success(None) == b'{"status":"success"}'


def test_annotations_are_deduplicated_and_capped() -> None:
    from argus.web.api.v1.respond import cap_annotations

    assert cap_annotations(["a", "b", "a"], "info") == ["a", "b"]
    many = [f"w{i}" for i in range(13)]
    assert cap_annotations(many, "warning") == [
        *many[:10],
        "3 more warning annotations omitted",
    ]
