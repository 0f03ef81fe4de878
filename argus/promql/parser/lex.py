"""PromQL's lexer, as Prometheus 3.x's ``promql/parser/lex.go`` scans expressions.

Only :mod:`argus.promql.parser.diagnose` uses it: promql-parser does the real parsing,
and this lexer exists so that a rejected query gets the same tokens, token positions and
lexer errors (``unclosed left parenthesis``, ``bad number or duration syntax: "1x"``)
as Prometheus. The scanner is a state machine over the query's characters, with the
same quirks as the original (any letter inside ``[...]`` after a duration is a colon,
``1.2.3`` is one bad number). Positions are character offsets into the ``str``;
:mod:`argus.promql.parser.positions` turns them into Prometheus's byte columns.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from argus.model import go_quote

__all__ = ["Kind", "LexError", "Lexer", "Token"]


class Kind(enum.Enum):
    """Token kinds; the value is what error messages call the kind (``desc``)."""

    EOF = "end of input"
    COMMENT = "comment"
    IDENTIFIER = "identifier"
    METRIC_IDENTIFIER = "metric identifier"
    STRING = "string"
    NUMBER = "number"
    DURATION = "duration"
    LEFT_PAREN = "("
    RIGHT_PAREN = ")"
    LEFT_BRACE = "{"
    RIGHT_BRACE = "}"
    LEFT_BRACKET = "["
    RIGHT_BRACKET = "]"
    COMMA = ","
    EQL = "="
    COLON = ":"
    # Operators (printed ``<op:+>``).
    ADD = "+"
    SUB = "-"
    MUL = "*"
    DIV = "/"
    MOD = "%"
    POW = "^"
    EQLC = "=="
    NEQ = "!="
    LTE = "<="
    LSS = "<"
    GTE = ">="
    GTR = ">"
    EQL_REGEX = "=~"
    NEQ_REGEX = "!~"
    AT = "@"
    LAND = "and"
    LOR = "or"
    LUNLESS = "unless"
    ATAN2 = "atan2"
    # Aggregators (printed ``<aggr:sum>``).
    AVG = "avg"
    BOTTOMK = "bottomk"
    COUNT = "count"
    COUNT_VALUES = "count_values"
    GROUP = "group"
    MAX = "max"
    MIN = "min"
    QUANTILE = "quantile"
    STDDEV = "stddev"
    STDVAR = "stdvar"
    SUM = "sum"
    TOPK = "topk"
    LIMITK = "limitk"
    LIMIT_RATIO = "limit_ratio"
    # Keywords (printed ``<by>``).
    BOOL = "bool"
    BY = "by"
    GROUP_LEFT = "group_left"
    GROUP_RIGHT = "group_right"
    IGNORING = "ignoring"
    OFFSET = "offset"
    ON = "on"
    WITHOUT = "without"
    # Preprocessors (printed quoted).
    START = "start"
    END = "end"


OPERATORS = frozenset(
    {
        Kind.ADD, Kind.SUB, Kind.MUL, Kind.DIV, Kind.MOD, Kind.POW, Kind.EQLC, Kind.NEQ,
        Kind.LTE, Kind.LSS, Kind.GTE, Kind.GTR, Kind.EQL_REGEX, Kind.NEQ_REGEX, Kind.AT,
        Kind.LAND, Kind.LOR, Kind.LUNLESS, Kind.ATAN2,
    }
)  # fmt: skip
AGGREGATORS = frozenset(
    {
        Kind.AVG, Kind.BOTTOMK, Kind.COUNT, Kind.COUNT_VALUES, Kind.GROUP, Kind.MAX,
        Kind.MIN, Kind.QUANTILE, Kind.STDDEV, Kind.STDVAR, Kind.SUM, Kind.TOPK,
        Kind.LIMITK, Kind.LIMIT_RATIO,
    }
)  # fmt: skip
KEYWORDS = frozenset(
    {
        Kind.BOOL, Kind.BY, Kind.GROUP_LEFT, Kind.GROUP_RIGHT, Kind.IGNORING,
        Kind.OFFSET, Kind.ON, Kind.WITHOUT,
    }
)  # fmt: skip
_WORDS: dict[str, Kind] = {
    k.value: k for k in (*OPERATORS, *AGGREGATORS, *KEYWORDS, Kind.START, Kind.END)
    if k.value[0].isalpha()
}  # fmt: skip
_WORDS["inf"] = Kind.NUMBER
_WORDS["nan"] = Kind.NUMBER
_VALUED = frozenset(
    {Kind.EOF, Kind.COMMENT, Kind.IDENTIFIER, Kind.METRIC_IDENTIFIER, Kind.STRING,
     Kind.NUMBER, Kind.DURATION}
)  # fmt: skip

_EOF = ""
_DIGITS = "0123456789"
_HEX = "0123456789abcdefABCDEF"


@dataclass(frozen=True, slots=True)
class Token:
    kind: Kind
    pos: int
    val: str

    @property
    def end(self) -> int:
        return self.pos + len(self.val)

    def __str__(self) -> str:
        """Go's ``Item.String``."""
        if self.kind is Kind.EOF:
            return "EOF"
        if self.kind in (Kind.IDENTIFIER, Kind.METRIC_IDENTIFIER):
            return go_quote(self.val)
        if self.kind in KEYWORDS:
            return f"<{self.val}>"
        if self.kind in OPERATORS:
            return f"<op:{self.val}>"
        if self.kind in AGGREGATORS:
            return f"<aggr:{self.val}>"
        if len(self.val) > 10:
            return go_quote(self.val[:10]) + "..."
        return go_quote(self.val)

    def desc(self) -> str:
        """How ``unexpected ...`` names this token: ``identifier "foo"``, ``<by>``."""
        if self.kind is Kind.EOF:
            return Kind.EOF.value
        if self.kind not in _VALUED:
            return str(self)
        return f"{self.kind.value} {self}"


class LexError(Exception):
    """A lexer error: ``message`` at character offset ``pos`` (the token's start)."""

    def __init__(self, message: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def _is_space(r: str) -> bool:
    return r in (" ", "\t", "\n", "\r")


def _is_alpha(r: str) -> bool:
    return r == "_" or ("a" <= r <= "z") or ("A" <= r <= "Z")


def _is_digit(r: str) -> bool:
    return "0" <= r <= "9" and r != ""


def _is_alnum(r: str) -> bool:
    return _is_alpha(r) or _is_digit(r)


def _unicode_name(r: str) -> str:
    """Go's ``%#U``: ``U+0071 'q'``."""
    return f"U+{ord(r):04X} '{r}'"


def _go_char(r: str) -> str:
    """Go's ``%q`` of a rune."""
    if r == "'":
        return "'\\''"
    quoted = go_quote(r)
    return "'" + quoted[1:-1].replace('\\"', '"') + "'"


_State = Callable[[], "_State | None"]


class Lexer:
    """Yields the tokens of one query; raises :class:`LexError` where Prometheus would."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.start = 0
        self.width = 0
        self.paren_depth = 0
        self.brace_open = False
        self.bracket_open = False
        self.got_colon = False
        self.got_duration = False
        self.string_open = ""
        self._item: Token | None = None
        self._state: _State | None = self._statements

    # Scanning primitives.

    def _next(self) -> str:
        if self.pos >= len(self.text):
            self.width = 0
            return _EOF
        r = self.text[self.pos]
        self.width = 1
        self.pos += 1
        return r

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else _EOF

    def _backup(self) -> None:
        self.pos -= self.width

    def _accept(self, valid: str) -> bool:
        r = self._next()
        if r != _EOF and r in valid:
            return True
        self._backup()
        return False

    def _is(self, valid: str) -> bool:
        r = self._peek()
        return r != _EOF and r in valid

    def _accept_run(self, valid: str) -> None:
        while self._accept(valid):
            pass

    def _emit(self, kind: Kind) -> None:
        self._item = Token(kind, self.start, self.text[self.start : self.pos])
        self.start = self.pos

    def _error(self, message: str) -> NoReturn:
        raise LexError(message, self.start)

    def next_token(self) -> Token:
        """The next token (comments included); EOF forever at the end."""
        self._item = None
        while True:
            if self._state is None:
                self._emit(Kind.EOF)
            else:
                self._state = self._state()
            item = self._take()
            if item is not None:
                return item

    def _take(self) -> Token | None:
        return self._item

    # States.

    def _statements(self) -> _State | None:
        if self.brace_open:
            return self._inside_braces
        if self.text.startswith("#", self.pos):
            return self._line_comment
        r = self._next()
        if r == _EOF:
            if self.paren_depth != 0:
                self._error("unclosed left parenthesis")
            if self.bracket_open:
                self._error("unclosed left bracket")
            self._emit(Kind.EOF)
            return None
        if _is_space(r):
            return self._space
        simple = {",": Kind.COMMA, "*": Kind.MUL, "/": Kind.DIV, "%": Kind.MOD}
        simple |= {"+": Kind.ADD, "-": Kind.SUB, "^": Kind.POW, "@": Kind.AT}
        if r in simple:
            self._emit(simple[r])
        elif r == "=":
            t = self._peek()
            if t == "=":
                self._next()
                self._emit(Kind.EQLC)
            elif t == "~":
                self._error(f"unexpected character after '=': {_go_char(t)}")
            else:
                self._emit(Kind.EQL)
        elif r == "!":
            t = self._next()
            if t != "=":
                self._error(f"unexpected character after '!': {_go_char(t or chr(0xFFFD))}")
            self._emit(Kind.NEQ)
        elif r in "<>":
            if self._peek() == "=":
                self._next()
                self._emit(Kind.LTE if r == "<" else Kind.GTE)
            else:
                self._emit(Kind.LSS if r == "<" else Kind.GTR)
        elif _is_digit(r) or (r == "." and _is_digit(self._peek())):
            self._backup()
            return self._number_or_duration
        elif r in "\"'":
            self.string_open = r
            return self._string
        elif r == "`":
            self.string_open = r
            return self._raw_string
        elif _is_alpha(r) or r == ":":
            if not self.bracket_open:
                self._backup()
                return self._keyword_or_identifier
            if self.got_colon:
                self._error(f"unexpected colon {_go_char(r)}")
            self._emit(Kind.COLON)
            self.got_colon = True
        elif r == "(":
            self._emit(Kind.LEFT_PAREN)
            self.paren_depth += 1
        elif r == ")":
            self._emit(Kind.RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self._error(f"unexpected right parenthesis {_go_char(r)}")
        elif r == "{":
            self._emit(Kind.LEFT_BRACE)
            self.brace_open = True
            return self._inside_braces
        elif r == "[":
            if self.bracket_open:
                self._error(f"unexpected left bracket {_go_char(r)}")
            self.got_colon = False
            self._emit(Kind.LEFT_BRACKET)
            while _is_space(self._peek()):
                self._next()
            self.start = self.pos
            self.bracket_open = True
            return self._duration_expr
        elif r == "]":
            if not self.bracket_open:
                self._error(f"unexpected right bracket {_go_char(r)}")
            self._emit(Kind.RIGHT_BRACKET)
            self.bracket_open = False
        else:
            self._error(f"unexpected character: {_go_char(r)}")
        return self._statements

    def _inside_braces(self) -> _State | None:
        if self.text.startswith("#", self.pos):
            return self._line_comment
        r = self._next()
        if r == _EOF:
            self._error("unexpected end of input inside braces")
        elif _is_space(r):
            return self._space
        elif _is_alpha(r):
            self._backup()
            return self._identifier
        elif r == ",":
            self._emit(Kind.COMMA)
        elif r in "\"'":
            self.string_open = r
            return self._string
        elif r == "`":
            self.string_open = r
            return self._raw_string
        elif r == "=":
            if self._next() == "~":
                self._emit(Kind.EQL_REGEX)
            else:
                self._backup()
                self._emit(Kind.EQL)
        elif r == "!":
            nr = self._next()
            if nr == "~":
                self._emit(Kind.NEQ_REGEX)
            elif nr == "=":
                self._emit(Kind.NEQ)
            else:
                shown = _go_char(nr or chr(0xFFFD))
                self._error(f"unexpected character after '!' inside braces: {shown}")
        elif r == "{":
            self._error(f"unexpected left brace {_go_char(r)}")
        elif r == "}":
            self._emit(Kind.RIGHT_BRACE)
            self.brace_open = False
            return self._statements
        else:
            self._error(f"unexpected character inside braces: {_go_char(r)}")
        return self._inside_braces

    def _duration_expr(self) -> _State | None:
        r = self._next()
        if r == _EOF:
            self._error("unexpected end of input in duration expression")
        if r == "]":
            self._emit(Kind.RIGHT_BRACKET)
            self.bracket_open = False
            self.got_colon = False
            return self._statements
        if r == ":":
            self._emit(Kind.COLON)
            if not self.got_duration:
                self._error("unexpected colon before duration in duration expression")
            if self.got_colon:
                self._error("unexpected repeated colon in duration expression")
            self.got_colon = True
            return self._duration_expr
        if r == "(":
            self._emit(Kind.LEFT_PAREN)
            self.paren_depth += 1
            return self._duration_expr
        if r == ")":
            self._emit(Kind.RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self._error(f"unexpected right parenthesis {_go_char(r)}")
            return self._duration_expr
        if _is_space(r):
            while _is_space(self._peek()):
                self._next()
            self.start = self.pos
            return self._duration_expr
        ops = {"+": Kind.ADD, "-": Kind.SUB, "*": Kind.MUL, "/": Kind.DIV, "%": Kind.MOD}
        if r in ops or r == "^":
            self._emit(ops.get(r, Kind.POW))
            return self._duration_expr
        if _is_digit(r) or (r == "." and _is_digit(self._peek())):
            self._backup()
            self.got_duration = True
            return self._number_or_duration
        self._error(f"unexpected character in duration expression: {_go_char(r)}")

    def _escape(self) -> _State | None:
        ch = self._next()
        if ch in ("a", "b", "f", "n", "r", "t", "v", "\\") or ch == self.string_open:
            return self._string
        if ch == _EOF:
            self._error("escape sequence not terminated")
        if ch in "01234567":
            n, base, max_val = 3, 8, 255
        elif ch == "x":
            ch = self._next()
            n, base, max_val = 2, 16, 255
        elif ch == "u":
            ch = self._next()
            n, base, max_val = 4, 16, 0x10FFFF
        elif ch == "U":
            ch = self._next()
            n, base, max_val = 8, 16, 0x10FFFF
        else:
            self._error(f"unknown escape sequence {_unicode_name(ch)}")
        x = 0
        while n > 0:
            d = int(ch, 16) if ch and ch in _HEX else 16
            if d >= base:
                if ch == _EOF:
                    self._error("escape sequence not terminated")
                self._error(f"illegal character {_unicode_name(ch)} in escape sequence")
            x = x * base + d
            n -= 1
            if n > 0:
                ch = self._next()
        if x > max_val or 0xD800 <= x < 0xE000:
            self._error("escape sequence is an invalid Unicode code point")
        return self._string

    def _string(self) -> _State | None:
        while True:
            r = self._next()
            if r == "\\":
                return self._escape
            if r == "\ufffd":
                self._error("invalid UTF-8 rune")
            if r in (_EOF, "\n"):
                self._error("unterminated quoted string")
            if r == self.string_open:
                break
        self._emit(Kind.STRING)
        return self._statements

    def _raw_string(self) -> _State | None:
        while True:
            r = self._next()
            if r == "\ufffd":
                self._error("invalid UTF-8 rune")
            if r == _EOF:
                self._error("unterminated raw string")
            if r == self.string_open:
                break
        self._emit(Kind.STRING)
        return self._statements

    def _space(self) -> _State | None:
        while _is_space(self._peek()):
            self._next()
        self.start = self.pos
        return self._statements

    def _line_comment(self) -> _State | None:
        self.pos += 1
        r = self._next()
        while r not in ("\r", "\n", _EOF):
            r = self._next()
        self._backup()
        self._emit(Kind.COMMENT)
        return self._statements

    def _number_or_duration(self) -> _State | None:
        if self._scan_number():
            self._emit(Kind.NUMBER)
            return self._statements
        if self._accept_remaining_duration():
            self._backup()
            self._emit(Kind.DURATION)
            return self._statements
        self._error(f"bad number or duration syntax: {go_quote(self.text[self.start : self.pos])}")

    def _accept_remaining_duration(self) -> bool:
        if not self._accept("smhdwy"):
            return False
        self._accept("s")
        while self._accept(_DIGITS):
            self._accept_run(_DIGITS)
            if not self._accept("smhdw"):
                return False
            self._accept("s")
        return not _is_alnum(self._next())

    def _scan_number(self) -> bool:
        initial = self.pos
        digits = _DIGITS
        if self._accept("0") and self._accept("xX"):
            self._accept("_")
            digits = _HEX
        self._accept(".")
        self._accept(digits)
        dot_seen = exp_seen = False
        while self._is(digits + "._eE"):
            if self._is(".") and dot_seen:
                self._accept(".")
                return False
            if self._is("eE") and exp_seen:
                self._accept("eE")
                return False
            if self._accept("."):
                dot_seen = True
                if self._accept("_.") or len(digits) > 10:
                    return False
                continue
            if self._accept("eE"):
                exp_seen = True
                self._accept("+-")
                if self._accept("._eE") or self._peek() == _EOF:
                    return False
                continue
            if self._accept("_"):
                if self._accept("._eE") or self._peek() == _EOF:
                    return False
                continue
            self._accept_run(digits)
        if self.pos == initial:
            return False
        return not _is_alnum(self._peek())

    def _identifier(self) -> _State | None:
        while _is_alnum(self._next()):
            pass
        self._backup()
        self._emit(Kind.IDENTIFIER)
        return self._statements

    def _keyword_or_identifier(self) -> _State | None:
        while True:
            r = self._next()
            if not (_is_alnum(r) or r == ":"):
                break
        self._backup()
        word = self.text[self.start : self.pos]
        kind = _WORDS.get(word.lower())
        if kind is not None:
            self._emit(kind)
        elif ":" not in word:
            self._emit(Kind.IDENTIFIER)
        else:
            self._emit(Kind.METRIC_IDENTIFIER)
        return self._statements
