"""Series selectors for ``--match``: ``name{label op "value", …}`` without full PromQL.

The tools take promtool's ``--match`` flag (default ``{__name__=~'(?s:.*)'}``) before
the PromQL parser exists. This handles exactly the metric-selector subset of PromQL:
an optional metric name, then optional braces with ``=``, ``!=``, ``=~`` and ``!~``
matchers (a trailing comma is fine), strings in double quotes, single quotes (both with
Go escapes) or backticks (raw). Anything else is a :class:`SelectorError` naming the
character position.
"""

from __future__ import annotations

import re

from argus.model import METRIC_NAME, Matcher, MatcherError, MatchType
from argus.tsdb.tools.errors import SelectorError

__all__ = ["DEFAULT_MATCH", "parse_selector"]

DEFAULT_MATCH = "{__name__=~'(?s:.*)'}"

_SPACE = re.compile(r"\s*")
_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_OPS = (
    ("=~", MatchType.REGEX),
    ("!~", MatchType.NOT_REGEX),
    ("!=", MatchType.NOT_EQUAL),
    ("=", MatchType.EQUAL),
)
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}
_HEX_LEN = {"x": 2, "u": 4, "U": 8}


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, message: str) -> SelectorError:
        return SelectorError(f"parse error at char {self.pos + 1} of {self.text!r}: {message}")

    def skip_space(self) -> None:
        m = _SPACE.match(self.text, self.pos)
        assert m is not None
        self.pos = m.end()

    def peek(self) -> str:
        return self.text[self.pos : self.pos + 1]

    def take(self, pattern: re.Pattern[str]) -> str | None:
        m = pattern.match(self.text, self.pos)
        if m is None:
            return None
        self.pos = m.end()
        return m.group()

    def string(self) -> str:
        quote = self.peek()
        if quote not in ('"', "'", "`"):
            raise self.fail("expected a quoted string")
        start = self.pos
        self.pos += 1
        if quote == "`":
            end = self.text.find("`", self.pos)
            if end < 0:
                raise self.fail("unterminated raw string")
            self.pos = end + 1
            return self.text[start + 1 : end]
        out: list[str] = []
        while True:
            if self.pos >= len(self.text):
                self.pos = start
                raise self.fail("unterminated quoted string")
            ch = self.text[self.pos]
            self.pos += 1
            if ch == quote:
                return "".join(out)
            if ch == "\n":
                raise self.fail("newline in string")
            if ch != "\\":
                out.append(ch)
                continue
            out.append(self._escape(quote))

    def _escape(self, quote: str) -> str:
        ch = self.text[self.pos : self.pos + 1]
        self.pos += 1
        if ch == quote:
            return ch
        simple = _SIMPLE_ESCAPES.get(ch)
        if simple is not None:
            return simple
        if ch in _HEX_LEN:
            digits = self.text[self.pos : self.pos + _HEX_LEN[ch]]
            if len(digits) != _HEX_LEN[ch] or not all(
                c in "0123456789abcdefABCDEF" for c in digits
            ):
                raise self.fail(f"invalid \\{ch} escape")
            self.pos += len(digits)
            cp = int(digits, 16)
            if cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF:
                raise self.fail("escape sequence is an invalid Unicode code point")
            return chr(cp)
        if ch and ch in "01234567":
            digits = self.text[self.pos - 1 : self.pos + 2]
            if len(digits) != 3 or not all(c in "01234567" for c in digits):
                raise self.fail("invalid octal escape")
            self.pos += 2
            value = int(digits, 8)
            if value > 255:
                raise self.fail("octal escape value > 255")
            return chr(value)
        raise self.fail(f"unknown escape sequence \\{ch}")


def parse_selector(text: str) -> list[Matcher]:
    """``up{job="api"}`` → matchers; the metric name becomes an ``__name__`` matcher."""
    s = _Scanner(text)
    matchers: list[Matcher] = []
    s.skip_space()
    name = s.take(_METRIC_NAME)
    if name is not None:
        matchers.append(Matcher.equal(METRIC_NAME, name))
        s.skip_space()
    if s.peek() == "{":
        s.pos += 1
        while True:
            s.skip_space()
            if s.peek() == "}":
                s.pos += 1
                break
            label = s.take(_LABEL_NAME)
            if label is None:
                raise s.fail("expected a label name or '}'")
            s.skip_space()
            op = next((t for sym, t in _OPS if s.text.startswith(sym, s.pos)), None)
            if op is None:
                raise s.fail(f"expected one of =, !=, =~, !~ after label {label!r}")
            s.pos += len(op.value)
            s.skip_space()
            value = s.string()
            try:
                matchers.append(Matcher(op, label, value))
            except MatcherError as exc:
                raise s.fail(str(exc)) from exc
            s.skip_space()
            if s.peek() == ",":
                s.pos += 1
            elif s.peek() != "}":
                raise s.fail("expected ',' or '}' after a matcher")
        s.skip_space()
    elif name is None:
        raise s.fail("expected a metric name or '{'")
    if s.pos != len(text):
        raise s.fail("unexpected text after the selector")
    if not matchers:
        raise s.fail("a selector needs at least one matcher")
    return matchers
