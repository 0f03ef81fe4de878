"""Recording rules: evaluate an expression, rename the result, store it.

Semantics are Prometheus's (``rules/recording.go``): every output series gets
``__name__`` = the rule's name and the rule's labels (overriding the query's); a scalar
result becomes one sample without labels; two outputs with the same label set are an
error (usually a ``without``/``by`` that drops a distinguishing label); more outputs
than the group's ``limit`` fail the whole evaluation, so a runaway rule cannot flood
storage.
"""

from __future__ import annotations

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
        self.status = RuleStatus()

    def __repr__(self) -> str:
        return f"RecordingRule({self.name!r}, expr={self.query!r})"

    def identity(self) -> tuple[str, str, Labels]:
        """What must match for a reload to carry this rule's state over."""
        return ("record", self.name, self.labels)

    def eval(
        self, t_ms: int, query_offset_ms: int, query: QueryFunc, limit: int
    ) -> list[EvalSample]:
        """Output samples at ``t_ms``; raises :class:`RuleEvalError`."""
        result = query(self.expr, t_ms - query_offset_ms)
        out: list[EvalSample] = []
        seen: set[Labels] = set()
        extra = dict(self.labels)
        for labels, value in result:
            lb = dict(labels)
            lb.update(extra)
            lb[METRIC_NAME] = self.name
            new = Labels(lb.items())
            if new in seen:
                raise RuleEvalError(
                    "vector contains metrics with the same labelset after applying rule labels"
                )
            seen.add(new)
            out.append((new, value))
        if 0 < limit < len(out):
            raise RuleEvalError(f"exceeded limit of {limit} with {len(out)} series")
        return out
