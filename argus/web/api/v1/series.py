"""``/api/v1/series``, ``/labels`` and ``/label/<name>/values``.

Matchers are parsed and the storage is read on the metadata pool: a request with
thousands of ``match[]`` values, or one that touches every series, never blocks the
event loop.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from argus.model import Labels, Matcher
from argus.storage import Querier
from argus.web.api.v1.context import API_KEY, APIContext
from argus.web.api.v1.errors import APIError, bad_data, invalid_param
from argus.web.api.v1.params import (
    MAX_TIME_MS,
    MIN_TIME_MS,
    Form,
    parse_limit,
    parse_matcher_sets,
    time_param,
)
from argus.web.api.v1.respond import APIResult, api_handler

__all__ = ["routes", "unescape_label_name"]

_TRUNCATED = "results truncated due to limit"
_ESCAPED_CHAR = re.compile(r"_([0-9A-Fa-f]+)_|__")


def unescape_label_name(name: str) -> str:
    """Prometheus's ``U__`` value-encoding escaping (``U__my_2e_label`` → ``my.label``).

    Names that are not validly escaped are returned unchanged, as Prometheus does.
    """
    if not name.startswith("U__"):
        return name
    body = name[3:]
    out: list[str] = []
    pos = 0
    while pos < len(body):
        if body[pos] != "_":
            out.append(body[pos])
            pos += 1
            continue
        m = _ESCAPED_CHAR.match(body, pos)
        if m is None:
            return name
        if m.group(0) == "__":
            out.append("_")
        else:
            try:
                out.append(chr(int(m.group(1), 16)))
            except (ValueError, OverflowError):
                return name
        pos = m.end()
    return "".join(out)


def _range(form: Form) -> tuple[int, int]:
    return time_param(form, "start", MIN_TIME_MS), time_param(form, "end", MAX_TIME_MS)


def _select_labels(querier: Querier, matchers: list[Matcher]) -> list[Labels]:
    """Series matching ``matchers`` with data in the querier's range; no samples are read.

    As in Prometheus, the range is checked per block (and per series within a block by
    its time bounds), not sample by sample: a series whose samples in a block all fall
    outside ``[start, end]`` may still be listed. Reading samples to be exact cost a
    full decode of every matching series: ``label/__name__/values`` over 1 h of 700
    series took ~20 ms that way and takes ~0.5 ms from the index (HTTP included).
    """
    return list(querier.select(matchers, labels_only=True).labels)


def _matcher_sets(ctx: APIContext, form: Form) -> list[str]:
    values = form.getall("match[]", [])
    if len(values) > ctx.options.max_match_params:
        raise bad_data(
            f"too many match[] parameters: {len(values)} (limit {ctx.options.max_match_params})"
        )
    return values


def _limited(items: list[Any], limit: int) -> APIResult:
    if limit and len(items) > limit:
        return APIResult(items[:limit], [_TRUNCATED])
    return APIResult(items)


async def series(request: web.Request, form: Form) -> APIResult:
    ctx = request.app[API_KEY]
    raw = _matcher_sets(ctx, form)
    if not raw:
        raise bad_data("no match[] parameter provided")
    limit = parse_limit(form)
    mint, maxt = _range(form)

    def work() -> list[dict[str, str]]:
        try:
            sets = parse_matcher_sets(raw, ctx.options.max_match_params)
        except APIError as exc:
            raise invalid_param("match[]", exc) from None
        querier = ctx.sources.queryable.querier(mint, maxt)
        try:
            found: set[Labels] = set()
            for matchers in sets:
                found.update(_select_labels(querier, matchers))
        finally:
            querier.close()
        ordered = sorted(found)
        if limit:
            ordered = ordered[: limit + 1]
        return [dict(lb) for lb in ordered]

    return _limited(await ctx.executor.run_metadata(work), limit)


async def label_names(request: web.Request, form: Form) -> APIResult:
    ctx = request.app[API_KEY]
    limit = parse_limit(form)
    mint, maxt = _range(form)
    raw = _matcher_sets(ctx, form)

    def work() -> list[str]:
        sets: list[list[Matcher]] = parse_matcher_sets(raw, ctx.options.max_match_params)
        querier = ctx.sources.queryable.querier(mint, maxt)
        try:
            if not sets:
                return querier.label_names()
            names: set[str] = set()
            for matchers in sets:
                names.update(querier.label_names(matchers))
            return sorted(names)
        finally:
            querier.close()

    return _limited(await ctx.executor.run_metadata(work), limit)


async def label_values(request: web.Request, form: Form) -> APIResult:
    ctx = request.app[API_KEY]
    name = unescape_label_name(request.match_info["name"])
    if not name:
        raise bad_data(f"invalid label name: {name!r}")
    limit = parse_limit(form)
    mint, maxt = _range(form)
    raw = _matcher_sets(ctx, form)

    def work() -> list[str]:
        sets = parse_matcher_sets(raw, ctx.options.max_match_params)
        querier = ctx.sources.queryable.querier(mint, maxt)
        try:
            if not sets:
                return querier.label_values(name)
            values: set[str] = set()
            for matchers in sets:
                values.update(querier.label_values(name, matchers))
            return sorted(values)
        finally:
            querier.close()

    return _limited(await ctx.executor.run_metadata(work), limit)


def routes() -> list[tuple[str, str, Any]]:
    names, ser = api_handler(label_names), api_handler(series)
    return [
        ("GET", "/labels", names),
        ("POST", "/labels", names),
        ("GET", "/label/{name}/values", api_handler(label_values)),
        ("GET", "/series", ser),
        ("POST", "/series", ser),
    ]
