"""promtool's block table (``tsdb list``, ``create-blocks-from``), byte for byte.

promtool prints each new block through its own ``text/tabwriter`` (min width 13,
padding 2, spaces), flushed after every block, so the header is aligned with the first
block only and later rows are aligned on their own. We reproduce that, since scripts
``awk`` over this output.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from argus.tsdb.tools.goformat import format_base2_bytes, format_go_duration, format_go_time_utc

__all__ = ["BlockRow", "block_size", "format_block_rows", "tabwrite"]

HEADER = (
    "BLOCK ULID",
    "MIN TIME",
    "MAX TIME",
    "DURATION",
    "NUM SAMPLES",
    "NUM CHUNKS",
    "NUM SERIES",
    "SIZE",
)
_MIN_WIDTH = 13
_PADDING = 2


@dataclass(frozen=True, slots=True)
class BlockRow:
    """What the table shows of a block; ``max_time`` is exclusive, as in meta.json."""

    ulid: str
    min_time: int
    max_time: int
    num_samples: int
    num_chunks: int
    num_series: int
    size_bytes: int

    def cells(self, human_readable: bool) -> tuple[str, ...]:
        def when(ms: int) -> str:
            return format_go_time_utc(ms) if human_readable else str(ms)

        return (
            self.ulid,
            when(self.min_time),
            when(self.max_time),
            format_go_duration(self.max_time - self.min_time),
            str(self.num_samples),
            str(self.num_chunks),
            str(self.num_series),
            format_base2_bytes(self.size_bytes) if human_readable else str(self.size_bytes),
        )


def tabwrite(rows: Sequence[Sequence[str]]) -> str:
    """Go's ``tabwriter.NewWriter(w, 13, 0, 2, ' ', 0)`` over tab-separated cells.

    Every cell but the last of a row is padded to its column's width: the widest cell
    plus the padding, at least the minimum width. The last cell is not a column cell.
    """
    if not rows:
        return ""
    ncols = max(len(r) for r in rows) - 1
    widths = [
        max([_MIN_WIDTH] + [len(r[c]) + _PADDING for r in rows if len(r) - 1 > c])
        for c in range(ncols)
    ]
    lines = []
    for r in rows:
        cells = [r[c].ljust(widths[c]) for c in range(len(r) - 1)]
        lines.append("".join(cells) + r[-1] + "\n")
    return "".join(lines)


def format_block_rows(
    rows: Sequence[BlockRow], *, human_readable: bool, header: bool = True
) -> str:
    """The table as promtool's backfill prints it: one tabwriter per block."""
    out = []
    for i, row in enumerate(rows):
        batch = [row.cells(human_readable)]
        if header and i == 0:
            batch.insert(0, HEADER)
        out.append(tabwrite(batch))
    return "".join(out)


def block_size(path: Path) -> int:
    """Bytes of a block directory's files, as ``Block.Size()`` counts them."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total
