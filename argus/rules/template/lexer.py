"""Splits a Go ``text/template`` into text and action tokens.

Handles ``{{- … -}}`` whitespace trimming (the dash must be followed or preceded by
a space, as in Go), ``{{/* comments */}}``, and inside actions: strings, raw strings,
characters, numbers, ``$variables``, ``.Field`` chains, identifiers and punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argus.rules.template.errors import TemplateParseError

__all__ = ["Token", "tokenize"]

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?))
  | (?P<variable>\$\w*)
  | (?P<field>\.[A-Za-z_]\w*)
  | (?P<dot>\.)
  | (?P<ident>[A-Za-z_]\w*)
    """,
    re.VERBOSE,
)


_WS = (" ", "\t", "\r", "\n")


@dataclass(frozen=True, slots=True)
class Token:
    """``kind`` is ``text``, ``open``, ``close``, ``eof`` or a group name of ``_TOKEN``."""

    kind: str
    value: str
    line: int
    col: int = 0
    """Byte offset from the start of the line (Go's column in exec errors)."""


def _col(src: str, pos: int) -> int:
    return len(src[src.rfind("\n", 0, pos) + 1 : pos].encode())


def _tokenize_action(
    src: str, start: int, end: int, line: int, name: str, out: list[Token]
) -> None:
    body = src[:end]
    pos = start
    while pos < end:
        m = _TOKEN.match(body, pos)
        if m is None:
            raise TemplateParseError(name, line, f"unexpected {body[pos]!r} in command")
        kind = m.lastgroup or ""
        text = m.group()
        out.append(Token(kind, text, line, _col(src, pos)))
        line += text.count("\n")
        pos = m.end()


def tokenize(src: str, name: str) -> list[Token]:
    """Tokens of the whole template, ending with ``eof``."""
    out: list[Token] = []
    pos = 0
    line = 1
    trim_next = False
    while True:
        start = src.find("{{", pos)
        text = src[pos:] if start < 0 else src[pos:start]
        trim_before = (
            start >= 0 and src[start + 2 : start + 3] == "-" and src[start + 3 : start + 4] in _WS
        )
        if trim_next:
            text = text.lstrip(" \t\r\n")
        if trim_before:
            text = text.rstrip(" \t\r\n")
        if text:
            out.append(Token("text", text, line))
        line += src[pos : start if start >= 0 else len(src)].count("\n")
        if start < 0:
            break
        inner_start = start + (4 if trim_before else 2)
        end = _find_close(src, inner_start, name, line)
        trim_next = end - 2 >= inner_start and src[end - 1] == "-" and src[end - 2] in _WS
        body = src[inner_start : end - 1 if trim_next else end]
        stripped = body.strip()
        if stripped.startswith("/*"):
            if not stripped.endswith("*/"):
                raise TemplateParseError(name, line, "unclosed comment")
        else:
            out.append(Token("open", "{{", line))
            _tokenize_action(src, inner_start, inner_start + len(body), line, name, out)
            out.append(Token("close", "}}", line + body.count("\n")))
        line += src[start : end + 2].count("\n")
        pos = end + 2
    out.append(Token("eof", "", line))
    return out


def _find_close(src: str, pos: int, name: str, line: int) -> int:
    """Index of the ``}}`` closing the action at ``pos``, skipping quoted text."""
    i = pos
    if src[pos:].lstrip().startswith("/*"):
        close = src.find("*/", pos)
        if close < 0:
            raise TemplateParseError(name, line, "unclosed comment")
        i = close + 2
    while i < len(src):
        ch = src[i]
        if ch in "\"'`":
            j = i + 1
            while j < len(src) and src[j] != ch:
                if src[j] == "\n" and ch != "`":
                    raise TemplateParseError(name, line, "unterminated quoted string")
                j += 2 if src[j] == "\\" and ch != "`" else 1
            if j >= len(src):
                raise TemplateParseError(name, line, "unterminated quoted string")
            i = j + 1
            continue
        if src.startswith("}}", i):
            return i
        i += 1
    raise TemplateParseError(name, line, "unclosed action")
