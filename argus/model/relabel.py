"""Relabelling: Prometheus's ``relabel_configs`` rules and how they rewrite a label set.

Scrape (targets and samples), alerting and remote write all rewrite label sets with
the same rules, so they live in ``model``. The semantics are Prometheus's
(``model/relabel/relabel.go``):

- ``source_labels`` values are joined with ``separator`` (default ``;``); a missing
  label counts as the empty string;
- ``regex`` (default ``(.*)``) is anchored at both ends and ``.`` matches newlines:
  Prometheus compiles ``^(?s:REGEX)$``. Patterns are RE2 syntax run by Python's ``re``
  with ASCII classes; RE2-only syntax fails when the config is loaded;
- ``replacement`` (default ``$1``) and ``target_label`` expand like Go's
  ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``, ``${name}``, ``$$`` for a dollar. In
  the bare form the name is as long as possible, so ``$1x`` means group ``1x`` (empty);
  write ``${1}x``. Unknown or unmatched groups expand to the empty string;
- a label whose value becomes empty is removed; ``replace`` skips a target name that
  is not a valid label name after expansion;
- ``hashmod`` takes the MD5 of the joined value, reads its last 8 bytes as a
  big-endian unsigned integer, and takes it modulo ``modulus``.

Rules run per target and per new series only (callers cache the results), so this
is plain Python, not vectorised.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from argus.model.labels import Labels

__all__ = ["RelabelAction", "RelabelConfig", "RelabelConfigError", "expand_template", "relabel"]

_LEGACY_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# A legacy label name that may also hold $var / ${var} references (Prometheus's check).
_LEGACY_TARGET = re.compile(r"(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+", re.ASCII)
_TEMPLATE_VAR = re.compile(r"\$(?:(\$)|\{(\w+)\}|(\w+))")


class RelabelConfigError(ValueError):
    """A relabel rule is invalid. ``field`` names the offending YAML key, when known."""

    def __init__(self, message: str, field: str = "") -> None:
        self.field = field
        super().__init__(message)


class RelabelAction(enum.Enum):
    REPLACE = "replace"
    KEEP = "keep"
    DROP = "drop"
    KEEPEQUAL = "keepequal"
    DROPEQUAL = "dropequal"
    HASHMOD = "hashmod"
    LABELMAP = "labelmap"
    LABELDROP = "labeldrop"
    LABELKEEP = "labelkeep"
    LOWERCASE = "lowercase"
    UPPERCASE = "uppercase"


_DEFAULT_REGEX = "(.*)"
_DEFAULT_REPLACEMENT = "$1"
_DEFAULT_SEPARATOR = ";"
_NEEDS_TARGET = {
    RelabelAction.REPLACE,
    RelabelAction.HASHMOD,
    RelabelAction.LOWERCASE,
    RelabelAction.UPPERCASE,
    RelabelAction.KEEPEQUAL,
    RelabelAction.DROPEQUAL,
}
_FIELDS = (
    "source_labels",
    "separator",
    "regex",
    "modulus",
    "target_label",
    "replacement",
    "action",
)


def compile_regex(pattern: str) -> re.Pattern[str]:
    """Prometheus's anchoring (``^(?s:…)$``) on Python's ``re`` with ASCII classes."""
    try:
        return re.compile(f"(?s:{pattern})", re.ASCII)
    except re.error as exc:
        raise RelabelConfigError(f"invalid regex {pattern!r}: {exc}", "regex") from None


def _valid_name(name: str, utf8: bool) -> bool:
    if utf8:
        return bool(name)
    return _LEGACY_NAME.fullmatch(name) is not None


@dataclass(frozen=True, slots=True)
class RelabelConfig:
    """One relabel rule, validated and compiled on construction (Prometheus defaults).

    ``utf8_names`` selects Prometheus 3's UTF-8 label name validation (any non-empty
    name) instead of the legacy ``[a-zA-Z_][a-zA-Z0-9_]*``.
    """

    source_labels: tuple[str, ...] = ()
    separator: str = _DEFAULT_SEPARATOR
    regex: str = _DEFAULT_REGEX
    modulus: int = 0
    target_label: str = ""
    replacement: str = _DEFAULT_REPLACEMENT
    action: RelabelAction = RelabelAction.REPLACE
    utf8_names: bool = True
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", compile_regex(self.regex))
        self._validate()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, utf8_names: bool = True) -> RelabelConfig:
        """Build from a YAML mapping with Prometheus's field names; unknown keys fail."""
        unknown = sorted(set(data) - set(_FIELDS))
        if unknown:
            raise RelabelConfigError(f"field {unknown[0]} not found in relabel config", unknown[0])
        kwargs: dict[str, Any] = {"utf8_names": utf8_names}
        if "source_labels" in data and data["source_labels"] is not None:
            labels = data["source_labels"]
            if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
                raise RelabelConfigError("source_labels must be a list of strings", "source_labels")
            kwargs["source_labels"] = tuple(labels)
        for key in ("separator", "regex", "target_label", "replacement"):
            if key in data and data[key] is not None:
                value = data[key]
                if isinstance(value, bool) or not isinstance(value, str | int | float):
                    raise RelabelConfigError(f"{key} must be a string", key)
                kwargs[key] = str(value)
        if "modulus" in data and data["modulus"] is not None:
            mod = data["modulus"]
            if isinstance(mod, bool) or not isinstance(mod, int) or mod < 0:
                raise RelabelConfigError("modulus must be a non-negative integer", "modulus")
            kwargs["modulus"] = mod
        if "action" in data:
            action = str(data["action"]).lower()
            try:
                kwargs["action"] = RelabelAction(action)
            except ValueError:
                raise RelabelConfigError(f"unknown relabel action {action!r}", "action") from None
        return cls(**kwargs)

    def _validate(self) -> None:
        act = self.action
        name = act.value
        if act is RelabelAction.HASHMOD and self.modulus == 0:
            raise RelabelConfigError(
                "relabel configuration for hashmod requires non-zero modulus", "modulus"
            )
        if act in _NEEDS_TARGET and not self.target_label:
            raise RelabelConfigError(
                f"relabel configuration for {name} action requires 'target_label' value",
                "target_label",
            )
        target = self.target_label
        if act is RelabelAction.REPLACE:
            if "$" in target:
                ok = bool(target) if self.utf8_names else bool(_LEGACY_TARGET.fullmatch(target))
            else:
                ok = _valid_name(target, self.utf8_names)
            if not ok:
                raise RelabelConfigError(
                    f"{target!r} is invalid 'target_label' for {name} action", "target_label"
                )
        if act in _NEEDS_TARGET - {RelabelAction.REPLACE} and not _valid_name(
            target, self.utf8_names
        ):
            raise RelabelConfigError(
                f"{target!r} is invalid 'target_label' for {name} action", "target_label"
            )
        simple = {
            RelabelAction.LOWERCASE,
            RelabelAction.UPPERCASE,
            RelabelAction.KEEPEQUAL,
            RelabelAction.DROPEQUAL,
        }
        if act in simple and self.replacement != _DEFAULT_REPLACEMENT:
            raise RelabelConfigError(
                f"'replacement' can not be set for {name} action", "replacement"
            )
        if act is RelabelAction.LABELMAP:
            rep = self.replacement
            ok = bool(rep) if self.utf8_names else bool(_LEGACY_TARGET.fullmatch(rep))
            if not ok:
                raise RelabelConfigError(
                    f"{rep!r} is invalid 'replacement' for {name} action", "replacement"
                )
        if act in (RelabelAction.KEEPEQUAL, RelabelAction.DROPEQUAL) and (
            self.regex != _DEFAULT_REGEX
            or self.modulus != 0
            or self.separator != _DEFAULT_SEPARATOR
        ):
            raise RelabelConfigError(
                f"{name} action requires only 'source_labels' and `target_label`, "
                "and no other fields",
                "action",
            )
        if act in (RelabelAction.LABELDROP, RelabelAction.LABELKEEP) and (
            self.source_labels
            or self.target_label
            or self.modulus != 0
            or self.separator != _DEFAULT_SEPARATOR
            or self.replacement != _DEFAULT_REPLACEMENT
        ):
            raise RelabelConfigError(
                f"{name} action requires only 'regex', and no other fields", "action"
            )


def expand_template(template: str, match: re.Match[str]) -> str:
    """Go's ``Regexp.ExpandString`` for one match (see the module docstring)."""
    if "$" not in template:
        return template

    def one(var: re.Match[str]) -> str:
        if var.group(1):
            return "$"
        name = var.group(2) or var.group(3)
        if name.isdigit():
            index = int(name)
            if index > match.re.groups:
                return ""
            return match.group(index) or ""
        if name not in match.re.groupindex:
            return ""
        return match.group(name) or ""

    return _TEMPLATE_VAR.sub(one, template)


def _hashmod(value: str, modulus: int) -> str:
    digest = hashlib.md5(value.encode("utf-8"), usedforsecurity=False).digest()
    return str(int.from_bytes(digest[8:], "big") % modulus)


def _apply(cfg: RelabelConfig, lb: dict[str, str]) -> bool:
    """Apply one rule to ``lb`` in place; ``False`` means drop the whole label set."""
    val = cfg.separator.join(lb.get(name, "") for name in cfg.source_labels)
    act = cfg.action
    if act is RelabelAction.DROP:
        return cfg.pattern.fullmatch(val) is None
    if act is RelabelAction.KEEP:
        return cfg.pattern.fullmatch(val) is not None
    if act is RelabelAction.DROPEQUAL:
        return lb.get(cfg.target_label, "") != val
    if act is RelabelAction.KEEPEQUAL:
        return lb.get(cfg.target_label, "") == val
    if act is RelabelAction.REPLACE:
        m = cfg.pattern.fullmatch(val)
        if m is None:
            return True
        target = expand_template(cfg.target_label, m)
        if not _valid_name(target, cfg.utf8_names):
            return True
        _set(lb, target, expand_template(cfg.replacement, m))
    elif act is RelabelAction.LOWERCASE:
        _set(lb, cfg.target_label, val.lower())
    elif act is RelabelAction.UPPERCASE:
        _set(lb, cfg.target_label, val.upper())
    elif act is RelabelAction.HASHMOD:
        _set(lb, cfg.target_label, _hashmod(val, cfg.modulus))
    elif act is RelabelAction.LABELMAP:
        for name, value in sorted(lb.items()):
            m = cfg.pattern.fullmatch(name)
            if m is not None:
                _set(lb, expand_template(cfg.replacement, m), value)
    elif act is RelabelAction.LABELDROP:
        for name in [n for n in lb if cfg.pattern.fullmatch(n) is not None]:
            del lb[name]
    elif act is RelabelAction.LABELKEEP:
        for name in [n for n in lb if cfg.pattern.fullmatch(n) is None]:
            del lb[name]
    return True


def _set(lb: dict[str, str], name: str, value: str) -> None:
    if value:
        lb[name] = value
    else:
        lb.pop(name, None)


def relabel(
    labels: Labels | Iterable[tuple[str, str]], rules: Sequence[RelabelConfig]
) -> Labels | None:
    """Run ``rules`` in order over ``labels``; ``None`` if a rule dropped the set."""
    lb = dict(labels)
    for cfg in rules:
        if not _apply(cfg, lb):
            return None
    return Labels(lb.items())
