"""``/api/v1/targets`` and the metadata endpoints' documents, from the scrape manager.

Shapes follow Prometheus's JSON; each active target also carries Argus's
``circuitBreaker`` object (state and rolling-window counts), which Prometheus lacks.
"""

from __future__ import annotations

from typing import Any

from argus.config import format_duration
from argus.model import GO_ZERO_TIME, format_rfc3339_ms
from argus.scrape import ScrapeManager

__all__ = [
    "metadata_document",
    "scrape_pool_names",
    "target_metadata_document",
    "targets_document",
]

JSONDoc = dict[str, Any]


def _rfc3339(ms: int) -> str:
    return format_rfc3339_ms(ms) if ms > 0 else GO_ZERO_TIME


def scrape_pool_names(manager: ScrapeManager) -> list[str]:
    """Every configured scrape pool, with or without targets (``/api/v1/scrape_pools``)."""
    return list(manager.active_targets())


def targets_document(manager: ScrapeManager) -> JSONDoc:
    active: list[JSONDoc] = []
    dropped: list[JSONDoc] = []
    counts: dict[str, int] = {}
    for job, loops in manager.active_targets().items():
        for loop in loops:
            t = loop.target
            last = loop.last
            doc: JSONDoc = {
                "discoveredLabels": dict(t.discovered),
                "labels": dict(t.labels),
                "scrapePool": job,
                "scrapeUrl": t.url,
                "globalUrl": t.url,
                "lastError": last.error if last else "",
                "lastScrape": _rfc3339(last.timestamp_ms if last else 0),
                "lastScrapeDuration": last.duration_s if last else 0.0,
                "health": last.health if last else "unknown",
                "scrapeInterval": format_duration(t.interval_ms),
                "scrapeTimeout": format_duration(t.timeout_ms),
            }
            if loop.breaker is not None:
                snap = loop.breaker.snapshot()
                doc["circuitBreaker"] = {
                    "state": snap.state.value,
                    "windowRequests": snap.window_requests,
                    "windowFailures": snap.window_failures,
                    "rejectedTotal": snap.rejected_total,
                }
            active.append(doc)
    for job, gone in manager.dropped_targets().items():
        counts[job] = len(gone)
        dropped.extend({"discoveredLabels": dict(d.discovered), "scrapePool": job} for d in gone)
    return {"activeTargets": active, "droppedTargets": dropped, "droppedTargetCounts": counts}


def metadata_document(manager: ScrapeManager) -> dict[str, list[JSONDoc]]:
    out: dict[str, list[JSONDoc]] = {}
    for loops in manager.active_targets().values():
        for loop in loops:
            for name, meta in loop.metadata.items():
                entry = {"type": meta.type.value, "help": meta.help, "unit": meta.unit}
                seen = out.setdefault(name, [])
                if entry not in seen:
                    seen.append(entry)
    return out


def target_metadata_document(manager: ScrapeManager) -> list[JSONDoc]:
    out: list[JSONDoc] = []
    for loops in manager.active_targets().values():
        for loop in loops:
            target = {k: v for k, v in loop.target.labels if k in ("instance", "job")}
            for name, meta in loop.metadata.items():
                out.append(
                    {
                        "target": target,
                        "metric": name,
                        "type": meta.type.value,
                        "help": meta.help,
                        "unit": meta.unit,
                    }
                )
    return out
