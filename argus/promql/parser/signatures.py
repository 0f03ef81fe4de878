"""Argument and return types of PromQL's functions, as Prometheus 3.x declares them.

The diagnoser type-checks calls with this table to name the argument that is wrong
(``expected type range vector in call to function "rate", got instant vector``).
Each entry is ``(argument types, variadic, return type)`` with one letter per type:
``v`` instant vector, ``m`` range vector, ``s`` scalar, ``t`` string. ``variadic`` is
0 for a fixed list, ``n > 0`` for up to ``n`` optional trailing arguments of the last
type, and ``-1`` for any number of them.
"""

from __future__ import annotations

__all__ = ["SIGNATURES", "TYPE_NAMES"]

TYPE_NAMES = {"v": "instant vector", "m": "range vector", "s": "scalar", "t": "string"}
"""Prometheus's ``DocumentedType`` of each type letter."""

SIGNATURES: dict[str, tuple[str, int, str]] = {
    "abs": ("v", 0, "v"),
    "absent": ("v", 0, "v"),
    "absent_over_time": ("m", 0, "v"),
    "acos": ("v", 0, "v"),
    "acosh": ("v", 0, "v"),
    "asin": ("v", 0, "v"),
    "asinh": ("v", 0, "v"),
    "atan": ("v", 0, "v"),
    "atanh": ("v", 0, "v"),
    "avg_over_time": ("m", 0, "v"),
    "ceil": ("v", 0, "v"),
    "changes": ("m", 0, "v"),
    "clamp": ("vss", 0, "v"),
    "clamp_max": ("vs", 0, "v"),
    "clamp_min": ("vs", 0, "v"),
    "cos": ("v", 0, "v"),
    "cosh": ("v", 0, "v"),
    "count_over_time": ("m", 0, "v"),
    "day_of_month": ("v", 1, "v"),
    "day_of_week": ("v", 1, "v"),
    "day_of_year": ("v", 1, "v"),
    "days_in_month": ("v", 1, "v"),
    "deg": ("v", 0, "v"),
    "delta": ("m", 0, "v"),
    "deriv": ("m", 0, "v"),
    "double_exponential_smoothing": ("mss", 0, "v"),
    "exp": ("v", 0, "v"),
    "floor": ("v", 0, "v"),
    "histogram_avg": ("v", 0, "v"),
    "histogram_count": ("v", 0, "v"),
    "histogram_fraction": ("ssv", 0, "v"),
    "histogram_quantile": ("sv", 0, "v"),
    "histogram_stddev": ("v", 0, "v"),
    "histogram_stdvar": ("v", 0, "v"),
    "histogram_sum": ("v", 0, "v"),
    "hour": ("v", 1, "v"),
    "idelta": ("m", 0, "v"),
    "increase": ("m", 0, "v"),
    "info": ("vv", 1, "v"),
    "irate": ("m", 0, "v"),
    "label_join": ("vttt", -1, "v"),
    "label_replace": ("vtttt", 0, "v"),
    "last_over_time": ("m", 0, "v"),
    "ln": ("v", 0, "v"),
    "log10": ("v", 0, "v"),
    "log2": ("v", 0, "v"),
    "mad_over_time": ("m", 0, "v"),
    "max_over_time": ("m", 0, "v"),
    "min_over_time": ("m", 0, "v"),
    "minute": ("v", 1, "v"),
    "month": ("v", 1, "v"),
    "pi": ("", 0, "s"),
    "predict_linear": ("ms", 0, "v"),
    "present_over_time": ("m", 0, "v"),
    "quantile_over_time": ("sm", 0, "v"),
    "rad": ("v", 0, "v"),
    "rate": ("m", 0, "v"),
    "resets": ("m", 0, "v"),
    "round": ("vs", 1, "v"),
    "scalar": ("v", 0, "s"),
    "sgn": ("v", 0, "v"),
    "sin": ("v", 0, "v"),
    "sinh": ("v", 0, "v"),
    "sort": ("v", 0, "v"),
    "sort_by_label": ("vt", -1, "v"),
    "sort_by_label_desc": ("vt", -1, "v"),
    "sort_desc": ("v", 0, "v"),
    "sqrt": ("v", 0, "v"),
    "stddev_over_time": ("m", 0, "v"),
    "stdvar_over_time": ("m", 0, "v"),
    "sum_over_time": ("m", 0, "v"),
    "tan": ("v", 0, "v"),
    "tanh": ("v", 0, "v"),
    "time": ("", 0, "s"),
    "timestamp": ("v", 0, "v"),
    "ts_of_last_over_time": ("m", 0, "v"),
    "ts_of_max_over_time": ("m", 0, "v"),
    "ts_of_min_over_time": ("m", 0, "v"),
    "vector": ("s", 0, "v"),
    "year": ("v", 1, "v"),
}
