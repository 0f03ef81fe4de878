"""The manager: loading, reloads that keep alert state, restore after restart, notify."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from argus.config import load_string
from argus.model import Labels
from argus.notify import Alert as Notification
from argus.rules import AlertState, ManagerOptions, RuleFileError, RuleManager, rule_metrics
from argus.rules.restore import restore_for_state
from tests.conftest import append

M = 60_000
ALERT = """
groups:
  - name: g
    interval: 1m
    rules:
      - alert: Down
        expr: up == 0
        for: {for_}
      - record: up:count
        expr: count(up)
"""


class FakeNotifier:
    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, alerts):
        self.sent.extend(alerts)


def write(path: Path, for_: str = "5m", extra: str = "") -> str:
    path.write_text(ALERT.format(for_=for_) + extra)
    return str(path)


def down(db, until_min: int) -> None:
    lb = Labels.of(__name__="up", instance="a")
    append(db, [lb] * (until_min + 1), [i * M for i in range(until_min + 1)], [0] * (until_min + 1))


def manager(db, clock, notifier=None, **opts) -> RuleManager:
    return RuleManager(
        appendable=db,
        queryable=db,
        notifier=notifier,
        clock=clock,
        options=ManagerOptions(external_url="http://argus:9090", **opts),
    )


def test_reload_keeps_state_of_unchanged_rules(tmp_db, tmp_path):
    down(tmp_db, 10)
    m = manager(tmp_db, lambda: 0)
    m.update([write(tmp_path / "r.yml")])
    (group,) = m.groups()
    for rule in group.alerting_rules():
        rule.restored = True
    for t in range(3):
        group.eval(t * M)
    (rule,) = m.alerting_rules()
    assert rule.active_alerts()[0].active_at_ms == 0
    # Same rule plus a new one: the pending alert keeps its start time.
    m.update([write(tmp_path / "r.yml", extra="      - record: extra\n        expr: up\n")])
    (group2,) = m.groups()
    assert group2 is not group
    (rule2,) = m.alerting_rules()
    assert rule2.active_alerts()[0].active_at_ms == 0
    for t in range(3, 6):
        group2.eval(t * M)
    assert rule2.state() is AlertState.FIRING
    # As in Prometheus, rules are matched by name and labels: a new `for` or
    # annotation keeps the alert firing, a renamed rule starts over.
    m.update([write(tmp_path / "r.yml", for_="10m")])
    assert m.alerting_rules()[0].state() is AlertState.FIRING
    (tmp_path / "r.yml").write_text((tmp_path / "r.yml").read_text().replace("Down", "Down2"))
    m.update([str(tmp_path / "r.yml")])
    assert m.alerting_rules()[0].active == {}


def test_bad_reload_keeps_the_old_rules(tmp_db, tmp_path):
    m = manager(tmp_db, lambda: 0)
    m.update([write(tmp_path / "r.yml")])
    before = m.groups()
    bad = tmp_path / "bad.yml"
    bad.write_text("groups: [{name: x, rules: [{record: 'a b', expr: up}]}]\n")
    with pytest.raises(RuleFileError, match="invalid recording rule name"):
        m.update([write(tmp_path / "r.yml", for_="1m"), str(bad)])
    assert m.groups() == before


def test_removed_groups_get_stale_markers(tmp_db, tmp_path):
    down(tmp_db, 1)
    m = manager(tmp_db, lambda: 90_000)
    m.update([write(tmp_path / "r.yml")])
    m.groups()[0].eval(M)
    m.update([])
    from tests.rules.helpers import instant

    assert instant(tmp_db, "up:count", M) != {}
    assert instant(tmp_db, "up:count", 90_000) == {}


def test_apply_config_resolves_globs_and_globals(tmp_db, tmp_path):
    (tmp_path / "rules").mkdir()
    write(tmp_path / "rules" / "a.yml")
    cfg = load_string(
        "global:\n  evaluation_interval: 30s\n  external_labels: {dc: x}\n"
        "rule_files: ['rules/*.yml']\n",
        str(tmp_path / "prometheus.yml"),
    )
    m = manager(tmp_db, lambda: 0)
    m.apply_config(cfg)
    (group,) = m.groups()
    assert group.interval_ms == M  # the group's own interval wins
    assert m.options.evaluation_interval_ms == 30_000
    assert m.alerting_rules()[0].external_labels == Labels.of(dc="x")


def test_restore_for_state_after_restart(tmp_db, tmp_path):
    down(tmp_db, 30)
    path = write(tmp_path / "r.yml", for_="20m")
    # First life: pending since 0, writes ALERTS_FOR_STATE until 10m, then "crashes".
    m1 = manager(tmp_db, lambda: 0)
    m1.update([path])
    (g1,) = m1.groups()
    for rule in g1.alerting_rules():
        rule.restored = True
    for t in range(11):
        g1.eval(t * M)
    # Second life starts at 15m: 10m were spent pending, 5m down.
    m2 = manager(tmp_db, lambda: 15 * M)
    m2.update([path])
    (g2,) = m2.groups()
    assert g2.should_restore
    assert not g2.alerting_rules()[0].restored
    assert g2.eval(15 * M)
    restored = restore_for_state(g2, 15 * M, tmp_db, for_grace_period_ms=M)
    assert restored == 1
    (alert,) = g2.alerting_rules()[0].active_alerts()
    # The 5 minutes down do not count: active_at moves from 0 to 5m.
    assert alert.active_at_ms == 5 * M
    g2.eval(24 * M)
    assert alert.state.value == "pending"
    g2.eval(25 * M)
    assert alert.state.value == "firing"


def test_restore_respects_grace_period(tmp_db, tmp_path):
    down(tmp_db, 30)
    path = write(tmp_path / "r.yml", for_="20m")
    m1 = manager(tmp_db, lambda: 0)
    m1.update([path])
    (g1,) = m1.groups()
    g1.alerting_rules()[0].restored = True
    for t in range(19):
        g1.eval(t * M)
    m2 = manager(tmp_db, lambda: 19 * M)
    m2.update([path])
    (g2,) = m2.groups()
    g2.eval(19 * M)
    restore_for_state(g2, 19 * M, tmp_db, for_grace_period_ms=10 * M)
    (alert,) = g2.alerting_rules()[0].active_alerts()
    # 2m were left, less than the 10m grace period: fire no sooner than 10m from now.
    assert alert.active_at_ms == 19 * M + 10 * M - 20 * M


def test_run_sends_firing_alerts_to_the_notifier(tmp_db, tmp_path):
    lb = Labels.of(__name__="up", instance="a")
    append(tmp_db, [lb], [0], [0])
    notifier = FakeNotifier()
    now = [0]
    m = manager(tmp_db, lambda: now[0], notifier)
    (tmp_path / "r.yml").write_text(
        "groups: [{name: g, interval: 1s, rules: [{alert: Down, expr: up == 0}]}]\n"
    )
    m.update([str(tmp_path / "r.yml")])

    async def scenario():
        await m.run()
        for _ in range(400):
            await asyncio.sleep(0.005)
            now[0] += 100
            if notifier.sent:
                break
        await m.stop()

    asyncio.run(scenario())
    (sent,) = notifier.sent[:1]
    assert sent.labels == Labels.of(alertname="Down", instance="a")
    assert sent.generator_url == "http://argus:9090/graph?g0.expr=up+%3D%3D+0&g0.tab=1"
    assert sent.ends_at_ms > sent.starts_at_ms > 0
    text = rule_metrics(m)
    assert 'prometheus_rule_group_rules{rule_group="' in text
    assert "prometheus_rule_evaluations_total" in text
