"""The notifier's metrics under Prometheus's names (``notifier/notifier.go``).

``prometheus_notifications_dropped_total`` counts alerts lost to a full queue or
rejected by an Alertmanager; queue length is summed over the per-Alertmanager queues
and capacity is per queue. Breaker states are not here: pass ``notifier.breakers()``
to :func:`argus.resilience.resilience_metrics` together with the other breakers, so
the server prints each metric family once.
"""

from __future__ import annotations

from argus.notify.manager import Notifier

__all__ = ["notifier_metrics"]


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def notifier_metrics(notifier: Notifier) -> str:
    """Text exposition of the notifier's state."""
    out: list[str] = []

    def family(name: str, kind: str, help_: str, rows: list[tuple[str, float]]) -> None:
        out.append(f"# HELP {name} {help_}\n# TYPE {name} {kind}\n")
        out.extend(f"{name}{labels} {value:g}\n" for labels, value in rows)

    stats = notifier.stats()
    am = {url: "{alertmanager=" + _q(url) + "}" for url in stats}
    family(
        "prometheus_notifications_latency_seconds",
        "summary",
        "Latency quantiles for sending alert notifications.",
        [(f"_sum{am[u]}", s.latency_sum_s) for u, s in stats.items()]
        + [(f"_count{am[u]}", s.latency_count) for u, s in stats.items()],
    )
    family(
        "prometheus_notifications_errors_total",
        "counter",
        "Total number of sent alerts affected by errors.",
        [(am[u], s.errors_total) for u, s in stats.items()],
    )
    family(
        "prometheus_notifications_sent_total",
        "counter",
        "Total number of alerts sent.",
        [(am[u], s.sent_total) for u, s in stats.items()],
    )
    dropped = notifier.dropped_total + sum(s.dropped_total for s in stats.values())
    family(
        "prometheus_notifications_dropped_total",
        "counter",
        "Total number of alerts dropped due to errors when sending to Alertmanager.",
        [("", dropped)],
    )
    family(
        "prometheus_notifications_queue_length",
        "gauge",
        "The number of alert notifications in the queue.",
        [("", notifier.queue_length())],
    )
    family(
        "prometheus_notifications_queue_capacity",
        "gauge",
        "The capacity of the alert notifications queue.",
        [("", notifier.options.queue_capacity)],
    )
    family(
        "prometheus_notifications_alertmanagers_discovered",
        "gauge",
        "The number of alertmanagers discovered and active.",
        [("", len(stats))],
    )
    return "".join(out)
