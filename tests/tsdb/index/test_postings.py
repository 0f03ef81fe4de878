import pytest

from argus.model import Labels, Matcher
from argus.tsdb.index import MemPostings, select_postings

SERIES = [
    Labels.of(__name__="up", job="api", env="prod"),
    Labels.of(__name__="up", job="web", env="dev"),
    Labels.of(__name__="up", job="db"),
    Labels.of(__name__="http_requests_total", job="api", code="200"),
]


@pytest.fixture
def postings():
    p = MemPostings()
    for ref, lset in enumerate(SERIES):
        p.add(ref, lset)
    return p


@pytest.mark.parametrize(
    ("matchers", "expected"),
    [
        ([Matcher.equal("__name__", "up")], [0, 1, 2]),
        ([Matcher.equal("__name__", "up"), Matcher.equal("env", "")], [2]),
        ([Matcher.equal("__name__", "up"), Matcher.not_equal("env", "")], [0, 1]),
        ([Matcher.equal("__name__", "up"), Matcher.regex("env", "prod|")], [0, 2]),
        ([Matcher.not_equal("job", "api")], [1, 2]),
        ([Matcher.not_regex("job", "a.*")], [1, 2]),
        ([Matcher.regex("job", ".+")], [0, 1, 2, 3]),
        ([Matcher.regex("__name__", "http_.*"), Matcher.regex("code", "2..")], [3]),
        ([Matcher.equal("job", "nope")], []),
        ([Matcher.regex("job", ".*")], [0, 1, 2, 3]),
    ],
    ids=str,
)
def test_select_postings_has_prometheus_semantics(postings, matchers, expected):
    assert list(select_postings(postings, matchers)) == expected


def test_remove_forgets_series_and_empty_values(postings):
    from pyroaring import BitMap

    postings.remove(BitMap([3]), [(3, SERIES[3])])
    assert "code" not in postings.label_names()
    assert list(select_postings(postings, [Matcher.equal("job", "api")])) == [0]
