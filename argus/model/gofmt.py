"""Text the way Prometheus's Go code writes it: ``strconv.Quote`` and ``time.Time``.

Several outputs must match Prometheus byte for byte (``promtool tsdb dump`` lines,
``format_query``, rule unit-test messages, API timestamps), so there is one
implementation of each here.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["GO_ZERO_TIME", "format_rfc3339_ms", "go_quote"]

GO_ZERO_TIME = "0001-01-01T00:00:00Z"
"""How Go prints an unset ``time.Time`` (e.g. a target never scraped)."""

_C_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}


def go_quote(value: str) -> str:
    """Go's ``strconv.Quote``: ``"…"`` with Go escapes for non-printable runes."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return '"' + value + '"'
    out = ['"']
    for ch in value:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(_go_escape(ch))
    out.append('"')
    return "".join(out)


def _go_escape(ch: str) -> str:
    esc = _C_ESCAPES.get(ch)
    if esc is not None:
        return esc
    cp = ord(ch)
    if cp < 0x20 or cp == 0x7F:
        return f"\\x{cp:02x}"
    if 0xD800 <= cp <= 0xDFFF:  # Lone surrogate: Go would see invalid UTF-8, U+FFFD.
        return "\\ufffd"
    if cp < 0x10000:
        return f"\\u{cp:04x}"
    return f"\\U{cp:08x}"


def format_rfc3339_ms(t_ms: int) -> str:
    """``2026-01-02T03:04:05.678Z``: UTC, trailing zeros of the fraction dropped, as Go
    marshals a ``time.Time`` in JSON."""
    t = dt.datetime.fromtimestamp(t_ms // 1000, tz=dt.UTC)
    frac = f".{t_ms % 1000:03d}".rstrip("0").rstrip(".")
    return t.strftime("%Y-%m-%dT%H:%M:%S") + frac + "Z"
