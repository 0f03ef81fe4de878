"""Rule unit tests in promtool's format (``argus test rules``)."""

from argus.rules.unittest.memstore import MemStore
from argus.rules.unittest.runner import UnitTestError, run_test_file, run_test_files
from argus.rules.unittest.series import SeriesError, expand_values, parse_metric

__all__ = [
    "MemStore",
    "SeriesError",
    "UnitTestError",
    "expand_values",
    "parse_metric",
    "run_test_file",
    "run_test_files",
]
