"""Alerting rules: the inactive → pending → firing → resolved state machine.

Semantics are Prometheus's (``rules/alerting.go``), step by step at each evaluation
``t``:

1. The expression runs at ``t - query_offset``. Each output sample becomes an alert
   whose labels are the sample's (without ``__name__``), then the rule's labels
   (templated), then ``alertname``; annotations are templated too.
2. A new label set starts ``pending`` with ``active_at = t``. A known, still active
   alert keeps its ``active_at`` and takes the new value and annotations.
3. An alert missing from the output: a pending one is dropped; a firing one becomes
   ``inactive`` with ``resolved_at = t`` and is kept for 15 minutes so the
   Alertmanager learns it resolved, unless ``keep_firing_for`` holds it firing until
   it has been missing that long.
4. A pending alert whose ``t - active_at >= for`` fires (immediately when ``for`` is 0).
5. More active alerts than ``limit`` fail the evaluation and clear all alerts.

Outputs are the ``ALERTS{alertstate=…}`` (value 1) and ``ALERTS_FOR_STATE`` (value
``active_at`` in seconds, which :mod:`restore` reads after a restart) samples of
every pending or firing alert, once the rule's state has been restored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from argus.model import METRIC_NAME, Labels
from argus.promql import PromQLError, format_expr, parse
from argus.rules.errors import RuleEvalError
from argus.rules.load import RuleSpec
from argus.rules.rule import EvalSample, QueryFunc, RuleStatus
from argus.rules.template import (
    FuncContext,
    Sample,
    Template,
    TemplateData,
    TemplateQueryFunc,
    expand_alert_template,
    parse_template,
)

__all__ = ["RESOLVED_RETENTION_MS", "Alert", "AlertState", "AlertingRule"]

RESOLVED_RETENTION_MS = 15 * 60_000
"""How long a resolved alert is kept (and re-sent as resolved) before it is forgotten."""

ALERTS_METRIC = "ALERTS"
ALERTS_FOR_STATE_METRIC = "ALERTS_FOR_STATE"


class AlertState(enum.Enum):
    """Values are the ``alertstate`` label values and the API's ``state`` strings."""

    INACTIVE = "inactive"
    PENDING = "pending"
    FIRING = "firing"


@dataclass(slots=True)
class Alert:
    """One alert instance. Times are ms since the epoch; 0 (or None) means "not yet"."""

    labels: Labels
    annotations: Labels
    state: AlertState
    value: float
    active_at_ms: int
    fired_at_ms: int = 0
    resolved_at_ms: int = 0
    last_sent_at_ms: int | None = None
    valid_until_ms: int = 0
    keep_firing_since_ms: int = 0

    def __repr__(self) -> str:
        return f"Alert({self.labels}, {self.state.value}, active_at={self.active_at_ms})"

    def needs_sending(self, t_ms: int, resend_delay_ms: int) -> bool:
        """Prometheus's ``needsSending``: firing or newly resolved, and due for a resend."""
        if self.state is AlertState.PENDING:
            return False
        if self.last_sent_at_ms is None:
            return True
        if self.resolved_at_ms and self.last_sent_at_ms < self.resolved_at_ms:
            return True
        return self.last_sent_at_ms + resend_delay_ms <= t_ms


@dataclass(slots=True)
class _Templates:
    labels: list[tuple[str, Template]] = field(default_factory=list)
    annotations: list[tuple[str, Template]] = field(default_factory=list)


class AlertingRule:
    """One ``alert:`` rule and its active alerts. Not thread-safe: its group runs it."""

    def __init__(
        self,
        spec: RuleSpec,
        *,
        external_labels: Labels | None = None,
        external_url: str = "",
        restored: bool = False,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.query = spec.expr
        self.expr = parse(spec.expr)
        self.hold_ms = spec.for_ms
        self.keep_firing_for_ms = spec.keep_firing_for_ms
        self.labels = Labels(spec.labels)
        self.annotations = Labels(spec.annotations)
        self.external_labels = external_labels if external_labels is not None else Labels()
        self.external_url = external_url
        self.restored = restored
        self.status = RuleStatus()
        self.active: dict[Labels, Alert] = {}
        name = f"__alert_{self.name}"
        self._templates = _Templates(
            [(k, parse_template(v, name)) for k, v in spec.labels],
            [(k, parse_template(v, name)) for k, v in spec.annotations],
        )

    def __repr__(self) -> str:
        return f"AlertingRule({self.name!r}, expr={self.query!r}, alerts={len(self.active)})"

    def identity(self) -> tuple[str, str, Labels]:
        return ("alert", self.name, self.labels)

    def generator_path(self) -> str:
        """The expression's table link, appended to the external URL for ``generatorURL``."""
        from urllib.parse import quote_plus

        return f"/graph?g0.expr={quote_plus(format_expr(self.expr))}&g0.tab=1"

    def active_alerts(self) -> list[Alert]:
        """Pending and firing alerts (resolved ones kept for resending are left out)."""
        return [a for a in self.active.values() if a.state is not AlertState.INACTIVE]

    def state(self) -> AlertState:
        """The rule's state: the most severe state among its alerts."""
        states = {a.state for a in self.active.values()}
        for s in (AlertState.FIRING, AlertState.PENDING):
            if s in states:
                return s
        return AlertState.INACTIVE

    # -- evaluation
    def eval(
        self, t_ms: int, query_offset_ms: int, query: QueryFunc, limit: int
    ) -> list[EvalSample]:
        """Advance the state machine to ``t_ms``; return ALERTS/ALERTS_FOR_STATE samples."""
        result = query(self.expr, t_ms - query_offset_ms)
        ctx = FuncContext(t_ms=t_ms, query=_template_query(query), external_url=self.external_url)
        ext = dict(self.external_labels)
        current: dict[Labels, Alert] = {}
        for labels, value in result:
            data = TemplateData(dict(labels), ext, self.external_url, value)
            lb = dict(labels.without(METRIC_NAME))
            for name, tmpl in self._templates.labels:
                lb[name] = expand_alert_template(tmpl, data, ctx)
            lb["alertname"] = self.name
            alert_labels = Labels(lb.items())
            annotations = Labels(
                (k, expand_alert_template(t, data, ctx)) for k, t in self._templates.annotations
            )
            if alert_labels in current:
                raise RuleEvalError(
                    "vector contains metrics with the same labelset after applying alert labels"
                )
            current[alert_labels] = Alert(
                alert_labels, annotations, AlertState.PENDING, value, active_at_ms=t_ms
            )
        for key, new in current.items():
            old = self.active.get(key)
            if old is not None and old.state is not AlertState.INACTIVE:
                old.value = new.value
                old.annotations = new.annotations
                continue
            self.active[key] = new
        return self._advance(t_ms, current, limit)

    def _advance(self, t_ms: int, current: dict[Labels, Alert], limit: int) -> list[EvalSample]:
        out: list[EvalSample] = []
        n_active = 0
        for key, alert in list(self.active.items()):
            if key not in current:
                keep_firing = False
                if alert.state is AlertState.FIRING and self.keep_firing_for_ms > 0:
                    if not alert.keep_firing_since_ms:
                        alert.keep_firing_since_ms = t_ms
                    keep_firing = t_ms - alert.keep_firing_since_ms < self.keep_firing_for_ms
                if alert.state is AlertState.PENDING or (
                    alert.resolved_at_ms and t_ms - alert.resolved_at_ms > RESOLVED_RETENTION_MS
                ):
                    del self.active[key]
                if alert.state is not AlertState.INACTIVE and not keep_firing:
                    alert.state = AlertState.INACTIVE
                    alert.resolved_at_ms = t_ms
                if not keep_firing:
                    continue
            else:
                alert.keep_firing_since_ms = 0
            n_active += 1
            if alert.state is AlertState.PENDING and t_ms - alert.active_at_ms >= self.hold_ms:
                alert.state = AlertState.FIRING
                alert.fired_at_ms = t_ms
            if self.restored:
                out.append(self._alerts_sample(alert))
                out.append(self._for_state_sample(alert))
        if 0 < limit < n_active:
            self.active.clear()
            raise RuleEvalError(f"exceeded limit of {limit} with {n_active} alerts")
        return out

    def _alerts_sample(self, alert: Alert) -> EvalSample:
        lb = dict(alert.labels)
        lb[METRIC_NAME] = ALERTS_METRIC
        lb["alertstate"] = alert.state.value
        return Labels(lb.items()), 1.0

    def _for_state_sample(self, alert: Alert) -> EvalSample:
        lb = dict(alert.labels)
        lb[METRIC_NAME] = ALERTS_FOR_STATE_METRIC
        return Labels(lb.items()), alert.active_at_ms // 1000 * 1.0

    # -- notification
    def alerts_to_send(self, t_ms: int, resend_delay_ms: int, interval_ms: int) -> list[Alert]:
        """Alerts due for (re)sending; marks them sent and extends their validity."""
        out: list[Alert] = []
        for alert in self.active.values():
            if not alert.needs_sending(t_ms, resend_delay_ms):
                continue
            alert.last_sent_at_ms = t_ms
            alert.valid_until_ms = t_ms + 4 * max(resend_delay_ms, interval_ms)
            out.append(alert)
        return out


def _template_query(rule_query: QueryFunc) -> TemplateQueryFunc:
    """The ``query`` template function on top of the rule's query seam."""

    def run(query: str, t_ms: int) -> list[Sample]:
        try:
            expr = parse(query)
        except PromQLError as exc:
            raise ValueError(str(exc)) from None
        try:
            return [Sample(dict(lb), v) for lb, v in rule_query(expr, t_ms)]
        except RuleEvalError as exc:
            raise ValueError(str(exc)) from None

    return run
