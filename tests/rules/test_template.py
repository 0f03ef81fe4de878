"""Go-template expansion: data-driven cases plus the error paths."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from argus.rules.template import (
    FuncContext,
    Sample,
    TemplateData,
    TemplateParseError,
    expand_alert_template,
    parse_template,
)

CASES = yaml.safe_load((Path(__file__).parent / "testdata" / "template_cases.yml").read_text())
DATA = TemplateData(
    {"instance": "a:9100", "job": "node"}, {"cluster": "eu1"}, "http://argus:9090", 0.5
)


def expand(text: str, ctx: FuncContext | None = None) -> str:
    return expand_alert_template(parse_template(text, "__alert_T"), DATA, ctx or FuncContext())


@pytest.mark.parametrize(("text", "want"), CASES, ids=[c[0] for c in CASES])
def test_expansion(text, want):
    assert expand(text) == want


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ nofunc }}", 'function "nofunc" not defined'),
        ("{{ $lables.x }}", 'undefined variable "$lables"'),
        ("{{ if true }}x", "unexpected EOF"),
        ("x {{ end }}", "unexpected {{end}}"),
        ("{{ break }}", "{{break}} outside {{range}}"),
        ('{{ define "x" }}{{ end }}', "{{define}} is not supported"),
        ("{{ 1 ", "unclosed action"),
        ('{{ "abc }}', "unterminated quoted string"),
        ("{{/* never closed }}", "unclosed comment"),
        ("{{ ( 1 }}", "unclosed left paren"),
        ("{{ }}", "missing value for command"),
    ],
)
def test_parse_errors_name_the_template(text, message):
    with pytest.raises(TemplateParseError) as info:
        parse_template(text, "__alert_T")
    assert str(info.value).startswith("template: __alert_T:1: ")
    assert message in str(info.value)


def test_parse_error_line_numbers():
    with pytest.raises(TemplateParseError, match=r"__alert_T:3: "):
        parse_template("a\nb\n{{ nofunc }}", "__alert_T")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ gt $value 1 }}", "error calling gt: incompatible types for comparison"),
        ("{{ humanize true }}", "can't convert bool to float"),
        ("{{ $labels.job.x }}", "can't evaluate field x in type string"),
        ('{{ call "x" }}', "call of a function value is not supported"),
        ('{{ index "ab" 5 }}', "index out of range"),
        ('{{ first (query "up") }}', "query is not available"),
    ],
)
def test_exec_errors_become_the_text(text, message):
    out = expand(text)
    assert out.startswith("<error expanding template: error executing template __alert_T: ")
    assert message in out


def test_query_function_runs_at_eval_time():
    seen = []

    def query(query: str, t_ms: int) -> list[Sample]:
        seen.append((query, t_ms))
        return [Sample({"__name__": "up", "job": "x"}, 1.0), Sample({"job": "y"}, 0.0)]

    ctx = FuncContext(t_ms=42_000, query=query)
    text = '{{ range query "up" }}{{ .Labels.job }}={{ .Value }} {{ end }}'
    assert expand(text, ctx) == "x=1 y=0 "
    assert seen == [("up", 42_000)]


def test_static_text_is_returned_as_is():
    tmpl = parse_template("no actions here", "__alert_T")
    assert tmpl.is_static
    assert expand("no actions here") == "no actions here"


def test_output_is_bounded():
    out = expand('{{ printf "%02000000d" 0 }}')
    assert "template output exceeds" in out
