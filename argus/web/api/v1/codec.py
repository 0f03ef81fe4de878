"""JSON encoding of API responses, byte-compatible with Prometheus's.

Sample values are JSON strings formatted like Go's ``strconv.FormatFloat(v, 'f', -1,
64)``, switching to ``'e'`` when ``|v| < 1e-6`` or ``|v| >= 1e21`` (``jsonutil.
MarshalFloat``); scalars always use ``'f'``. Point timestamps are seconds with exactly
three fraction digits when the fraction is not zero (``jsonutil.MarshalTimestamp``:
``1.500``, ``2``), while a scalar's timestamp is a plain JSON float (``1.5``).

Per-value ``repr`` costs ~400 ns, so values go through orjson as one float64 array
(~15 ns each), then a bytes-level fix-up: ``1.0`` loses its ``.0`` and only the rare
values orjson prints differently from Go (non-finite, tiny, huge) are formatted one by
one. Points are assembled with list-slice interleaving and one ``b"".join``.

Like Go's ``encoding/json``, ``<``, ``>``, ``&``, U+2028 and U+2029 are escaped; they
only ever occur inside JSON strings, so this is a replace over the finished body.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import orjson

from argus.model import Float64Array, Int64Array, Labels
from argus.promql import Matrix, Result, Scalar, String, Vector

__all__ = [
    "encode_error",
    "encode_query_data",
    "encode_success",
    "format_go_float",
    "format_sample_value",
    "format_timestamps",
    "format_values",
    "labels_json",
]

_NUMPY = orjson.OPT_SERIALIZE_NUMPY
_FRACTIONS: list[bytes] = [b""] + [b".%03d" % i for i in range(1, 1000)]
_HTML_ESCAPES = (
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    (b"&", b"\\u0026"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)


def format_go_float(v: float, fmt: str = "f") -> str:
    """``strconv.FormatFloat(v, fmt, -1, 64)`` for ``fmt`` in ``f``, ``e`` and ``g``."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, v) < 0 else ""
    if v == 0:
        return sign + ("0e+00" if fmt == "e" else "0")
    _, digit_tuple, exp = Decimal(repr(abs(v))).normalize().as_tuple()
    digits = "".join(map(str, digit_tuple))
    assert isinstance(exp, int)
    n = len(digits)
    point = n + exp  # value = 0.<digits> * 10**point
    if fmt == "g":  # Shortest 'g' decides with precision 6: 1e+06, 123456, 0.0001.
        fmt = "e" if point - 1 < -4 or point - 1 >= 6 else "f"
    if fmt == "e":
        e = point - 1
        mant = digits[0] + ("." + digits[1:] if n > 1 else "")
        return f"{sign}{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    if exp >= 0:
        return sign + digits + "0" * exp
    if point <= 0:
        return sign + "0." + "0" * -point + digits
    return sign + digits[:point] + "." + digits[point:]


def format_sample_value(v: float) -> str:
    """A point's value as Prometheus writes it (``jsonutil.MarshalFloat``)."""
    a = abs(v)
    if a != 0 and (a < 1e-6 or a >= 1e21) and math.isfinite(v):
        return format_go_float(v, "e")
    return format_go_float(v, "f")


def format_values(values: Float64Array) -> list[bytes]:
    """Each value formatted as :func:`format_sample_value`, without the quotes."""
    if not len(values):
        return []
    values = np.ascontiguousarray(values, dtype=np.float64)
    body = orjson.dumps(values, option=_NUMPY)[1:-1] + b","
    toks = body.replace(b".0,", b",")[:-1].split(b",")
    a = np.abs(values)
    with np.errstate(invalid="ignore"):
        slow = ~np.isfinite(values) | ((a < 1e-4) & (a != 0)) | (a >= 1e15)
    if slow.any():
        for i in np.flatnonzero(slow).tolist():
            toks[i] = format_sample_value(float(values[i])).encode()
    return toks


def format_timestamps(ts_ms: Int64Array) -> list[bytes]:
    """``jsonutil.MarshalTimestamp``: ``-1.500``, ``2``, ``1.001``."""
    if not len(ts_ms):
        return []
    ts = np.asarray(ts_ms, dtype=np.int64)
    a = np.abs(ts)
    secs = orjson.dumps(a // 1000, option=_NUMPY)[1:-1].split(b",")
    frac = (a % 1000).tolist()
    neg = (ts < 0).tolist()
    return [
        (b"-" if n else b"") + s + _FRACTIONS[f] for s, f, n in zip(secs, frac, neg, strict=True)
    ]


def labels_json(labels: Labels) -> bytes:
    return orjson.dumps(dict(labels))


def _encode_vector(v: Vector) -> bytes:
    if not len(v):
        return b"[]"
    t = format_timestamps(np.array([v.t_ms], dtype=np.int64))[0]
    head = b',"value":[' + t + b',"'
    vals = format_values(v.values)
    items = [
        b'{"metric":' + labels_json(lb) + head + val + b'"]}'
        for lb, val in zip(v.labels, vals, strict=True)
    ]
    return b"[" + b",".join(items) + b"]"


def _encode_matrix(m: Matrix) -> bytes:
    counts = m.present.sum(axis=1)
    rows, cols = np.nonzero(m.present)
    n = len(rows)
    if not n:
        return b"[]"
    vals = format_values(m.values[rows, cols])
    prefixes = np.array(
        [b"[" + t + b',"' for t in format_timestamps(m.timestamps)] + [b""], dtype=object
    )
    parts: list[bytes] = [b'"],'] * (3 * n)
    parts[0::3] = prefixes[cols].tolist()
    parts[1::3] = vals
    ends = np.cumsum(counts).tolist()
    out: list[bytes] = []
    start = 0
    for lb, end in zip(m.labels, ends, strict=True):
        if end == start:
            continue
        points = b"".join(parts[3 * start : 3 * end])[:-1]
        out.append(b'{"metric":' + labels_json(lb) + b',"values":[' + points + b"]}")
        start = end
    return b"[" + b",".join(out) + b"]"


def _scalar_time(t_ms: int) -> bytes:
    return format_go_float(t_ms / 1000, "f").encode()


def encode_query_data(result: Result, stats: dict[str, Any] | None = None) -> bytes:
    """The ``data`` object of a query response: ``resultType``, ``result``, ``stats``."""
    value = result.value
    if isinstance(value, Vector):
        kind, body = b"vector", _encode_vector(value)
    elif isinstance(value, Matrix):
        kind, body = b"matrix", _encode_matrix(value)
    elif isinstance(value, Scalar):
        v = format_go_float(value.value, "f").encode()
        kind, body = b"scalar", b"[" + _scalar_time(value.t_ms) + b',"' + v + b'"]'
    else:
        assert isinstance(value, String)
        s = orjson.dumps(value.value)
        kind, body = b"string", b"[" + _scalar_time(value.t_ms) + b"," + s + b"]"
    out = b'{"resultType":"' + kind + b'","result":' + body
    if stats is not None:
        out += b',"stats":' + orjson.dumps(stats)
    return out + b"}"


def _escape_html(body: bytes) -> bytes:
    for raw, escaped in _HTML_ESCAPES:
        if raw in body:
            body = body.replace(raw, escaped)
    return body


def encode_success(
    data: Any, warnings: Sequence[str] = (), infos: Sequence[str] = (), *, raw: bool = False
) -> bytes:
    """``{"status":"success","data":…,"warnings":…,"infos":…}``; ``raw``: data is JSON."""
    body = b'{"status":"success"'
    if data is not None:
        body += b',"data":' + (data if raw else orjson.dumps(data))
    if warnings:
        body += b',"warnings":' + orjson.dumps(list(warnings))
    if infos:
        body += b',"infos":' + orjson.dumps(list(infos))
    return _escape_html(body + b"}")


def encode_error(error_type: str, message: str, data: Any = None) -> bytes:
    """``{"status":"error","errorType":…,"error":…}`` (plus ``data`` when given)."""
    doc: dict[str, Any] = {"status": "error"}
    if data is not None:
        doc["data"] = data
    doc["errorType"] = error_type
    doc["error"] = message
    return _escape_html(orjson.dumps(doc))
