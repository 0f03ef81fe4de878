from __future__ import annotations

import argparse
import io
from pathlib import Path

from argus.config.cli import check_config_files, register

TESTDATA = Path(__file__).parent / "testdata"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="argus")
    register(parser.add_subparsers(dest="command"))
    return parser


def test_check_config_success_and_failure_exit_codes():
    args = _parser().parse_args(
        ["check", "config", "--syntax-only", str(TESTDATA / "minimal.good.yml")]
    )
    assert args.handler(args) == 0
    out = io.StringIO()
    bad = str(TESTDATA / "duplicate_job.bad.yml")
    code = check_config_files([str(TESTDATA / "minimal.good.yml"), bad], out=out)
    assert code == 1
    text = out.getvalue()
    assert f"Checking {bad}\n  FAILED: {bad}:5: scrape_configs[1].job_name:" in text
    assert (
        f" SUCCESS: {TESTDATA / 'minimal.good.yml'} is valid prometheus config file syntax" in text
    )


def test_rule_files_must_exist_unless_syntax_only(tmp_path):
    cfg = tmp_path / "p.yml"
    cfg.write_text("rule_files: [missing.yml, 'globbed/*.yml']\n")
    out = io.StringIO()
    assert check_config_files([str(cfg)], out=out) == 1
    assert "rule file 'missing.yml' does not exist" in out.getvalue()
    assert check_config_files([str(cfg)], syntax_only=True, out=io.StringIO()) == 0
    (tmp_path / "missing.yml").write_text("groups: []\n")
    out = io.StringIO()
    assert check_config_files([str(cfg)], out=out) == 0
    assert " SUCCESS: 1 rule files found" in out.getvalue()
