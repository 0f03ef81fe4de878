"""Number syntax of the exposition formats, matched to Prometheus's Go parser.

Prometheus parses values with Go's ``strconv.ParseFloat`` after rejecting any ``p``,
``P`` or ``_`` (so no hex floats and no digit separators), and timestamps of the text
format with ``strconv.ParseInt`` over ASCII digits only. Python's ``float`` accepts a
superset: digit separators (``1_000``), surrounding whitespace other than tabs, a
signed ``nan``, and it turns overflow (``1e999``) into infinity where Go reports a
range error. The decisions here:

- a value is ``[+-]?`` decimal digits with an optional fraction and exponent, or
  ``[+-]?inf``/``[+-]?infinity``, or unsigned ``nan`` (all case-insensitive);
- overflow to infinity is an error, underflow to zero or a subnormal is not (as Go);
- tabs around a value are blanks, as in Prometheus's lexer; nothing else is.

The fast path calls ``float`` on whole columns and then runs :func:`suspicious_values`,
one C-level ``translate`` over the joined column, so that only bodies that contain
characters outside Go's syntax pay for the exact per-value check.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

__all__ = [
    "format_openmetrics_float",
    "parse_go_float",
    "parse_go_int",
    "suspicious_values",
    "valid_nonfinite",
]

_GO_FLOAT = re.compile(
    rb"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    rb"|[nN][aA][nN]"
)
_INT = re.compile(rb"-?[0-9]+")
_INT64_MAX = 2**63 - 1
_INT64_MIN = -(2**63)

# Every byte Go's decimal float syntax may use, plus tab (a blank in the lexer).
_FLOAT_BYTES = b"0123456789+-.eEiInNfFtTyYaA"
_FAST_CHECK = bytes(range(256))
_DIGITS = re.compile(rb"[0-9]+")


def parse_go_float(text: bytes, blanks: bytes = b"") -> float:
    """One value, exactly as Prometheus accepts it; ``ValueError`` otherwise.

    ``blanks`` may surround the value (the text format passes a tab).
    """
    stripped = text.strip(blanks) if blanks else text
    if _GO_FLOAT.fullmatch(stripped) is None:
        raise ValueError(f"invalid float {text!r}")
    value = float(stripped)
    if math.isinf(value) and b"n" not in stripped.lower():
        raise ValueError(f"float {text!r} is out of range")
    return value


def parse_go_int(text: bytes, *, signed: bool = False) -> int:
    """An int64 written in ASCII digits (with a leading ``-`` when ``signed``)."""
    if (_INT if signed else _DIGITS).fullmatch(text) is None:
        raise ValueError(f"invalid integer {text!r}")
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ValueError(f"integer {text!r} is out of the int64 range")
    return value


def suspicious_values(values: Sequence[bytes], blanks: bytes = b"\t") -> bool:
    """Whether any value holds a byte outside Go's syntax (then check each exactly).

    ``False`` means every value already parsed by ``float`` is also valid for Go,
    except for non-finite results, which :func:`valid_nonfinite` checks.
    """
    return bool(b"".join(values).translate(_FAST_CHECK, _FLOAT_BYTES + blanks))


def valid_nonfinite(text: bytes, blanks: bytes = b"") -> bool:
    """For a value ``float`` made NaN or infinite: whether Go agrees (no ``+nan``, no overflow)."""
    return _NONFINITE.fullmatch(text.strip(blanks) if blanks else text) is not None


_NONFINITE = re.compile(rb"[+-]?[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN]")


def format_openmetrics_float(value: float) -> str:
    """Go's ``strconv.FormatFloat(v, 'g', -1, 64)`` with ``.0`` added to integers.

    This is Prometheus's ``FormatOpenMetricsFloat``: it rewrites the ``le`` label of
    histograms and ``quantile`` of summaries so ``le="1"`` and ``le="1.0"`` name the
    same series. Go's shortest ``%g`` switches to exponent form when the decimal
    exponent is below -4 or at least 6 (``1e+06``), with two exponent digits at least.
    """
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    sign = "-" if value < 0 else ""
    digits, exponent = _shortest_digits(abs(value))
    if exponent < -4 or exponent >= 6:
        text = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{text}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if exponent >= len(digits) - 1:
        text = digits + "0" * (exponent - len(digits) + 1) + ".0"
    elif exponent >= 0:
        text = digits[: exponent + 1] + "." + digits[exponent + 1 :]
    else:
        text = "0." + "0" * (-exponent - 1) + digits
    return sign + text


def _shortest_digits(value: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of a positive float and its decimal exponent."""
    mantissa, _, exp_text = f"{value!r}".partition("e")
    whole, _, frac = mantissa.partition(".")
    exponent = int(exp_text or 0) + len(whole.lstrip("0")) - 1
    digits = (whole + frac).lstrip("0")
    if not whole.lstrip("0"):
        # 0.00123: the exponent counts the zeros after the point.
        exponent = int(exp_text or 0) - (len(frac) - len(frac.lstrip("0"))) - 1
    return digits.rstrip("0") or "0", exponent
