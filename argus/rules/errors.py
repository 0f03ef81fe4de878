"""The rules package's exception tree::

    RuleError
    ├── RuleFileError        a rule file cannot be read, parsed or validated
    ├── RuleEvalError        one rule failed one evaluation (kept as the rule's last error)
    └── TemplateError        (argus.rules.template) a template cannot be parsed or run
        ├── TemplateParseError
        └── TemplateExecError

Evaluation errors never escape a group: they are recorded on the rule, counted, and
logged, as Prometheus does, so one bad rule cannot stop the others.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["RuleError", "RuleEvalError", "RuleFileError"]


class RuleError(Exception):
    """Base of every error raised by ``argus.rules``."""


class RuleFileError(RuleError):
    """Every problem found in one rule file, each already prefixed with its position.

    ``problems`` are the lines ``argus check rules`` prints, in the order found; the
    message joins them, so a log line carries all of them.
    """

    def __init__(self, path: str, problems: Sequence[str]) -> None:
        self.path = path
        self.problems = list(problems)
        super().__init__("\n".join(f"{path}: {p}" for p in self.problems))


class RuleEvalError(RuleError):
    """One evaluation of one rule failed (query error, duplicate series, limit)."""
