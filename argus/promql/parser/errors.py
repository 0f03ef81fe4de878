"""The root of PromQL's exception tree, and the error for rejected query text."""

from __future__ import annotations

__all__ = ["ParseError", "PromQLError"]


class PromQLError(Exception):
    """Base of every error the PromQL package raises on purpose."""

    error_type = "execution"
    """The Prometheus HTTP API ``errorType`` this maps to."""


class ParseError(PromQLError, ValueError):
    """The query text is not valid PromQL (API error type ``bad_data``)."""

    error_type = "bad_data"
