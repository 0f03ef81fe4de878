"""The offline tools' one exception tree, so the command line maps errors in one place.

ToolError                       any failure a tool reports as "error: …" and exit code 1
├── OpenMetricsError            the input file is not valid OpenMetrics (names the line)
├── BackfillError               valid input that promtool would also refuse (names the line)
└── SelectorError               a ``--match`` selector could not be parsed

Storage failures (``argus.storage.StorageError``) are reported the same way by the
command line; they are not re-wrapped here.
"""

from __future__ import annotations

__all__ = ["BackfillError", "OpenMetricsError", "SelectorError", "ToolError"]


class ToolError(Exception):
    """Base of every error an offline tool reports to the user."""


class OpenMetricsError(ToolError):
    """A syntax or validity error at a given 1-based line of the input."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


class BackfillError(ToolError):
    """Input promtool would reject while appending (out-of-order or duplicate samples)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


class SelectorError(ToolError):
    """A series selector that is not of the simple ``name{label op "value", …}`` shape."""
