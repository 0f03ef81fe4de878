"""Which rules of a group read what an earlier rule of the same group writes.

A group evaluates its rules in order, and a rule may use the series an earlier rule
just wrote (Prometheus's ordering guarantee). When no rule does, the group can store
all its outputs with one commit at the end of the evaluation instead of one per rule,
which saves a WAL write and a head commit per rule. This is the same static analysis
Prometheus's rule dependency controller does: a rule depends on an earlier one when
one of its selectors could match the earlier rule's output name (``ALERTS`` and
``ALERTS_FOR_STATE`` for alerting rules). A selector without a ``__name__`` matcher
could match anything, and templates that run ``query`` could read anything: both count
as dependencies, to stay on the safe side.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from argus.model import METRIC_NAME
from argus.promql.parser.ast import Expr, VectorSelector
from argus.rules.alerting import ALERTS_FOR_STATE_METRIC, ALERTS_METRIC, AlertingRule
from argus.rules.recording import RecordingRule

__all__ = ["any_rule_reads_earlier_output", "can_commit_once", "selectors"]


def selectors(expr: Expr) -> Iterator[VectorSelector]:
    """Every vector selector in ``expr`` (also those inside range selectors)."""
    if isinstance(expr, VectorSelector):
        yield expr
        return
    for f in dataclasses.fields(expr):
        value = getattr(expr, f.name)
        children = value if isinstance(value, tuple) else (value,)
        for child in children:
            if dataclasses.is_dataclass(child) and not isinstance(child, type):
                yield from selectors(child)  # type: ignore[arg-type]


def _reads(expr: Expr, names: set[str]) -> bool:
    for sel in selectors(expr):
        name_matchers = [m for m in sel.matchers if m.name == METRIC_NAME]
        if not name_matchers:
            return True
        if any(all(m.matches(n) for m in name_matchers) for n in names):
            return True
    return False


def _writes(rule: RecordingRule | AlertingRule) -> set[str]:
    if isinstance(rule, AlertingRule):
        return {ALERTS_METRIC, ALERTS_FOR_STATE_METRIC}
    return {rule.name}


def _templates_query(rule: RecordingRule | AlertingRule) -> bool:
    if not isinstance(rule, AlertingRule):
        return False
    spec = rule.spec
    return any("query" in text for _, text in (*spec.labels, *spec.annotations))


def any_rule_reads_earlier_output(rules: Sequence[RecordingRule | AlertingRule]) -> bool:
    """True unless no rule can see what an earlier rule of the sequence wrote."""
    written: set[str] = set()
    for rule in rules:
        if written and (_templates_query(rule) or _reads(rule.expr, written)):
            return True
        written |= _writes(rule)
    return False


def can_commit_once(rules: Sequence[RecordingRule | AlertingRule]) -> bool:
    """True if a group may store all its rules' outputs in one commit at the end.

    Besides no rule reading an earlier one's output, no two rules may write the same
    series: same recording name, or same alert name (so per-rule commits would have
    rejected the second sample as a duplicate, and one batch must not hold both).
    """
    seen: set[tuple[str, str]] = set()
    for rule in rules:
        key = ("alert" if isinstance(rule, AlertingRule) else "record", rule.name)
        if key in seen:
            return False
        seen.add(key)
    return not any_rule_reads_earlier_output(rules)
