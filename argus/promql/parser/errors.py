"""The root of PromQL's exception tree, and the error for rejected query text."""

from __future__ import annotations

__all__ = ["ParseError", "PromQLError"]


class PromQLError(Exception):
    """Base of every error the PromQL package raises on purpose."""

    error_type = "execution"
    """The Prometheus HTTP API ``errorType`` this maps to."""


class ParseError(PromQLError, ValueError):
    """The query text is not valid PromQL (API error type ``bad_data``).

    The text reads like Prometheus's, ``1:8: parse error: unexpected <by>``.
    ``position_range`` is the (start, end) character offsets of the offending part
    of the query, or None when the error is not about a place in it.
    """

    error_type = "bad_data"

    def __init__(self, message: str, position_range: tuple[int, int] | None = None) -> None:
        super().__init__(message)
        self.position_range = position_range
