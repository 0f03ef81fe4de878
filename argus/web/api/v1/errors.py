"""API errors and the one function that maps any exception to (errorType, HTTP status).

Handlers raise :class:`APIError` for input they reject and let everything else
propagate; the response layer calls :func:`map_exception` once, so the mapping of PromQL,
storage and transport failures to Prometheus's ``errorType`` values and status codes
lives in exactly one place (Prometheus: ``returnAPIError`` + ``getDefaultErrorCode``).

Exception tree::

    APIError                 carries its own errorType
    └── (raised by handlers: bad_data, not_found, unavailable, ...)
    PromQLError              argus.promql.error_type(): bad_data, execution, timeout
    StorageError             internal
    HTTPRequestEntityTooLarge  bad_data (Go's ParseForm fails the same request)
    anything else            internal
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from argus.promql import PromQLError, error_type
from argus.storage import StorageError

__all__ = [
    "STATUS_BY_TYPE",
    "APIError",
    "bad_data",
    "invalid_param",
    "map_exception",
]

STATUS_BY_TYPE: dict[str, int] = {
    "bad_data": 400,
    "execution": 422,
    "canceled": 499,  # Prometheus 3: statusClientClosedConnection.
    "timeout": 503,
    "internal": 500,
    "not_found": 404,
    "not_acceptable": 406,
    "unavailable": 500,  # No case in getDefaultErrorCode: the default, 500.
}


class APIError(Exception):
    """A request the API rejects, with its Prometheus ``errorType``."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type

    def __repr__(self) -> str:
        return f"APIError({self.error_type!r}, {str(self)!r})"


def bad_data(message: str) -> APIError:
    return APIError("bad_data", message)


def invalid_param(name: str, reason: str | BaseException) -> APIError:
    """Prometheus's ``invalidParamError``: ``invalid parameter "step": <reason>``."""
    return APIError("bad_data", f'invalid parameter "{name}": {reason}')


def map_exception(exc: BaseException) -> tuple[str, int]:
    """The API ``errorType`` and HTTP status for ``exc``."""
    if isinstance(exc, APIError):
        kind = exc.error_type
    elif isinstance(exc, PromQLError):
        kind = error_type(exc)
    elif isinstance(exc, web.HTTPRequestEntityTooLarge):
        kind = "bad_data"
    elif isinstance(exc, asyncio.CancelledError):
        kind = "canceled"
    elif isinstance(exc, StorageError):
        kind = "internal"
    else:
        kind = "internal"
    return kind, STATUS_BY_TYPE.get(kind, 500)
