"""Element-wise functions on instant vectors: one NumPy call over the whole matrix."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from argus.model import Float64Array

__all__ = ["ELEMENTWISE", "clamp", "round_to"]


def _sgn(x: Float64Array) -> Float64Array:
    return np.sign(x)


def _deg(x: Float64Array) -> Float64Array:
    return x * (180 / np.pi)


def _rad(x: Float64Array) -> Float64Array:
    return x * (np.pi / 180)


def _atanh(x: Float64Array) -> Float64Array:
    return np.arctanh(x)


ELEMENTWISE: dict[str, Callable[[Float64Array], Float64Array]] = {
    "abs": np.abs,
    "ceil": np.ceil,
    "floor": np.floor,
    "exp": np.exp,
    "sqrt": np.sqrt,
    "ln": np.log,
    "log2": np.log2,
    "log10": np.log10,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "tanh": np.tanh,
    "asinh": np.arcsinh,
    "acosh": np.arccosh,
    "atanh": _atanh,
    "deg": _deg,
    "rad": _rad,
    "sgn": _sgn,
}


def round_to(x: Float64Array, to_nearest: Float64Array) -> Float64Array:
    """Prometheus rounds half up, dividing by the inverse for fewer float surprises."""
    with np.errstate(all="ignore"):
        inv = 1.0 / to_nearest
        out: Float64Array = np.floor(x * inv + 0.5) / inv
    return out


def clamp(x: Float64Array, lo: Float64Array, hi: Float64Array) -> Float64Array:
    out: Float64Array = np.maximum(lo, np.minimum(hi, x))
    return out
