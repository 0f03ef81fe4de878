"""Evaluation errors. Each maps to one Prometheus HTTP API ``errorType``."""

from __future__ import annotations

from argus.promql.parser.errors import ParseError, PromQLError

__all__ = [
    "EvalError",
    "ParseError",
    "PromQLError",
    "QueryTimeoutError",
    "TooManySamplesError",
    "TooManySeriesError",
    "error_type",
]


class EvalError(PromQLError):
    """The query is valid but cannot be evaluated on this data (``execution``)."""


class QueryTimeoutError(PromQLError):
    """The query ran past its deadline (``timeout``)."""

    error_type = "timeout"


class TooManySamplesError(EvalError):
    """The query would hold more samples in memory than allowed (``execution``)."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            "query processing would load too many samples into memory in query execution"
        )
        self.limit = limit


class TooManySeriesError(EvalError):
    """A selection matched more series than allowed (``execution``)."""

    def __init__(self, limit: int, got: int) -> None:
        super().__init__(f"query selected {got} series, more than the limit of {limit}")
        self.limit = limit


def error_type(exc: BaseException) -> str:
    """The API ``errorType`` for an exception; non-PromQL errors are ``internal``."""
    if isinstance(exc, PromQLError):
        return exc.error_type
    return "internal"
