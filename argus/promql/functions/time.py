"""Calendar functions (``hour``, ``day_of_week``, ...) over Unix-second values, in UTC."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from argus.model import Float64Array

__all__ = ["DATE_FUNCTIONS"]


def _f(a: np.ndarray) -> Float64Array:
    out: Float64Array = np.asarray(a).astype(np.float64)
    return out


def _dt(x: Float64Array) -> np.ndarray:
    secs = np.trunc(np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)).astype(np.int64)
    return secs.astype("datetime64[s]")


def _year(x: Float64Array) -> Float64Array:
    return _f(_dt(x).astype("datetime64[Y]").astype(np.int64) + 1970)


def _month(x: Float64Array) -> Float64Array:
    return _f(_dt(x).astype("datetime64[M]").astype(np.int64) % 12 + 1)


def _day_of_month(x: Float64Array) -> Float64Array:
    d = _dt(x)
    return _f((d.astype("datetime64[D]") - d.astype("datetime64[M]")).astype(np.int64) + 1)


def _day_of_year(x: Float64Array) -> Float64Array:
    d = _dt(x)
    return _f((d.astype("datetime64[D]") - d.astype("datetime64[Y]")).astype(np.int64) + 1)


def _day_of_week(x: Float64Array) -> Float64Array:
    days = _dt(x).astype("datetime64[D]").astype(np.int64)
    return ((days + 4) % 7).astype(np.float64)  # 1970-01-01 was a Thursday.


def _hour(x: Float64Array) -> Float64Array:
    return (_dt(x).astype(np.int64) // 3600 % 24).astype(np.float64)


def _minute(x: Float64Array) -> Float64Array:
    return (_dt(x).astype(np.int64) // 60 % 60).astype(np.float64)


def _days_in_month(x: Float64Array) -> Float64Array:
    m = _dt(x).astype("datetime64[M]")
    return _f((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]"))


DATE_FUNCTIONS: dict[str, Callable[[Float64Array], Float64Array]] = {
    "year": _year,
    "month": _month,
    "day_of_month": _day_of_month,
    "day_of_year": _day_of_year,
    "day_of_week": _day_of_week,
    "hour": _hour,
    "minute": _minute,
    "days_in_month": _days_in_month,
}
