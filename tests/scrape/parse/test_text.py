from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest

from argus.model import Labels
from argus.scrape.parse import MetricType, ParseError, TextParser
from tests.scrape.bodies import node_exporter_like
from tests.scrape.parse.oracle import argus_rows, oracle_rows

TESTDATA = Path(__file__).parent.parent / "testdata"


def test_alltypes_matches_prometheus_client():
    body = (TESTDATA / "alltypes.prom.txt").read_bytes()
    parser = TextParser()
    assert argus_rows(parser, parser.parse(body)) == oracle_rows(body, openmetrics=False)


@pytest.mark.parametrize("step", [0, 1])
def test_generated_body_matches_oracle_cold_and_warm(step):
    parser = TextParser()
    parser.parse(node_exporter_like(step=5))  # warm the cache with other values
    body = node_exporter_like(step=step)
    assert argus_rows(parser, parser.parse(body)) == oracle_rows(body, openmetrics=False)


def test_warm_parse_equals_cold_parse():
    body = (TESTDATA / "alltypes.prom.txt").read_bytes()
    warm = TextParser()
    first = warm.parse(body)
    again = warm.parse(body)
    assert again.new_ids == []
    assert first.new_ids == list(range(len(warm.cache)))
    np.testing.assert_array_equal(first.ids, again.ids)
    np.testing.assert_array_equal(first.values, again.values)
    assert first.metadata == again.metadata
    cold = TextParser()
    assert argus_rows(warm, again) == argus_rows(cold, cold.parse(body))


def test_metadata_kept():
    parsed = TextParser().parse((TESTDATA / "alltypes.prom.txt").read_bytes())
    meta = parsed.metadata["http_requests_total"]
    assert meta.type is MetricType.COUNTER
    assert meta.help == 'Requests, with "quotes" and a back\\slash and a\nnewline.'
    assert parsed.metadata["go_gc_duration_seconds"].type is MetricType.SUMMARY


def test_le_and_quantile_normalised_like_prometheus():
    parser = TextParser()
    parsed = parser.parse(
        b'# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="1e6"} 1\n'
        b'# TYPE s summary\ns{quantile="0.50"} 2\n# TYPE g gauge\ng{le="1"} 3\n'
    )
    got = [parser.cache.labels[i] for i in parsed.ids]
    assert got == [
        Labels.of(__name__="h_bucket", le="1.0"),
        Labels.of(__name__="h_bucket", le="1e+06"),
        Labels.of(__name__="s", quantile="0.5"),
        Labels.of(__name__="g", le="1"),
    ]


def test_spacing_variants_share_one_series():
    parser = TextParser()
    parsed = parser.parse(b'a{x="1"} 1\na{x="1"}  2\na {x="1"} 3\na{ x = "1" , } 4\n')
    assert parsed.ids.tolist() == [0, 0, 0, 0]
    assert parser.parse(b'a{x="1"}  5\n').values.tolist() == [5.0]


def test_timestamp_line_with_cached_series():
    parser = TextParser()
    parser.parse(b"a 1\n")
    parsed = parser.parse(b"a 2 1700000000000\n")
    assert parsed.ids.tolist() == [0]
    assert parsed.timestamps is not None and parsed.timestamps.tolist() == [1700000000000]
    parsed = parser.parse(b"a 3\n")
    assert parsed.timestamps is None and parsed.values.tolist() == [3.0]


def test_stale_nan_pattern_cannot_be_injected():
    from argus.model import is_stale

    parsed = TextParser().parse(b"a NaN\n")
    assert not is_stale(parsed.values).any()


def _cases() -> list[tuple[str, bytes, int, str]]:
    """tests/scrape/testdata/bad_text.txt: blocks split by '=== <substring> @ <line>'."""
    out = []
    text = (TESTDATA / "bad_text.txt").read_bytes()
    for block in text.split(b"=== ")[1:]:
        head, _, body = block.partition(b"\n")
        want, _, line = head.decode().rpartition(" @ ")
        out.append((want, body.replace(b"\\t", b"\t").replace(b"\\r", b"\r"), int(line), want))
    return out


@pytest.mark.parametrize(("want", "body", "line", "_id"), _cases(), ids=[c[0] for c in _cases()])
@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_bad_bodies_fail_with_line_number(want, body, line, _id, warm):
    parser = TextParser()
    if warm:
        # Every valid-looking series of the body is cached first, so the error must
        # also be found on the fast path.
        good = b"\n".join(
            ln.rpartition(b" ")[0] + b" 1" for ln in body.split(b"\n") if ln and ln[:1] != b"#"
        )
        with contextlib.suppress(ParseError):
            parser.parse(good)
    with pytest.raises(ParseError) as info:
        parser.parse(body)
    assert want in str(info.value)
    assert info.value.line == line
