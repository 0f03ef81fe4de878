"""The lexer tokenises as Prometheus 3.x's ``lex.go`` does, errors and positions included."""

from __future__ import annotations

import pytest

from argus.promql.parser.lex import Kind, Lexer, LexError, Token


def tokens(text: str) -> list[tuple[Kind, str]]:
    lexer = Lexer(text)
    out: list[tuple[Kind, str]] = []
    while (tok := lexer.next_token()).kind is not Kind.EOF:
        out.append((tok.kind, tok.val))
    return out


CASES = [
    ("foo", [(Kind.IDENTIFIER, "foo")]),
    ("a:b:c", [(Kind.METRIC_IDENTIFIER, "a:b:c")]),
    ("SUM by", [(Kind.SUM, "SUM"), (Kind.BY, "by")]),
    ("offset", [(Kind.OFFSET, "offset")]),
    ("and or unless atan2", [(Kind.LAND, "and"), (Kind.LOR, "or"), (Kind.LUNLESS, "unless"),
                             (Kind.ATAN2, "atan2")]),
    ("1 0x1F 1e3 .5 1_000 Inf nan", [(Kind.NUMBER, v) for v in
                                     ("1", "0x1F", "1e3", ".5", "1_000", "Inf", "nan")]),
    ("1h30m 5ms 1y", [(Kind.DURATION, "1h30m"), (Kind.DURATION, "5ms"), (Kind.DURATION, "1y")]),
    ('"a\\"b" \'c\' `d\\e`', [(Kind.STRING, '"a\\"b"'), (Kind.STRING, "'c'"),
                              (Kind.STRING, "`d\\e`")]),
    ('{"foo.bar", job=~"x"}', [(Kind.LEFT_BRACE, "{"), (Kind.STRING, '"foo.bar"'),
                               (Kind.COMMA, ","), (Kind.IDENTIFIER, "job"),
                               (Kind.EQL_REGEX, "=~"), (Kind.STRING, '"x"'),
                               (Kind.RIGHT_BRACE, "}")]),
    ("{by!=''}", [(Kind.LEFT_BRACE, "{"), (Kind.IDENTIFIER, "by"), (Kind.NEQ, "!="),
                  (Kind.STRING, "''"), (Kind.RIGHT_BRACE, "}")]),
    ("x[5m:1m]", [(Kind.IDENTIFIER, "x"), (Kind.LEFT_BRACKET, "["), (Kind.DURATION, "5m"),
                  (Kind.COLON, ":"), (Kind.DURATION, "1m"), (Kind.RIGHT_BRACKET, "]")]),
    ("x[ 5 ]", [(Kind.IDENTIFIER, "x"), (Kind.LEFT_BRACKET, "["), (Kind.NUMBER, "5"),
                (Kind.RIGHT_BRACKET, "]")]),
    ("x @ start()", [(Kind.IDENTIFIER, "x"), (Kind.AT, "@"), (Kind.START, "start"),
                     (Kind.LEFT_PAREN, "("), (Kind.RIGHT_PAREN, ")")]),
    ("a==b!=c<=d<e>=f>g", [(Kind.IDENTIFIER, "a"), (Kind.EQLC, "=="), (Kind.IDENTIFIER, "b"),
                           (Kind.NEQ, "!="), (Kind.IDENTIFIER, "c"), (Kind.LTE, "<="),
                           (Kind.IDENTIFIER, "d"), (Kind.LSS, "<"), (Kind.IDENTIFIER, "e"),
                           (Kind.GTE, ">="), (Kind.IDENTIFIER, "f"), (Kind.GTR, ">"),
                           (Kind.IDENTIFIER, "g")]),
    ("x # note\n+ 1", [(Kind.IDENTIFIER, "x"), (Kind.COMMENT, "# note"), (Kind.ADD, "+"),
                       (Kind.NUMBER, "1")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "want"), CASES, ids=[c[0] for c in CASES])
def test_tokens(text: str, want: list[tuple[Kind, str]]) -> None:
    assert tokens(text) == want


ERRORS = [
    ("sum(foo", "unclosed left parenthesis", 7),
    ("foo[5m", "unclosed left bracket", 6),
    ("foo)", "unexpected right parenthesis ')'", 4),
    ("foo]", "unexpected right bracket ']'", 3),
    ("foo[5m][", "unexpected end of input in duration expression", 8),
    ("x{a", "unexpected end of input inside braces", 3),
    ("x{a!b}", "unexpected character after '!' inside braces: 'b'", 3),
    ("x{{", "unexpected left brace '{'", 2),
    ("x{a~}", "unexpected character inside braces: '~'", 3),
    ("a =~ b", "unexpected character after '=': '~'", 2),
    ("a ! b", "unexpected character after '!': ' '", 2),
    ("$", "unexpected character: '$'", 0),
    ('"abc', "unterminated quoted string", 0),
    ('"a\nb"', "unterminated quoted string", 0),
    ("`abc", "unterminated raw string", 0),
    ('"\\q"', "unknown escape sequence U+0071 'q'", 0),
    ('"\\x4g"', "illegal character U+0067 'g' in escape sequence", 0),
    ('"\\uD800"', "escape sequence is an invalid Unicode code point", 0),
    ('"\\', "escape sequence not terminated", 0),
    ("1x", 'bad number or duration syntax: "1"', 0),
    ("3m2x", 'bad number or duration syntax: "3m2"', 0),
    ("1.2.3", 'bad number or duration syntax: "1.2."', 0),
    ("x[x]", "unexpected character in duration expression: 'x'", 2),
    ("x[:1m]", "unexpected colon before duration in duration expression", 3),
    ("x[5m:1m:1m]", "unexpected colon ':'", 7),
]


@pytest.mark.parametrize(("text", "message", "pos"), ERRORS, ids=[e[0] for e in ERRORS])
def test_errors(text: str, message: str, pos: int) -> None:
    with pytest.raises(LexError) as info:
        tokens(text)
    assert (info.value.message, info.value.pos) == (message, pos)


def test_positions_are_character_offsets() -> None:
    # "é" is not a PromQL letter: Prometheus reports it as an unexpected character.
    with pytest.raises(LexError, match="unexpected character: 'é'"):
        Lexer("é").next_token()
    lexer = Lexer('x + {a="ü"} - 1')
    kinds = []
    while (tok := lexer.next_token()).kind is not Kind.EOF:
        kinds.append((tok.kind, tok.pos))
    assert kinds[-2:] == [(Kind.SUB, 12), (Kind.NUMBER, 14)]


DESCRIPTIONS = [
    (Token(Kind.IDENTIFIER, 0, "foo"), 'identifier "foo"'),
    (Token(Kind.METRIC_IDENTIFIER, 0, "a:b"), 'metric identifier "a:b"'),
    (Token(Kind.NUMBER, 0, "1"), 'number "1"'),
    (Token(Kind.DURATION, 0, "5m"), 'duration "5m"'),
    (Token(Kind.STRING, 0, '"abcdefghijkl"'), 'string "\\"abcdefghi"...'),
    (Token(Kind.BY, 0, "by"), "<by>"),
    (Token(Kind.ADD, 0, "+"), "<op:+>"),
    (Token(Kind.LAND, 0, "AND"), "<op:AND>"),
    (Token(Kind.SUM, 0, "sum"), "<aggr:sum>"),
    (Token(Kind.START, 0, "start"), '"start"'),
    (Token(Kind.LEFT_PAREN, 0, "("), '"("'),
    (Token(Kind.EOF, 0, ""), "end of input"),
]


@pytest.mark.parametrize(("token", "desc"), DESCRIPTIONS, ids=[d[1] for d in DESCRIPTIONS])
def test_token_descriptions(token: Token, desc: str) -> None:
    assert token.desc() == desc
