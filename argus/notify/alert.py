"""An alert as sent to an Alertmanager: labels, annotations, times, generator URL."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from argus.model import Labels, format_rfc3339_ms

__all__ = ["Alert", "rfc3339_ms"]

rfc3339_ms = format_rfc3339_ms


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert notification. ``ends_at_ms`` is the resolve time or the validity end."""

    labels: Labels
    annotations: Labels = field(default_factory=Labels)
    starts_at_ms: int = 0
    ends_at_ms: int = 0
    generator_url: str = ""

    def __repr__(self) -> str:
        return f"Alert({self.labels}, starts={self.starts_at_ms}, ends={self.ends_at_ms})"

    @property
    def name(self) -> str:
        return self.labels.get("alertname")

    def resolved_at(self, now_ms: int) -> bool:
        return self.ends_at_ms != 0 and self.ends_at_ms <= now_ms

    def with_labels(self, labels: Labels) -> Alert:
        return replace(self, labels=labels)

    def to_v2(self) -> dict[str, Any]:
        """Alertmanager API v2 ``postableAlert``."""
        out: dict[str, Any] = {
            "labels": dict(self.labels),
            "annotations": dict(self.annotations),
        }
        if self.starts_at_ms:
            out["startsAt"] = rfc3339_ms(self.starts_at_ms)
        if self.ends_at_ms:
            out["endsAt"] = rfc3339_ms(self.ends_at_ms)
        if self.generator_url:
            out["generatorURL"] = self.generator_url
        return out
