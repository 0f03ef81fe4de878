"""Prometheus's ``line:col`` for an offset in a query (``posrange.StartPosInput``).

Prometheus counts positions in bytes of the UTF-8 query, so the column of a character
after ``é`` is one more than its character index suggests; Argus keeps character
offsets (what Python slices with) and converts only when it prints.
"""

from __future__ import annotations

__all__ = ["line_col", "position_text"]


def line_col(query: str, pos: int) -> tuple[int, int]:
    """1-based line and byte column of character offset ``pos``."""
    pos = max(0, min(pos, len(query)))
    head = query[:pos]
    line = head.count("\n") + 1
    last = head.rfind("\n")
    return line, len(head[last + 1 :].encode("utf-8", "surrogatepass")) + 1


def position_text(query: str, pos: int) -> str:
    """``L:C`` as Prometheus prints it, ``unknown position`` for an empty query."""
    if not query:
        return "unknown position"
    line, col = line_col(query, pos)
    return f"{line}:{col}"
