"""Alert notifications: Alertmanager discovery, per-Alertmanager queues, retries, breakers."""

from argus.notify.alert import Alert, rfc3339_ms
from argus.notify.alertmanager import (
    AlertmanagerTarget,
    alertmanager_labels,
    alertmanager_url,
    post_alerts,
    target_for,
    targets_from_config,
)
from argus.notify.discovery import AlertmanagerSet
from argus.notify.errors import NotifyError, SendError
from argus.notify.manager import Notifier, NotifierOptions, SenderStats
from argus.notify.metrics import notifier_metrics

__all__ = [
    "Alert",
    "AlertmanagerSet",
    "AlertmanagerTarget",
    "Notifier",
    "NotifierOptions",
    "NotifyError",
    "SendError",
    "SenderStats",
    "alertmanager_labels",
    "alertmanager_url",
    "notifier_metrics",
    "post_alerts",
    "rfc3339_ms",
    "target_for",
    "targets_from_config",
]
