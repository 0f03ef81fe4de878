"""Recording rules: evaluate an expression, rename the result, store it.

Semantics are Prometheus's (``rules/recording.go``): every output series gets
``__name__`` = the rule's name and the rule's labels (overriding the query's); a scalar
result becomes one sample without labels; two outputs with the same label set are an
error (usually a ``without``/``by`` that drops a distinguishing label); more outputs
than the group's ``limit`` fail the whole evaluation, so a runaway rule cannot flood
storage.
"""

from __future__ import annotations

from bisect import insort

from argus.model import METRIC_NAME, Labels
from argus.promql import parse
from argus.rules.errors import RuleEvalError
from argus.rules.load import RuleSpec
from argus.rules.rule import EvalSample, QueryFunc, RuleStatus

__all__ = ["RecordingRule"]


class RecordingRule:
    """One ``record:`` rule. Not thread-safe: its group evaluates it."""

    def __init__(self, spec: RuleSpec) -> None:
        self.spec = spec
        self.name = spec.name
        self.query = spec.expr
        self.expr = parse(spec.expr)
        self.labels = Labels(spec.labels)
        self._name_pair = (METRIC_NAME, self.name)
        self.status = RuleStatus()

    def __repr__(self) -> str:
        return f"RecordingRule({self.name!r}, expr={self.query!r})"

    def _rename(self, labels: Labels) -> Labels:
        """The output labels of one result sample: rule labels win, then the name."""
        if self.labels:
            lb = dict(labels)
            lb.update(self.labels)
            lb[METRIC_NAME] = self.name
            return Labels(lb.items())
        # Common case, no rule labels: insert the name into the sorted pairs.
        pairs = [p for p in labels if p[0] != METRIC_NAME]
        insort(pairs, self._name_pair)
        return Labels.from_sorted(pairs)

    def identity(self) -> tuple[str, str, Labels]:
        """What must match for a reload to carry this rule's state over."""
        return ("record", self.name, self.labels)

    def eval(
        self, t_ms: int, query_offset_ms: int, query: QueryFunc, limit: int
    ) -> list[EvalSample]:
        """Output samples at ``t_ms``; raises :class:`RuleEvalError`."""
        result = query(self.expr, t_ms - query_offset_ms)
        rename = self._rename
        out = [(rename(labels), value) for labels, value in result]
        if len({lb for lb, _ in out}) != len(out):
            raise RuleEvalError(
                "vector contains metrics with the same labelset after applying rule labels"
            )
        if 0 < limit < len(out):
            raise RuleEvalError(f"exceeded limit of {limit} with {len(out)} series")
        return out
