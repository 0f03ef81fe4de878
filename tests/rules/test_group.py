"""Groups: recording rules, ordering, staleness, limits, scheduling and alignment."""

from __future__ import annotations

import asyncio
from pathlib import Path

from argus.model import STALE_NAN, Labels, Matcher, MatchType, is_stale_value
from argus.rules import RuleHealth
from argus.rules.xxhash import labels_hash, xxh64
from tests.conftest import append
from tests.rules.helpers import instant, make_group

M = 60_000

RULES = """
groups:
  - name: rec
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
        labels: {team: infra}
      - record: job:up:sum:doubled
        expr: job:up:sum * 2
"""


def up(instance: str, job: str = "node") -> Labels:
    return Labels.of(__name__="up", job=job, instance=instance)


def test_recording_rules_store_and_later_rules_see_earlier_ones(tmp_db):
    append(tmp_db, [up("a"), up("b")], [0, 0], [1, 1])
    group = make_group(tmp_db, RULES)
    group.eval(0)
    assert instant(tmp_db, "job:up:sum", 0) == {
        Labels.of(__name__="job:up:sum", job="node", team="infra"): 2.0
    }
    assert instant(tmp_db, "job:up:sum:doubled", 0) == {
        Labels.of(__name__="job:up:sum:doubled", job="node", team="infra"): 4.0
    }
    assert all(r.status.health is RuleHealth.OK for r in group.rules)
    assert group.metrics.last_evaluation_samples == 2


def test_vanished_series_get_stale_markers(tmp_db):
    append(tmp_db, [up("a", "x"), up("b", "y")], [0, 0], [1, 1])
    append(tmp_db, [up("a", "x"), up("b", "y")], [M, M], [1, STALE_NAN])
    group = make_group(tmp_db, RULES)
    group.eval(0)
    group.eval(M)
    sel = tmp_db.querier(0, M).select([Matcher(MatchType.EQUAL, "job", "y")])
    by_name = {lb.name: vals.tolist() for lb, _, vals in sel}
    assert is_stale_value(by_name["job:up:sum"][-1])
    assert instant(tmp_db, "job:up:sum", M).keys() == {
        Labels.of(__name__="job:up:sum", job="x", team="infra")
    }


def test_scalar_results_record_one_unlabelled_series(tmp_db):
    group = make_group(tmp_db, "groups: [{name: s, rules: [{record: answer, expr: '42'}]}]")
    group.eval(0)
    assert instant(tmp_db, "answer", 0) == {Labels.of(__name__="answer"): 42.0}


def test_failures_are_recorded_not_raised(tmp_db):
    append(tmp_db, [up("a"), up("b")], [0, 0], [1, 1])
    text = """
groups:
  - name: bad
    limit: 1
    rules:
      - record: too_many
        expr: up
      - record: clash
        expr: sum by (instance) (up)
        labels: {instance: same}
      - record: fine
        expr: count(up)
"""
    group = make_group(tmp_db, text)
    group.eval(0)
    too_many, clash, fine = group.rules
    assert too_many.status.health is RuleHealth.ERR
    assert "exceeded limit of 1 with 2 series" in too_many.status.last_error
    assert "same labelset after applying rule labels" in clash.status.last_error
    assert fine.status.health is RuleHealth.OK
    assert group.metrics.evaluation_failures_total == 2
    assert group.metrics.evaluations_total == 3


def test_mark_stale_ends_every_series_of_a_removed_group(tmp_db):
    append(tmp_db, [up("a")], [0], [1])
    group = make_group(tmp_db, RULES)
    group.eval(0)
    group.mark_stale(30_000)
    assert instant(tmp_db, "job:up:sum", 30_000) == {}


def test_xxhash_matches_reference_vectors():
    assert xxh64(b"") == 0xEF46DB3751D8E999
    assert xxh64(b"abc") == 0x44BC2CF5AD770999
    assert xxh64(b"Nobody inspects the spammish repetition") == 0xFBCEA83C8A378BF1
    assert labels_hash([("a", "b")]) == xxh64(b"a\xffb\xff")


def test_eval_timestamp_is_aligned_to_the_group_phase(tmp_db):
    group = make_group(tmp_db, RULES)
    offset = group.offset_ms()
    assert 0 <= offset < M
    assert group.eval_timestamp(10 * M + offset) == 10 * M + offset
    assert group.eval_timestamp(10 * M + offset - 1) == 9 * M + offset
    assert (group.eval_timestamp(123_456_789) - offset) % M == 0


def test_run_evaluates_on_schedule_and_stops(tmp_db):
    append(tmp_db, [up("a")], [0], [1])
    now = [0]
    group = make_group(tmp_db, RULES, interval_ms=50, clock=lambda: now[0])
    seen: list[int] = []

    async def scenario():
        def first(g, t):
            seen.append(t)

        real = group.eval

        def counting(t):
            seen.append(t)
            return real(t)

        group.eval = counting  # type: ignore[method-assign]
        task = asyncio.create_task(group.run(on_first_eval=first))
        for _ in range(200):
            await asyncio.sleep(0.005)
            now[0] += 10
            if len(seen) >= 4:
                break
        group.stop()
        await asyncio.wait_for(task, 2)

    asyncio.run(scenario())
    evals = seen[:1] + seen[2:]
    assert len(evals) >= 3
    assert all((t - group.offset_ms()) % 50 == 0 for t in evals)
    assert evals == sorted(evals)


def test_slow_evaluations_skip_and_count_missed_ticks(tmp_db):
    now = [0]
    group = make_group(tmp_db, RULES, interval_ms=50, clock=lambda: now[0])
    times: list[int] = []
    real = group.eval

    def slow(t):
        times.append(t)
        now[0] = t + 130  # two more ticks come due while this one runs
        return real(t)

    group.eval = slow  # type: ignore[method-assign]

    async def scenario():
        task = asyncio.create_task(group.run())
        for _ in range(400):
            await asyncio.sleep(0.002)
            if len(times) >= 3:
                break
        group.stop()
        await asyncio.wait_for(task, 2)

    asyncio.run(scenario())
    assert times[1] - times[0] == 100
    assert times[2] - times[1] == 100
    assert group.metrics.iterations_missed_total >= 2


def test_group_labels_reach_records_and_alerts_and_rule_labels_win(tmp_db):
    append(tmp_db, [up("a"), Labels.of(__name__="disk_free_bytes", instance="a")], [0, 0], [1, 0])
    text = (Path(__file__).parent / "testdata" / "prom3" / "group_labels.rules.yml").read_text()
    group = make_group(tmp_db, text)
    group.eval(0)
    assert instant(tmp_db, "job:up:sum", 0) == {
        Labels.of(__name__="job:up:sum", job="node", team="storage", severity="ticket"): 1.0
    }
    (alert,) = group.alerting_rules()[0].active.values()
    assert alert.labels == Labels.of(
        alertname="DiskFull", instance="a", team="storage", severity="page"
    )
