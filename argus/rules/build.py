"""Turn parsed rule files into live :class:`Group` objects (shared by server and tests)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from argus.model import Labels, now_ms
from argus.rules.alerting import AlertingRule
from argus.rules.group import Group, Rule, SendAlerts
from argus.rules.load import GroupSpec
from argus.rules.recording import RecordingRule
from argus.rules.rule import QueryFunc
from argus.storage import Appendable

__all__ = ["build_group"]


def build_group(
    spec: GroupSpec,
    *,
    default_interval_ms: int,
    appendable: Appendable,
    query: QueryFunc,
    default_query_offset_ms: int = 0,
    external_labels: Labels | None = None,
    external_url: str = "",
    restored: bool = False,
    resend_delay_ms: int = 60_000,
    send_alerts: SendAlerts | None = None,
    clock: Callable[[], int] = now_ms,
) -> Group:
    """A group for ``spec``; group fields override the global defaults given here.

    The group's ``labels`` are merged into each rule's (the rule's win), as Prometheus
    does when it loads a group, so the API and reload identity see the merged labels.
    """
    specs = [replace(r, labels=spec.rule_labels(r)) for r in spec.rules]
    rules: list[Rule] = [
        AlertingRule(
            r, external_labels=external_labels, external_url=external_url, restored=restored
        )
        if r.is_alert
        else RecordingRule(r)
        for r in specs
    ]
    return Group(
        spec.name,
        spec.file,
        rules,
        interval_ms=spec.interval_ms or default_interval_ms,
        query_offset_ms=(
            spec.query_offset_ms if spec.query_offset_ms is not None else default_query_offset_ms
        ),
        limit=spec.limit,
        appendable=appendable,
        query=query,
        resend_delay_ms=resend_delay_ms,
        send_alerts=send_alerts,
        clock=clock,
    )
