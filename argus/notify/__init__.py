"""Alert notifications: per-Alertmanager queues, batching, retries, circuit breakers."""

from argus.notify.alert import Alert, rfc3339_ms
from argus.notify.alertmanager import AlertmanagerTarget, post_alerts, targets_from_config
from argus.notify.errors import NotifyError, SendError
from argus.notify.manager import Notifier, NotifierOptions, SenderStats
from argus.notify.metrics import notifier_metrics

__all__ = [
    "Alert",
    "AlertmanagerTarget",
    "Notifier",
    "NotifierOptions",
    "NotifyError",
    "SendError",
    "SenderStats",
    "notifier_metrics",
    "post_alerts",
    "rfc3339_ms",
    "targets_from_config",
]
