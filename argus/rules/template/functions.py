"""Template functions: Go's builtins and Prometheus's additions (``template/template.go``).

Each function receives already-evaluated arguments (``and``/``or`` are the exception:
they short-circuit, so :mod:`exec` handles them). A function signals a failure with
:class:`FuncError`; the executor wraps it as ``error calling NAME: …`` the way Go does.
"""

from __future__ import annotations

import html
import math
import re
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from argus.config import parse_duration
from argus.model.relabel import expand_template
from argus.rules.template.gofmt import go_sprint, go_sprintf, go_str, go_type_name
from argus.rules.template.values import GoTime, Sample

__all__ = ["FUNCTION_NAMES", "FuncContext", "FuncError", "QueryFunc", "call_function", "truth"]


class FuncError(Exception):
    """A function rejected its arguments or failed; the message is Go's wording."""


class QueryFunc(Protocol):
    """Runs an instant query at ``t_ms`` for the ``query`` template function."""

    def __call__(self, query: str, t_ms: int) -> list[Sample]: ...


@dataclass(slots=True)
class FuncContext:
    """What functions may need besides their arguments."""

    t_ms: int = 0
    query: QueryFunc | None = None
    external_url: str = ""


def truth(v: Any) -> bool:
    """Go template truthiness: false, 0, nil, and empty strings/maps/slices are false."""
    if v is None:
        return False
    if isinstance(v, (bool, int, float, str, list, dict)):
        return bool(v)
    return True


def to_float(v: Any) -> float:
    """Prometheus's ``convertToFloat``: numbers and numeric strings."""
    if isinstance(v, bool):
        raise FuncError(f"can't convert {go_type_name(v)} to float")
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        try:
            return _parse_go_float(v)
        except ValueError:
            raise FuncError(f'strconv.ParseFloat: parsing "{v}": invalid syntax') from None
    raise FuncError(f"can't convert {go_type_name(v)} to float")


def _parse_go_float(s: str) -> float:
    low = s.lower().lstrip("+-")
    if low in ("inf", "infinity"):
        return -math.inf if s.startswith("-") else math.inf
    if low == "nan":
        return math.nan
    if "_" in s or not s or s != s.strip():
        raise ValueError(s)
    return float(s)


def _str(name: str, v: Any) -> str:
    if not isinstance(v, str):
        raise FuncError(f"wrong type for value; expected string; got {go_type_name(v)}")
    return v


def _g4(v: float) -> str:
    return go_sprintf("%.4g", [v])


def humanize(v: Any) -> str:
    f = to_float(v)
    if f == 0 or math.isnan(f) or math.isinf(f):
        return _g4(f)
    prefix = ""
    if abs(f) >= 1:
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(f) < 1000:
                break
            prefix = p
            f /= 1000
        return _g4(f) + prefix
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(f) >= 1:
            break
        prefix = p
        f *= 1000
    return _g4(f) + prefix


def humanize1024(v: Any) -> str:
    f = to_float(v)
    if abs(f) <= 1 or math.isnan(f) or math.isinf(f):
        return _g4(f)
    prefix = ""
    for p in ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"):
        if abs(f) < 1024:
            break
        prefix = p
        f /= 1024
    return _g4(f) + prefix


def humanize_duration(v: Any) -> str:
    f = to_float(v)
    if math.isnan(f) or math.isinf(f):
        return _g4(f)
    if f == 0:
        return _g4(f) + "s"
    if abs(f) >= 1:
        sign = "-" if f < 0 else ""
        f = abs(f)
        d = int(f)
        seconds, minutes, hours, days = d % 60, (d // 60) % 60, (d // 3600) % 24, d // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{_g4(f)}s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(f) >= 1:
            break
        prefix = p
        f *= 1000
    return f"{_g4(f)}{prefix}s"


def humanize_percentage(v: Any) -> str:
    return go_sprintf("%.4g%%", [to_float(v) * 100])


def humanize_timestamp(v: Any) -> str:
    f = to_float(v)
    if math.isnan(f) or math.isinf(f):
        return _g4(f)
    return str(GoTime.from_seconds(f))


def to_time(v: Any) -> GoTime:
    f = to_float(v)
    try:
        return GoTime.from_seconds(f)
    except ValueError as exc:
        raise FuncError(str(exc)) from None


def _title(s: str) -> str:
    """``strings.Title``: upper-case the first letter after any non-word character."""
    out = []
    prev_sep = True
    for ch in s:
        out.append(ch.upper() if prev_sep else ch)
        prev_sep = not (ch.isalnum() or ch == "_")
    return "".join(out)


def _first(v: Any) -> Sample:
    if not isinstance(v, list):
        raise FuncError(
            f"wrong type for value; expected template.queryResult; got {go_type_name(v)}"
        )
    if not v:
        raise FuncError("first() called on vector with no elements")
    first = v[0]
    assert isinstance(first, Sample)
    return first


def _sample(v: Any) -> Sample | None:
    if v is None or isinstance(v, Sample):
        return v
    raise FuncError(f"wrong type for value; expected *template.sample; got {go_type_name(v)}")


def _label(name: Any, s: Any) -> str:
    sample = _sample(s)
    return sample.Labels.get(_str("label", name), "") if sample else ""


def _value(s: Any) -> float:
    sample = _sample(s)
    return sample.Value if sample else 0.0


def _sort_by_label(name: Any, v: Any) -> list[Any]:
    key = _str("sortByLabel", name)
    if not isinstance(v, list):
        raise FuncError(
            f"wrong type for value; expected template.queryResult; got {go_type_name(v)}"
        )
    return sorted(v, key=lambda s: s.Labels.get(key, "") if isinstance(s, Sample) else "")


def _re_replace_all(pattern: Any, repl: Any, text: Any) -> str:
    try:
        rx = re.compile(_str("reReplaceAll", pattern))
    except re.error as exc:
        raise FuncError(f"error parsing regexp: {exc}") from None
    template = _str("reReplaceAll", repl)
    return rx.sub(lambda m: expand_template(template, m), _str("reReplaceAll", text))


def _match(pattern: Any, text: Any) -> bool:
    try:
        return re.search(_str("match", pattern), _str("match", text)) is not None
    except re.error as exc:
        raise FuncError(f"error parsing regexp: {exc}") from None


def _link(expr: Any, tab: int) -> str:
    q = urllib.parse.quote_plus(_str("link", expr))
    return f"/graph?g0.expr={q}&g0.tab={tab}"


def _strip_port(host: Any) -> str:
    h = _str("stripPort", host)
    if h.startswith("["):
        end = h.find("]")
        return h[1:end] if end > 0 else h
    if h.count(":") == 1:
        return h.split(":", 1)[0]
    return h


def _strip_domain(host: Any) -> str:
    h = _str("stripDomain", host)
    if h.startswith("[") or h.count(":") > 1:
        return h
    host_part, colon, port = h.partition(":")
    if host_part.replace(".", "").isdigit():
        return h
    return host_part.split(".", 1)[0] + (colon + port)


def _parse_duration(text: Any) -> float:
    try:
        return parse_duration(_str("parseDuration", text)) / 1000
    except ValueError as exc:
        raise FuncError(str(exc)) from None


def _len(v: Any) -> int:
    if isinstance(v, (str, list, dict)):
        return len(v)
    raise FuncError(f"len of type {go_type_name(v)}")


def _index(v: Any, *keys: Any) -> Any:
    for k in keys:
        if isinstance(v, dict):
            v = v.get(k, "")
        elif isinstance(v, (list, str)) and isinstance(k, int) and not isinstance(k, bool):
            if not 0 <= k < len(v):
                raise FuncError(f"index out of range: {k}")
            v = v[k]
        else:
            raise FuncError(f"can't index item of type {go_type_name(v)}")
    return v


def _slice(v: Any, *idx: Any) -> Any:
    if not isinstance(v, (str, list)):
        raise FuncError(f"can't slice item of type {go_type_name(v)}")
    bounds = [int(i) for i in idx]
    if len(bounds) > 2 or any(b < 0 or b > len(v) for b in bounds):
        raise FuncError("slice index out of range")
    return v[slice(*bounds)] if bounds else v


_KIND = {bool: "bool", int: "int", float: "float", str: "string"}


def _kind(v: Any) -> str:
    kind = _KIND.get(type(v))
    if kind is None:
        raise FuncError("invalid type for comparison")
    return kind


def _eq(a: Any, *bs: Any) -> bool:
    if not bs:
        raise FuncError("missing argument for comparison")
    for b in bs:
        if _kind(a) != _kind(b):
            raise FuncError("incompatible types for comparison")
        if a == b:
            return True
    return False


def _lt(a: Any, b: Any) -> bool:
    ka, kb = _kind(a), _kind(b)
    if ka == "bool" or kb == "bool":
        raise FuncError("invalid type for comparison")
    if ka != kb:
        raise FuncError("incompatible types for comparison")
    return bool(a < b)


def _printf(fmt: Any, *args: Any) -> str:
    return go_sprintf(_str("printf", fmt), list(args))


def _println(*args: Any) -> str:
    return " ".join(go_str(a) for a in args) + "\n"


def _js(*args: Any) -> str:
    s = go_sprint(list(args))
    table = {"\\": "\\\\", "'": "\\'", '"': "\\u0022", "<": "\\u003C", ">": "\\u003E"}
    table |= {"&": "\\u0026", "=": "\\u003D", "\n": "\\u000A", "\r": "\\u000D"}
    return "".join(table.get(c, c) for c in s)


def _html(*args: Any) -> str:
    return html.escape(go_sprint(list(args))).replace("&#x27;", "&#39;").replace("&quot;", "&#34;")


def _args(*args: Any) -> dict[str, Any]:
    return {f"arg{i}": a for i, a in enumerate(args)}


def _query(ctx: FuncContext, q: Any) -> list[Sample]:
    if ctx.query is None:
        raise FuncError("query is not available in this template")
    return ctx.query(_str("query", q), ctx.t_ms)


_PLAIN: dict[str, Callable[..., Any]] = {
    # Go builtins.
    "not": lambda v: not truth(v),
    "len": _len,
    "index": _index,
    "slice": _slice,
    "print": lambda *a: go_sprint(list(a)),
    "printf": _printf,
    "println": _println,
    "eq": _eq,
    "ne": lambda a, b: not _eq(a, b),
    "lt": _lt,
    "le": lambda a, b: _lt(a, b) or _eq(a, b),
    "gt": lambda a, b: not (_lt(a, b) or _eq(a, b)),
    "ge": lambda a, b: not _lt(a, b),
    "html": _html,
    "js": _js,
    "urlquery": lambda *a: urllib.parse.quote_plus(go_sprint(list(a))),
    # Prometheus.
    "first": _first,
    "label": _label,
    "value": _value,
    "strvalue": lambda s: (_sample(s) or Sample({}, 0.0)).Labels.get("__value__", ""),
    "args": _args,
    "reReplaceAll": _re_replace_all,
    "safeHtml": lambda s: _str("safeHtml", s),
    "match": _match,
    "title": lambda s: _title(_str("title", s)),
    "toUpper": lambda s: _str("toUpper", s).upper(),
    "toLower": lambda s: _str("toLower", s).lower(),
    "graphLink": lambda e: _link(e, 0),
    "tableLink": lambda e: _link(e, 1),
    "sortByLabel": _sort_by_label,
    "humanize": humanize,
    "humanize1024": humanize1024,
    "humanizeDuration": humanize_duration,
    "humanizePercentage": humanize_percentage,
    "humanizeTimestamp": humanize_timestamp,
    "toTime": to_time,
    "stripPort": _strip_port,
    "stripDomain": _strip_domain,
    "parseDuration": _parse_duration,
}

_WITH_CONTEXT: dict[str, Callable[..., Any]] = {
    "query": _query,
    "externalURL": lambda ctx: ctx.external_url,
    "pathPrefix": lambda ctx: urllib.parse.urlsplit(ctx.external_url).path,
}

_SPECIAL = frozenset({"and", "or", "call"})

FUNCTION_NAMES = frozenset(_PLAIN) | frozenset(_WITH_CONTEXT) | _SPECIAL
"""Every name the parser accepts; anything else is ``function "x" not defined``."""


def call_function(name: str, ctx: FuncContext, args: Sequence[Any]) -> Any:
    """Call ``name``; Python-level argument errors become Go's ``wrong number of args``."""
    if name == "call":
        raise FuncError("call of a function value is not supported in rule templates")
    fn = _PLAIN.get(name)
    bound: tuple[Any, ...] = tuple(args)
    if fn is None:
        fn = _WITH_CONTEXT[name]
        bound = (ctx, *args)
    try:
        return fn(*bound)
    except TypeError as exc:
        if "argument" in str(exc):
            raise FuncError(f"wrong number of args for {name}: got {len(args)}") from None
        raise
    except (ValueError, ArithmeticError) as exc:
        raise FuncError(str(exc)) from None
