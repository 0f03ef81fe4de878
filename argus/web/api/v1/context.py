"""The state API handlers share, stored once on the application."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from argus.promql import Engine
from argus.web.api.v1.executor import QueryExecutor
from argus.web.options import Sources, WebOptions

__all__ = ["API_KEY", "APIContext"]


@dataclass(slots=True)
class APIContext:
    sources: Sources
    options: WebOptions
    executor: QueryExecutor

    def engine(self, timeout_s: float, lookback_ms: int | None = None) -> Engine:
        """An engine for one query: the flags' limits, this query's deadline.

        Engines are plain settings holders, so one per query is free and lets the
        ``timeout`` and ``lookback_delta`` parameters narrow the defaults.
        """
        return Engine(
            self.sources.queryable,
            lookback_ms=lookback_ms or self.options.lookback_ms,
            max_samples=self.options.max_samples,
            timeout_s=timeout_s,
        )


API_KEY = web.AppKey("api", APIContext)
