"""Template errors, worded like Go's ``text/template`` ones that users already search for."""

from __future__ import annotations

from argus.rules.errors import RuleError

__all__ = ["TemplateError", "TemplateExecError", "TemplateParseError"]


class TemplateError(RuleError):
    """A template could not be parsed or expanded."""


class TemplateParseError(TemplateError):
    """``template: NAME:LINE: message``, raised when a rule file is loaded."""

    def __init__(self, name: str, line: int, message: str) -> None:
        self.name = name
        self.line = line
        self.message = message
        super().__init__(f"template: {name}:{line}: {message}")


class TemplateExecError(TemplateError):
    """Go's wording, as Prometheus wraps it, so alert annotations read the same::

    error executing template NAME: template: NAME:LINE:COL: executing "NAME" at <node>: …
    """

    def __init__(self, name: str, line: int, col: int, node: str, message: str) -> None:
        self.name = name
        self.line = line
        self.message = message
        super().__init__(
            f"error executing template {name}: template: {name}:{line}:{col}: "
            f'executing "{name}" at <{node}>: {message}'
        )
