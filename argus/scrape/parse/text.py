"""The Prometheus text format 0.0.4, as Prometheus's own parser reads it.

Grammar per line (``promlex.l``): blank lines are allowed; ``# HELP name text`` and
``# TYPE name type`` carry metadata (HELP text escapes ``\\\\`` and ``\\n``; the name
may be quoted); any other ``#`` line is a comment; a sample is
``series value [timestamp]`` with blanks (spaces or tabs) between tokens, the value in
Go float syntax (see :mod:`argus.scrape.parse.floats`) and the timestamp integer
milliseconds (ASCII digits; Prometheus's lexer takes no sign).

Where we differ from Prometheus, on purpose: a body need not end with a newline
(Prometheus's lexer insists; every client library writes one anyway, and
``prometheus_client`` accepts both).
"""

from __future__ import annotations

import re

from argus.scrape.parse.base import (
    IGNORED_COMMENT,
    Comment,
    MetricType,
    Parser,
    SlowSample,
    new_series,
    normalize_le_quantile,
)
from argus.scrape.parse.floats import parse_go_float, parse_go_int
from argus.scrape.parse.series import SERIES_PREFIX, scan_series, unescape

__all__ = ["TextParser"]

_TYPES = {
    b"counter": MetricType.COUNTER,
    b"gauge": MetricType.GAUGE,
    b"histogram": MetricType.HISTOGRAM,
    b"summary": MetricType.SUMMARY,
    b"untyped": MetricType.UNKNOWN,
}
_META = re.compile(rb'#[ \t]+(HELP|TYPE)[ \t]+("(?:\\.|[^\\"])*"|[a-zA-Z_:][a-zA-Z0-9_:]*)(.*)')
_META_START = re.compile(rb"#[ \t]+(?:HELP|TYPE)[ \t]")
_BLANK_SPLIT = re.compile(rb"[ \t]+")


class TextParser(Parser):
    """Cached parser for ``text/plain; version=0.0.4`` bodies of one target."""

    def _lines(self, body: bytes) -> list[bytes]:
        return body.split(b"\n")

    def _blank(self, line: bytes) -> bool:
        return True

    def _comment(self, line: bytes) -> Comment:
        m = _META.fullmatch(line)
        if m is None:
            if _META_START.match(line) is not None:
                raise ValueError("expected metric name after HELP/TYPE")
            return IGNORED_COMMENT
        kind, name, rest = m.groups()
        if name[:1] == b'"':
            name = unescape(name[1:-1])
        if rest and rest[0] not in b" \t":
            raise ValueError("expected a blank after the metric name")
        text = rest[1:]
        try:
            family = name.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"invalid UTF-8 in metric name {name!r}") from None
        if kind == b"TYPE":
            mtype = _TYPES.get(text.strip(b" \t"))
            if mtype is None:
                raise ValueError(f"invalid metric type {text.decode(errors='replace')!r}")
            return (0, family, mtype)
        if b"\\" in text:
            text = text.replace(b"\\\\", b"\x00").replace(b"\\n", b"\n").replace(b"\x00", b"\\")
        try:
            return (1, family, text.decode("utf-8"))
        except UnicodeDecodeError:
            raise ValueError(f"help text {text!r} is not valid UTF-8") from None

    def _sample(self, line: bytes, current_type: MetricType, new: list[int]) -> SlowSample:
        prefix = SERIES_PREFIX.match(line)
        key = prefix.group() if prefix is not None else b""
        sid = self.cache.ids.get(key) if key else None
        if sid is not None and line[len(key) :].lstrip(b" \t")[:1] == b"{":
            sid = None  # "foo {…}": blanks before the brace, so "foo" was not the series.
        if sid is None:
            pairs, end = scan_series(line, strict=False)
            key = line[:end]
            sid = self.cache.ids.get(key)
            if sid is None:
                sid = new_series(self.cache, key, normalize_le_quantile(pairs, current_type), new)
        rest = _BLANK_SPLIT.split(line[len(key) :].strip(b" \t"))
        if not rest[0]:
            raise ValueError("expected value after metric")
        if len(rest) > 2:
            raise ValueError("expected timestamp or new record")
        if b"{" in rest[0]:
            raise ValueError(f"unexpected '{{' in value {rest[0]!r}")
        value = parse_go_float(rest[0])
        timestamp = parse_go_int(rest[1]) if len(rest) == 2 else None
        if timestamp is None and line.endswith(b" " + rest[0]):
            # Cache the head too, so the next scrape of this line takes the fast path.
            head = line.rpartition(b" ")[0]
            if head != key:
                self.cache.alias(head, sid)
        return SlowSample(sid, value, timestamp)
