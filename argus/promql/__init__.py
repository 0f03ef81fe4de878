"""PromQL: parse, evaluate (vectorised over series and steps), and report errors.

Exception tree (``error_type`` is the Prometheus HTTP API ``errorType``)::

    PromQLError                      execution
    ├── ParseError                   bad_data
    ├── QueryTimeoutError            timeout
    └── EvalError                    execution
        ├── TooManySamplesError      execution
        └── TooManySeriesError       execution
"""

from argus.promql.engine import Engine
from argus.promql.errors import (
    EvalError,
    ParseError,
    PromQLError,
    QueryTimeoutError,
    TooManySamplesError,
    TooManySeriesError,
    error_type,
)
from argus.promql.parser.parse import parse
from argus.promql.parser.printer import format_expr
from argus.promql.value import Matrix, Result, Scalar, String, Vector

__all__ = [
    "Engine",
    "EvalError",
    "Matrix",
    "ParseError",
    "PromQLError",
    "QueryTimeoutError",
    "Result",
    "Scalar",
    "String",
    "TooManySamplesError",
    "TooManySeriesError",
    "Vector",
    "error_type",
    "format_expr",
    "parse",
]
