"""``/api/v1/admin/tsdb/*``: delete_series, clean_tombstones, snapshot.

Off unless ``--web.enable-admin-api``; then every call answers ``unavailable`` "admin
APIs disabled", as Prometheus does (HTTP 500: its default for that type). The database
work runs on the metadata pool: deleting and rewriting blocks can take seconds.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from argus.web.api.v1.context import API_KEY, APIContext
from argus.web.api.v1.errors import APIError, bad_data, invalid_param
from argus.web.api.v1.params import MAX_TIME_MS, MIN_TIME_MS, Form, parse_bool, time_param
from argus.web.api.v1.params import parse_matcher_sets as _parse_sets
from argus.web.api.v1.respond import APIResult, api_handler
from argus.web.options import TSDBAdmin

__all__ = ["routes"]


def _admin(ctx: APIContext) -> TSDBAdmin:
    if not ctx.options.enable_admin_api or ctx.sources.admin is None:
        raise APIError("unavailable", "admin APIs disabled")
    return ctx.sources.admin


async def delete_series(request: web.Request, form: Form) -> APIResult:
    ctx = request.app[API_KEY]
    admin = _admin(ctx)
    raw = form.getall("match[]", [])
    if not raw:
        raise bad_data("no match[] parameter provided")
    mint = time_param(form, "start", MIN_TIME_MS)
    maxt = time_param(form, "end", MAX_TIME_MS)
    try:
        sets = _parse_sets(raw, ctx.options.max_match_params)
    except APIError as exc:
        raise invalid_param("match[]", exc) from None

    def work() -> None:
        for matchers in sets:
            admin.delete(matchers, mint, maxt)

    await ctx.executor.run_metadata(work)
    return APIResult()


async def clean_tombstones(request: web.Request, _: Form) -> APIResult:
    ctx = request.app[API_KEY]
    admin = _admin(ctx)
    await ctx.executor.run_metadata(admin.clean_tombstones)
    return APIResult()


async def snapshot(request: web.Request, form: Form) -> APIResult:
    ctx = request.app[API_KEY]
    admin = _admin(ctx)
    skip_head = False
    if text := form.get("skip_head", ""):
        try:
            skip_head = parse_bool(text)
        except ValueError as exc:
            raise invalid_param("skip_head", f"unable to parse boolean: {exc}") from None
    name = await ctx.executor.run_metadata(lambda: admin.snapshot(not skip_head))
    return APIResult({"name": name})


def routes() -> list[tuple[str, str, Any]]:
    out: list[tuple[str, str, Any]] = []
    for path, fn in (
        ("/admin/tsdb/delete_series", delete_series),
        ("/admin/tsdb/clean_tombstones", clean_tombstones),
        ("/admin/tsdb/snapshot", snapshot),
    ):
        handler = api_handler(fn)
        out += [("POST", path, handler), ("PUT", path, handler)]
    return out
