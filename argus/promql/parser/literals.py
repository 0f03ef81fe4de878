"""PromQL literals read the way Go reads them, for the diagnoser's value checks.

Numbers go through Go's ``strconv.ParseInt(s, 0, 64)`` then ``ParseFloat`` rules
(``0x1f``, octal ``0755``, ``1_000``, ``Inf``, ``NaN``), durations through
``model.ParseDuration`` (units in order ``y w d h m s ms``), strings through
``strconv.Unquote``. Each raises :class:`LiteralError` with Prometheus's text.
"""

from __future__ import annotations

import re

from argus.model import go_quote

__all__ = ["LiteralError", "go_number", "go_regex_error", "parse_duration_s", "unquote"]

_DURATION = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_UNIT_MS = (365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1)
_INT64 = 2**63
_GO_INT = re.compile(r"[+-]?(0[xX]_?[0-9a-fA-F_]+|0[oO]?_?[0-7_]*|[1-9][0-9_]*)")
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", "'": "'", '"': '"',
}  # fmt: skip


class LiteralError(ValueError):
    """A literal Prometheus rejects; the text is Prometheus's message."""


def go_number(text: str) -> float:
    """``parser.number``: integers in Go syntax first, then floats."""
    if _GO_INT.fullmatch(text) and "__" not in text and not text.endswith("_"):
        digits = text.replace("_", "")
        sign = -1 if digits.startswith("-") else 1
        body = digits.lstrip("+-")
        if body[:2] in ("0x", "0X"):
            value = int(body[2:], 16)
        elif len(body) > 1 and body[0] == "0":
            body = body[2:] if body[1] in "oO" else body[1:]
            value = int(body or "0", 8)
        else:
            value = int(body)
        if -_INT64 <= sign * value < _INT64:
            return float(sign * value)
    try:
        if re.fullmatch(r"[+-]?0[xX].*", text):
            return float.fromhex(text.replace("_", ""))
        if re.fullmatch(r"[+-]?(inf|infinity|nan)", text, re.IGNORECASE) or re.fullmatch(
            r"[+-]?(\d+(_\d+)*)?\.?(\d+(_\d+)*)?([eE][+-]?\d+)?", text
        ):
            return float(text)
    except ValueError:
        pass
    raise LiteralError(
        f"error parsing number: strconv.ParseFloat: parsing {go_quote(text)}: invalid syntax"
    )


def parse_duration_s(text: str) -> float:
    """``model.ParseDuration`` in seconds."""
    if text == "0":
        return 0.0
    m = _DURATION.fullmatch(text) if text else None
    if m is None:
        if not text:
            raise LiteralError("empty duration string")
        raise LiteralError(f"not a valid duration string: {go_quote(text)}")
    ms = 0
    for group, unit in zip(m.groups(), _UNIT_MS, strict=True):
        if group:
            ms += int(group) * unit
            if ms >= _INT64 // 1_000_000:
                raise LiteralError("duration out of range")
    return ms / 1000


def unquote(token: str) -> str:
    """The value of a string token the lexer accepted (quotes and escapes removed)."""
    quote, body = token[0], token[1:-1]
    if quote == "`":
        return body
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        esc = body[i + 1]
        if esc in _SIMPLE_ESCAPES:
            out.append(_SIMPLE_ESCAPES[esc])
            i += 2
        elif esc in "01234567":
            out.append(chr(int(body[i + 1 : i + 4], 8)))
            i += 4
        else:
            width = {"x": 2, "u": 4, "U": 8}[esc]
            out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
            i += 2 + width
    return "".join(out)


def go_regex_error(pattern: str, python_message: str) -> str | None:
    """Go's ``regexp`` error text for the usual mistakes, from Python's message.

    None when the message is none of those: Python's ``re`` also rejects patterns
    Go accepts (``a((?i)b)``), and those must not become errors.
    """
    anchored = f"^(?:{pattern})$"
    if "missing ), unterminated subpattern" in python_message:
        return f"error parsing regexp: missing closing ): `{anchored}`"
    if "unbalanced parenthesis" in python_message:
        return f"error parsing regexp: unexpected ): `{anchored}`"
    if "unterminated character set" in python_message:
        start = pattern.rfind("[")
        return f"error parsing regexp: missing closing ]: `{pattern[start:]})$`"
    nested = re.match(r"multiple repeat at position (\d+)", python_message)
    if nested is not None:
        at = int(nested[1])
        operator = pattern[at - 1 : at + 1]
        return f"error parsing regexp: invalid nested repetition operator: `{operator}`"
    if "nothing to repeat" in python_message:
        return "error parsing regexp: missing argument to repetition operator: `*`"
    if "bad escape (end of pattern)" in python_message:
        return f"error parsing regexp: missing closing ): `{anchored}`"
    flag = re.match(r"unknown (?:flag|extension \S+) at position (\d+)", python_message)
    if flag is not None:
        at = int(flag[1])
        opening = pattern.rfind("(?", 0, at + 1)
        bad = at + 1 if python_message.startswith("unknown flag") else at + 2
        return f"error parsing regexp: invalid or unsupported Perl syntax: `{pattern[opening:bad]}`"
    bad_range = re.match(r"bad character range (\S+)", python_message)
    if bad_range is not None:
        return f"error parsing regexp: invalid character class range: `{bad_range[1]}`"
    return None
