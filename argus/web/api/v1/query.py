"""``/api/v1/query``, ``/query_range``, ``/format_query`` and ``/parse_query``.

Parameters are checked on the event loop in Prometheus's order (so the first bad one is
the one reported); evaluation and encoding run on the query executor.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from aiohttp import web

from argus.model import now_ms
from argus.promql import Matrix, ParseError, Result, Vector, format_expr, parse
from argus.promql.parser import value_type
from argus.promql.parser.ast import Expr, ValueType
from argus.web.api.v1.ast_json import expr_json
from argus.web.api.v1.codec import encode_query_data
from argus.web.api.v1.context import API_KEY, APIContext
from argus.web.api.v1.errors import bad_data, invalid_param
from argus.web.api.v1.params import Form, parse_duration_ms, parse_limit, parse_time_ms
from argus.web.api.v1.respond import APIResult, accepts_gzip, api_handler, finish

__all__ = ["MAX_POINTS", "routes"]

MAX_POINTS = 11_000
_TRUNCATED = "results truncated due to limit"


_CACHED_QUERY_CHARS = 4096
"""Longer expressions are parsed every time, so the cache stays under ~4 MiB of text."""


@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str) -> Expr:
    """Dashboards send the same expressions every refresh; ASTs are immutable, so a
    parse (10-300 µs on the event loop) is done once per distinct text. Errors are
    not cached."""
    return parse(text)


async def _parse_query(ctx: APIContext, form: Form) -> Expr:
    """Short texts parse on the loop (cached); long ones on a worker, since promql-parser
    takes about a second for a chain of 2,000 operators and the loop must stay free."""
    text = form.get("query", "")
    try:
        if len(text) <= _CACHED_QUERY_CHARS:
            return _parse_cached(text)
        return await ctx.executor.run_metadata(lambda: parse(text))
    except ParseError as exc:
        raise invalid_param("query", exc) from None


def _timeout_s(ctx: APIContext, form: Form) -> float:
    default = ctx.options.query_timeout_s
    text = form.get("timeout", "")
    if not text:
        return default
    try:
        ms = parse_duration_ms(text)
    except ValueError as exc:
        raise invalid_param("timeout", exc) from None
    return min(default, max(ms, 0) / 1000)


def _lookback_ms(form: Form) -> int | None:
    text = form.get("lookback_delta", "")
    if not text:
        return None
    try:
        return parse_duration_ms(text)
    except ValueError as exc:
        raise bad_data(f"error parsing lookback delta duration: {exc}") from None


def _stats_warning(param: str) -> list[str]:
    if param in ("", "true", "all"):
        return []
    return [
        f'value "{param}" for parameter "stats" is deprecated and will be rejected in '
        'the next major release, use "true" or "all"'
    ]


def _truncate(result: Result, limit: int) -> bool:
    value = result.value
    if not limit or len(getattr(value, "labels", ())) <= limit:
        return False
    if isinstance(value, Vector):
        result.value = Vector(value.labels[:limit], value.values[:limit], value.t_ms)
    elif isinstance(value, Matrix):
        result.value = Matrix(
            value.labels[:limit], value.timestamps, value.values[:limit], value.present[:limit]
        )
    return True


async def _execute(
    ctx: APIContext,
    form: Form,
    limit: int,
    timeout_s: float,
    evaluate: Any,
    accept_gzip: bool,
) -> APIResult:
    """Run ``evaluate(engine)`` on a worker; encode and gzip its response there too."""
    stats_param = form.get("stats", "")
    lookback = _lookback_ms(form)
    submitted = time.perf_counter()

    gzip_level = ctx.options.gzip_level if accept_gzip else None

    def work(remaining_s: float) -> APIResult:
        started = time.perf_counter()
        result: Result = evaluate(ctx.engine(remaining_s, lookback))
        evaluated = time.perf_counter()
        warnings = list(result.warnings)
        if _truncate(result, limit):
            warnings.append(_TRUNCATED)
        warnings += _stats_warning(stats_param)
        stats = None
        if stats_param:
            stats = _stats(evaluated - started, started - submitted, evaluated - submitted)
        data = encode_query_data(result, stats)
        return finish(APIResult(data, warnings, list(result.infos), raw=True), gzip_level)

    return await ctx.executor.run(work, timeout_s)


def _stats(eval_s: float, queue_s: float, total_s: float) -> dict[str, Any]:
    """Prometheus's ``stats.QueryStats`` shape. Sample counts are not tracked by the
    engine yet and read 0."""
    return {
        "timings": {
            "evalTotalTime": eval_s,
            "resultSortTime": 0,
            "queryPreparationTime": 0,
            "innerEvalTime": eval_s,
            "execQueueTime": queue_s,
            "execTotalTime": total_s,
        },
        "samples": {"totalQueryableSamples": 0, "peakSamples": 0},
    }


async def query(request: web.Request, form: Form) -> APIResult:
    ctx = request.app[API_KEY]
    limit = parse_limit(form)
    t_text = form.get("time", "")
    try:
        t_ms = parse_time_ms(t_text) if t_text else now_ms()
    except ValueError as exc:
        raise invalid_param("time", f"invalid time value for 'time': {exc}") from None
    timeout_s = _timeout_s(ctx, form)
    expr = await _parse_query(ctx, form)
    return await _execute(
        ctx, form, limit, timeout_s, lambda eng: eng.instant(expr, t_ms), accepts_gzip(request)
    )


async def query_range(request: web.Request, form: Form) -> APIResult:
    ctx = request.app[API_KEY]
    limit = parse_limit(form)
    bounds = []
    for name in ("start", "end"):
        try:
            bounds.append(parse_time_ms(form.get(name, "")))
        except ValueError as exc:
            raise invalid_param(name, exc) from None
    start, end = bounds
    if end < start:
        raise invalid_param("end", "end timestamp must not be before start time")
    try:
        step = parse_duration_ms(form.get("step", ""))
    except ValueError as exc:
        raise invalid_param("step", exc) from None
    if step <= 0:
        raise invalid_param(
            "step",
            "zero or negative query resolution step widths are not accepted. "
            "Try a positive integer",
        )
    if (end - start) // step > MAX_POINTS:
        raise bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. "
            "Try decreasing the query resolution (?step=XX)"
        )
    timeout_s = _timeout_s(ctx, form)
    expr = await _parse_query(ctx, form)
    kind = value_type(expr)
    if kind not in (ValueType.SCALAR, ValueType.VECTOR):
        name = {ValueType.MATRIX: "range vector"}.get(kind, str(kind))
        raise invalid_param(
            "query",
            f'invalid expression type "{name}" for range query, must be Scalar or instant Vector',
        )
    return await _execute(
        ctx,
        form,
        limit,
        timeout_s,
        lambda eng: eng.range(expr, start, end, step),
        accepts_gzip(request),
    )


async def format_query(request: web.Request, form: Form) -> APIResult:
    return APIResult(format_expr(await _parse_query(request.app[API_KEY], form)))


async def parse_query(request: web.Request, form: Form) -> APIResult:
    return APIResult(expr_json(await _parse_query(request.app[API_KEY], form)))


def routes() -> list[tuple[str, str, Any]]:
    out: list[tuple[str, str, Any]] = []
    for path, fn in (
        ("/query", query),
        ("/query_range", query_range),
        ("/format_query", format_query),
        ("/parse_query", parse_query),
    ):
        handler = api_handler(fn)
        out += [("GET", path, handler), ("POST", path, handler)]
    return out
