"""Restore ``for`` state after a restart, from the ``ALERTS_FOR_STATE`` series.

Without this, every pending alert with ``for: 1h`` would start waiting again after a
restart, and a restart loop would keep it from ever firing. Each alerting rule writes
``ALERTS_FOR_STATE{…alert labels…} = active_at (s)`` at every evaluation; after the
first evaluation following startup we look up the last such sample (within
``outage_tolerance``) for each active alert and put its ``active_at`` back, shifted by
the outage as Prometheus does (``rules/group.go``, ``RestoreForState``):

- the alert had already waited its full ``for``: keep the old ``active_at`` (it fires
  at the next evaluation if still active);
- less than ``for_grace_period`` was left: fire no sooner than the grace period after
  startup, so a flapping restart cannot fire everything at once;
- otherwise: push ``active_at`` forward by the downtime, so the time spent down does not
  count as pending time.

Rules whose ``for`` is shorter than the grace period are not restored (they would wait
longer restored than fresh).
"""

from __future__ import annotations

import logging
import math

from argus.model import METRIC_NAME, Matcher, MatchType, is_stale_value
from argus.rules.alerting import ALERTS_FOR_STATE_METRIC, Alert
from argus.rules.group import Group
from argus.storage import Querier, Queryable, StorageError

__all__ = ["restore_for_state"]

log = logging.getLogger("argus.rules")


def _last_for_state(querier: Querier, alert: Alert) -> tuple[int, float] | None:
    matchers = [Matcher(MatchType.EQUAL, METRIC_NAME, ALERTS_FOR_STATE_METRIC)]
    matchers += [Matcher(MatchType.EQUAL, n, v) for n, v in alert.labels]
    for labels, ts, values in querier.select(matchers):
        if labels.without(METRIC_NAME) == alert.labels and len(ts):
            return int(ts[-1]), float(values[-1])
    return None


def restore_for_state(
    group: Group,
    t_ms: int,
    queryable: Queryable,
    *,
    outage_tolerance_ms: int = 3_600_000,
    for_grace_period_ms: int = 600_000,
) -> int:
    """Restore the group's active alerts at ``t_ms``; returns how many were restored.

    Every alerting rule of the group is marked restored afterwards, so it writes
    ``ALERTS`` from its next evaluation on.
    """
    restored = 0
    try:
        querier = queryable.querier(t_ms - outage_tolerance_ms, t_ms)
    except StorageError as exc:
        log.error("restoring alert state of group %r failed: %s", group.name, exc)
        for rule in group.alerting_rules():
            rule.restored = True
        return 0
    try:
        for rule in group.alerting_rules():
            hold = rule.hold_ms
            if hold < for_grace_period_ms:
                rule.restored = True
                continue
            for alert in rule.active.values():
                found = _last_for_state(querier, alert)
                if found is None:
                    continue
                down_at_ms, value = found
                if is_stale_value(value) or math.isnan(value):
                    continue
                down_at = down_at_ms // 1000 * 1000
                active_at = int(value) * 1000
                remaining = hold - (down_at - active_at)
                if remaining <= 0:
                    pass
                elif remaining < for_grace_period_ms:
                    active_at = t_ms + for_grace_period_ms - hold
                else:
                    active_at += t_ms - down_at
                alert.active_at_ms = active_at
                restored += 1
            rule.restored = True
    except StorageError as exc:
        log.error("restoring alert state of group %r failed: %s", group.name, exc)
        for rule in group.alerting_rules():
            rule.restored = True
    finally:
        querier.close()
    return restored
