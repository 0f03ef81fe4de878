"""``argus check rules`` / ``argus test rules``: promtool's output shape and exit codes."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from argus.rules.cli import check_rules, register

TESTDATA = Path(__file__).parent / "testdata"


def run_check(*paths: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = check_rules([str(p) for p in paths], out, err)
    return code, out.getvalue(), err.getvalue()


def test_success_counts_rules():
    code, out, err = run_check(TESTDATA / "node.rules.yml")
    assert code == 0
    assert out == f"Checking {TESTDATA / 'node.rules.yml'}\n  SUCCESS: 4 rules found\n\n"
    assert err == ""


def test_failure_lists_problems_on_stderr():
    bad = TESTDATA / "bad" / "bad_label.rules.yml"
    code, out, err = run_check(TESTDATA / "node.rules.yml", bad)
    assert code == 1
    assert f"Checking {bad}\n\n" in out
    assert err == f'  FAILED:\n{bad}: group "x", rule 1, "a": invalid label name: 0x\n'


def test_duplicate_rules_are_warned_about(tmp_path):
    f = tmp_path / "dup.yml"
    f.write_text(
        "groups:\n  - name: g\n    rules:\n"
        "      - {record: r, expr: up}\n      - {record: r, expr: up}\n"
    )
    code, out, _ = run_check(f)
    assert code == 0
    assert "1 duplicate rule(s) found.\nMetric: r\n" in out


def test_register_adds_both_commands(capsys):
    parser = argparse.ArgumentParser(prog="argus")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["check", "rules", str(TESTDATA / "node.rules.yml")])
    assert args.handler(args) == 0
    args = parser.parse_args(["test", "rules", str(TESTDATA / "keep_firing.test.yml")])
    assert args.handler(args) == 0
    assert "SUCCESS" in capsys.readouterr().out


def test_register_reuses_an_existing_check_command():
    parser = argparse.ArgumentParser(prog="argus")
    sub = parser.add_subparsers(dest="command")
    check = sub.add_parser("check")
    check_sub = check.add_subparsers(dest="check_command")
    register(sub, check_subparsers=check_sub)
    args = parser.parse_args(["check", "rules", "x.yml"])
    assert args.files == ["x.yml"]


def test_group_labels_are_accepted_and_checked():
    good = TESTDATA / "prom3" / "group_labels.rules.yml"
    assert run_check(good)[:2] == (0, f"Checking {good}\n  SUCCESS: 2 rules found\n\n")
    bad = TESTDATA / "prom3" / "bad_group_label.yml"
    code, _, err = run_check(bad)
    assert code == 1
    assert err == (
        f"  FAILED:\n{bad}: invalid label name: __name__\n{bad}: invalid label name: 1st\n"
    )
