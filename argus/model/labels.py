"""Label sets: the identity of a series.

A label set is an immutable tuple of ``(name, value)`` pairs sorted by name, with no
empty values (Prometheus treats an empty value as an absent label). It prints in PromQL
notation so asserts and logs read like queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from argus.model.gofmt import go_quote

__all__ = ["METRIC_NAME", "Labels", "format_go_labels", "is_valid_label_name"]

METRIC_NAME = "__name__"

_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def is_valid_label_name(name: str) -> bool:
    """Legacy (pre-UTF-8) label name syntax, used to decide when quoting is needed."""
    return _LABEL_NAME.fullmatch(name) is not None


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Labels(tuple[tuple[str, str], ...]):
    """A sorted, immutable label set. Compare, hash and sort it like a tuple."""

    __slots__ = ()

    def __new__(cls, pairs: Iterable[tuple[str, str]] = ()) -> Labels:
        items = sorted((n, v) for n, v in pairs if v != "")
        return super().__new__(cls, items)

    @classmethod
    def from_sorted(cls, pairs: Iterable[tuple[str, str]]) -> Labels:
        """Build without sorting or filtering: the caller guarantees both."""
        return super().__new__(cls, pairs)

    @classmethod
    def from_dict(cls, mapping: Mapping[str, str]) -> Labels:
        return cls(mapping.items())

    @classmethod
    def of(cls, **kwargs: str) -> Labels:
        """Shorthand for tests: ``Labels.of(__name__="up", job="api")``."""
        return cls(kwargs.items())

    def get(self, name: str, default: str = "") -> str:
        for n, v in self:
            if n == name:
                return v
        return default

    @property
    def name(self) -> str:
        return self.get(METRIC_NAME)

    def as_dict(self) -> dict[str, str]:
        return dict(self)

    def without(self, *names: str) -> Labels:
        drop = set(names)
        return Labels.from_sorted(p for p in self if p[0] not in drop)

    def __repr__(self) -> str:
        name = ""
        parts = []
        for n, v in self:
            if n == METRIC_NAME and _METRIC_NAME.fullmatch(v):
                name = v
                continue
            key = n if is_valid_label_name(n) else _quote(n)
            parts.append(f"{key}={_quote(v)}")
        if name and not parts:
            return name
        return name + "{" + ", ".join(parts) + "}"

    __str__ = __repr__


def format_go_labels(labels: Labels) -> str:
    """Prometheus's Go ``labels.Labels.String()``: ``{a="1", b="2"}``, name included."""
    return "{" + ", ".join(f"{n}={go_quote(v)}" for n, v in labels) + "}"
