"""Rule files: Prometheus's YAML format, parsed strictly and validated like ``rulefmt``.

A file holds ``groups``; a group has ``name``, ``interval``, ``query_offset``, ``limit``,
``labels`` (Prometheus 3: added to every rule of the group, a rule's own labels win)
and ``rules``; a rule is either ``record`` or ``alert`` with ``expr`` and, for alerts,
``for``, ``keep_firing_for``, ``labels`` and ``annotations``.

Loading reports every problem at once, each positioned the way promtool positions it
(``LINE:COL: group "g", rule 2, "name": message``, the position of the ``record`` or
``alert`` value, or of ``expr`` for a query error), so a user fixes a file in one pass
and the output of ``argus check rules`` reads like ``promtool check rules``. Unknown
fields are errors, as in Prometheus (``yaml.UnmarshalStrict``), because a misspelt
``annotation:`` would otherwise silently drop what the user meant.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import yaml

from argus.config import parse_duration
from argus.promql import PromQLError, parse
from argus.rules.errors import RuleFileError
from argus.rules.template import TemplateError, parse_template

__all__ = [
    "GroupSpec",
    "RuleSpec",
    "count_rules",
    "expand_rule_files",
    "load_rule_file",
    "parse_rule_file",
]

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")

_GROUPS_FIELDS = frozenset({"groups"})
_GROUP_FIELDS = frozenset({"name", "interval", "query_offset", "limit", "labels", "rules"})
_RULE_FIELDS = frozenset(
    {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule as written. ``labels``/``annotations`` keep the file's order."""

    name: str
    expr: str
    is_alert: bool
    for_ms: int = 0
    keep_firing_for_ms: int = 0
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    line: int = 0


@dataclass(frozen=True, slots=True)
class GroupSpec:
    """One group as written. ``None`` means "use the global default"."""

    name: str
    file: str
    rules: tuple[RuleSpec, ...] = ()
    interval_ms: int | None = None
    query_offset_ms: int | None = None
    limit: int = 0
    labels: tuple[tuple[str, str], ...] = ()
    line: int = 0

    def rule_labels(self, rule: RuleSpec) -> tuple[tuple[str, str], ...]:
        """The labels a rule of this group gets: the group's, overridden by the rule's."""
        if not self.labels:
            return rule.labels
        merged = dict(self.labels)
        merged.update(rule.labels)
        return tuple(merged.items())


@dataclass(slots=True)
class _Val:
    """A scalar value with the position of its node (1-based, as yaml.v3 reports)."""

    value: str = ""
    line: int = 0
    col: int = 0
    present: bool = False


@dataclass(slots=True)
class _RawRule:
    record: _Val = field(default_factory=_Val)
    alert: _Val = field(default_factory=_Val)
    expr: _Val = field(default_factory=_Val)
    for_ms: int = 0
    keep_firing_for_ms: int = 0
    labels: list[tuple[str, str]] = field(default_factory=list)
    annotations: list[tuple[str, str]] = field(default_factory=list)
    line: int = 0


@dataclass(slots=True)
class _RawGroup:
    name: _Val = field(default_factory=_Val)
    interval_ms: int | None = None
    query_offset_ms: int | None = None
    limit: int = 0
    labels: list[tuple[str, str]] = field(default_factory=list)
    rules: list[_RawRule] = field(default_factory=list)
    line: int = 0
    col: int = 0


class _Decoder:
    """Walks the YAML node tree, collecting yaml.v3-style unmarshal errors."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, node: yaml.Node, message: str) -> None:
        self.errors.append(f"line {node.start_mark.line + 1}: {message}")

    def mapping(
        self, node: yaml.Node, fields: frozenset[str], type_name: str
    ) -> list[tuple[str, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"cannot unmarshal {_kind(node)} into {type_name}")
            return []
        out: list[tuple[str, yaml.Node]] = []
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                self.error(key_node, f'mapping key "{key}" already defined')
                continue
            seen.add(key)
            if key not in fields:
                self.error(key_node, f"field {key} not found in type {type_name}")
                continue
            out.append((key, value_node))
        return out

    def scalar(self, node: yaml.Node) -> _Val:
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, f"cannot unmarshal {_kind(node)} into string")
            return _Val()
        value = "" if node.tag.endswith(":null") else str(node.value)
        return _Val(value, node.start_mark.line + 1, node.start_mark.column + 1, True)

    def duration(self, node: yaml.Node) -> int:
        val = self.scalar(node)
        if not val.present or val.value == "":
            return 0
        try:
            return parse_duration(val.value)
        except ValueError as exc:
            self.error(node, str(exc))
            return 0

    def integer(self, node: yaml.Node) -> int:
        val = self.scalar(node)
        try:
            return int(val.value) if val.value else 0
        except ValueError:
            self.error(node, f"cannot unmarshal !!str `{val.value}` into int")
            return 0

    def string_map(self, node: yaml.Node) -> list[tuple[str, str]]:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null"):
            return []
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"cannot unmarshal {_kind(node)} into map[string]string")
            return []
        out: list[tuple[str, str]] = []
        for key_node, value_node in node.value:
            out.append((str(key_node.value), self.scalar(value_node).value))
        return out

    def rule(self, node: yaml.Node) -> _RawRule:
        raw = _RawRule(line=node.start_mark.line + 1)
        for key, value in self.mapping(node, _RULE_FIELDS, "rulefmt.RuleNode"):
            if key in ("record", "alert", "expr"):
                setattr(raw, key, self.scalar(value))
            elif key == "for":
                raw.for_ms = self.duration(value)
            elif key == "keep_firing_for":
                raw.keep_firing_for_ms = self.duration(value)
            elif key == "labels":
                raw.labels = self.string_map(value)
            else:
                raw.annotations = self.string_map(value)
        return raw

    def group(self, node: yaml.Node) -> _RawGroup:
        raw = _RawGroup(line=node.start_mark.line + 1, col=node.start_mark.column + 1)
        for key, value in self.mapping(node, _GROUP_FIELDS, "rulefmt.RuleGroup"):
            if key == "name":
                raw.name = self.scalar(value)
            elif key == "interval":
                raw.interval_ms = self.duration(value)
            elif key == "query_offset":
                raw.query_offset_ms = self.duration(value)
            elif key == "limit":
                raw.limit = self.integer(value)
            elif key == "labels":
                raw.labels = self.string_map(value)
            elif isinstance(value, yaml.SequenceNode):
                raw.rules = [self.rule(item) for item in value.value]
            elif not (isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")):
                self.error(value, f"cannot unmarshal {_kind(value)} into []rulefmt.RuleNode")
        return raw

    def file(self, node: yaml.Node | None) -> list[_RawGroup]:
        if node is None:
            return []
        groups: list[_RawGroup] = []
        for _key, value in self.mapping(node, _GROUPS_FIELDS, "rulefmt.RuleGroups"):
            if isinstance(value, yaml.SequenceNode):
                groups.extend(self.group(item) for item in value.value)
            elif not (isinstance(value, yaml.ScalarNode) and value.tag.endswith(":null")):
                self.error(value, f"cannot unmarshal {_kind(value)} into []rulefmt.RuleGroup")
        return groups


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "!!map"
    if isinstance(node, yaml.SequenceNode):
        return "!!seq"
    return f"!!{node.tag.rsplit(':', 1)[-1]} `{node.value}`"


def _where(val: _Val) -> str:
    """``LINE:COL: `` of a value; ``0:0: `` when absent, as yaml.v3's zero node prints."""
    return f"{val.line}:{val.col}: " if val.present else "0:0: "


def _validate_rule(raw: _RawRule) -> list[tuple[str, str]]:
    """``(position prefix, message)`` pairs, in the order Prometheus checks them."""
    out: list[tuple[str, str]] = []
    rec, alert, expr = raw.record, raw.alert, raw.expr
    if rec.value and alert.value:
        out.append(
            (f"{_where(rec)}{_where(alert)}", "only one of 'record' and 'alert' must be set")
        )
    if not rec.value and not alert.value:
        out.append((_where(rec), "one of 'record' or 'alert' must be set"))
    if not expr.value:
        out.append((_where(expr), "field 'expr' must be set in rule"))
    else:
        try:
            parse(expr.value)
        except PromQLError as exc:
            out.append((_where(expr), f"could not parse expression: {exc}"))
    if rec.value:
        if raw.annotations:
            out.append((_where(rec), "invalid field 'annotations' in recording rule"))
        if raw.for_ms:
            out.append((_where(rec), "invalid field 'for' in recording rule"))
        if raw.keep_firing_for_ms:
            out.append((_where(rec), "invalid field 'keep_firing_for' in recording rule"))
        if not _METRIC_NAME.fullmatch(rec.value):
            out.append((_where(rec), f"invalid recording rule name: {rec.value}"))
    for name, _value in raw.labels:
        if not _LABEL_NAME.fullmatch(name) or name == "__name__":
            out.append(("", f"invalid label name: {name}"))
    for name, _value in raw.annotations:
        if not _LABEL_NAME.fullmatch(name):
            out.append(("", f"invalid annotation name: {name}"))
    if alert.value:
        tmpl_name = f"__alert_{alert.value}"
        for kind, pairs in (("label", raw.labels), ("annotation", raw.annotations)):
            for name, text in pairs:
                try:
                    parse_template(text, tmpl_name)
                except TemplateError as exc:
                    out.append(("", f'{kind} "{name}": {exc}'))
    return out


def parse_rule_file(text: str, path: str = "") -> list[GroupSpec]:
    """Groups of one file's text; :class:`RuleFileError` lists every problem found."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise RuleFileError(path, [f"yaml: {where}{problem}"]) from None
    decoder = _Decoder()
    raw_groups = decoder.file(root)
    if decoder.errors:
        raise RuleFileError(path, ["yaml: unmarshal errors:\n  " + "\n  ".join(decoder.errors)])
    problems: list[str] = []
    seen: set[str] = set()
    groups: list[GroupSpec] = []
    for raw in raw_groups:
        name = raw.name.value
        if not name:
            problems.append("Groupname must not be empty")
        elif name in seen:
            problems.append(
                f'{raw.line}:{raw.col}: groupname: "{name}" is repeated in the same file'
            )
        seen.add(name)
        for label, _value in raw.labels:
            if not _LABEL_NAME.fullmatch(label) or label == "__name__":
                problems.append(f"invalid label name: {label}")
        if raw.interval_ms is not None and raw.interval_ms <= 0:
            problems.append(f'group "{name}": interval must be greater than 0')
        if raw.limit < 0:
            problems.append(f'group "{name}": limit must not be negative')
        rules: list[RuleSpec] = []
        for i, rr in enumerate(raw.rules, start=1):
            rule_name = rr.alert.value or rr.record.value
            for where, message in _validate_rule(rr):
                problems.append(f'{where}group "{name}", rule {i}, "{rule_name}": {message}')
            rules.append(
                RuleSpec(
                    name=rule_name,
                    expr=rr.expr.value,
                    is_alert=bool(rr.alert.value),
                    for_ms=rr.for_ms,
                    keep_firing_for_ms=rr.keep_firing_for_ms,
                    labels=tuple(rr.labels),
                    annotations=tuple(rr.annotations),
                    line=rr.line,
                )
            )
        groups.append(
            GroupSpec(
                name=name,
                file=path,
                rules=tuple(rules),
                interval_ms=raw.interval_ms,
                query_offset_ms=raw.query_offset_ms,
                limit=raw.limit,
                labels=tuple(raw.labels),
                line=raw.line,
            )
        )
    if problems:
        raise RuleFileError(path, problems)
    return groups


def load_rule_file(path: str | os.PathLike[str]) -> list[GroupSpec]:
    """Read and parse one rule file; unreadable files raise :class:`RuleFileError` too."""
    p = os.fspath(path)
    try:
        with open(p, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleFileError(p, [f"error reading file: {exc}"]) from None
    return parse_rule_file(text, p)


def expand_rule_files(patterns: Iterable[str], base_dir: str = "") -> list[str]:
    """``rule_files`` globs, relative to the config file's directory, in a stable order.

    A pattern that matches nothing is not an error (Prometheus's behaviour: an empty
    ``rules.d/`` is legal). Duplicates from overlapping globs are loaded once.
    """
    out: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        full = (
            pattern if os.path.isabs(pattern) or not base_dir else os.path.join(base_dir, pattern)
        )
        for path in sorted(glob.glob(full)):
            if path not in seen:
                seen.add(path)
                out.append(path)
    return out


def count_rules(groups: Sequence[GroupSpec]) -> int:
    return sum(len(g.rules) for g in groups)
