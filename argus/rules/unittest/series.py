"""promtool's input-series notation: ``'1+2x3 _ stale 5x2 _x4 NaN'``.

``a+bxN`` (or ``a-bxN``) is N+1 values starting at ``a``, stepping by ``b``; ``axN``
is ``a`` N+1 times; ``_`` is a missing sample and ``_xN`` N of them; ``stale`` is a
staleness marker. Values are one per ``interval``, starting at time 0. Native
histogram notation (``{{…}}``) is rejected with a clear error.
"""

from __future__ import annotations

import re

from argus.model import STALE_NAN, Labels, MatchType
from argus.promql import PromQLError, parse
from argus.promql.parser.ast import VectorSelector
from argus.rules.template.gofmt import go_quote

__all__ = ["SeriesError", "expand_values", "parse_metric"]

_UNSIGNED = r"(?:Inf|inf|NaN|nan|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)"
_ITEM = re.compile(
    rf"(?P<blank>_)(?:x(?P<bn>\d+))?|(?P<stale>stale)"
    rf"|(?P<a>[-+]?{_UNSIGNED})(?:(?P<b>[-+]{_UNSIGNED})?x(?P<n>\d+))?"
)


class SeriesError(ValueError):
    """A series selector or value string is not valid promtool notation."""


def _num(text: str) -> float:
    low = text.lower().lstrip("+-")
    if low in ("inf", "nan"):
        return float(text)
    return float(text)


def expand_values(text: str) -> list[float | None]:
    """One entry per step: a value, ``STALE_NAN``, or ``None`` for a missing sample."""
    out: list[float | None] = []
    for item in str(text).split():
        if item.startswith("{{"):
            raise SeriesError(f"native histogram notation is not supported: {item!r}")
        m = _ITEM.fullmatch(item)
        if m is None:
            raise SeriesError(f"invalid value {item!r} in series values {text!r}")
        if m.group("blank"):
            out.extend([None] * int(m.group("bn") or 1))
        elif m.group("stale"):
            out.append(STALE_NAN)
        else:
            a = _num(m.group("a"))
            if m.group("n") is None:
                out.append(a)
                continue
            step = _num(m.group("b")) if m.group("b") else 0.0
            out.extend(a + i * step for i in range(int(m.group("n")) + 1))
    return out


def parse_metric(text: str) -> Labels:
    """Prometheus's ``parser.ParseMetric``: ``name{l="v", …}`` with equality matchers."""
    if text.strip() in ("", "{}"):
        return Labels()
    try:
        expr = parse(text)
    except PromQLError as exc:
        raise SeriesError(f"{go_quote(text)}: {exc}") from None
    if not isinstance(expr, VectorSelector) or expr.offset_ms or expr.at is not None:
        raise SeriesError(f'{text!r} is not a series (name{{label="value", …}})')
    pairs = []
    for m in expr.matchers:
        if m.type is not MatchType.EQUAL:
            raise SeriesError(f"{go_quote(text)}: only = matchers describe a series")
        pairs.append((m.name, m.value))
    return Labels(pairs)
