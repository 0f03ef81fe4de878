"""Exposition parsers: text 0.0.4 and OpenMetrics 1.0 into columns, with a per-target cache."""

from argus.scrape.parse.base import (
    NO_TIMESTAMP,
    Metadata,
    MetricType,
    ParsedBody,
    ParseError,
    Parser,
)
from argus.scrape.parse.cache import SeriesCache
from argus.scrape.parse.openmetrics import OpenMetricsParser
from argus.scrape.parse.text import TextParser

__all__ = [
    "NO_TIMESTAMP",
    "Metadata",
    "MetricType",
    "OpenMetricsParser",
    "ParseError",
    "ParsedBody",
    "Parser",
    "SeriesCache",
    "TextParser",
]
