"""``/federate``: the newest sample of every selected series, in text exposition format.

As Prometheus's ``web/federate.go``: samples within the lookback window before now,
staleness markers skipped, series grouped by metric name under ``# TYPE <name>
untyped``, values formatted like Go's ``strconv.FormatFloat(v, 'g', -1, 64)``.
"""

from __future__ import annotations

from aiohttp import web

from argus.model import METRIC_NAME, Labels, is_stale_value, now_ms
from argus.promql import ParseError
from argus.web.api.v1 import API_KEY
from argus.web.api.v1.codec import format_go_float
from argus.web.api.v1.params import parse_metric_selector

__all__ = ["federate", "format_federation"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def format_federation(samples: list[tuple[Labels, int, float]]) -> str:
    """Text exposition of ``(labels, t_ms, value)`` samples."""
    out: list[str] = []
    last_name = None
    for lb, t, v in sorted(samples, key=lambda s: (s[0].get(METRIC_NAME), s[0])):
        name = lb.get(METRIC_NAME)
        if name != last_name:
            out.append(f"# TYPE {name} untyped\n")
            last_name = name
        pairs = ",".join(f'{n}="{_escape(x)}"' for n, x in lb if n != METRIC_NAME)
        series = f"{name}{{{pairs}}}" if pairs else name
        out.append(f"{series} {format_go_float(v, 'g')} {t}\n")
    return "".join(out)


async def federate(request: web.Request) -> web.Response:
    ctx = request.app[API_KEY]
    raw = request.query.getall("match[]", [])
    if len(raw) > ctx.options.max_match_params:
        return web.Response(status=400, text=f"too many match[] parameters: {len(raw)}\n")
    try:
        sets = [parse_metric_selector(text) for text in raw]
    except ParseError as exc:
        return web.Response(status=400, text=f"{exc}\n")
    maxt = now_ms()
    mint = maxt - ctx.options.lookback_ms

    def work() -> str:
        querier = ctx.sources.queryable.querier(mint, maxt)
        latest: dict[Labels, tuple[int, float]] = {}
        try:
            for matchers in sets:
                ss = querier.select(matchers, mint, maxt)
                ends = ss.offsets[1:].tolist()
                starts = ss.offsets[:-1].tolist()
                for lb, a, b in zip(ss.labels, starts, ends, strict=True):
                    if b > a and not is_stale_value(float(ss.values[b - 1])):
                        latest[lb] = (int(ss.ts[b - 1]), float(ss.values[b - 1]))
        finally:
            querier.close()
        return format_federation([(lb, t, v) for lb, (t, v) in latest.items()])

    body = await ctx.executor.run_metadata(work)
    return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})
