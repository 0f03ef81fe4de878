"""Go ``text/template`` for alert labels and annotations: the subset rule files use.

Supported: text with ``{{ }}`` actions and ``{{- -}}`` trimming, comments, pipelines
with ``|``, variables (``$x := …``, ``$x = …``), fields (``.Labels.job``,
``$labels.job``), ``if``/``else if``/``else``, ``range`` (with ``$i, $v :=``,
``break``, ``continue``), ``with``, parentheses, string/number/bool/nil literals;
Go's builtins (``and or not len index slice print printf println eq ne lt le gt ge
html js urlquery``) and Prometheus's functions (``query first label value strvalue
sortByLabel args humanize humanize1024 humanizeDuration humanizePercentage
humanizeTimestamp toTime title toUpper toLower match reReplaceAll safeHtml graphLink
tableLink externalURL pathPrefix stripPort stripDomain parseDuration``).

Not supported, with an error naming the construct: ``define``/``template``/``block``
and ``call``. Alert templates see ``$labels``, ``$externalLabels``, ``$externalURL``
and ``$value`` (and the same as ``.Labels`` …), exactly as Prometheus defines them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from argus.rules.template.errors import TemplateError, TemplateExecError, TemplateParseError
from argus.rules.template.exec import execute
from argus.rules.template.functions import FUNCTION_NAMES, FuncContext
from argus.rules.template.functions import QueryFunc as TemplateQueryFunc
from argus.rules.template.gofmt import go_sprintf, go_str
from argus.rules.template.parser import Node, parse_nodes
from argus.rules.template.values import GoTime, Sample, TemplateData

__all__ = [
    "ALERT_VARIABLES",
    "FuncContext",
    "GoTime",
    "Sample",
    "Template",
    "TemplateData",
    "TemplateError",
    "TemplateExecError",
    "TemplateParseError",
    "TemplateQueryFunc",
    "expand_alert_template",
    "go_sprintf",
    "go_str",
    "parse_template",
]

ALERT_VARIABLES = ("$labels", "$externalLabels", "$externalURL", "$value")
"""Variables Prometheus defines before every alert template."""

_DEFS_WIDTH = len(
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}"
)
"""Prometheus prepends these definitions on line 1; Go's columns count them."""


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template, reusable across evaluations."""

    name: str
    text: str
    nodes: tuple[Node, ...]

    @property
    def is_static(self) -> bool:
        """No actions at all: expansion would return ``text`` unchanged."""
        return "{{" not in self.text

    def execute(
        self,
        root: Any,
        ctx: FuncContext,
        variables: Mapping[str, Any] | None = None,
        col0: int = 0,
    ) -> str:
        return execute(list(self.nodes), self.name, root, ctx, dict(variables or {}), col0)


def parse_template(text: str, name: str) -> Template:
    """Parse an alert template; :class:`TemplateParseError` if Go would reject it."""
    return Template(name, text, tuple(parse_nodes(text, name, FUNCTION_NAMES, ALERT_VARIABLES)))


def expand_alert_template(tmpl: Template, data: TemplateData, ctx: FuncContext) -> str:
    """Expand with Prometheus's alert variables bound; errors become the result text.

    Prometheus does not fail the rule when a template fails: the label or annotation
    reads ``<error expanding template: …>`` so the alert still goes out and the
    problem is visible where the user looks.
    """
    if tmpl.is_static:
        return tmpl.text
    variables = {
        "$labels": data.Labels,
        "$externalLabels": data.ExternalLabels,
        "$externalURL": data.ExternalURL,
        "$value": data.Value,
    }
    try:
        return tmpl.execute(data, ctx, variables, _DEFS_WIDTH)
    except TemplateError as exc:
        return f"<error expanding template: {exc}>"
