"""Scraping: fetch targets' metrics, parse them fast, and append them to storage."""

from argus.scrape.client import Response, ScrapeClient, accept_header
from argus.scrape.errors import (
    BodyTooLargeError,
    BreakerOpenError,
    ContentTypeError,
    FetchError,
    HTTPStatusError,
    InvalidSeriesError,
    LimitError,
    ScrapeError,
)
from argus.scrape.loop import REPORT_METRICS, ScrapeLoop, ScrapeReport
from argus.scrape.manager import DroppedTarget, ManagerOptions, ScrapeManager
from argus.scrape.target import Target, TargetError, mutate_sample_labels, populate_labels

__all__ = [
    "REPORT_METRICS",
    "BodyTooLargeError",
    "BreakerOpenError",
    "ContentTypeError",
    "DroppedTarget",
    "FetchError",
    "HTTPStatusError",
    "InvalidSeriesError",
    "LimitError",
    "ManagerOptions",
    "Response",
    "ScrapeClient",
    "ScrapeError",
    "ScrapeLoop",
    "ScrapeManager",
    "ScrapeReport",
    "Target",
    "TargetError",
    "accept_header",
    "mutate_sample_labels",
    "populate_labels",
]
