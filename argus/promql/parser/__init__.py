"""PromQL text to Argus's AST (via promql-parser) and back (our own printer)."""

from argus.promql.parser.errors import ParseError, PromQLError
from argus.promql.parser.parse import parse, parse_selector, value_type
from argus.promql.parser.printer import format_duration, format_expr

__all__ = [
    "ParseError",
    "PromQLError",
    "format_duration",
    "format_expr",
    "parse",
    "parse_selector",
    "value_type",
]
