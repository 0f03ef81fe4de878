"""Build groups from rule YAML over a real database, with an injectable clock."""

from __future__ import annotations

from argus.model import Labels
from argus.promql import Engine, Vector
from argus.rules import Group, build_group, engine_query_func, parse_rule_file
from argus.tsdb import DB


def make_group(db: DB, text: str, *, interval_ms: int = 60_000, **kwargs) -> Group:
    (spec,) = parse_rule_file(text, "rules.yml")
    kwargs.setdefault("restored", True)
    return build_group(
        spec,
        default_interval_ms=interval_ms,
        appendable=db,
        query=engine_query_func(Engine(db)),
        **kwargs,
    )


def instant(db: DB, query: str, t_ms: int) -> dict[Labels, float]:
    value = Engine(db).instant(query, t_ms).value
    assert isinstance(value, Vector)
    return dict(value)
