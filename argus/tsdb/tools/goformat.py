"""Go's text formats, reproduced so our tools print byte for byte what promtool prints.

Scripts diff ``promtool tsdb dump`` output and parse its block table; to carry over they
need the same bytes. The formats come from Go's standard library:

- :func:`format_go_float`: ``strconv.FormatFloat(v, 'g', -1, 64)`` as ``fmt`` prints it
  with ``%g``: the shortest digits that round-trip, in ``%e`` form when the decimal
  exponent is < -4 or >= 6 (the exponent has at least two digits), otherwise in ``%f``
  form; ``NaN``, ``+Inf``, ``-Inf``, and ``-0`` for negative zero. Python's ``repr`` finds
  the same shortest digits (both pick the closest shortest string), and uses the same
  ``%e`` shape below 1e-4 and from 1e16 up, so only the integers and the ``[1e6, 1e16)``
  range need rewriting. Integers below 1e16 are printed from ``int`` directly: their
  shortest digits are their own digits (the float spacing there is at most 2, so no
  shorter decimal lies within half a spacing).
- ``go_quote`` (``strconv.Quote``) is re-exported from :mod:`argus.model.gofmt`.
- :func:`format_go_duration`: ``time.Duration.String()`` (``1h59m45.001s``).
- :func:`format_base2_bytes`: ``units.Base2Bytes.String()`` (``1KiB512B``).
- :func:`format_go_time_utc`: ``time.Unix(s, 0).UTC().String()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from argus.model import Float64Array, go_quote

__all__ = [
    "format_base2_bytes",
    "format_go_duration",
    "format_go_float",
    "format_go_floats",
    "format_go_time_utc",
    "go_quote",
]

_SPECIAL = {"nan": "NaN", "inf": "+Inf", "-inf": "-Inf"}
_E_LIMIT = 1e6
_INT_LIMIT = 1e16


def _sci_from_int_text(digits: str, negative: bool) -> str:
    """``1234500`` → ``1.2345e+06`` (digits of an integer >= 1e6, no sign)."""
    exp = len(digits) - 1
    mant = digits.rstrip("0")
    body = mant[0] + "." + mant[1:] if len(mant) > 1 else mant
    return ("-" if negative else "") + f"{body}e+{exp:02d}"


def _from_repr(text: str) -> str:
    """Python ``repr`` of a float → Go ``%g`` text (see the module docstring)."""
    special = _SPECIAL.get(text)
    if special is not None:
        return special
    if "e" in text:
        return text
    negative = text[0] == "-"
    body = text[1:] if negative else text
    int_part, _, frac = body.partition(".")
    if frac == "0":
        frac = ""
    if len(int_part) <= 6:  # < 1e6: fixed notation, Python's and Go's agree.
        return ("-" if negative else "") + (int_part + "." + frac if frac else int_part)
    digits = (int_part + frac).rstrip("0")
    exp = len(int_part) - 1
    mant = digits[0] + "." + digits[1:] if len(digits) > 1 else digits
    return ("-" if negative else "") + f"{mant}e+{exp:02d}"


def format_go_float(value: float) -> str:
    """One float as Go's ``%g`` prints it."""
    return _from_repr(repr(float(value)))


def format_go_floats(values: Float64Array | Sequence[float]) -> list[str]:
    """Many floats as Go's ``%g`` prints them; vectorised by value class.

    Integral values below 1e6 (counters, most gauges) go through ``int``/``str`` in
    C loops; the rest through ``repr`` and a rewrite only where Go's layout differs.
    """
    v = np.ascontiguousarray(values, dtype=np.float64)
    n = len(v)
    if n == 0:
        return []
    a = np.abs(v)
    with np.errstate(invalid="ignore"):
        integral = (v == np.trunc(v)) & (a < _INT_LIMIT)
    small_int = integral & (a < _E_LIMIT) & ~((v == 0) & np.signbit(v))
    if small_int.all():
        return list(map(str, v.astype(np.int64).tolist()))
    out = np.empty(n, dtype=object)
    idx = np.flatnonzero(small_int)
    if len(idx):
        out[idx] = list(map(str, v[idx].astype(np.int64).tolist()))
    big_int = integral & (a >= _E_LIMIT)
    idx = np.flatnonzero(big_int)
    if len(idx):
        digits = map(str, a[idx].astype(np.int64).tolist())
        negs = np.signbit(v[idx]).tolist()
        out[idx] = list(map(_sci_from_int_text, digits, negs))
    idx = np.flatnonzero(~(small_int | big_int))
    if len(idx):
        out[idx] = list(map(_from_repr, map(repr, v[idx].tolist())))
    result: list[str] = out.tolist()
    return result


def format_go_duration(ms: int) -> str:
    """Go's ``time.Duration(ms * 1e6).String()``: ``2h0m0s``, ``30.001s``, ``1.5ms``, ``0s``."""
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    if ms < 1000:
        return f"{sign}{ms}ms"
    secs, frac = divmod(ms, 1000)
    sec_text = str(secs % 60) + (f".{frac:03d}".rstrip("0") if frac else "") + "s"
    mins = secs // 60
    if mins == 0:
        return sign + sec_text
    hours, mins = divmod(mins, 60)
    if hours == 0:
        return f"{sign}{mins}m{sec_text}"
    return f"{sign}{hours}h{mins}m{sec_text}"


_BASE2_UNITS = ("", "K", "M", "G", "T", "P", "E")


def format_base2_bytes(n: int) -> str:
    """``units.Base2Bytes(n).String()`` from alecthomas/units: ``1KiB512B``, ``0B``."""
    out: list[str] = []
    for i, unit in enumerate(_BASE2_UNITS):
        rem = n % 1024 if n >= 0 else -(-n % 1024)
        if rem != 0 or (i == 0 and n == 0):
            out.append(f"{rem}{unit}{'B' if i == 0 else 'iB'}")
        n = int(n / 1024)
        if n == 0:
            break
    return "".join(reversed(out))


def format_go_time_utc(ms: int) -> str:
    """``time.Unix(ms/1000, 0).UTC().String()``: ``2023-11-14 22:13:20 +0000 UTC``."""
    secs = int(ms / 1000)  # Go's integer division truncates toward zero.
    t = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=secs)
    return t.strftime("%Y-%m-%d %H:%M:%S") + " +0000 UTC"
