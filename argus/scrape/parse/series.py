"""The slow path: parse the series part of one exposition line into a label set.

Runs once per new series of a target (then the cache answers), so clarity beats speed
here. It follows Prometheus's lexers (``promlex.l``, ``openmetricslex.l``):

- names are ``[a-zA-Z_:][a-zA-Z0-9_:]*`` (metric) and ``[a-zA-Z_][a-zA-Z0-9_]*`` (label),
  or any non-empty UTF-8 text in double quotes (Prometheus 3); a quoted item inside the
  braces that is not followed by ``=`` is the metric name: ``{"my.metric", a="1"}``;
- label values escape ``\\\\``, ``\\"`` and ``\\n``; any other backslash sequence is kept as
  written (Go's ``strings.Replacer``), and values must be valid UTF-8;
- the text format allows blanks (spaces, tabs) between tokens and a missing comma
  between pairs (Prometheus does); OpenMetrics allows neither;
- a label name may appear once; empty values mean "no label" and are dropped.
"""

from __future__ import annotations

import re

from argus.model import METRIC_NAME

__all__ = ["SERIES_PREFIX", "SeriesSyntaxError", "quick_series", "scan_series", "unescape"]

_METRIC_NAME = re.compile(rb"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(rb"[a-zA-Z_][a-zA-Z0-9_]*")
_QUOTED = re.compile(rb'"(?:\\.|[^\\"\n])*"')
_BLANKS = re.compile(rb"[ \t]*")
_ESCAPE = re.compile(rb'\\([\\"n])')

_PAIR = rb'[a-zA-Z_][a-zA-Z0-9_]*="(?:\\.|[^\\"\n])*"'
_SIMPLE = re.compile(
    rb"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(" + _PAIR + rb"(?:," + _PAIR + rb")*,?)?\})?"
)
_PAIRS = re.compile(rb'([a-zA-Z_][a-zA-Z0-9_]*)="((?:\\.|[^\\"\n])*)"')

SERIES_PREFIX = re.compile(rb'[^{ \t]*(?:\{(?:[^"}]|"(?:\\.|[^\\"\n])*")*\})?')
"""Matches the series part of a well-formed line without decoding it (cache lookups)."""


class SeriesSyntaxError(ValueError):
    """The series part is malformed; the parsers add the line number."""


def unescape(raw: bytes) -> bytes:
    """Undo ``\\\\``, ``\\"`` and ``\\n``; leave other backslash pairs alone."""
    if b"\\" not in raw:
        return raw
    return _ESCAPE.sub(lambda m: b"\n" if m.group(1) == b"n" else m.group(1), raw)


def _text(raw: bytes, what: str) -> str:
    try:
        return unescape(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise SeriesSyntaxError(f"invalid UTF-8 in {what} {raw!r}") from None


def scan_series(line: bytes, *, strict: bool) -> tuple[list[tuple[str, str]], int]:
    """Parse the series part at the start of ``line``.

    Returns the label pairs (metric name first, in the order written, empty values
    kept) and the offset just past the series part. ``strict`` selects OpenMetrics
    rules (no blanks inside braces, commas required).
    """
    simple = _scan_simple(line, strict)
    if simple is not None:
        return simple
    pairs: list[tuple[str, str]] = []
    seen: set[str] = set()
    name: str | None = None
    pos = 0
    m = _METRIC_NAME.match(line)
    if m is not None:
        name = m.group().decode("ascii")
        pos = m.end()
        if not strict:
            pos = _BLANKS.match(line, pos).end()  # type: ignore[union-attr]
    if pos < len(line) and line[pos] == 0x7B:  # "{"
        name, pos = _scan_labels(line, pos + 1, name, pairs, seen, strict)
    elif name is None:
        raise SeriesSyntaxError("expected a metric name or '{' at the start of the line")
    if name is None:
        raise SeriesSyntaxError("metric name not set")
    if METRIC_NAME in seen:
        raise SeriesSyntaxError(f"label name {METRIC_NAME!r} given as a label")
    pairs.insert(0, (METRIC_NAME, name))
    return pairs, pos if strict else _end_of(line, pos)


def quick_series(head: bytes) -> list[tuple[str, str]] | None:
    """Label pairs if ``head`` is exactly a series in the common shape, else ``None``.

    The common shape is a plain name and optional ``{name="value",…}`` without blanks;
    it reads the same in both formats.
    """
    m = _SIMPLE.fullmatch(head)
    if m is None:
        return None
    pairs = [(METRIC_NAME, m.group(1).decode("ascii"))]
    body = m.group(2)
    if body:
        try:
            pairs += [(n.decode("ascii"), _text(v, "label value")) for n, v in _PAIRS.findall(body)]
        except SeriesSyntaxError:
            return None
        if len({n for n, _ in pairs}) != len(pairs):
            return None
    return pairs


def _scan_simple(line: bytes, strict: bool) -> tuple[list[tuple[str, str]], int] | None:
    """The common shape (plain names, no blanks inside braces) in two C-level regex calls.

    ``None`` sends the line to the general scanner, which also words the errors.
    """
    m = _SIMPLE.match(line)
    if m is None:
        return None
    end = m.end()
    after = line[end : end + 1]
    if after == b"{" or (not strict and after in (b" ", b"\t") and b"{" in line[end:]):
        return None
    pairs = [(METRIC_NAME, m.group(1).decode("ascii"))]
    body = m.group(2)
    if body:
        try:
            pairs += [(n.decode("ascii"), _text(v, "label value")) for n, v in _PAIRS.findall(body)]
        except SeriesSyntaxError:
            return None
        if len({n for n, _ in pairs}) != len(pairs):
            return None
    return pairs, end


def _end_of(line: bytes, pos: int) -> int:
    """Blanks after a name without braces belong to the separator, not the series."""
    while pos > 0 and line[pos - 1] in b" \t":
        pos -= 1
    return pos


def _scan_labels(
    line: bytes,
    pos: int,
    name: str | None,
    pairs: list[tuple[str, str]],
    seen: set[str],
    strict: bool,
) -> tuple[str | None, int]:
    """Scan ``name="value",…}`` from ``pos`` (just after the brace); return the name and end."""
    n = len(line)

    def skip(p: int) -> int:
        if strict:
            return p
        return _BLANKS.match(line, p).end()  # type: ignore[union-attr]

    pos = skip(pos)
    while True:
        if pos >= n:
            raise SeriesSyntaxError("unterminated label set, expected '}'")
        if line[pos] == 0x7D:  # "}"
            return name, pos + 1
        quoted = line[pos] == 0x22
        m = (_QUOTED if quoted else _LABEL_NAME).match(line, pos)
        if m is None:
            raise SeriesSyntaxError(f"expected label name at offset {pos}")
        token = m.group()
        pos = skip(m.end())
        if quoted and pos < n and line[pos] in b",}":
            if name is not None:
                raise SeriesSyntaxError("metric name already set")
            name = _text(token[1:-1], "metric name")
            if not name:
                raise SeriesSyntaxError("empty metric name")
            if line[pos] == 0x2C:
                pos = skip(pos + 1)
            continue
        label = _text(token[1:-1], "label name") if quoted else token.decode("ascii")
        if not label:
            raise SeriesSyntaxError("empty label name")
        if pos >= n or line[pos] != 0x3D:  # "="
            raise SeriesSyntaxError(f"expected '=' after label name {label!r}")
        pos = skip(pos + 1)
        m = _QUOTED.match(line, pos)
        if m is None:
            raise SeriesSyntaxError(f"expected quoted label value for {label!r}")
        value = _text(m.group()[1:-1], "label value")
        if label in seen:
            raise SeriesSyntaxError(f"duplicate label name {label!r}")
        seen.add(label)
        pairs.append((label, value))
        pos = skip(m.end())
        if pos < n and line[pos] == 0x2C:  # ","
            pos = skip(pos + 1)
        elif strict and (pos >= n or line[pos] != 0x7D):
            raise SeriesSyntaxError("expected ',' or '}' after label value")
