"""``argus tsdb …`` subcommands, shaped like promtool's so users' scripts carry over."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    tsdb = subparsers.add_parser("tsdb", help="Work with a TSDB directory offline.")
    tsdb_sub = tsdb.add_subparsers(dest="tsdb_command", metavar="TSDB_COMMAND", required=True)
    del tsdb_sub  # Filled in by the import/export tools.


def _unused(_: argparse.Namespace) -> int:  # pragma: no cover
    return 0
