"""Value types every other package speaks: labels, matchers, columnar series, time."""

from argus.model.gofmt import GO_ZERO_TIME, format_rfc3339_ms, go_quote
from argus.model.labels import METRIC_NAME, Labels, format_go_labels, is_valid_label_name
from argus.model.matchers import Matcher, MatcherError, MatchType, match_all_metric_names
from argus.model.series import (
    BoolArray,
    Float64Array,
    Int64Array,
    SampleBatch,
    SeriesSet,
    UInt32Array,
    UInt64Array,
)
from argus.model.timestamps import MAX_TIME, MIN_TIME, now_ms
from argus.model.values import STALE_NAN, STALE_NAN_BITS, is_stale, is_stale_value

__all__ = [
    "GO_ZERO_TIME",
    "MAX_TIME",
    "METRIC_NAME",
    "MIN_TIME",
    "STALE_NAN",
    "STALE_NAN_BITS",
    "BoolArray",
    "Float64Array",
    "Int64Array",
    "Labels",
    "MatchType",
    "Matcher",
    "MatcherError",
    "SampleBatch",
    "SeriesSet",
    "UInt32Array",
    "UInt64Array",
    "format_go_labels",
    "format_rfc3339_ms",
    "go_quote",
    "is_stale",
    "is_stale_value",
    "is_valid_label_name",
    "match_all_metric_names",
    "now_ms",
]
