"""The Go values templates see: the alert data, query samples, and times.

Field names are Go's (``.Labels``, ``.Value``) because rule files use them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argus.rules.template.gofmt import go_str

__all__ = ["GoTime", "Sample", "TemplateData"]


@dataclass(slots=True)
class TemplateData:
    """``.`` in an alert template; ``$labels`` … ``$value`` are its fields."""

    Labels: dict[str, str] = field(default_factory=dict)
    ExternalLabels: dict[str, str] = field(default_factory=dict)
    ExternalURL: str = ""
    Value: float = 0.0

    go_type = "template.tmplData"


@dataclass(slots=True)
class Sample:
    """One element of a ``query`` result: ``.Labels`` (``__name__`` included) and ``.Value``."""

    Labels: dict[str, str]
    Value: float

    go_type = "*template.sample"

    def __str__(self) -> str:
        return f"&{{{go_str(self.Labels)} {go_str(self.Value)}}}"


@dataclass(frozen=True, slots=True)
class GoTime:
    """A ``time.Time`` in UTC with nanoseconds, printed like Go's ``Time.String``."""

    unix_ns: int

    go_type = "*time.Time"

    @classmethod
    def from_seconds(cls, v: float) -> GoTime:
        if math.isnan(v) or math.isinf(v):
            raise ValueError(f"cannot convert {go_str(v)} to a time")
        return cls(round(v * 1e9))

    def __str__(self) -> str:
        sec, ns = divmod(self.unix_ns, 1_000_000_000)
        t = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=sec)
        frac = f".{ns:09d}".rstrip("0") if ns else ""
        return t.strftime("%Y-%m-%d %H:%M:%S") + frac + " +0000 UTC"
