"""The Prometheus HTTP API v1: same paths, parameters, JSON shapes, errors and codes."""

from typing import Any

from argus.web.api.v1 import admin, exemplars, query, series, status
from argus.web.api.v1.context import API_KEY, APIContext
from argus.web.api.v1.errors import APIError, map_exception
from argus.web.api.v1.executor import QueryExecutor

__all__ = ["API_KEY", "APIContext", "APIError", "QueryExecutor", "map_exception", "routes"]


def routes() -> list[tuple[str, str, Any]]:
    """``(method, path under /api/v1, handler)`` for every endpoint."""
    return query.routes() + exemplars.routes() + series.routes() + status.routes() + admin.routes()
