"""``argus check rules FILE…`` and ``argus test rules FILE…``, shaped like promtool's.

Output and exit codes follow promtool 2.x so CI scripts that run promtool work with
argus unchanged: ``Checking FILE`` / ``  SUCCESS: N rules found`` on stdout,
``  FAILED:`` and one line per problem on stderr, exit 1 if any file failed.
``check rules`` also warns about rules defined twice in a file (same name and labels),
as promtool's linter does, without failing.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Sequence
from typing import TextIO

from argus.rules.errors import RuleFileError
from argus.rules.load import GroupSpec, load_rule_file
from argus.rules.unittest import run_test_files

__all__ = ["check_rules", "main", "register"]


def _duplicates(groups: Sequence[GroupSpec]) -> list[str]:
    seen = Counter((r.name, tuple(sorted(r.labels)), r.is_alert) for g in groups for r in g.rules)
    return sorted(name for (name, _, _), n in seen.items() if n > 1)


def check_rules(paths: Sequence[str], out: TextIO, err: TextIO) -> int:
    failed = False
    for path in paths:
        print(f"Checking {path}", file=out)
        try:
            groups = load_rule_file(path)
        except RuleFileError as exc:
            failed = True
            print("  FAILED:", file=err)
            for problem in exc.problems:
                print(f"{path}: {problem}", file=err)
            print(file=out)
            continue
        n = sum(len(g.rules) for g in groups)
        print(f"  SUCCESS: {n} rules found", file=out)
        dups = _duplicates(groups)
        if dups:
            print(f"{len(dups)} duplicate rule(s) found.", file=out)
            for name in dups:
                print(f"Metric: {name}", file=out)
            print("Might cause inconsistency while recording expressions.", file=out)
        print(file=out)
    return 1 if failed else 0


def _run_check(args: argparse.Namespace) -> int:
    return check_rules(args.files, sys.stdout, sys.stderr)


def _run_test(args: argparse.Namespace) -> int:
    return run_test_files(args.files, sys.stdout, sys.stderr)


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    *,
    check_subparsers: argparse._SubParsersAction[argparse.ArgumentParser] | None = None,
) -> None:
    """Add ``check rules`` and ``test rules`` to the ``argus`` command.

    ``check_subparsers`` is the ``check`` command's subparsers when another package
    (``argus.config.cli``) already created ``check``; otherwise it is created here.
    """
    check_sub = check_subparsers
    if check_sub is None:
        check = subparsers.add_parser("check", help="Check the resources for validity.")
        check_sub = check.add_subparsers(dest="check_command", metavar="COMMAND", required=True)
    rules = check_sub.add_parser("rules", help="Check if the rule files are valid or not.")
    rules.add_argument("files", nargs="+", metavar="RULE_FILE", help="The rule files to check.")
    rules.set_defaults(handler=_run_check)

    test = subparsers.add_parser("test", help="Unit testing.")
    test_sub = test.add_subparsers(dest="test_command", metavar="COMMAND", required=True)
    unit = test_sub.add_parser("rules", help="Unit tests for rules.")
    unit.add_argument("files", nargs="+", metavar="TEST_FILE", help="The unit test files.")
    unit.set_defaults(handler=_run_test)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m argus.rules.cli check rules …`` until ``argus`` itself has the commands."""
    parser = argparse.ArgumentParser(prog="argus")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
