"""The web layer's own metrics, with Prometheus's names, appended to ``/metrics``."""

from __future__ import annotations

import threading
from collections import Counter

from argus.web.api.v1.executor import QueryExecutor

__all__ = ["HTTPMetrics"]


class HTTPMetrics:
    """Request counts by handler and code, and the query executor's load. Thread-safe."""

    def __init__(self, executor: QueryExecutor) -> None:
        self._executor = executor
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, int]] = Counter()
        self._seconds: dict[str, float] = {}

    def observe(self, handler: str, code: int, seconds: float) -> None:
        with self._lock:
            self._requests[(handler, code)] += 1
            self._seconds[handler] = self._seconds.get(handler, 0.0) + seconds

    def render(self) -> str:
        with self._lock:
            requests = sorted(self._requests.items())
            seconds = sorted(self._seconds.items())
        lines = [
            "# HELP prometheus_http_requests_total Counter of HTTP requests.\n",
            "# TYPE prometheus_http_requests_total counter\n",
        ]
        lines += [
            f'prometheus_http_requests_total{{code="{c}",handler="{h}"}} {n}\n'
            for (h, c), n in requests
        ]
        lines += [
            "# HELP argus_http_request_seconds_total Time spent serving requests.\n",
            "# TYPE argus_http_request_seconds_total counter\n",
        ]
        lines += [f'argus_http_request_seconds_total{{handler="{h}"}} {s}\n' for h, s in seconds]
        ex = self._executor
        lines += [
            "# HELP prometheus_engine_queries The current number of queries being executed "
            "or waiting.\n",
            "# TYPE prometheus_engine_queries gauge\n",
            f"prometheus_engine_queries {ex.running + ex.queued}\n",
            "# HELP prometheus_engine_queries_concurrent_max The max number of concurrent "
            "queries.\n",
            "# TYPE prometheus_engine_queries_concurrent_max gauge\n",
            f"prometheus_engine_queries_concurrent_max {ex.max_concurrency}\n",
        ]
        return "".join(lines)
