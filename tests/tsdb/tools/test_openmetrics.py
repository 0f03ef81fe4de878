"""The backfill parser: promtool's acceptance rules, fast path == slow path, speed."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from argus.model import Labels
from argus.tsdb.tools.errors import OpenMetricsError
from argus.tsdb.tools.openmetrics import (
    GO_NAN_BITS,
    LineKind,
    parse_line,
    parse_openmetrics,
)

GOOD = b"""# HELP foo_total A counter.
# TYPE foo_total counter
# UNIT foo_seconds seconds
foo_total{a="x",b="y \\"q\\" \\\\ \\n z"} 1 1700000000.0005
foo_total{a="x",b="y \\"q\\" \\\\ \\n z"} 2 1700000015.0015
foo_total{a="z",empty=""} 1e-7 1700000000.999
foo_total{a="z"} 1234567 1700000015 # {trace_id="abc"} 1 1700000015
bar NaN 1700000000
bar +Inf 1700000010
bar -Inf 1700000020
bar 1027.5 1.70000003e9
esc{v="\\t # {x} ok"} 0.5 -1.5
# EOF
"""


def test_parses_promtool_example():
    p = parse_openmetrics(GOOD)
    assert p.labels == [
        Labels.of(__name__="foo_total", a="x", b='y "q" \\ \n z'),
        Labels.of(__name__="foo_total", a="z"),
        Labels.of(__name__="bar"),
        Labels.of(__name__="esc", v="\\t # {x} ok"),
    ]
    assert p.sids.tolist() == [0, 0, 1, 1, 2, 2, 2, 2, 3]
    # int64(ts * 1000): truncation of the float product, as Prometheus does.
    assert p.ts.tolist() == [
        1700000000000,
        1700000015001,
        1700000000999,
        1700000015000,
        1700000000000,
        1700000010000,
        1700000020000,
        1700000030000,
        -1500,
    ]
    assert p.values[:4].tolist() == [1.0, 2.0, 1e-7, 1234567.0]
    assert p.values.view(np.uint64)[4] == GO_NAN_BITS
    assert p.values[5:8].tolist() == [math.inf, -math.inf, 1027.5]
    assert p.num_lines == 13
    assert p.line_of(np.arange(9)).tolist() == [4, 5, 6, 7, 8, 9, 10, 11, 12]


def test_eof_without_trailing_newline_and_empty_file_series():
    p = parse_openmetrics(b"a 1 1\n# EOF")
    assert p.ts.tolist() == [1000]
    p = parse_openmetrics(b"# EOF\n")
    assert len(p) == 0 and p.labels == []


BAD = [
    ("blank-line", b"a 1 1\n\na 2 2\n# EOF\n", 2, "empty line"),
    ("plain-comment", b"a 1 1\n# comment\n# EOF\n", 2, "comments are allowed"),
    ("no-eof", b"a 1 1\n", 1, "does not end with # EOF"),
    ("data-after-eof", b"a 1 1\n# EOF\nx", 3, "unexpected data after # EOF"),
    ("blank-after-eof", b"a 1 1\n# EOF\n\n", 3, "unexpected data after # EOF"),
    ("no-timestamp", b"a 1\n# EOF\n", 1, "expected a timestamp"),
    ("no-timestamp-exemplar", b'a_total 1 # {x="y"} 1\n# EOF\n', 1, "expected a timestamp"),
    ("duplicate-label", b'a{x="1",x="2"} 1 1\n# EOF\n', 1, 'label name "x" is not unique'),
    ("name-label-twice", b'a{__name__="b"} 1 1\n# EOF\n', 1, "not unique"),
    ("trailing-comma", b'a{x="1",} 1 1\n# EOF\n', 1, "expected a label name after ','"),
    ("leading-comma", b'a{,x="1"} 1 1\n# EOF\n', 1, "got ','"),
    ("no-comma", b'a{x="1" y="2"} 1 1\n# EOF\n', 1, "expected ','"),
    ("unquoted-value", b"a{x=1} 1 1\n# EOF\n", 1, "double-quoted"),
    ("unterminated-value", b'a{x="1} 1 1\n# EOF\n', 1, "double-quoted"),
    ("unterminated-labels", b'a{x="1" 1 1\n# EOF\n', 1, "expected ','"),
    ("two-spaces", b"a  1 1\n# EOF\n", 1, "expected a value"),
    ("trailing-space", b"a 1 1 \n# EOF\n", 1, "expected the end of the line"),
    ("crlf", b"a 1 1\r\n# EOF\n", 1, "invalid timestamp"),
    ("underscore", b"a 1_0 1\n# EOF\n", 1, "unsupported character"),
    ("hex", b"a 0x1 1\n# EOF\n", 1, "invalid value"),
    ("hex-p", b"a 0x1p3 1\n# EOF\n", 1, "unsupported character"),
    ("overflow", b"a 1e400 1\n# EOF\n", 1, "out of range"),
    ("signed-nan", b"a +nan 1\n# EOF\n", 1, "invalid value"),
    ("inf-timestamp", b"a 1 inf\n# EOF\n", 1, "invalid timestamp"),
    ("nan-timestamp", b"a 1 NaN\n# EOF\n", 1, "invalid timestamp"),
    ("huge-timestamp", b"a 1 1e16\n# EOF\n", 1, "out of range"),
    ("bad-type", b"# TYPE a foo\na 1 1\n# EOF\n", 1, 'invalid metric type "foo"'),
    ("unit-suffix", b"# UNIT a_seconds bytes\na 1 1\n# EOF\n", 1, "not a suffix"),
    ("help-no-text", b"# HELP a\na 1 1\n# EOF\n", 1, "expected text"),
    ("exemplar-on-gauge", b'a 1 1 # {x="y"} 1\n# EOF\n', 1, "does not support exemplars"),
    ("exemplar-no-value", b'a_total 1 1 # {x="y"}\n# EOF\n', 1, "expected a value after"),
    ("garbage-after-ts", b"a 1 1 x\n# EOF\n", 1, "expected the end of the line"),
    ("quoted-name", b'{"a.b"} 1 1\n# EOF\n', 1, "quoted names are not supported"),
    ("space-start", b" a 1 1\n# EOF\n", 1, "expected a metric name"),
    ("hash-no-space", b"#x\n# EOF\n", 1, "followed by a space"),
    ("bad-utf8", b'a{b="\xff"} 1 1\n# EOF\n', 1, "invalid UTF-8"),
    ("eof-suffix", b"a 1 1\n# EOFx\n", 2, "unexpected data after # EOF"),
]


@pytest.mark.parametrize(("data", "line", "message"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_rejects_what_promtool_rejects(data, line, message):
    with pytest.raises(OpenMetricsError) as info:
        parse_openmetrics(data)
    assert info.value.line == line
    assert message in info.value.message


def test_reports_the_first_error_in_the_file():
    # Line 3 has a bad value on an already cached series; line 4 a bad new series.
    data = b"a 1 1\na 2 2\na x 3\nb{ 1 1\n# EOF\n"
    with pytest.raises(OpenMetricsError, match="line 3: invalid value") as info:
        parse_openmetrics(data)
    assert info.value.line == 3


def test_error_line_numbers_across_chunks():
    lines = [f"a {i} {i}" for i in range(1000)]
    lines[777] = "a 1 nope"
    data = ("\n".join(lines) + "\n# EOF\n").encode()
    with pytest.raises(OpenMetricsError) as info:
        parse_openmetrics(data, chunk_bytes=100)
    assert info.value.line == 778


def test_parse_line_kinds():
    assert parse_line(b"# EOF").kind == LineKind.EOF
    assert parse_line(b"# HELP a some help").kind == LineKind.META
    parsed = parse_line(b'a_bucket{le="+Inf"} 3 1.5 # {id="x"} 1 2')
    assert parsed.kind == LineKind.SAMPLE
    assert parsed.series == b'a_bucket{le="+Inf"}'
    assert parsed.value == b"3" and parsed.timestamp == b"1.5"


def _reference(data: bytes) -> tuple[list[Labels], list[int], list[int]]:
    """Every line through the slow path: labels, ts (ms) and value bits per sample."""
    labels, ts, bits = [], [], []
    for line in data.split(b"\n")[:-2]:
        parsed = parse_line(line)
        if parsed.kind != LineKind.SAMPLE:
            continue
        labels.append(parsed.labels)
        ts.append(int(float(parsed.timestamp) * 1000))
        v = float(parsed.value)
        bits.append(GO_NAN_BITS if math.isnan(v) else struct.unpack("<Q", struct.pack("<d", v))[0])
    return labels, ts, bits


_label_value = st.text(alphabet=st.sampled_from(list('ab "\\\n#{},=é')), max_size=6)
_value = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["NaN", "+Inf", "-Inf", "1e-07", "0.25", "1.", ".5", "-0"]),
)
_ts = st.one_of(
    st.integers(0, 2 * 10**9).map(str),
    st.floats(0, 2e9, allow_nan=False).map(repr),
    st.sampled_from(["1.0005", "1700000000.123", "1.5e3"]),
)


def _esc(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    series = draw(
        st.lists(
            st.tuples(st.sampled_from(["a", "b_total", "c:d"]), _label_value, _label_value),
            min_size=1,
            max_size=5,
        )
    )
    lines = []
    for _ in range(draw(st.integers(1, 40))):
        name, x, y = draw(st.sampled_from(series))
        if draw(st.booleans()):
            lines.append(f"# HELP {name} h")
        text = f'{name}{{x="{_esc(x)}",y="{_esc(y)}"}} {draw(_value)} {draw(_ts)}'
        if name == "b_total" and draw(st.booleans()):
            text += ' # {t="1"} 2'
        lines.append(text)
    return ("\n".join(lines) + "\n# EOF\n").encode()


@settings(max_examples=150, deadline=None)
@given(data=_files(), chunk=st.sampled_from([16, 64, 1 << 20]))
def test_fast_path_matches_line_by_line_parse(data, chunk):
    p = parse_openmetrics(data, chunk_bytes=chunk)
    labels, ts, bits = _reference(data)
    assert [p.labels[i] for i in p.sids.tolist()] == labels
    assert p.ts.tolist() == ts
    assert p.values.view(np.uint64).tolist() == bits


def test_speed_is_reported(tmp_path, record_property):
    from tests.tsdb.tools import omgen

    path = tmp_path / "in.om"
    n = omgen.write(str(path), hours=2, cpus=8)
    import time

    data = path.read_bytes()
    start = time.perf_counter()
    parsed = parse_openmetrics(data)
    elapsed = time.perf_counter() - start
    record_property("lines_per_second", n / elapsed)
    assert len(parsed) > 0.99 * n
