import numpy as np
import pytest

from argus.model import (
    STALE_NAN,
    Labels,
    Matcher,
    MatcherError,
    SeriesSet,
    format_go_labels,
    is_stale,
    is_stale_value,
)


def test_labels_sort_drop_empty_and_print_like_promql():
    lset = Labels.of(job="api", __name__="up", instance="", zone='a"b')
    assert list(lset) == [("__name__", "up"), ("job", "api"), ("zone", 'a"b')]
    assert repr(lset) == 'up{job="api", zone="a\\"b"}'
    assert format_go_labels(lset) == '{__name__="up", job="api", zone="a\\"b"}'
    assert lset.name == "up"
    assert lset.without("job") == Labels.of(__name__="up", zone='a"b')
    assert Labels.of(a="1") < Labels.of(a="2") < Labels.of(b="0")


@pytest.mark.parametrize(
    ("op", "pattern", "value", "expected"),
    [
        ("=~", "api|web", "api", True),
        ("=~", "api|web", "apiweb", False),
        ("=~", "a.c", "a\nc", True),  # (?s): dot matches newline, as Prometheus compiles it
        ("=~", "a.c", "xabc", False),  # anchored
        ("=~", "foo.*", "foobar", True),
        ("=~", "foo.*", "xfoo", False),
        ("=~", "\\d+", "١٢", False),  # ASCII classes, as in Go's RE2
        ("!~", "api|web", "db", True),
        ("!~", ".*", "", False),
        ("=", "", "", True),
        ("!=", "", "x", True),
    ],
    ids=lambda v: repr(v),
)
def test_matcher_semantics(op, pattern, value, expected):
    make = {
        "=": Matcher.equal,
        "!=": Matcher.not_equal,
        "=~": Matcher.regex,
        "!~": Matcher.not_regex,
    }
    assert make[op]("l", pattern).matches(value) is expected


def test_bad_regex_names_the_label():
    with pytest.raises(MatcherError, match="'job'"):
        Matcher.regex("job", "(")


def test_stale_marker_is_recognised_by_bits_not_nan():
    values = np.array([STALE_NAN, float("nan"), 1.0])
    assert is_stale(values).tolist() == [True, False, False]
    assert is_stale_value(STALE_NAN) and not is_stale_value(float("nan"))


def test_series_set_validates_layout():
    with pytest.raises(ValueError, match="offsets"):
        SeriesSet([Labels.of(a="1")], np.array([0], dtype=np.int64))
    s = SeriesSet(
        [Labels.of(a="1"), Labels.of(a="2")],
        np.array([0, 1, 3]),
        np.array([1, 2, 3]),
        np.array([1.0, 2.0, 3.0]),
    )
    assert s.counts().tolist() == [1, 2]
    lset, ts, _vals = s.series(1)
    assert lset == Labels.of(a="2") and ts.tolist() == [2, 3]
