"""Property tests: the parsers never crash, and the cache never changes an answer.

Random and mutated bodies must produce either a result or a :class:`ParseError` with
a line number inside the body. A parser warmed on the original body (so most lines
take the fast path) must agree with a cold parser (every line on the slow path).
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from argus.scrape.parse import OpenMetricsParser, ParseError, Parser, TextParser
from tests.scrape.parse.oracle import argus_rows

TEXT_BASE = (
    b"# HELP a_total Help with \\\\ and \\n.\n# TYPE a_total counter\n"
    b'a_total{x="1",y="two words"} 1\na_total{x="2"} 2.5e3\n'
    b'# TYPE h histogram\nh_bucket{le="1.0"} 3\nh_bucket{le="+Inf"} NaN\n'
    b'b{z="q\\"uote"} -Inf 1700000000000\n{"c.d","e"="f"} 7\n'
)
OM_BASE = (
    b"# TYPE a counter\n# UNIT a_seconds seconds\n"
    b'a_total{x="1",y="two words"} 1 # {t="x"} 2 3\na_created{x="1"} 1.5e9\n'
    b'# TYPE h histogram\nh_bucket{le="1.0"} 3\nh_bucket{le="+Inf"} 4 1.5\n'
    b'b{z="q\\"uote"} -Inf\n# EOF\n'
)
PARSERS = {"text": (TextParser, TEXT_BASE), "openmetrics": (OpenMetricsParser, OM_BASE)}
ALPHABET = b' \t\n{}",=#\\-+.0123456789eEnNaIfxyz_:\xc3\xa9\xff'


def _outcome(parser: Parser, body: bytes) -> object:
    try:
        parsed = parser.parse(body)
    except ParseError as exc:
        error = exc
    else:
        assert len(parsed.ids) == len(parsed.values)
        return argus_rows(parser, parsed)
    assert 0 <= error.line <= body.count(b"\n") + 1
    assert str(error)
    return ParseError


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    body = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(body)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        byte = draw(st.sampled_from(list(ALPHABET)))
        if op == "insert":
            body[pos:pos] = bytes([byte])
        elif pos < len(body):
            if op == "delete":
                del body[pos]
            else:
                body[pos] = byte
    return bytes(body)


@pytest.mark.parametrize("fmt", sorted(PARSERS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_bytes_never_crash(fmt, data):
    cls, _ = PARSERS[fmt]
    body = data.draw(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
    _outcome(cls(), body)


@pytest.mark.parametrize("fmt", sorted(PARSERS))
@settings(max_examples=400, deadline=None)
@given(data=st.data())
def test_mutations_warm_equals_cold(fmt, data):
    cls, base = PARSERS[fmt]
    body = data.draw(mutated(base))
    warm = cls()
    warm.parse(base)
    assert _outcome(warm, body) == _outcome(cls(), body)


_NAMES = st.from_regex(r"[a-zA-Z_:][a-zA-Z0-9_:]{0,12}", fullmatch=True)
_LABEL_NAMES = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,8}", fullmatch=True)
_LABEL_VALUES = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
_VALUES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["NaN", "+Inf", "-Inf", "1e-3", ".5", "5."]),
)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@st.composite
def exposition(draw: st.DrawFn) -> bytes:
    lines = []
    seen = set()
    for _ in range(draw(st.integers(1, 8))):
        name = draw(_NAMES)
        labels = draw(st.dictionaries(_LABEL_NAMES, _LABEL_VALUES, max_size=3))
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            continue
        seen.add(key)
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        series = f"{name}{{{inner}}}" if labels else name
        ts = draw(st.none() | st.integers(0, 2**40))
        lines.append(f"{series} {draw(_VALUES)}" + ("" if ts is None else f" {ts}"))
    return ("\n".join(lines) + "\n").encode()


@settings(max_examples=300, deadline=None)
@given(body=exposition())
def test_generated_text_bodies_match_prometheus_client(body):
    from tests.scrape.parse.oracle import oracle_rows

    want = oracle_rows(body, openmetrics=False)
    cold = TextParser()
    assert argus_rows(cold, cold.parse(body)) == want
    assert argus_rows(cold, cold.parse(body)) == want  # and warm
