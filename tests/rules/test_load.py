"""Rule file loading and validation, driven by testdata/*.rules.yml and testdata/bad/."""

from __future__ import annotations

from pathlib import Path

import pytest

from argus.rules import RuleFileError, expand_rule_files, load_rule_file, parse_rule_file

TESTDATA = Path(__file__).parent / "testdata"
GOOD = sorted(TESTDATA.glob("*.rules.yml"))
BAD = sorted((TESTDATA / "bad").glob("*.yml"))


def expectations(path: Path) -> list[str]:
    return [
        line.removeprefix("# expect: ").rstrip("\n")
        for line in path.read_text().splitlines()
        if line.startswith("# expect: ")
    ]


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_good_files_load(path):
    groups = load_rule_file(path)
    assert groups
    assert all(g.file == str(path) for g in groups)


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_bad_files_report_every_problem(path):
    with pytest.raises(RuleFileError) as info:
        load_rule_file(path)
    message = str(info.value)
    for expected in expectations(path):
        assert expected in message, f"{expected!r} not in:\n{message}"
    assert len(info.value.problems) >= 1


def test_specs_keep_fields():
    (group,) = parse_rule_file(
        """
groups:
  - name: g
    interval: 30s
    query_offset: 1m
    limit: 5
    rules:
      - alert: A
        expr: up == 0
        for: 5m
        keep_firing_for: 10m
        labels: {severity: page}
        annotations: {summary: x}
      - record: r
        expr: sum(up)
""",
        "f.yml",
    )
    assert (group.name, group.interval_ms, group.query_offset_ms, group.limit) == (
        "g",
        30_000,
        60_000,
        5,
    )
    alert, record = group.rules
    assert alert.is_alert and alert.for_ms == 300_000 and alert.keep_firing_for_ms == 600_000
    assert alert.labels == (("severity", "page"),)
    assert not record.is_alert and record.name == "r"


def test_empty_file_has_no_groups():
    assert parse_rule_file("", "empty.yml") == []


def test_unreadable_file(tmp_path):
    with pytest.raises(RuleFileError, match="error reading file"):
        load_rule_file(tmp_path / "missing.yml")


def test_globs_are_relative_to_base_dir_and_deduplicated(tmp_path):
    (tmp_path / "rules").mkdir()
    for name in ("b.yml", "a.yml"):
        (tmp_path / "rules" / name).write_text("groups: []\n")
    files = expand_rule_files(["rules/*.yml", "rules/a.yml", "none/*.yml"], str(tmp_path))
    assert [Path(f).name for f in files] == ["a.yml", "b.yml"]
