"""OpenMetrics 1.0 text, as Prometheus's ``openmetricsparse.go`` reads it.

Differences from the 0.0.4 text format that matter here: the body must end with
``# EOF`` (one optional newline after it, nothing else); there are no blank lines and
no free-form comments, only ``# HELP``, ``# TYPE``, ``# UNIT``; tokens are separated
by exactly one space and braces hold no blanks; timestamps are float **seconds**
(stored as ``int(ts * 1000)``, Prometheus's truncation); a sample may carry an
exemplar after `` # ``. Exemplars are checked for syntax and then dropped: Argus's
storage does not keep them yet. ``_created`` series are kept as ordinary samples,
Prometheus's default (its "created timestamp zero ingestion" is a feature flag).
"""

from __future__ import annotations

import re

from argus.scrape.parse.base import (
    Comment,
    MetricType,
    ParseError,
    Parser,
    SlowSample,
    check_timestamp_ms,
    new_series,
    normalize_le_quantile,
)
from argus.scrape.parse.floats import parse_go_float
from argus.scrape.parse.series import SERIES_PREFIX, scan_series, unescape

__all__ = ["OpenMetricsParser"]

_TYPES = {t.value.encode(): t for t in MetricType}
_META = re.compile(rb'# (HELP|TYPE|UNIT) ("(?:\\.|[^\\"\n])*"|[a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?')


class OpenMetricsParser(Parser):
    """Cached parser for ``application/openmetrics-text; version=1.0.0`` bodies."""

    def _lines(self, body: bytes) -> list[bytes]:
        lines = body.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        if not lines or lines[-1] != b"# EOF":
            if b"# EOF\n" in body or body.endswith(b"# EOF"):
                raise ParseError(0, "unexpected data after # EOF")
            raise ParseError(0, "data does not end with # EOF")
        lines.pop()
        return lines

    float_blanks = b""
    """OpenMetrics has no tabs: a value is ``[^ \\n]+`` and must parse whole."""

    def _blank(self, line: bytes) -> bool:
        return False

    def _comment(self, line: bytes) -> Comment:
        m = _META.fullmatch(line)
        if m is None:
            if line == b"# EOF":
                raise ValueError("unexpected data after # EOF")
            raise ValueError("expected # HELP, # TYPE or # UNIT with a metric name")
        kind, name, rest = m.groups()
        text = rest or b""
        if name[:1] == b'"':
            name = unescape(name[1:-1])
        try:
            family = name.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"invalid UTF-8 in metric name {name!r}") from None
        if kind == b"TYPE":
            mtype = _TYPES.get(text)
            if mtype is None:
                raise ValueError(f"invalid metric type {text.decode(errors='replace')!r}")
            return (0, family, mtype)
        try:
            decoded = unescape(text).decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{kind.decode().lower()} text {text!r} is not valid UTF-8") from None
        if kind == b"UNIT" and decoded and not family.endswith("_" + decoded):
            raise ValueError(f"unit {decoded!r} not a suffix of metric {family!r}")
        return (1 if kind == b"HELP" else 2, family, decoded)

    def _sample(self, line: bytes, current_type: MetricType, new: list[int]) -> SlowSample:
        prefix = SERIES_PREFIX.match(line)
        key = prefix.group() if prefix is not None else b""
        sid = self.cache.ids.get(key) if key else None
        if sid is None:
            pairs, end = scan_series(line, strict=True)
            key = line[:end]
            sid = self.cache.ids.get(key)
            if sid is None:
                sid = new_series(self.cache, key, normalize_le_quantile(pairs, current_type), new)
        rest = line[len(key) :]
        if rest[:1] != b" ":
            raise ValueError("expected a space and a value after the series")
        sample, _, exemplar = rest[1:].partition(b" # ")
        tokens = sample.split(b" ")
        if len(tokens) > 2 or not tokens[0]:
            raise ValueError("expected value [timestamp] after the series")
        value = parse_go_float(tokens[0])
        timestamp = None
        if len(tokens) == 2:
            timestamp = check_timestamp_ms(parse_go_float(tokens[1]))
        if exemplar:
            _check_exemplar(exemplar)
        return SlowSample(sid, value, timestamp)


def _check_exemplar(text: bytes) -> None:
    """``{labels} value [timestamp]``: checked, then dropped (no exemplar storage yet)."""
    if text[:1] != b"{":
        raise ValueError("expected '{' to start the exemplar labels")
    pairs, end = scan_series(b"x" + text, strict=True)
    tokens = text[end - 1 :].split(b" ")
    if tokens[0] != b"" or len(tokens) not in (2, 3):
        raise ValueError("expected value [timestamp] after the exemplar labels")
    parse_go_float(tokens[1])
    if len(tokens) == 3:
        check_timestamp_ms(parse_go_float(tokens[2]))
    if sum(len(n) + len(v) for n, v in pairs[1:]) > 128:
        raise ValueError("exemplar labels exceed 128 UTF-8 characters")
