"""Status, metadata, targets, rules, alerts and Alertmanagers endpoints.

Targets, rules, alerts and metadata come from provider callables (empty until scrape
and rules land); the filters Prometheus applies to them (``state``, ``scrapePool``,
``type``, ``rule_name[]``, ``limit``, ...) are applied here, so providers stay dumb.
"""

from __future__ import annotations

import os
import platform
import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from argus import __version__
from argus.model import METRIC_NAME
from argus.web.api.v1.context import API_KEY
from argus.web.api.v1.errors import bad_data, invalid_param
from argus.web.api.v1.params import Form, parse_matcher_sets
from argus.web.api.v1.respond import APIResult, api_handler
from argus.web.options import HeadInfo

__all__ = ["routes", "tsdb_status"]

_MAX_TSDB_LIMIT = 10_000


def _rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _int_param(form: Form, name: str, default: int) -> int:
    text = form.get(name, "")
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise bad_data(f"{name} must be a number") from None


def _top(counts: dict[str, int], limit: int) -> list[dict[str, Any]]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"name": k, "value": v} for k, v in ranked]


def _uvarint_size(n: int) -> int:
    return max(1, (n.bit_length() + 6) // 7)


def _pair_bytes(name: str, value: str) -> int:
    """Prometheus 3.5+'s ``labels.SizeOfLabels`` (stringlabels): each string costs its
    UTF-8 bytes plus a uvarint length prefix."""
    nb, vb = len(name.encode()), len(value.encode())
    return nb + _uvarint_size(nb) + vb + _uvarint_size(vb)


def tsdb_status(head: HeadInfo, limit: int) -> dict[str, Any]:
    """Cardinality statistics of the head, as Prometheus's ``TSDBStatus``.

    ``memoryInBytesByLabelName`` is Prometheus 3.x's estimate: for each label name, the
    encoded size of each of its pairs times the number of series holding that pair.
    """
    pairs: Counter[tuple[str, str]] = Counter(p for lb in head.series for p in lb)
    by_metric: Counter[str] = Counter()
    value_count: Counter[str] = Counter()
    memory: Counter[str] = Counter()
    for (n, v), count in pairs.items():
        value_count[n] += 1
        memory[n] += _pair_bytes(n, v) * count
        if n == METRIC_NAME:
            by_metric[v] = count
    return {
        "headStats": {
            "numSeries": len(head.series),
            "numLabelPairs": len(pairs),
            "chunkCount": head.chunk_count,
            "minTime": head.min_time,
            "maxTime": head.max_time,
        },
        "seriesCountByMetricName": _top(dict(by_metric), limit),
        "labelValueCountByLabelName": _top(dict(value_count), limit),
        "memoryInBytesByLabelName": _top(dict(memory), limit),
        "seriesCountByLabelValuePair": _top({f"{n}={v}": c for (n, v), c in pairs.items()}, limit),
    }


async def serve_tsdb(request: web.Request, form: Form) -> APIResult:
    ctx = request.app[API_KEY]
    limit = 10
    if text := form.get("limit", ""):
        try:
            limit = int(text)
        except ValueError:
            limit = 0
        if limit < 1:
            raise bad_data("limit must be a positive number")
        if limit > _MAX_TSDB_LIMIT:
            raise bad_data(f"limit must not exceed {_MAX_TSDB_LIMIT}")
    return APIResult(
        await ctx.executor.run_metadata(lambda: tsdb_status(ctx.sources.head_info(), limit))
    )


async def serve_config(request: web.Request, _: Form) -> APIResult:
    return APIResult({"yaml": request.app[API_KEY].sources.config_yaml()})


async def serve_flags(request: web.Request, _: Form) -> APIResult:
    return APIResult(dict(request.app[API_KEY].options.flags))


async def serve_runtime_info(request: web.Request, _: Form) -> APIResult:
    ctx = request.app[API_KEY]
    rt = ctx.sources.runtime
    return APIResult(
        {
            "startTime": _rfc3339(rt.start_time),
            "CWD": os.getcwd(),
            "hostname": platform.node(),
            "serverTime": _rfc3339(datetime.now(UTC).timestamp()),
            "reloadConfigSuccess": rt.reload_success,
            "lastConfigTime": _rfc3339(rt.last_config_time),
            "corruptionCount": rt.corruption_count,
            "goroutineCount": threading.active_count(),
            "GOMAXPROCS": os.cpu_count() or 1,
            "GOMEMLIMIT": 0,
            "GOGC": "",
            "GODEBUG": "",
            "storageRetention": ctx.options.storage_retention,
        }
    )


async def serve_build_info(_: web.Request, __: Form) -> APIResult:
    return APIResult(
        {
            "version": __version__,
            "revision": "",
            "branch": "",
            "buildUser": "",
            "buildDate": "",
            "goVersion": f"python{platform.python_version()}",
        }
    )


async def serve_wal_replay(request: web.Request, _: Form) -> APIResult:
    return APIResult(request.app[API_KEY].sources.wal_replay())


async def metadata(request: web.Request, form: Form) -> APIResult:
    limit = _int_param(form, "limit", -1)
    per_metric = _int_param(form, "limit_per_metric", -1)
    metric = form.get("metric", "")
    out: dict[str, list[dict[str, Any]]] = {}
    for name, entries in request.app[API_KEY].sources.metadata().items():
        if metric and name != metric:
            continue
        if limit >= 0 and len(out) >= limit:
            break
        out[name] = entries[:per_metric] if per_metric > 0 else list(entries)
    return APIResult(out)


async def targets(request: web.Request, form: Form) -> APIResult:
    doc = request.app[API_KEY].sources.targets()
    pool = request.query.get("scrapePool", "")
    state = request.query.get("state", "").lower()
    show_active = state in ("", "any", "active")
    show_dropped = state in ("", "any", "dropped")

    def pick(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        kept = [t for t in items if not pool or t.get("scrapePool") == pool]
        return sorted(kept, key=lambda t: str(t.get("scrapePool", "")))

    # Prometheus 3.x: the counts cover every pool, and are null unless dropped are shown.
    return APIResult(
        {
            "activeTargets": pick(doc.get("activeTargets", [])) if show_active else [],
            "droppedTargets": pick(doc.get("droppedTargets", [])) if show_dropped else [],
            "droppedTargetCounts": doc.get("droppedTargetCounts", {}) if show_dropped else None,
        }
    )


async def scrape_pools(request: web.Request, _: Form) -> APIResult:
    """Every configured scrape pool (job), sorted, whether or not it has targets."""
    return APIResult({"scrapePools": sorted(request.app[API_KEY].sources.scrape_pools())})


async def target_metadata(request: web.Request, form: Form) -> APIResult:
    limit = _int_param(form, "limit", -1)
    metric = form.get("metric", "")
    sets = []
    if text := form.get("match_target", ""):
        sets = parse_matcher_sets([text], 1)
    out: list[dict[str, Any]] = []
    for entry in request.app[API_KEY].sources.target_metadata():
        if limit >= 0 and len(out) >= limit:
            break
        if metric and entry.get("metric") != metric:
            continue
        target = entry.get("target", {})
        if sets and not all(m.matches(target.get(m.name, "")) for m in sets[0]):
            continue
        out.append(entry)
    return APIResult(out)


async def rules(request: web.Request, form: Form) -> APIResult:
    kind = request.query.get("type", "").lower()
    if kind not in ("", "alert", "record"):
        raise invalid_param("type", f'not supported value "{kind}"')
    # Validated like Prometheus; filtering rules by their labels lands with the rules.
    parse_matcher_sets(form.getall("match[]", []), request.app[API_KEY].options.max_match_params)
    names = set(form.getall("rule_name[]", []))
    groups_wanted = set(form.getall("rule_group[]", []))
    files = set(form.getall("file[]", []))
    want = {"": {"alerting", "recording"}, "alert": {"alerting"}, "record": {"recording"}}[kind]
    out = []
    for group in request.app[API_KEY].sources.rule_groups():
        if groups_wanted and group.get("name") not in groups_wanted:
            continue
        if files and group.get("file") not in files:
            continue
        kept = [
            r
            for r in group.get("rules", [])
            if r.get("type") in want and (not names or r.get("name") in names)
        ]
        if (names or kind) and not kept:
            continue
        out.append({**group, "rules": kept})
    return APIResult({"groups": out})


async def alerts(request: web.Request, _: Form) -> APIResult:
    return APIResult({"alerts": request.app[API_KEY].sources.alerts()})


async def alertmanagers(request: web.Request, _: Form) -> APIResult:
    active, dropped = request.app[API_KEY].sources.alertmanagers()
    return APIResult(
        {
            "activeAlertmanagers": [{"url": u} for u in active],
            "droppedAlertmanagers": [{"url": u} for u in dropped],
        }
    )


def routes() -> list[tuple[str, str, Any]]:
    return [
        ("GET", path, api_handler(fn))
        for path, fn in (
            ("/status/config", serve_config),
            ("/status/flags", serve_flags),
            ("/status/runtimeinfo", serve_runtime_info),
            ("/status/buildinfo", serve_build_info),
            ("/status/tsdb", serve_tsdb),
            ("/status/walreplay", serve_wal_replay),
            ("/metadata", metadata),
            ("/targets", targets),
            ("/scrape_pools", scrape_pools),
            ("/targets/metadata", target_metadata),
            ("/rules", rules),
            ("/alerts", alerts),
            ("/alertmanagers", alertmanagers),
        )
    ]
