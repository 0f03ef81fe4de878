"""A fast OpenMetrics text parser for backfilling, accepting what promtool 2.42 accepts.

Why a separate parser from the scrape one: a backfill file has millions of lines of a
few thousand series, every sample carries a timestamp, and errors must name the line.
The rules are those of Prometheus's ``textparse.OpenMetricsParser`` (and its lexer):

- exactly one space between the series, the value and the timestamp; no blank lines;
- ``# HELP``, ``# TYPE`` (a known type) and ``# UNIT`` (a suffix of the name) are the
  only comments, and the input must end with ``# EOF`` (optionally followed by one
  newline);
- label values are ``"``-quoted, valid UTF-8, with ``\\"``, ``\\\\`` and ``\\n`` escapes
  (other backslash pairs are kept as they are); empty values drop the label; a repeated
  label name is an error;
- floats follow Go's ``strconv.ParseFloat`` without hex, ``_`` or ``p`` (``NaN``,
  ``+Inf``, ``-Inf``, ``1e-07``...); ``NaN`` values are stored as Go's NaN bit pattern
  (0x7ff8000000000001), as Prometheus does;
- timestamps are float seconds, converted to milliseconds as ``int64(ts * 1000)``
  (truncation toward zero of the float product), and are required;
- exemplars (`` # {…} value [ts]``) are checked and ignored; only ``*_total`` and
  ``*_bucket`` series may carry one. Quoted UTF-8 names (Prometheus 3) are rejected like
  2.42 rejects them.

How it is fast (``research-dependencies.md`` §2): the input is cut into chunks of whole
lines; each chunk is ``split`` once, each line ``rsplit`` into (series, value, timestamp),
and the series bytes are looked up in a dict of series seen before. Only lines whose
series bytes are new (first sight of a series, comments, exemplars, errors) go through
the line-by-line slow path, which is the full grammar. Values and timestamps are parsed
with ``list(map(float, …))`` and checked in bulk against the cases where Python's
``float`` is laxer than Go's. When anything in a chunk is wrong, the chunk is re-read line
by line with the slow path so the error reported is the first one in the file.
"""

from __future__ import annotations

import gc
import math
import mmap
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter

import numpy as np

from argus.model import Float64Array, Int64Array, Labels
from argus.tsdb.tools.errors import OpenMetricsError

__all__ = [
    "GO_NAN_BITS",
    "LineKind",
    "ParsedLine",
    "ParsedSamples",
    "parse_go_float",
    "parse_line",
    "parse_openmetrics",
]

GO_NAN_BITS = 0x7FF8000000000001
"""``math.NaN()`` in Go; what Prometheus stores for a ``NaN`` value in a file."""

DEFAULT_CHUNK_BYTES = 1 << 20

_METRIC_NAME = re.compile(rb"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(rb"[a-zA-Z_][a-zA-Z0-9_]*")
_LABEL_VALUE = re.compile(rb'"((?:\\.|[^\\"\n])*)"', re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_UNESCAPED = {'"': '"', "\\": "\\", "n": "\n"}
_GO_FLOAT = re.compile(
    rb"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    rb"|[nN][aA][nN]"
)
_METRIC_TYPES = frozenset(
    b"counter gauge histogram gaugehistogram summary info stateset unknown".split()
)
_EXEMPLAR_SUFFIXES = (b"_total", b"_bucket")
# Bytes a float token may hold once we know Python's ``float`` accepted it: anything
# else (whitespace, ``_``, non-ASCII) is something Go's ParseFloat would refuse.
_FLOAT_BYTES = b"0123456789.eE+-iInNfFtTyYaA"
_SEPARATOR = b" "
_MS_LIMIT = float(2**63)

_first = itemgetter(0)
_second = itemgetter(1)
_third = itemgetter(2)


class LineKind:
    """What a line of OpenMetrics text is (plain ints: this runs per line)."""

    SAMPLE = 0
    META = 1
    EOF = 2


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One line read by the slow path. For samples, ``series`` is the exact bytes before
    the value (the cache key) and ``value``/``timestamp`` are the raw tokens."""

    kind: int
    series: bytes = b""
    labels: Labels = field(default_factory=Labels)
    value: bytes = b""
    timestamp: bytes = b""


class _LineError(Exception):
    pass


def _unescape(value: str) -> str:
    return _ESCAPE.sub(lambda m: _UNESCAPED.get(m.group(1), m.group(0)), value)


def parse_go_float(token: bytes, what: str = "value") -> float:
    """Go's ``strconv.ParseFloat`` as Prometheus's text parsers call it (no ``p``/``_``)."""
    if b"p" in token or b"P" in token or b"_" in token:
        raise _LineError(f"unsupported character in {what} {_show(token)}")
    if _GO_FLOAT.fullmatch(token) is None:
        raise _LineError(f"invalid {what} {_show(token)}")
    v = float(token)
    if math.isinf(v) and b"i" not in token.lower():
        raise _LineError(f"{what} {_show(token)} is out of range")
    return v


def _show(token: bytes) -> str:
    return '"' + token.decode("utf-8", "backslashreplace").replace('"', '\\"') + '"'


def _timestamp_ms(token: bytes, what: str = "timestamp") -> int:
    ts = parse_go_float(token, what)
    if math.isnan(ts) or math.isinf(ts):
        raise _LineError(f"invalid {what} {_show(token)}")
    ms = ts * 1000.0
    if what == "timestamp" and not -_MS_LIMIT <= ms < _MS_LIMIT:
        # Go's int64() conversion would wrap, and promtool would then loop over
        # 2^40 empty windows; refusing is kinder.
        raise _LineError(f"{what} {_show(token)} is out of range")
    return int(ms)


def _parse_labels(line: bytes, pos: int, out: list[tuple[str, str]]) -> int:
    """Parse ``name="value", …}`` starting just after ``{``; return the index after ``}``."""
    n = len(line)
    first = True
    while True:
        if pos >= n:
            raise _LineError("unterminated label set: expected '}'")
        c = line[pos]
        if c == 0x7D:  # }
            return pos + 1
        if c == 0x2C:  # ,
            if first:
                raise _LineError("expected a label name or '}' after '{', got ','")
            pos += 1
            m = _LABEL_NAME.match(line, pos)
            if m is None:
                raise _LineError(f"expected a label name after ',' at column {pos + 1}")
        else:
            if not first:
                raise _LineError(f"expected ',' or '}}' after a label value at column {pos + 1}")
            m = _LABEL_NAME.match(line, pos)
            if m is None:
                raise _LineError(f"expected a label name or '}}' at column {pos + 1}")
        name = m.group()
        pos = m.end()
        if line[pos : pos + 1] != b"=":
            raise _LineError(f"expected '=' after label name {name.decode()!r}")
        pos += 1
        m = _LABEL_VALUE.match(line, pos)
        if m is None:
            raise _LineError(
                f"expected a double-quoted value for label {name.decode()!r} at column {pos + 1}"
            )
        try:
            value = m.group(1).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _LineError(f"invalid UTF-8 in the value of label {name.decode()!r}") from exc
        if "\\" in value:
            value = _unescape(value)
        out.append((name.decode("ascii"), value))
        pos = m.end()
        first = False


def _parse_meta(line: bytes) -> ParsedLine:
    rest = line[2:]
    if rest == b"EOF":
        return ParsedLine(LineKind.EOF)
    if rest.startswith(b"EOF"):
        raise _LineError("unexpected data after # EOF")
    keyword = rest[:5]
    if keyword not in (b"HELP ", b"TYPE ", b"UNIT "):
        raise _LineError(
            "only '# HELP', '# TYPE', '# UNIT' and '# EOF' comments are allowed in OpenMetrics"
        )
    kw = keyword[:4].decode()
    m = _METRIC_NAME.match(line, 7)
    if m is None:
        raise _LineError(f"expected a metric name after {kw}")
    if line[m.end() : m.end() + 1] != b" ":
        raise _LineError(f"expected text after the metric name in {kw}")
    name, text = m.group(), line[m.end() + 1 :]
    if kw == "TYPE" and text not in _METRIC_TYPES:
        raise _LineError(f"invalid metric type {_show(text)}")
    if kw == "HELP":
        try:
            text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _LineError("help text is not valid UTF-8") from exc
    if kw == "UNIT" and text and not name.endswith(text):
        raise _LineError(f"unit {_show(text)} is not a suffix of metric {_show(name)}")
    return ParsedLine(LineKind.META)


def _token(line: bytes, pos: int, what: str) -> tuple[bytes, int]:
    """The token after the single space at ``pos``: ``(token, index after it)``."""
    end = line.find(b" ", pos + 1)
    if end < 0:
        end = len(line)
    token = line[pos + 1 : end]
    if not token:
        raise _LineError(f"expected a {what} after a single space at column {pos + 1}")
    return token, end


def _parse_exemplar(line: bytes, pos: int, name: bytes) -> None:
    """Check `` # {labels} value [timestamp]`` starting at ``pos`` (the space)."""
    if not name.endswith(_EXEMPLAR_SUFFIXES):
        raise _LineError(f"metric name {name.decode()} does not support exemplars")
    pos = _parse_labels(line, pos + 4, [])
    if pos >= len(line) or line[pos] != 0x20:
        raise _LineError("expected a value after the exemplar labels")
    token, pos = _token(line, pos, "exemplar value")
    parse_go_float(token, "exemplar value")
    if pos < len(line):
        token, pos = _token(line, pos, "exemplar timestamp")
        _timestamp_ms(token, "exemplar timestamp")  # Range is not checked, as in Go.
        if pos < len(line):
            raise _LineError("expected the end of the line after the exemplar timestamp")


def parse_line(line: bytes) -> ParsedLine:
    """Parse one line (without its newline) by the full grammar; raise on any error.

    Values and timestamps are validated, so a line this accepts is a line promtool
    accepts (apart from the label-name uniqueness check, done here too).
    """
    if line[:1] == b"#":
        if line[:2] != b"# ":
            raise _LineError("'#' must be followed by a space")
        return _parse_meta(line)
    m = _METRIC_NAME.match(line)
    if m is None:
        if not line:
            raise _LineError("empty line (blank lines are not allowed in OpenMetrics)")
        if line[:1] == b"{":
            raise _LineError("a metric name must come before '{' (quoted names are not supported)")
        raise _LineError(f"expected a metric name, got {_show(line[:20])}")
    name = m.group()
    pairs: list[tuple[str, str]] = [("__name__", name.decode("ascii"))]
    pos = m.end()
    n = len(line)
    if pos < n and line[pos] == 0x7B:  # {
        pos = _parse_labels(line, pos + 1, pairs)
    series = line[:pos]
    if pos >= n or line[pos] != 0x20:
        got = "the end of the line" if pos >= n else _show(line[pos : pos + 1])
        raise _LineError(f"expected a space and a value after the series, got {got}")
    value, pos = _token(line, pos, "value")
    parse_go_float(value)
    if pos >= n:
        raise _LineError("expected a timestamp: backfill needs one on every sample")
    if line.startswith(b" # {", pos):
        _parse_exemplar(line, pos, name)
        raise _LineError("expected a timestamp: backfill needs one on every sample")
    timestamp, pos = _token(line, pos, "timestamp")
    _timestamp_ms(timestamp)
    if pos < n:
        if not line.startswith(b" # {", pos):
            raise _LineError(
                f"expected the end of the line or an exemplar after the timestamp, got "
                f"{_show(line[pos : pos + 10])}"
            )
        _parse_exemplar(line, pos, name)
    non_empty = [p for p in pairs if p[1]]
    if len(non_empty) != len({p[0] for p in non_empty}):
        seen: set[str] = set()
        for p in non_empty:
            if p[0] in seen:
                raise _LineError(f'label name "{p[0]}" is not unique')
            seen.add(p[0])
    return ParsedLine(LineKind.SAMPLE, series, Labels(non_empty), value, timestamp)


@dataclass(frozen=True, slots=True)
class ParsedSamples:
    """Every sample of a file in file order, as columns.

    ``labels[sid]`` is series ``sid``'s label set (numbered in order of first sight);
    ``sids``, ``ts`` (int64, ms) and ``values`` (float64) have one entry per sample.
    ``meta_lines`` holds the 0-based indexes of the lines that are not samples, so a
    sample's line number can be recovered without storing one per sample.
    """

    labels: list[Labels]
    sids: Int64Array
    ts: Int64Array
    values: Float64Array
    meta_lines: Int64Array
    num_lines: int

    def __len__(self) -> int:
        return len(self.ts)

    def line_of(self, sample_index: Int64Array | int) -> Int64Array:
        """1-based line numbers of samples given by their index in file order."""
        k = np.asarray(sample_index, dtype=np.int64)
        shifted = self.meta_lines - np.arange(len(self.meta_lines), dtype=np.int64)
        return k + np.searchsorted(shifted, k, side="right") + 1


def _strict_floats_ok(tokens: Sequence[bytes]) -> bool:
    """After ``float`` accepted every token: also acceptable to Go's ParseFloat?"""
    blob = _SEPARATOR.join(tokens)
    if blob.translate(None, _FLOAT_BYTES + _SEPARATOR):
        return False
    return not any(s in blob for s in (b"+n", b"+N", b"-n", b"-N"))


def _floats(tokens: list[bytes]) -> Float64Array:
    """``float`` over tokens, parsing each distinct token once when they repeat a lot
    (timestamps shared by all series of a scrape, gauges that stay put)."""
    n = len(tokens)
    probe = tokens[:: max(1, n // 2048)]
    if len(set(probe)) * 2 > len(probe):
        return np.array(list(map(float, tokens)), dtype=np.float64)
    distinct = dict.fromkeys(tokens)
    for token in distinct:
        distinct[token] = float(token)
    return np.fromiter(map(distinct.__getitem__, tokens), dtype=np.float64, count=n)


class _Parser:
    def __init__(self, total_size: int) -> None:
        self.cache: dict[bytes, int] = {}
        self.index: dict[Labels, int] = {}
        self.labels: list[Labels] = []
        self.total_size = total_size
        self.eof_line = -1
        self.sids: list[Int64Array] = []
        self.ts: list[Int64Array] = []
        self.values: list[Float64Array] = []
        self.meta_lines: list[int] = []

    def _sid(self, parsed: ParsedLine) -> int:
        sid = self.index.get(parsed.labels)
        if sid is None:
            sid = self.index[parsed.labels] = len(self.labels)
            self.labels.append(parsed.labels)
        self.cache[parsed.series] = sid
        return sid

    def _check_eof_position(self, i: int, lines: list[bytes], base: int, last: bool) -> None:
        if not last or i != len(lines) - 1:
            raise OpenMetricsError(base + i + 2, "unexpected data after # EOF")
        self.eof_line = base + i

    def _first_error(self, lines: list[bytes], base: int, last: bool) -> OpenMetricsError:
        """Re-read a chunk line by line; the first error in it, as the user should see it."""
        for i, line in enumerate(lines):
            try:
                parsed = parse_line(line)
            except _LineError as exc:
                return OpenMetricsError(base + i + 1, str(exc))
            if parsed.kind == LineKind.EOF:
                try:
                    self._check_eof_position(i, lines, base, last)
                except OpenMetricsError as exc:
                    return exc
        return OpenMetricsError(base + 1, "invalid input in the lines that follow")

    def _resolve_misses(
        self,
        lines: list[bytes],
        parts: list[list[bytes]],
        sids: Int64Array,
        miss: Int64Array,
        base: int,
        last: bool,
    ) -> list[int]:
        """Slow-path the lines whose series bytes are not cached; return the meta lines.

        Each distinct new key is parsed once (at its first line), then all misses are
        looked up again in bulk; only lines that still miss (comments, exemplars) are
        read one by one.
        """
        miss_list = miss.tolist()
        keys = [parts[i][0] for i in miss_list]
        first = dict(zip(reversed(keys), reversed(miss_list), strict=True))
        for i in sorted(first.values()):
            try:
                parsed = parse_line(lines[i])
            except _LineError:
                raise self._first_error(lines, base, last) from None
            if parsed.kind == LineKind.SAMPLE:
                self._sid(parsed)
        cache = self.cache
        sids[miss] = np.fromiter(
            map(cache.get, keys, repeat(-1, len(keys))), dtype=np.int64, count=len(keys)
        )
        meta: list[int] = []
        placeholder = [b"", b"0", b"0"]
        for i in miss[sids[miss] < 0].tolist():
            try:
                parsed = parse_line(lines[i])
            except _LineError:
                raise self._first_error(lines, base, last) from None
            if parsed.kind == LineKind.SAMPLE:
                sids[i] = self._sid(parsed)
                parts[i] = [parsed.series, parsed.value, parsed.timestamp]
                continue
            if parsed.kind == LineKind.EOF:
                try:
                    self._check_eof_position(i, lines, base, last)
                except OpenMetricsError:
                    raise self._first_error(lines, base, last) from None
            meta.append(i)
            parts[i] = placeholder
        return meta

    def chunk(self, lines: list[bytes], base: int, last: bool) -> None:
        n = len(lines)
        parts = [line.rsplit(b" ", 2) for line in lines]
        sids = np.fromiter(
            map(self.cache.get, map(_first, parts), repeat(-1, n)), dtype=np.int64, count=n
        )
        miss = np.flatnonzero(sids < 0)
        meta: list[int] = []
        if len(miss):
            meta = self._resolve_misses(lines, parts, sids, miss, base, last)
        try:
            vtok = list(map(_second, parts))
            ttok = list(map(_third, parts))
            values = _floats(vtok)
            seconds = _floats(ttok)
        except (ValueError, IndexError):
            raise self._first_error(lines, base, last) from None
        if not (_strict_floats_ok(vtok) and _strict_floats_ok(ttok)):
            raise self._first_error(lines, base, last)
        inf = np.flatnonzero(np.isinf(values))
        if len(inf) and any(b"i" not in vtok[i].lower() for i in inf.tolist()):
            raise self._first_error(lines, base, last)
        ms = seconds * 1000.0
        with np.errstate(invalid="ignore"):
            in_range = (ms >= -_MS_LIMIT) & (ms < _MS_LIMIT)
        if not in_range.all():
            raise self._first_error(lines, base, last)
        ts = ms.astype(np.int64)
        if meta:
            keep = np.ones(n, dtype=bool)
            keep[meta] = False
            sids, ts, values = sids[keep], ts[keep], values[keep]
            self.meta_lines.extend(base + i for i in meta)
        self.sids.append(sids)
        self.ts.append(ts)
        self.values.append(values)

    def result(self, num_lines: int) -> ParsedSamples:
        if self.eof_line < 0:
            raise OpenMetricsError(max(num_lines, 1), "data does not end with # EOF")
        values = np.concatenate(self.values) if self.values else np.zeros(0)
        nan = np.isnan(values)
        if nan.any():
            values.view(np.uint64)[nan] = np.uint64(GO_NAN_BITS)
        return ParsedSamples(
            labels=self.labels,
            sids=np.concatenate(self.sids) if self.sids else np.zeros(0, np.int64),
            ts=np.concatenate(self.ts) if self.ts else np.zeros(0, np.int64),
            values=values,
            meta_lines=np.asarray(self.meta_lines, dtype=np.int64),
            num_lines=num_lines,
        )


def parse_openmetrics(
    data: bytes | mmap.mmap, *, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> ParsedSamples:
    """Parse a whole OpenMetrics file (bytes or an mmap); raise :class:`OpenMetricsError`.

    Memory: the samples as columns (24 bytes each) plus one chunk of lines at a time.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()  # Millions of short-lived lists: the cyclic GC would triple the cost.
    try:
        return _parse(data, chunk_bytes)
    finally:
        if gc_was_enabled:
            gc.enable()


def _parse(data: bytes | mmap.mmap, chunk_bytes: int) -> ParsedSamples:
    size = len(data)
    parser = _Parser(size)
    start = 0
    base = 0
    while start < size:
        end = min(start + chunk_bytes, size)
        if end < size:
            nl = data.rfind(b"\n", start, end)
            if nl < 0:
                nl = data.find(b"\n", end)
            end = size if nl < 0 else nl + 1
        lines = data[start:end].split(b"\n")
        if lines[-1] == b"" and end > start:
            lines.pop()
        parser.chunk(lines, base, last=end >= size)
        base += len(lines)
        start = end
    return parser.result(base)
