"""Label matchers with Prometheus semantics.

Regexes are fully anchored and ``.`` matches newlines, as Prometheus compiles them
(``^(?s:re)$``). Python's ``re`` runs them with ASCII character classes to follow Go's
RE2. Common shapes skip the regex engine: a literal alternation becomes a set lookup,
``prefix.*`` a ``startswith`` (and a ``bisect`` in the index), ``.*`` matches anything.

A matcher that matches the empty string also selects series that lack the label, since
an absent label has the empty value.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field

from argus.model.labels import METRIC_NAME

__all__ = ["MatchType", "Matcher", "MatcherError", "match_all_metric_names"]


class MatcherError(ValueError):
    """A matcher could not be built, e.g. its regex does not compile."""


class MatchType(enum.Enum):
    EQUAL = "="
    NOT_EQUAL = "!="
    REGEX = "=~"
    NOT_REGEX = "!~"

    def __str__(self) -> str:
        return self.value


_META = set(".^$*+?()[]{}|\\")


def _literal_alternatives(pattern: str) -> frozenset[str] | None:
    """``a|b|c`` made of plain literals (or one literal) becomes a set of strings."""
    if pattern.startswith("(") and pattern.endswith(")") and pattern.count("(") == 1:
        inner = pattern[1:-1]
        if inner.startswith("?:"):
            inner = inner[2:]
        pattern = inner
    alts = pattern.split("|")
    if any(ch in _META for alt in alts for ch in alt):
        return None
    return frozenset(alts)


def _literal_prefix(pattern: str) -> str | None:
    """``prefix.*`` with a literal prefix: match by ``startswith``."""
    if not pattern.endswith(".*"):
        return None
    head = pattern[:-2]
    if any(ch in _META for ch in head):
        return None
    return head


@dataclass(frozen=True, slots=True)
class Matcher:
    """One ``name op "value"`` term of a selector. Immutable; prints in PromQL notation."""

    type: MatchType
    name: str
    value: str
    _regex: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    _set: frozenset[str] | None = field(default=None, compare=False, repr=False)
    _prefix: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.type in (MatchType.REGEX, MatchType.NOT_REGEX):
            alts = _literal_alternatives(self.value)
            if alts is not None:
                object.__setattr__(self, "_set", alts)
                return
            prefix = _literal_prefix(self.value)
            if prefix is not None:
                object.__setattr__(self, "_prefix", prefix)
                return
            try:
                rx = re.compile(f"(?s:{self.value})\\Z", re.ASCII)
            except re.error as exc:
                raise MatcherError(
                    f"invalid regular expression {self.value!r} in matcher for label "
                    f"{self.name!r}: {exc}"
                ) from exc
            object.__setattr__(self, "_regex", rx)

    @classmethod
    def equal(cls, name: str, value: str) -> Matcher:
        return cls(MatchType.EQUAL, name, value)

    @classmethod
    def not_equal(cls, name: str, value: str) -> Matcher:
        return cls(MatchType.NOT_EQUAL, name, value)

    @classmethod
    def regex(cls, name: str, value: str) -> Matcher:
        return cls(MatchType.REGEX, name, value)

    @classmethod
    def not_regex(cls, name: str, value: str) -> Matcher:
        return cls(MatchType.NOT_REGEX, name, value)

    @property
    def literal_set(self) -> frozenset[str] | None:
        """For ``=`` or a literal-alternation ``=~``: exactly the values that match."""
        if self.type is MatchType.EQUAL:
            return frozenset((self.value,))
        if self.type is MatchType.REGEX:
            return self._set
        return None

    @property
    def prefix(self) -> str | None:
        return self._prefix if self.type is MatchType.REGEX else None

    def _positive(self, value: str) -> bool:
        if self._set is not None:
            return value in self._set
        if self._prefix is not None:
            return value.startswith(self._prefix)
        assert self._regex is not None
        return self._regex.match(value) is not None

    def matches(self, value: str) -> bool:
        t = self.type
        if t is MatchType.EQUAL:
            return value == self.value
        if t is MatchType.NOT_EQUAL:
            return value != self.value
        if t is MatchType.REGEX:
            return self._positive(value)
        return not self._positive(value)

    def matches_empty(self) -> bool:
        return self.matches("")

    def __repr__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.type.value}"{escaped}"'

    __str__ = __repr__


def match_all_metric_names() -> Matcher:
    """The matcher that selects every series (``{__name__=~".+"}``)."""
    return Matcher.regex(METRIC_NAME, ".+")
