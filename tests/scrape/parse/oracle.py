"""prometheus_client's parsers as a test oracle: what label sets and values a body holds."""

from __future__ import annotations

import math

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as om_families,
)
from prometheus_client.parser import text_string_to_metric_families as text_families

from argus.model import Labels
from argus.scrape.parse import NO_TIMESTAMP, ParsedBody, Parser
from argus.scrape.parse.floats import format_openmetrics_float

Row = tuple[Labels, float | str, int | None]


def _value(v: float) -> float | str:
    return "NaN" if math.isnan(v) else v


def oracle_rows(body: bytes, *, openmetrics: bool) -> list[Row]:
    families = (om_families if openmetrics else text_families)(body.decode())
    rows: list[Row] = []
    for fam in families:
        for s in fam.samples:
            labels = dict(s.labels)
            norm = {"histogram": "le", "summary": "quantile"}.get(fam.type)
            if norm and norm in labels:
                labels[norm] = format_openmetrics_float(float(labels[norm]))
            ts = None
            if s.timestamp is not None:
                if not isinstance(s.timestamp, float | int):
                    ts = int((s.timestamp.sec + s.timestamp.nsec / 1e9) * 1000)
                else:
                    ts = round(float(s.timestamp) * 1000)
            rows.append((Labels({**labels, "__name__": s.name}.items()), _value(s.value), ts))
    return rows


def argus_rows(parser: Parser, parsed: ParsedBody) -> list[Row]:
    rows: list[Row] = []
    for i, sid in enumerate(parsed.ids.tolist()):
        ts = None
        if parsed.timestamps is not None and parsed.timestamps[i] != NO_TIMESTAMP:
            ts = int(parsed.timestamps[i])
        rows.append((parser.cache.labels[sid], _value(float(parsed.values[i])), ts))
    return rows
