"""What the web layer is configured with and what it reads from, as plain values.

``argus.web`` must not import ``argus.tsdb``; ``server.py`` hands it a
:class:`~argus.storage.Queryable` plus the small protocols below. Providers for targets,
rules, alerts and metadata are callables returning Prometheus-shaped JSON documents, so
scrape and rules can plug in later without the API changing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from argus.model import Labels, Matcher
from argus.storage import Queryable

__all__ = [
    "HeadInfo",
    "RuntimeState",
    "Sources",
    "TSDBAdmin",
    "WebOptions",
]

JSONDoc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class WebOptions:
    """Flags of the web and query layers, with Prometheus's defaults."""

    enable_admin_api: bool = False
    enable_lifecycle: bool = False
    lookback_ms: int = 300_000
    query_timeout_s: float = 120.0
    max_samples: int = 50_000_000
    max_concurrency: int = 20
    max_request_bytes: int = 10 * 2**20
    """Bodies above this fail like Go's ``ParseForm`` (10 MiB there)."""
    max_line_bytes: int = 1 * 2**20
    """Request line and header limit: long GET selectors fit, as with Go's 1 MiB."""
    max_match_params: int = 10_000
    """``match[]`` values per request; each is parsed, so a flood is refused up front."""
    gzip_level: int = 1
    """zlib level of gzip responses: 1 spends a sixth of level 6's CPU on query JSON
    for ~20% more bytes (Prometheus uses Go's default, 6)."""
    flags: Mapping[str, str] = field(default_factory=dict)
    storage_retention: str = ""


@dataclass(frozen=True, slots=True)
class HeadInfo:
    """The head block's series and time range, for ``/api/v1/status/tsdb``.

    ``series`` are the label sets of live head series (any order); times are ms, and
    ``min_time > max_time`` when the head is empty (Prometheus prints int64 bounds).
    """

    series: Sequence[Labels]
    chunk_count: int
    min_time: int
    max_time: int


class TSDBAdmin(Protocol):
    """The admin endpoints' view of the database. Calls block; the API runs them on a
    worker thread. Errors raise (any exception becomes an ``internal`` API error)."""

    def delete(self, matchers: Sequence[Matcher], mint: int, maxt: int) -> None:
        """Tombstone samples of matching series in ``[mint, maxt]`` (inclusive, ms)."""
        ...

    def clean_tombstones(self) -> None: ...

    def snapshot(self, with_head: bool) -> str:
        """Hard-link the data into ``<data>/snapshots/<name>``; returns ``name``."""
        ...


def _empty_targets() -> JSONDoc:
    return {"activeTargets": [], "droppedTargets": [], "droppedTargetCounts": {}}


def _empty_list() -> list[JSONDoc]:
    return []


def _no_pools() -> list[str]:
    return []


def _empty_metadata() -> dict[str, list[JSONDoc]]:
    return {}


def _no_head() -> HeadInfo:
    return HeadInfo([], 0, 2**63 - 1, -(2**63))


def _no_alertmanagers() -> tuple[Sequence[str], Sequence[str]]:
    return [], []


def _wal_done() -> JSONDoc:
    return {"min": 0, "max": 0, "current": 0}


@dataclass(slots=True)
class RuntimeState:
    """Mutable process facts for ``/status/runtimeinfo`` (reload outcome, start time)."""

    start_time: float = field(default_factory=time.time)
    reload_success: bool = True
    last_config_time: float = field(default_factory=time.time)
    corruption_count: int = 0


@dataclass(slots=True)
class Sources:
    """Everything the web layer reads. Only ``queryable`` is required.

    Provider shapes (Prometheus's JSON): ``scrape_pools`` → ``["job", ...]``; ``targets``
    → ``{"activeTargets": [...], "droppedTargets": [...], "droppedTargetCounts": {...}}``;
    ``target_metadata`` → ``[{"target": {...}, "metric", "type", "help", "unit"}]``; ``metadata`` →
    ``{"name": [{"type", "help", "unit"}]}``; ``rule_groups`` → ``[{"name", "file",
    "rules": [...], ...}]``; ``alerts`` → ``[{"labels", "annotations", "state", ...}]``.
    """

    queryable: Queryable
    metrics: Callable[[], str] = str
    head_info: Callable[[], HeadInfo] = _no_head
    admin: TSDBAdmin | None = None
    targets: Callable[[], JSONDoc] = _empty_targets
    scrape_pools: Callable[[], list[str]] = _no_pools
    """Names of the configured scrape pools (jobs), including those without targets."""
    target_metadata: Callable[[], list[JSONDoc]] = _empty_list
    metadata: Callable[[], dict[str, list[JSONDoc]]] = _empty_metadata
    rule_groups: Callable[[], list[JSONDoc]] = _empty_list
    alerts: Callable[[], list[JSONDoc]] = _empty_list
    alertmanagers: Callable[[], tuple[Sequence[str], Sequence[str]]] = _no_alertmanagers
    """URLs of the active and the dropped Alertmanagers, for ``/api/v1/alertmanagers``."""
    wal_replay: Callable[[], JSONDoc] = _wal_done
    config_yaml: Callable[[], str] = str
    reloaders: Sequence[Callable[[], None]] = ()
    """Called in order by ``/-/reload``; the first exception fails the reload."""
    quit: Callable[[], None] | None = None
    """Asks the server to stop (``/-/quit``)."""
    runtime: RuntimeState = field(default_factory=RuntimeState)
