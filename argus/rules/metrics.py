"""Rule evaluation metrics under Prometheus's names (``rules/group.go``, ``manager.go``).

Every per-group series carries ``rule_group="FILE;GROUP"``, Prometheus's label value,
so dashboards and alerts written for Prometheus (``rate(prometheus_rule_evaluation_
failures_total[5m]) > 0``) work unchanged. Durations are exported as summaries with
``_sum``/``_count`` only.
"""

from __future__ import annotations

from collections.abc import Callable

from argus.rules.group import Group
from argus.rules.manager import RuleManager

__all__ = ["rule_metrics"]


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def rule_metrics(manager: RuleManager) -> str:
    """Text exposition of the rule manager's groups."""
    groups = manager.groups()
    out: list[str] = []

    def family(name: str, kind: str, help_: str, rows: list[tuple[str, float]]) -> None:
        out.append(f"# HELP {name} {help_}\n# TYPE {name} {kind}\n")
        out.extend(f"{name}{labels} {value:.17g}\n" for labels, value in rows)

    lb = {g.key: "{rule_group=" + _q(g.metric_label) + "}" for g in groups}
    per_group: list[tuple[str, str, str, Callable[[Group], float]]] = [
        ("prometheus_rule_evaluations_total", "counter", "The total number of rule evaluations.",
         lambda g: g.metrics.evaluations_total),
        ("prometheus_rule_evaluation_failures_total", "counter",
         "The total number of rule evaluation failures.",
         lambda g: g.metrics.evaluation_failures_total),
        ("prometheus_rule_group_iterations_total", "counter",
         "The total number of scheduled rule group evaluations, whether executed or missed.",
         lambda g: g.metrics.iterations_total),
        ("prometheus_rule_group_iterations_missed_total", "counter",
         "The total number of rule group evaluations missed due to slow rule group evaluation.",
         lambda g: g.metrics.iterations_missed_total),
        ("prometheus_rule_group_interval_seconds", "gauge",
         "The interval of a rule group.", lambda g: g.interval_ms / 1000),
        ("prometheus_rule_group_last_duration_seconds", "gauge",
         "The duration of the last rule group evaluation.",
         lambda g: g.metrics.last_duration_seconds),
        ("prometheus_rule_group_last_evaluation_timestamp_seconds", "gauge",
         "The timestamp of the last rule group evaluation in seconds.",
         lambda g: g.metrics.last_evaluation_ms / 1000),
        ("prometheus_rule_group_last_evaluation_samples", "gauge",
         "The number of samples returned during the last rule group evaluation.",
         lambda g: g.metrics.last_evaluation_samples),
        ("prometheus_rule_group_last_restore_duration_seconds", "gauge",
         "The duration of the last alert rules alerts restoration.",
         lambda g: g.metrics.last_restore_duration_seconds),
        ("prometheus_rule_group_rules", "gauge", "The number of rules.",
         lambda g: len(g.rules)),
    ]  # fmt: skip
    for name, kind, help_, get in per_group:
        family(name, kind, help_, [(lb[g.key], float(get(g))) for g in groups])
    family(
        "prometheus_rule_evaluation_duration_seconds",
        "summary",
        "The duration for a rule to execute.",
        [
            ("_sum", sum(g.metrics.rule_eval_seconds_sum for g in groups)),
            ("_count", float(sum(g.metrics.evaluations_total for g in groups))),
        ],
    )
    family(
        "prometheus_rule_group_duration_seconds",
        "summary",
        "The duration of rule group evaluations.",
        [
            ("_sum", sum(g.metrics.eval_seconds_sum for g in groups)),
            ("_count", float(sum(g.metrics.iterations_total for g in groups))),
        ],
    )
    return "".join(out)
