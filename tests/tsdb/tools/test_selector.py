"""``--match`` selectors: the metric-selector subset of PromQL."""

from __future__ import annotations

import pytest

from argus.model import Matcher
from argus.tsdb.tools.errors import SelectorError
from argus.tsdb.tools.selector import DEFAULT_MATCH, parse_selector

GOOD = [
    ("default", DEFAULT_MATCH, [Matcher.regex("__name__", "(?s:.*)")]),
    ("name", "up", [Matcher.equal("__name__", "up")]),
    (
        "name-and-labels",
        'up{job="api", instance!~"a.*",}',
        [
            Matcher.equal("__name__", "up"),
            Matcher.equal("job", "api"),
            Matcher.not_regex("instance", "a.*"),
        ],
    ),
    ("spaces", ' { job != "x" } ', [Matcher.not_equal("job", "x")]),
    ("escapes", r'{a="q\"\\\n\x41\u00e9\101"}', [Matcher.equal("a", 'q"\\\nAéA')]),
    ("single-quote", r"{a='it\'s'}", [Matcher.equal("a", "it's")]),
    ("raw", r"{a=~`\d+`}", [Matcher.regex("a", r"\d+")]),
    ("colon-name", "job:rate5m", [Matcher.equal("__name__", "job:rate5m")]),
]


@pytest.mark.parametrize(("text", "expected"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_parses(text, expected):
    assert parse_selector(text) == expected


BAD = [
    ("empty", "", "expected a metric name"),
    ("empty-braces", "{}", "at least one matcher"),
    ("no-op", '{a "b"}', "expected one of"),
    ("unquoted", "{a=b}", "expected a quoted string"),
    ("unterminated", '{a="b}', "unterminated"),
    ("no-close", '{a="b"', "expected ',' or '}'"),
    ("trailing", 'up{a="b"} x', "unexpected text"),
    ("bad-escape", r'{a="\q"}', "unknown escape"),
    ("bad-regex", '{a=~"("}', "invalid regular expression"),
    ("double-comma", '{a="b",,}', "expected a label name"),
]


@pytest.mark.parametrize(("text", "message"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_rejects(text, message):
    with pytest.raises(SelectorError, match="parse error at char") as info:
        parse_selector(text)
    assert message in str(info.value)
