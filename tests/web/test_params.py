"""Time, duration, limit and selector parameters, as Prometheus parses them."""

from __future__ import annotations

import pytest
from multidict import MultiDict, MultiDictProxy

from argus.web.api.v1.errors import APIError
from argus.web.api.v1.params import (
    MAX_TIME_MS,
    MIN_TIME_MS,
    parse_bool,
    parse_duration_ms,
    parse_limit,
    parse_matcher_sets,
    parse_time_ms,
)
from argus.web.api.v1.series import unescape_label_name

TIMES = [
    ("0", 0),
    ("1.5", 1500),
    ("-1.5", -1500),
    ("1700000000.1234", 1_700_000_000_123),
    ("1700000000.9999", 1_700_000_001_000),
    ("1e3", 1_000_000),
    ("2023-11-14T22:13:20Z", 1_700_000_000_000),
    ("2023-11-14T22:13:20.123456789Z", 1_700_000_000_123),
    ("2023-11-14T23:13:20+01:00", 1_700_000_000_000),
    ("1969-12-31T23:59:59.5Z", -500),
    ("-292273086-05-16T16:47:06Z", MIN_TIME_MS),
    ("292277025-08-18T07:12:54.999999999Z", MAX_TIME_MS),
]
BAD_TIMES = [
    "",
    "abc",
    "1_000",
    " 1",
    "infinity",
    "NaN",
    "2023-11-14",
    "2023-11-14 22:13:20Z",
    "2023-11-14T22:13:20",
    "2023-13-14T22:13:20Z",
    "0x10",
]


@pytest.mark.parametrize(("text", "ms"), TIMES, ids=[t for t, _ in TIMES])
def test_times(text: str, ms: int) -> None:
    assert parse_time_ms(text) == ms


@pytest.mark.parametrize("text", BAD_TIMES, ids=repr)
def test_bad_times(text: str) -> None:
    with pytest.raises(ValueError, match=r"to a valid timestamp"):
        parse_time_ms(text)


DURATIONS = [
    ("15", 15_000),
    ("0.5", 500),
    ("1m", 60_000),
    ("1h30m", 5_400_000),
    ("1d", 86_400_000),
    ("1y2w", 365 * 86_400_000 + 14 * 86_400_000),
    ("100ms", 100),
    ("0", 0),
    ("-1", -1000),
    ("0.0001", 0),
]


@pytest.mark.parametrize(("text", "ms"), DURATIONS, ids=[t for t, _ in DURATIONS])
def test_durations(text: str, ms: int) -> None:
    assert parse_duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "1x", "m", "1m1h", "1e400"], ids=repr)
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="valid duration"):
        parse_duration_ms(text)


def _form(**kw: str) -> MultiDictProxy[str]:
    return MultiDictProxy(MultiDict(kw))


def test_limit() -> None:
    assert parse_limit(_form()) == 0
    assert parse_limit(_form(limit="5")) == 5
    with pytest.raises(APIError, match="non-negative"):
        parse_limit(_form(limit="-5"))
    with pytest.raises(APIError, match="invalid syntax"):
        parse_limit(_form(limit="5.0"))


def test_bool() -> None:
    assert parse_bool("t") is True
    assert parse_bool("FALSE") is False
    with pytest.raises(ValueError, match="invalid syntax"):
        parse_bool("yes")


def test_matcher_sets() -> None:
    sets = parse_matcher_sets(['up{job="a"}', '{__name__=~"x.*"}'], 10)
    assert [str(m) for m in sets[0]] == ['__name__="up"', 'job="a"']
    with pytest.raises(APIError, match="non-empty matcher"):
        parse_matcher_sets(['{a=~".*"}'], 10)
    with pytest.raises(APIError, match="too many"):
        parse_matcher_sets(["up"] * 11, 10)
    with pytest.raises(APIError, match="1:4: parse error: unexpected <offset>"):
        parse_matcher_sets(["up offset 5m"], 10)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("job", "job"),
        ("U__my_2e_label", "my.label"),
        ("U__a__b", "a_b"),
        ("U__bad_zz", "U__bad_zz"),
    ],
    ids=lambda x: x,
)
def test_unescape_label_name(name: str, expected: str) -> None:
    assert unescape_label_name(name) == expected
