"""``/api/v1/rules`` and ``/api/v1/alerts`` documents, in Prometheus's JSON shapes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from argus.model import GO_ZERO_TIME, format_rfc3339_ms
from argus.rules import Alert, AlertingRule, RuleManager

__all__ = ["alerts_document", "rule_groups_document"]

JSONDoc = dict[str, Any]


def _time(ms: int) -> str:
    return format_rfc3339_ms(ms) if ms > 0 else GO_ZERO_TIME


def _go_exponent(v: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'e', -1, 64)``, as Prometheus prints alert values."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return str(np.format_float_scientific(v, unique=True, exp_digits=2, trim="-"))


def _alert(a: Alert) -> JSONDoc:
    doc: JSONDoc = {
        "labels": dict(a.labels),
        "annotations": dict(a.annotations),
        "state": a.state.value,
        "activeAt": _time(a.active_at_ms),
        "value": _go_exponent(a.value),
    }
    if a.keep_firing_since_ms:
        doc["keepFiringSince"] = _time(a.keep_firing_since_ms)
    return doc


def rule_groups_document(manager: RuleManager) -> list[JSONDoc]:
    groups = []
    for g in manager.groups():
        rules = []
        for r in g.rules:
            st = r.status
            doc: JSONDoc = {
                "name": r.name,
                "query": r.query,
                "labels": dict(r.labels),
                "health": st.health.value,
                "lastError": st.last_error,
                "evaluationTime": st.evaluation_seconds,
                "lastEvaluation": _time(st.last_evaluation_ms),
            }
            if isinstance(r, AlertingRule):
                alerts = r.active_alerts()
                doc.update(
                    type="alerting",
                    duration=r.hold_ms / 1000,
                    keepFiringFor=r.keep_firing_for_ms / 1000,
                    annotations=dict(r.annotations),
                    alerts=[_alert(a) for a in alerts],
                    state=r.state().value,
                )
            else:
                doc["type"] = "recording"
            rules.append(doc)
        groups.append(
            {
                "name": g.name,
                "file": g.file,
                "rules": rules,
                "interval": g.interval_ms / 1000,
                "limit": g.limit,
                "evaluationTime": g.metrics.last_duration_seconds,
                "lastEvaluation": _time(g.metrics.last_evaluation_ms),
            }
        )
    return groups


def alerts_document(manager: RuleManager) -> list[JSONDoc]:
    return [
        _alert(a)
        for g in manager.groups()
        for r in g.rules
        if isinstance(r, AlertingRule)
        for a in r.active_alerts()
    ]
