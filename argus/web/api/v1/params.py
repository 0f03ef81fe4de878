"""Request parameters parsed exactly as Prometheus's ``web/api/v1`` parses them.

Times are Unix seconds (float, rounded to the millisecond) or RFC 3339; durations are
float seconds or Prometheus duration strings (``1h30m``). Python's ``float()`` and
``datetime.fromisoformat`` accept more than Go does (``1_000``, ``infinity``, spaces,
dates without a zone), so both are gated by Go's grammar first: a client that works
against Argus then also works against Prometheus.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from multidict import MultiDictProxy

from argus.model import Matcher
from argus.promql import ParseError
from argus.promql.parser import parse_selector
from argus.web.api.v1.errors import APIError, bad_data, invalid_param

__all__ = [
    "MAX_TIME_MS",
    "MIN_TIME_MS",
    "Form",
    "parse_bool",
    "parse_duration_ms",
    "parse_limit",
    "parse_matcher_sets",
    "parse_metric_selector",
    "parse_time_ms",
    "time_param",
]

Form = MultiDictProxy[str]

# Prometheus's MinTime/MaxTime (api.go), in ms, and how they print in RFC 3339.
MIN_TIME_MS = -9_223_309_901_258_974_000
MAX_TIME_MS = 9_223_309_901_258_974_999
_MIN_TIME_TEXT = "-292273086-05-16T16:47:06Z"
_MAX_TIME_TEXT = "292277025-08-18T07:12:54.999999999Z"

_GO_FLOAT = re.compile(
    r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN])"
)
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})"
)
_DURATION = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_DURATION_MS = (365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1)
_INT64_MAX = 2**63 - 1


def _go_float(s: str) -> float | None:
    """``strconv.ParseFloat(s, 64)`` for decimal input; None where Go would fail."""
    if not _GO_FLOAT.fullmatch(s):
        return None
    return float(s)


def _days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (any year, unlike datetime)."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def parse_time_ms(s: str) -> int:
    """A time parameter in ms; raises ``ValueError`` with Prometheus's message."""
    t = _go_float(s)
    if t is not None:
        if not math.isfinite(t) or abs(t) >= 9.2e15:
            raise ValueError(f'cannot parse "{s}" to a valid timestamp')
        frac, sec = math.modf(t)
        frac = round(frac * 1000) / 1000
        # time.Unix(sec, frac*1e9), then timestamp.FromTime: floor to whole ms.
        return (int(sec) * 10**9 + int(frac * 1e9)) // 10**6
    if s == _MIN_TIME_TEXT:
        return MIN_TIME_MS
    if s == _MAX_TIME_TEXT:
        return MAX_TIME_MS
    m = _RFC3339.fullmatch(s)
    if m is not None:
        y, mo, d, hh, mm, ss = (int(g) for g in m.groups()[:6])
        if 1 <= mo <= 12 and 1 <= d <= 31 and hh < 24 and mm < 60 and ss < 60:
            nanos = int((m.group(7) or "0")[:9].ljust(9, "0"))
            zone = m.group(8)
            offset_s = 0
            if zone != "Z":
                sign = -1 if zone[0] == "-" else 1
                offset_s = sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
            secs = _days_from_civil(y, mo, d) * 86_400 + hh * 3600 + mm * 60 + ss - offset_s
            return (secs * 10**9 + nanos) // 10**6
    raise ValueError(f'cannot parse "{s}" to a valid timestamp')


def parse_duration_ms(s: str) -> int:
    """A duration parameter in ms (truncated); raises ``ValueError`` like Prometheus."""
    d = _go_float(s)
    if d is not None:
        ns = d * 1e9
        if math.isnan(ns) or ns > _INT64_MAX or ns < -_INT64_MAX - 1:
            raise ValueError(f'cannot parse "{s}" to a valid duration. It overflows int64')
        n = int(ns)
        return n // 10**6 if n >= 0 else -(-n // 10**6)
    m = _DURATION.fullmatch(s)
    if s == "0":
        return 0
    if m is not None and any(m.groups()):
        return sum(int(g) * u for g, u in zip(m.groups(), _DURATION_MS, strict=True) if g)
    raise ValueError(f'cannot parse "{s}" to a valid duration')


def time_param(form: Form, name: str, default: int) -> int:
    """``parseTimeParam``: the default when absent or empty."""
    value = form.get(name, "")
    if not value:
        return default
    try:
        return parse_time_ms(value)
    except ValueError as exc:
        raise invalid_param(name, f"invalid time value for '{name}': {exc}") from None


def parse_limit(form: Form, name: str = "limit") -> int:
    """``parseLimitParam``: 0 means no limit."""
    text = form.get(name, "")
    if not text:
        return 0
    if not re.fullmatch(r"[+-]?\d+", text):
        raise invalid_param(name, f'strconv.Atoi: parsing "{text}": invalid syntax')
    limit = int(text)
    if limit < 0:
        raise invalid_param(name, "limit must be non-negative")
    return limit


def parse_bool(text: str) -> bool:
    """Go's ``strconv.ParseBool``."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ValueError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def parse_metric_selector(text: str) -> list[Matcher]:
    """One ``match[]`` value: a bare series selector, no offset or ``@``."""
    return list(parse_selector(text).matchers)


def parse_matcher_sets(values: Sequence[str], max_sets: int) -> list[list[Matcher]]:
    """``parseMatchersParam``: each set must hold a matcher that rejects the empty string."""
    if len(values) > max_sets:
        raise bad_data(f"too many match[] parameters: {len(values)} (limit {max_sets})")
    sets: list[list[Matcher]] = []
    for text in values:
        try:
            matchers = parse_metric_selector(text)
        except ParseError as exc:
            raise APIError("bad_data", str(exc)) from None
        if all(m.matches("") for m in matchers):
            raise bad_data("match[] must contain at least one non-empty matcher")
        sets.append(matchers)
    return sets
