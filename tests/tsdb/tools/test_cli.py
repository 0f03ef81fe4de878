"""``argus tsdb …`` through the real argument parser: flags, output and exit codes."""

from __future__ import annotations

import argparse

import pytest

from argus.cli import main
from argus.tsdb.tools.cli import parse_go_duration_ms
from tests.tsdb.tools.conftest import SAMPLE_FILE


def test_create_blocks_dump_and_export(tmp_path, capsys):
    src = tmp_path / "in.om"
    src.write_text(SAMPLE_FILE)
    db = tmp_path / "db"
    assert main(["tsdb", "create-blocks-from", "openmetrics", str(src), str(db)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BLOCK ULID")
    assert len(out.splitlines()) == 2

    assert (
        main(
            [
                "tsdb",
                "create-blocks-from",
                "openmetrics",
                "-q",
                "-r",
                str(src),
                str(tmp_path / "db2"),
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == ""

    assert main(["tsdb", "dump", "--match", "temp", "--min-time", "1700000015000", str(db)]) == 0
    assert capsys.readouterr().out == (
        '{__name__="temp"} +Inf 1700000015000\n{__name__="temp"} -Inf 1700000030000\n'
    )

    assert main(["tsdb", "export", "parquet", str(db), str(tmp_path / "pq")]) == 0
    assert "wrote 11 rows to 1 file(s)" in capsys.readouterr().out


def test_errors_exit_1_with_the_line(tmp_path, capsys):
    src = tmp_path / "bad.om"
    src.write_text("a 1 1\nb{x=1} 1 1\n# EOF\n")
    assert main(["tsdb", "create-blocks-from", "openmetrics", str(src), str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: line 2: expected a double-quoted value for label 'x'")
    assert not (tmp_path / "d").exists()

    assert main(["tsdb", "dump", str(tmp_path / "missing")]) == 1
    assert "no such database directory" in capsys.readouterr().err
    assert main(["tsdb", "dump", "--match", "{a=b}", str(tmp_path)]) == 1
    assert "parse error" in capsys.readouterr().err
    assert main(["tsdb", "create-blocks-from", "openmetrics", str(tmp_path / "nofile")]) == 1
    assert "No such file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("2h", 7_200_000),
        ("90m", 5_400_000),
        ("1h30m", 5_400_000),
        ("1.5h", 5_400_000),
        ("0", 0),
        ("1d", 86_400_000),
        ("500ms", 500),
    ],
)
def test_go_durations(text, ms):
    assert parse_go_duration_ms(text) == ms


@pytest.mark.parametrize("text", ["", "2", "h", "2x", "1h 2m"])
def test_bad_durations(text):
    with pytest.raises(argparse.ArgumentTypeError):
        parse_go_duration_ms(text)
