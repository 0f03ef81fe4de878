"""``argus check config FILE...``: promtool's ``check config``, for Argus's own loader.

Output and exit codes follow promtool so scripts and CI steps carry over: per file
``Checking FILE``, then `` SUCCESS: …`` or ``  FAILED: …``; exit 0 when every file is
valid, 1 otherwise. Without ``--syntax-only`` the rule file globs must match existing
files (their contents are checked by ``argus check rules``, once it exists).
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path
from typing import Any, TextIO

from argus.config.errors import ConfigError
from argus.config.load import load_file

__all__ = ["check_config_files", "register"]


def register(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``check config`` to the ``argus`` command; returns the ``check`` parser.

    The ``check`` parser's subparsers are stored on it as ``check_subparsers`` so other
    packages can add ``check rules`` and the like next to ``config``.
    """
    check: argparse.ArgumentParser = subparsers.add_parser(
        "check", help="Check configuration files, like promtool."
    )
    check_sub = check.add_subparsers(dest="check_command", metavar="CHECK_COMMAND", required=True)
    config = check_sub.add_parser("config", help="Check prometheus.yml files.")
    config.add_argument("files", nargs="+", metavar="FILE", help="Configuration files.")
    config.add_argument(
        "--syntax-only",
        action="store_true",
        help="Only check the syntax, ignoring file paths the config refers to.",
    )
    config.set_defaults(
        handler=lambda args: check_config_files(args.files, syntax_only=args.syntax_only)
    )
    setattr(check, "check_subparsers", check_sub)  # noqa: B010
    return check


def check_config_files(
    files: list[str],
    *,
    syntax_only: bool = False,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Check each file; print promtool-style lines; 0 if all are valid, else 1.

    As in promtool, progress goes to ``out`` (stdout) and failures to ``err`` (stderr).
    """
    stream = out if out is not None else sys.stdout
    errors = err if err is not None else (out if out is not None else sys.stderr)
    failed = False
    for name in files:
        print(f"Checking {name}", file=stream)
        try:
            cfg = load_file(name)
            if not syntax_only and cfg.rule_files:
                _check_rule_files(cfg.rule_files, Path(name).parent, stream)
        except ConfigError as exc:
            print(f"  FAILED: {exc}", file=errors)
            failed = True
            print(file=stream)
            continue
        print(f" SUCCESS: {name} is valid prometheus config file syntax", file=stream)
        print(file=stream)
    return 1 if failed else 0


def _check_rule_files(patterns: tuple[str, ...], base: Path, stream: TextIO) -> None:
    found: list[str] = []
    for pattern in patterns:
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        matches = sorted(glob.glob(full))
        if not matches and not glob.has_magic(pattern):
            raise ConfigError(f"rule file {pattern!r} does not exist", path="rule_files")
        found += matches
    print(f" SUCCESS: {len(found)} rule files found", file=stream)
