"""The alert state machine and its ALERTS / ALERTS_FOR_STATE series, on a real DB."""

from __future__ import annotations

import math

import pytest

from argus.model import Labels, Matcher, MatchType, is_stale_value
from argus.rules import AlertingRule, AlertState, RuleEvalError, RuleSpec
from argus.rules.alerting import RESOLVED_RETENTION_MS
from tests.conftest import append
from tests.rules.helpers import instant, make_group

M = 60_000
UP_A = Labels.of(__name__="up", job="node", instance="a")
UP_B = Labels.of(__name__="up", job="node", instance="b")

RULES = """
groups:
  - name: g
    rules:
      - alert: Down
        expr: up == 0
        for: 2m
        labels: {severity: page}
        annotations: {summary: "{{ $labels.instance }} is down ({{ $value }})"}
"""


def feed(db, labels, values, step=M):
    append(db, [labels] * len(values), [i * step for i in range(len(values))], values)


def test_pending_then_firing_then_resolved(tmp_db):
    feed(tmp_db, UP_A, [1, 0, 0, 0, 0, 1, 1])
    group = make_group(tmp_db, RULES)
    (rule,) = group.alerting_rules()
    states = []
    for t in range(7):
        group.eval(t * M)
        states.append(rule.state().value)
    assert states == ["inactive", "pending", "pending", "firing", "firing", "inactive", "inactive"]
    alert = next(iter(rule.active.values()))
    assert (alert.active_at_ms, alert.fired_at_ms, alert.resolved_at_ms) == (M, 3 * M, 5 * M)
    assert alert.labels == Labels.of(alertname="Down", instance="a", job="node", severity="page")
    assert alert.annotations == Labels.of(summary="a is down (0)")


def test_alerts_series_and_staleness(tmp_db):
    feed(tmp_db, UP_A, [0, 0, 0, 0, 1, 1])
    group = make_group(tmp_db, RULES)
    for t in range(6):
        group.eval(t * M)
    key = Labels.of(
        __name__="ALERTS",
        alertname="Down",
        alertstate="pending",
        instance="a",
        job="node",
        severity="page",
    )
    assert instant(tmp_db, "ALERTS", M) == {key: 1.0}
    firing = Labels([*key.without("alertstate"), ("alertstate", "firing")])
    assert instant(tmp_db, "ALERTS", 3 * M) == {firing: 1.0}
    for_state = Labels([*key.without("alertstate", "__name__"), ("__name__", "ALERTS_FOR_STATE")])
    assert instant(tmp_db, "ALERTS_FOR_STATE", 3 * M) == {for_state: 0.0}
    # Resolved at 4m: the series end at once through staleness markers.
    assert instant(tmp_db, "ALERTS", 4 * M) == {}
    sel = tmp_db.querier(0, 10 * M).select([Matcher(MatchType.EQUAL, "__name__", "ALERTS")])
    stale_seen = [is_stale_value(v) for _, _, vals in sel for v in vals.tolist()]
    assert any(stale_seen)


def test_for_zero_fires_on_first_evaluation(tmp_db):
    feed(tmp_db, UP_A, [0])
    group = make_group(tmp_db, RULES.replace("for: 2m", "for: 0s"))
    group.eval(0)
    assert group.alerting_rules()[0].state() is AlertState.FIRING


def test_pending_alert_that_clears_is_forgotten(tmp_db):
    feed(tmp_db, UP_A, [0, 1])
    group = make_group(tmp_db, RULES)
    (rule,) = group.alerting_rules()
    group.eval(0)
    group.eval(M)
    assert rule.active == {}


def test_resolved_alert_is_kept_for_retention_then_dropped(tmp_db):
    feed(tmp_db, UP_A, [0, 1], step=M)
    group = make_group(tmp_db, RULES.replace("for: 2m", "for: 0s"))
    (rule,) = group.alerting_rules()
    group.eval(0)
    group.eval(M)
    assert [a.state for a in rule.active.values()] == [AlertState.INACTIVE]
    group.eval(M + RESOLVED_RETENTION_MS)
    assert len(rule.active) == 1
    group.eval(M + RESOLVED_RETENTION_MS + 1)
    assert rule.active == {}


def test_keep_firing_for_holds_and_then_resolves(tmp_db):
    feed(tmp_db, UP_A, [0, 1, 1, 1, 1])
    group = make_group(tmp_db, RULES.replace("for: 2m", "for: 0s\n        keep_firing_for: 2m"))
    (rule,) = group.alerting_rules()
    states = []
    for t in range(5):
        group.eval(t * M)
        states.append(rule.state())
    f, i = AlertState.FIRING, AlertState.INACTIVE
    assert states == [f, f, f, i, i]


def test_reappearing_alert_restarts_pending(tmp_db):
    feed(tmp_db, UP_A, [0, 0, 0, 1, 0])
    group = make_group(tmp_db, RULES)
    (rule,) = group.alerting_rules()
    for t in range(5):
        group.eval(t * M)
    (alert,) = rule.active_alerts()
    assert alert.state is AlertState.PENDING
    assert alert.active_at_ms == 4 * M


def test_limit_fails_the_rule_and_clears_alerts(tmp_db):
    feed(tmp_db, UP_A, [0])
    feed(tmp_db, UP_B, [0])
    group = make_group(tmp_db, RULES.replace("  - name: g\n", "  - name: g\n    limit: 1\n"))
    (rule,) = group.alerting_rules()
    group.eval(0)
    assert rule.active == {}
    assert "exceeded limit of 1 with 2 alerts" in rule.status.last_error
    assert group.metrics.evaluation_failures_total == 1


def test_duplicate_labelsets_after_templating_are_an_error():
    spec = RuleSpec("A", "x", True, labels=(("instance", "same"),))
    rule = AlertingRule(spec, restored=True)

    def query(expr, t):
        return [(Labels.of(instance="1"), 1.0), (Labels.of(instance="2"), 1.0)]

    with pytest.raises(RuleEvalError, match="same labelset after applying alert labels"):
        rule.eval(0, 0, query, 0)


def test_unrestored_rules_write_no_alerts_series():
    rule = AlertingRule(RuleSpec("A", "x", True), restored=False)
    out = rule.eval(0, 0, lambda e, t: [(Labels.of(a="1"), 1.0)], 0)
    assert out == []
    assert rule.state() is AlertState.FIRING


def test_query_offset_shifts_the_query_not_the_alert_times():
    seen = []
    rule = AlertingRule(RuleSpec("A", "x", True), restored=True)

    def query(expr, t):
        seen.append(t)
        return [(Labels.of(a="1"), 2.0)]

    out = rule.eval(10 * M, 30_000, query, 0)
    assert seen == [10 * M - 30_000]
    assert dict(out)[Labels.of(__name__="ALERTS_FOR_STATE", a="1", alertname="A")] == 600.0


def test_needs_sending_and_resend_delay(tmp_db):
    feed(tmp_db, UP_A, [0, 0, 0, 1])
    group = make_group(tmp_db, RULES.replace("for: 2m", "for: 0s"), resend_delay_ms=2 * M)
    sent = []
    for t in range(4):
        for _rule, alerts in group.eval(t * M):
            sent.append((t, [a.state.value for a in alerts]))
    assert sent == [(0, ["firing"]), (1, []), (2, ["firing"]), (3, ["inactive"])]
    (alert,) = group.alerting_rules()[0].active.values()
    assert alert.valid_until_ms == 3 * M + 4 * 2 * M
    assert not math.isnan(alert.value)
