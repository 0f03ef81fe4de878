from __future__ import annotations

from pathlib import Path

import pytest

from argus.scrape.parse import MetricType, OpenMetricsParser, ParseError
from tests.scrape.parse.oracle import argus_rows, oracle_rows

TESTDATA = Path(__file__).parent.parent / "testdata"


def test_alltypes_matches_prometheus_client_cold_and_warm():
    body = (TESTDATA / "alltypes.om.txt").read_bytes()
    parser = OpenMetricsParser()
    want = oracle_rows(body, openmetrics=True)
    assert argus_rows(parser, parser.parse(body)) == want
    assert argus_rows(parser, parser.parse(body)) == want


def test_metadata_with_unit():
    parsed = OpenMetricsParser().parse((TESTDATA / "alltypes.om.txt").read_bytes())
    meta = parsed.metadata["acme_http_router_request_seconds"]
    assert (meta.type, meta.unit) == (MetricType.SUMMARY, "seconds")
    assert parsed.metadata["state"].type is MetricType.STATESET


def test_timestamps_are_seconds_truncated_to_ms():
    parsed = OpenMetricsParser().parse(b"a 1 1520879607.7899\nb 2 -1.0009\n# EOF\n")
    assert parsed.timestamps is not None
    assert parsed.timestamps.tolist() == [1520879607789, -1000]


@pytest.mark.parametrize(
    ("body", "want", "line"),
    [
        (b"a 1\n", "data does not end with # EOF", 0),
        (b"a 1\n# EOF\nb 2\n", "unexpected data after # EOF", 0),
        (b"a 1\n\n# EOF\n", "unexpected blank line", 2),
        (b"a  1\n# EOF\n", "expected value", 1),
        (b"a 1\t\n# EOF\n", "invalid float", 1),
        (b'a{x="1", y="2"} 1\n# EOF\n', "expected label name", 1),
        (b"# random comment\n# EOF\n", "expected # HELP, # TYPE or # UNIT", 1),
        (b"# TYPE a untyped\n# EOF\n", "invalid metric type", 1),
        (b"# UNIT a_bytes seconds\n# EOF\n", "not a suffix", 1),
        (b"a 1 NaN\n# EOF\n", "invalid timestamp", 1),
        (b"a 1 # x\n# EOF\n", "expected '{'", 1),
        (b'a 1 # {t="1"}\n# EOF\n', "expected value [timestamp] after the exemplar", 1),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
def test_bad_bodies(body, want, line, warm):
    parser = OpenMetricsParser()
    if warm:
        parser.parse(b'a 5\na{x="1", y="2"} 1\n# EOF\n'.replace(b", ", b","))
    with pytest.raises(ParseError) as info:
        parser.parse(body)
    assert want in str(info.value)
    assert info.value.line == line
