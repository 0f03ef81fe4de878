"""The scrape package's exceptions: why one scrape of one target failed.

::

    Exception
     └── ScrapeError                 message shown on the targets page, counted by kind
          ├── FetchError             connection refused/reset, DNS, TLS, timeout
          ├── HTTPStatusError        status other than 200
          ├── BodyTooLargeError      body_size_limit exceeded
          ├── ContentTypeError       unsupported Content-Type and no fallback protocol
          ├── BreakerOpenError       the target's circuit breaker refused the scrape
          ├── LimitError             sample_limit / label limits exceeded
          └── InvalidSeriesError     no metric name, duplicate label names after mutation
    argus.scrape.parse.ParseError    malformed exposition (a ValueError, with line number)

A failed scrape records ``up 0`` and staleness markers; it never touches other targets.
"""

from __future__ import annotations

__all__ = [
    "BodyTooLargeError",
    "BreakerOpenError",
    "ContentTypeError",
    "FetchError",
    "HTTPStatusError",
    "InvalidSeriesError",
    "LimitError",
    "ScrapeError",
]


class ScrapeError(Exception):
    """One scrape failed; ``kind`` is the short label value used in metrics."""

    kind = "error"


class FetchError(ScrapeError):
    kind = "fetch"


class HTTPStatusError(ScrapeError):
    kind = "http_status"


class BodyTooLargeError(ScrapeError):
    kind = "body_size_limit"


class ContentTypeError(ScrapeError):
    kind = "content_type"


class BreakerOpenError(ScrapeError):
    kind = "breaker_open"


class LimitError(ScrapeError):
    kind = "limit"


class InvalidSeriesError(ScrapeError):
    kind = "invalid_series"
