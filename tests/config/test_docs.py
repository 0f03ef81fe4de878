"""docs/config.md carries the field reference generated from the schema; keep it in sync."""

from __future__ import annotations

from pathlib import Path

from argus.config.docs import BEGIN, END, field_reference

DOC = Path(__file__).resolve().parents[2] / "docs" / "config.md"


def test_field_reference_matches_schema():
    text = DOC.read_text()
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == field_reference(), (
        "docs/config.md is out of date: run `python -m argus.config.docs` and paste the output"
    )
