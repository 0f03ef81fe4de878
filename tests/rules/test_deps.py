"""Which groups may store all rule outputs with one commit (argus.rules.deps)."""

from __future__ import annotations

import pytest

from argus.model import STALE_NAN, Labels, is_stale_value
from argus.rules import parse_rule_file
from argus.rules.build import build_group
from argus.rules.deps import can_commit_once
from tests.conftest import append
from tests.rules.helpers import instant, make_group


def rules(*lines: str) -> str:
    return "groups:\n  - name: g\n    rules:\n" + "".join(f"      - {x}\n" for x in lines)


@pytest.mark.parametrize(
    ("text", "once"),
    [
        (rules("{record: a, expr: sum(up)}", "{record: b, expr: 'rate(x[5m])'}"), True),
        (rules("{record: a, expr: sum(up)}", "{record: b, expr: a * 2}"), False),
        (rules("{record: 'job:a', expr: sum(up)}", "{record: b, expr: '{__name__=~\"job:.*\"}'}"),
         False),
        (rules("{record: a, expr: sum(up)}", "{record: b, expr: '{job=\"x\"}'}"), False),
        (rules("{record: a, expr: sum(up)}", "{record: b, expr: '{__name__!=\"a\", job=\"x\"}'}"),
         True),
        (rules("{alert: A, expr: up == 0}", "{alert: B, expr: 'ALERTS{alertname=\"A\"}'}"), False),
        (rules("{alert: A, expr: up == 0}", "{alert: B, expr: up == 2}"), True),
        (rules("{record: a, expr: sum(up)}", "{record: a, expr: sum(down)}"), False),
        (rules("{record: a, expr: sum(up)}",
               "{alert: B, expr: up == 0, annotations: {x: '{{ query \"a\" }}'}}"), False),
        (rules("{record: b, expr: a}", "{record: a, expr: sum(up)}"), True),
    ],
    ids=["independent", "reads-earlier", "regex-name", "no-name", "negative-name", "alerts",
         "alerts-independent", "duplicate-record", "query-template", "reads-later-only"],
)  # fmt: skip
def test_can_commit_once(text, once):
    (spec,) = parse_rule_file(text, "f.yml")
    group = build_group(spec, default_interval_ms=60_000, appendable=None, query=None)  # type: ignore[arg-type]
    assert can_commit_once(group.rules) is once


class CountingDB:
    """The real database, counting appenders (to see one commit per evaluation)."""

    def __init__(self, db) -> None:
        self.db = db
        self.appenders = 0

    def appender(self):
        self.appenders += 1
        return self.db.appender()


def test_one_commit_per_evaluation_still_stores_and_marks_stale(tmp_db):
    up = [Labels.of(__name__="up", job=j, instance="h") for j in ("a", "b")]
    append(tmp_db, up, [0, 0], [1, 1])
    counting = CountingDB(tmp_db)
    text = rules("{record: 'job:up', expr: sum by (job) (up)}", "{record: total, expr: sum(up)}")
    group = make_group(tmp_db, text)
    group.appendable = counting
    assert group.commit_once
    group.eval(0)
    assert counting.appenders == 1
    assert instant(tmp_db, "job:up", 0) == {
        Labels.of(__name__="job:up", job="a"): 1.0,
        Labels.of(__name__="job:up", job="b"): 1.0,
    }
    append(tmp_db, [up[0]], [60_000], [1])
    append(tmp_db, [up[1]], [60_000], [STALE_NAN])
    group.eval(60_000)
    assert counting.appenders == 2
    sel = tmp_db.querier(0, 60_000).select([])
    last = {lb: vals[-1] for lb, _, vals in sel if lb.name == "job:up"}
    assert is_stale_value(last[Labels.of(__name__="job:up", job="b")])
    assert last[Labels.of(__name__="job:up", job="a")] == 1.0
