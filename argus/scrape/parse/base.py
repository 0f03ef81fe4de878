"""What both exposition parsers share: result types, errors and the cached fast path.

A parser turns one scrape body into columns: ``ids`` (series ids from the target's
:class:`~argus.scrape.parse.cache.SeriesCache`), ``values`` and optional timestamps.
The fast path splits the body into lines, cuts each line at its last space
(``rpartition``), and looks the part before it up in the cache. Only lines that miss
(comments, blank lines, new series, lines with a timestamp or exemplar, odd spacing)
go through the format's slow path, one at a time and in order, so metadata comments
still apply to the samples that follow them.

Why the cut at the last space is safe: a cache key is always the exact series part
of a line, or a line head that ended right before the value. A line whose head holds
a value (``foo 1 1700000000``) can never equal such a key, because a series part ends
with ``}`` or is a bare name without blanks.

Errors: any malformed line fails the whole body with :class:`ParseError`, naming the
line number, as Prometheus fails the scrape.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat

import numpy as np

from argus.model import Float64Array, Int64Array, Labels
from argus.scrape.parse.cache import SeriesCache
from argus.scrape.parse.floats import (
    format_openmetrics_float,
    parse_go_float,
    suspicious_values,
    valid_nonfinite,
)
from argus.scrape.parse.series import quick_series

__all__ = ["NO_TIMESTAMP", "Metadata", "MetricType", "ParseError", "ParsedBody", "Parser"]

NO_TIMESTAMP = np.iinfo(np.int64).min
"""Marks a line without an explicit timestamp in :attr:`ParsedBody.timestamps`."""


class ParseError(ValueError):
    """A body is malformed. ``line`` is 1-based; ``text`` is the offending line (cut short)."""

    def __init__(self, line: int, message: str, text: bytes = b"") -> None:
        self.line = line
        self.message = message
        self.text = text[:200]
        where = f"line {line}: {message}" if line else message
        super().__init__(f"{where}: {self.text!r}" if text else where)


class MetricType(enum.Enum):
    """Metric family types; values are what ``/api/v1/metadata`` reports."""

    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"
    SUMMARY = "summary"
    UNKNOWN = "unknown"
    GAUGE_HISTOGRAM = "gaugehistogram"
    INFO = "info"
    STATESET = "stateset"


@dataclass(frozen=True, slots=True)
class Metadata:
    """HELP/TYPE/UNIT of one metric family, as last exposed."""

    type: MetricType = MetricType.UNKNOWN
    help: str = ""
    unit: str = ""


@dataclass(slots=True)
class ParsedBody:
    """The columns of one scrape body.

    ``ids``: int64[n], cache ids in exposition order (duplicates are possible).
    ``values``: float64[n]. ``timestamps``: int64[n] ms with :data:`NO_TIMESTAMP` where a
    line had none, or ``None`` when no line had one. ``new_ids``: ids the cache created
    during this parse. ``metadata``: family name -> metadata seen in this body.
    """

    ids: Int64Array
    values: Float64Array
    timestamps: Int64Array | None = None
    new_ids: list[int] = field(default_factory=list)
    metadata: dict[str, Metadata] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        ts = "none" if self.timestamps is None else "some"
        return f"ParsedBody(samples={len(self.ids)}, new={len(self.new_ids)}, timestamps={ts})"


@dataclass(slots=True)
class SlowSample:
    """What a format's slow path makes of one sample line."""

    sid: int
    value: float
    timestamp: int | None = None


Comment = tuple[int, str, "MetricType | str"]
"""A parsed metadata line: (slot in :class:`Metadata` or -1 to ignore, family, value)."""

IGNORED_COMMENT: Comment = (-1, "", "")


@dataclass(slots=True)
class _State:
    """Walk state of the slow path over the misses of one body, in line order."""

    metadata: dict[str, list[MetricType | str]] = field(default_factory=dict)
    current_type: MetricType = MetricType.UNKNOWN
    new_ids: list[int] = field(default_factory=list)

    def apply(self, comment: Comment) -> None:
        slot, family, value = comment
        if slot < 0:
            return
        meta = self.metadata.get(family)
        if meta is None:
            meta = self.metadata[family] = [MetricType.UNKNOWN, "", ""]
        meta[slot] = value
        if slot == 0:
            assert isinstance(value, MetricType)
            self.current_type = value

    def finish(self) -> dict[str, Metadata]:
        return {
            family: Metadata(m[0], m[1], m[2])  # type: ignore[arg-type]
            for family, m in self.metadata.items()
        }


_COMMENT_CACHE_LIMIT = 10_000


class Parser:
    """Cached parser for one target; subclasses supply the format's slow path.

    Not thread-safe: one scrape loop owns a parser and its cache. The cache persists
    across :meth:`parse` calls; that is the point.
    """

    float_blanks = b"\t"
    """Bytes that may surround a value (the text format's lexer treats tabs as blanks)."""

    def __init__(self, cache: SeriesCache | None = None) -> None:
        self.cache = cache if cache is not None else SeriesCache()
        self._comments: dict[bytes, Comment] = {}

    # -- format hooks ---------------------------------------------------------------

    def _lines(self, body: bytes) -> list[bytes]:
        """Split the body; the format checks framing (OpenMetrics's ``# EOF``)."""
        raise NotImplementedError

    def _comment(self, line: bytes) -> Comment:
        """Parse a ``#`` line into a :data:`Comment` (``IGNORED_COMMENT`` for plain ones)."""
        raise NotImplementedError

    def _blank(self, line: bytes) -> bool:
        """Whether a line without content is allowed (then skipped)."""
        raise NotImplementedError

    def _sample(self, line: bytes, current_type: MetricType, new: list[int]) -> SlowSample:
        """Parse a sample line the cache did not know; raise ``ValueError`` if malformed."""
        raise NotImplementedError

    # -- the fast path --------------------------------------------------------------

    def parse(self, body: bytes) -> ParsedBody:
        """Parse one body into columns; raise :class:`ParseError` on any malformed line.

        The cyclic garbage collector is paused while parsing: the per-line tuples would
        otherwise trigger a young-generation collection every 700 allocations, about
        10% of a warm parse, and none of them can form a cycle.
        """
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            return self._parse(body)
        finally:
            if paused:
                gc.enable()

    def _parse(self, body: bytes) -> ParsedBody:
        lines = self._lines(body)
        parts = [line.rpartition(b" ") for line in lines]
        lookup: Callable[[bytes, int], int] = self.cache.ids.get
        heads = [p[0] for p in parts]
        ids = np.fromiter(map(lookup, heads, repeat(-1)), dtype=np.int64, count=len(parts))
        vals = [p[2] for p in parts]
        state = _State()
        slow_values: dict[int, float] = {}
        slow_ts: dict[int, int] = {}
        misses = np.flatnonzero(ids < 0).tolist()
        comments = self._comments
        for i in misses:
            line = lines[i]
            known = comments.get(line)
            if known is not None:
                # A metadata line seen before: apply it without parsing again.
                vals[i] = b"0"
                state.apply(known)
            elif not self._new_simple_series(lines[i], heads[i], i, ids, state):
                self._slow_line(lines, i, ids, vals, state, slow_values, slow_ts)
        try:
            floats = list(map(float, vals))
        except ValueError:
            floats = self._floats_one_by_one(lines, ids, vals, state, slow_values, slow_ts)
        values = np.array(floats, dtype=np.float64)
        if suspicious_values(vals, self.float_blanks):
            self._check_exact(lines, ids, vals, slow_values, self.float_blanks)
        finite = np.isfinite(values)
        if not bool(finite.all()):
            self._check_nonfinite(lines, np.flatnonzero(~finite & (ids >= 0)), vals, slow_values)
        for i, v in slow_values.items():
            values[i] = v
        keep = ids >= 0
        timestamps = None
        if slow_ts:
            ts = np.full(len(ids), NO_TIMESTAMP, dtype=np.int64)
            for i, t in slow_ts.items():
                ts[i] = t
            timestamps = ts[keep]
        return ParsedBody(ids[keep], values[keep], timestamps, state.new_ids, state.finish())

    def _new_simple_series(
        self, line: bytes, head: bytes, i: int, ids: Int64Array, state: _State
    ) -> bool:
        """A new series in the common shape: register its head, leave the value to the
        column checks (``float`` plus the Go-syntax checks) like any cached line."""
        if not line or line[0] == 0x23:
            return False
        pairs = quick_series(head)
        if pairs is None:
            return False
        ids[i] = new_series(
            self.cache, head, normalize_le_quantile(pairs, state.current_type), state.new_ids
        )
        return True

    def _slow_line(
        self,
        lines: list[bytes],
        i: int,
        ids: Int64Array,
        vals: list[bytes],
        state: _State,
        slow_values: dict[int, float],
        slow_ts: dict[int, int],
    ) -> None:
        line = lines[i]
        vals[i] = b"0"
        if not line.strip(b" \t"):
            if not self._blank(line):
                raise ParseError(i + 1, "unexpected blank line")
            return
        if line[0] == 0x23:  # "#"
            self._apply_comment(line, i, state)
            return
        try:
            sample = self._sample(line, state.current_type, state.new_ids)
        except ValueError as exc:
            raise ParseError(i + 1, str(exc), line) from None
        ids[i] = sample.sid
        slow_values[i] = sample.value
        if sample.timestamp is not None:
            slow_ts[i] = sample.timestamp

    def _apply_comment(self, line: bytes, i: int, state: _State) -> None:
        try:
            parsed = self._comment(line)
        except ValueError as exc:
            raise ParseError(i + 1, str(exc), line) from None
        if len(self._comments) >= _COMMENT_CACHE_LIMIT:
            self._comments.clear()
        self._comments[line] = parsed
        state.apply(parsed)

    def _floats_one_by_one(
        self,
        lines: list[bytes],
        ids: Int64Array,
        vals: list[bytes],
        state: _State,
        slow_values: dict[int, float],
        slow_ts: dict[int, int],
    ) -> list[float]:
        """Some cached line's value is not a float: send such lines down the slow path.

        A cached series followed by ``1\\t123`` (tab before a timestamp) is valid; ``abc``
        is not, and the slow path says so with the line number.
        """
        out: list[float] = []
        for i, text in enumerate(vals):
            try:
                out.append(float(text))
            except ValueError:
                ids[i] = -1
                self._slow_line(lines, i, ids, vals, state, slow_values, slow_ts)
                out.append(0.0)
        return out

    @staticmethod
    def _check_exact(
        lines: list[bytes],
        ids: Int64Array,
        vals: list[bytes],
        slow_values: dict[int, float],
        blanks: bytes,
    ) -> None:
        """Python's ``float`` took something Go would not (``1_0``, ``\\r``): find it."""
        for i in np.flatnonzero(ids >= 0).tolist():
            if i in slow_values:
                continue
            try:
                parse_go_float(vals[i], blanks)
            except ValueError as exc:
                raise ParseError(i + 1, str(exc), lines[i]) from None

    def _check_nonfinite(
        self, lines: list[bytes], idx: Int64Array, vals: list[bytes], slow_values: dict[int, float]
    ) -> None:
        for i in idx.tolist():
            if i not in slow_values and not valid_nonfinite(vals[i], self.float_blanks):
                try:
                    parse_go_float(vals[i], self.float_blanks)
                except ValueError as exc:
                    raise ParseError(i + 1, str(exc), lines[i]) from None
                raise ParseError(i + 1, f"invalid float {vals[i]!r}", lines[i])


def normalize_le_quantile(
    pairs: list[tuple[str, str]], current_type: MetricType
) -> list[tuple[str, str]]:
    """Rewrite ``le`` (histograms) and ``quantile`` (summaries) as Prometheus does."""
    if current_type is MetricType.HISTOGRAM:
        target = "le"
    elif current_type is MetricType.SUMMARY:
        target = "quantile"
    else:
        return pairs
    out = []
    for name, value in pairs:
        if name == target:
            with contextlib.suppress(ValueError):
                value = format_openmetrics_float(parse_go_float(value.encode()))
        out.append((name, value))
    return out


def new_series(cache: SeriesCache, key: bytes, pairs: list[tuple[str, str]], new: list[int]) -> int:
    """Add a freshly parsed series to the cache; record it in ``new`` if it was unknown."""
    before = len(cache)
    sid = cache.add(key, Labels(pairs))
    if len(cache) > before:
        new.append(sid)
    return sid


def check_timestamp_ms(seconds: float) -> int:
    """OpenMetrics timestamps are float seconds; Prometheus truncates ``ts*1000``."""
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValueError(f"invalid timestamp {seconds}")
    return int(seconds * 1000)
