"""``/api/v1/query_exemplars``: Prometheus's validation, and no exemplars (yet).

Argus parses exemplars on scrape but keeps none, so every valid request answers an
empty list, as a Prometheus without exemplar storage does. Parameters are checked in
Prometheus's order and with its errors: ``start``/``end`` (default: all time), then end
before start, then the query (a parse error is ``bad_data`` with the parser's message,
without the ``invalid parameter`` prefix the query endpoints use). A query without any
series selector (``1 + 1``) has nothing to look up: 204 No Content, like Prometheus.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from argus.promql import ParseError, parse
from argus.promql.parser.ast import (
    AggregateExpr,
    BinaryExpr,
    Call,
    Expr,
    MatrixSelector,
    ParenExpr,
    SubqueryExpr,
    UnaryExpr,
    VectorSelector,
)
from argus.web.api.v1.errors import bad_data
from argus.web.api.v1.params import MAX_TIME_MS, MIN_TIME_MS, Form, time_param
from argus.web.api.v1.respond import APIResult, api_handler

__all__ = ["has_selector", "routes"]


def has_selector(expr: Expr) -> bool:
    """Whether ``expr`` selects any series (``parser.ExtractSelectors`` is non-empty)."""
    if isinstance(expr, VectorSelector | MatrixSelector):
        return True
    if isinstance(expr, SubqueryExpr | UnaryExpr | ParenExpr):
        return has_selector(expr.expr)
    if isinstance(expr, AggregateExpr):
        return has_selector(expr.expr) or (expr.param is not None and has_selector(expr.param))
    if isinstance(expr, BinaryExpr):
        return has_selector(expr.lhs) or has_selector(expr.rhs)
    if isinstance(expr, Call):
        return any(has_selector(a) for a in expr.args)
    return False


async def query_exemplars(_: web.Request, form: Form) -> APIResult:
    start = time_param(form, "start", MIN_TIME_MS)
    end = time_param(form, "end", MAX_TIME_MS)
    if end < start:
        raise bad_data("end timestamp must not be before start timestamp")
    try:
        expr = parse(form.get("query", ""))
    except ParseError as exc:
        raise bad_data(str(exc)) from None
    if not has_selector(expr):
        return APIResult(None)
    return APIResult([])


def routes() -> list[tuple[str, str, Any]]:
    handler = api_handler(query_exemplars)
    return [("GET", "/query_exemplars", handler), ("POST", "/query_exemplars", handler)]
