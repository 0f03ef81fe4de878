"""Go's ``fmt`` for the values templates handle: ``%v`` printing and ``printf``.

Rule files are written against Go's output (``{{ $value }}`` prints ``1e+06``, not
``1000000.0``; ``printf "%d" 1.5`` prints ``%!d(float64=1.5)``), and the same file must
render the same in Argus and Prometheus, so these mirror Go rather than Python.

Values are Python stand-ins for Go's: ``str``, ``bool``, ``int``, ``float`` (float64),
``None`` (nil), ``dict`` (a map), ``list`` (a slice) and the objects in
:mod:`argus.rules.template.values`, which print themselves through ``go_str``.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from argus.model import go_quote

__all__ = ["go_quote", "go_sprint", "go_sprintf", "go_str", "go_type_name", "shortest_g"]

_VERB = re.compile(r"%([-+# 0]*)(\d+|\*)?(?:\.(\d*|\*))?([a-zA-Z%])")


def _digits(f: float) -> tuple[str, int]:
    """Shortest round-trip digits of ``abs(f)`` and the decimal point position."""
    sign_digits_exp = Decimal(repr(abs(f))).as_tuple()
    digits = "".join(map(str, sign_digits_exp.digits)).rstrip("0") or "0"
    exp = int(sign_digits_exp.exponent)
    n_all = len(sign_digits_exp.digits)
    dp = n_all + exp
    if digits == "0":
        dp = 1
    return digits, dp


def _exp_form(neg: bool, digits: str, dp: int) -> str:
    mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    e = dp - 1
    return f"{'-' if neg else ''}{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"


def shortest_g(f: float) -> str:
    """Go's ``strconv.FormatFloat(f, 'g', -1, 64)``, which ``%v`` uses for floats."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    neg = f < 0 or (f == 0 and math.copysign(1, f) < 0)
    digits, dp = _digits(f)
    exp = dp - 1
    if exp < -4 or exp >= 6:
        return _exp_form(neg, digits, dp)
    if dp <= 0:
        body = "0." + "0" * (-dp) + digits
    elif dp >= len(digits):
        body = digits + "0" * (dp - len(digits))
    else:
        body = digits[:dp] + "." + digits[dp:]
    return ("-" if neg else "") + body


def _fmt_float(f: float, verb: str, prec: int | None) -> str:
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if verb in "gG" and prec is None:
        out = shortest_g(f)
        return out.upper() if verb == "G" else out
    p = 6 if prec is None else prec
    out = format(f, f".{p}{verb}")
    return out


def go_type_name(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "map[string]string"
    if isinstance(v, list):
        return "[]interface {}"
    if v is None:
        return "<nil>"
    return str(getattr(v, "go_type", type(v).__name__))


def go_str(v: Any) -> str:
    """``fmt.Sprint(v)`` for one value: Go's default ``%v`` format."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return shortest_g(v)
    if v is None:
        return "<nil>"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{go_str(k)}:{go_str(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_str(x) for x in v) + "]"
    return str(v)


def go_sprint(args: list[Any]) -> str:
    """``fmt.Sprint``: a space between operands when neither side is a string."""
    out: list[str] = []
    for i, a in enumerate(args):
        if i > 0 and not isinstance(a, str) and not isinstance(args[i - 1], str):
            out.append(" ")
        out.append(go_str(a))
    return "".join(out)


def _pad(s: str, flags: str, width: int | None, numeric: bool) -> str:
    if width is None or len(s) >= width:
        return s
    if "-" in flags:
        return s.ljust(width)
    if "0" in flags and numeric:
        sign = s[0] if s[:1] in "+-" else ""
        return sign + s[len(sign) :].rjust(width - len(sign), "0")
    return s.rjust(width)


def _bad(verb: str, v: Any) -> str:
    return f"%!{verb}({go_type_name(v)}={go_str(v)})"


def _format_one(verb: str, flags: str, width: int | None, prec: int | None, v: Any) -> str:
    numeric = False
    if verb == "v":
        s = go_str(v)
        numeric = isinstance(v, (int, float)) and not isinstance(v, bool)
    elif verb == "d":
        if isinstance(v, int) and not isinstance(v, bool):
            s, numeric = str(v), True
            if "+" in flags and v >= 0:
                s = "+" + s
        else:
            return _bad(verb, v)
    elif verb in "feEgGF":
        if isinstance(v, float):
            s, numeric = _fmt_float(v, verb.lower() if verb == "F" else verb, prec), True
            if "+" in flags and not s.startswith("-"):
                s = "+" + s
        else:
            return _bad(verb, v)
    elif verb == "s":
        if isinstance(v, str):
            s = v if prec is None else v[:prec]
        elif isinstance(v, (int, float, bool)) or v is None:
            return _bad(verb, v)
        else:
            s = go_str(v)
    elif verb == "q":
        if isinstance(v, str):
            s = go_quote(v)
        elif isinstance(v, int) and not isinstance(v, bool):
            s = "'" + chr(v) + "'"
        else:
            return _bad(verb, v)
    elif verb in "xX":
        if isinstance(v, int) and not isinstance(v, bool):
            s, numeric = format(v, verb), True
        elif isinstance(v, str):
            s = v.encode().hex()
            s = s.upper() if verb == "X" else s
        else:
            return _bad(verb, v)
    elif verb == "t":
        if not isinstance(v, bool):
            return _bad(verb, v)
        s = go_str(v)
    else:
        return _bad(verb, v)
    return _pad(s, flags, width, numeric)


def go_sprintf(fmt: str, args: list[Any]) -> str:
    """``fmt.Sprintf`` for the verbs rule templates use (``%v %s %d %f %e %g %q %x %t``)."""
    out: list[str] = []
    pos = 0
    argi = 0
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos : m.start()])
        pos = m.end()
        flags, width_s, prec_s, verb = m.groups()
        if verb == "%":
            out.append("%")
            continue
        width: int | None = None
        prec: int | None = None
        if width_s == "*":
            width = args[argi] if argi < len(args) and isinstance(args[argi], int) else None
            argi += 1
        elif width_s:
            width = int(width_s)
        if prec_s == "*":
            prec = args[argi] if argi < len(args) and isinstance(args[argi], int) else None
            argi += 1
        elif prec_s is not None:
            prec = int(prec_s) if prec_s else 0
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        out.append(_format_one(verb, flags, width, prec, args[argi]))
        argi += 1
    out.append(fmt[pos:])
    if argi < len(args):
        extra = ", ".join(f"{go_type_name(a)}={go_str(a)}" for a in args[argi:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)
