"""``argus test rules FILE…``: promtool's rule unit-test format, run the way promtool runs it.

For each test group: load ``input_series`` into a fresh in-memory storage (one value
per ``interval`` from time 0), evaluate every rule group at ``0, eval_interval, …`` up
to the largest ``eval_time`` asked for, and after the evaluation at ``t`` compare the
firing alerts with every ``alert_rule_test`` whose ``eval_time`` falls in
``[t, t + eval_interval)``. ``promql_expr_test`` queries run afterwards against the
storage, which then also holds the rules' outputs. Failure messages follow promtool's
wording so a diff of the two tools' output is meaningful.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

import numpy as np
import yaml

from argus.config import format_duration, parse_duration
from argus.model import Labels, format_go_labels, go_quote
from argus.promql import Engine, PromQLError, Scalar, Vector
from argus.rules.alerting import AlertingRule, AlertState
from argus.rules.build import build_group
from argus.rules.errors import RuleFileError
from argus.rules.group import Group
from argus.rules.load import GroupSpec, expand_rule_files, load_rule_file
from argus.rules.rule import engine_query_func
from argus.rules.unittest.memstore import MemStore
from argus.rules.unittest.series import SeriesError, expand_values, parse_metric

__all__ = ["UnitTestError", "run_test_file", "run_test_files"]

_FILE_FIELDS = frozenset({"rule_files", "evaluation_interval", "group_eval_order", "tests"})
_GROUP_FIELDS = frozenset(
    {
        "interval",
        "input_series",
        "alert_rule_test",
        "promql_expr_test",
        "external_labels",
        "external_url",
        "name",
    }
)


class UnitTestError(Exception):
    """The test file itself is invalid (not a failing test)."""


@dataclass(slots=True)
class _TestGroup:
    interval_ms: int
    input_series: list[tuple[Labels, list[float | None]]]
    alert_tests: list[tuple[int, str, list[tuple[Labels, Labels]]]]
    expr_tests: list[tuple[str, int, list[Mapping[str, Any]]]]
    external_labels: Labels = field(default_factory=Labels)
    external_url: str = ""
    name: str = ""


def _check_fields(data: Any, allowed: frozenset[str], what: str) -> Mapping[str, Any]:
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise UnitTestError(f"{what} must be a mapping")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise UnitTestError(f"field {unknown[0]} not found in type {what}")
    return data


def _duration(value: Any, what: str) -> int:
    if value is None:
        return 0
    try:
        return parse_duration(str(value))
    except ValueError as exc:
        raise UnitTestError(f"{what}: {exc}") from None


def _string_map(value: Any) -> Labels:
    if not value:
        return Labels()
    if not isinstance(value, Mapping):
        raise UnitTestError(f"expected a mapping of strings, got {value!r}")
    return Labels((str(k), str(v)) for k, v in value.items())


def _parse_group(raw: Any, eval_interval_ms: int) -> _TestGroup:
    g = _check_fields(raw, _GROUP_FIELDS, "main.testGroup")
    try:
        series = [
            (parse_metric(str(s["series"])), expand_values(str(s.get("values", ""))))
            for s in g.get("input_series") or []
        ]
    except (SeriesError, KeyError, TypeError) as exc:
        raise UnitTestError(f"input_series: {exc}") from None
    alerts = []
    for a in g.get("alert_rule_test") or []:
        exp = [
            (_string_map(e.get("exp_labels")), _string_map(e.get("exp_annotations")))
            for e in a.get("exp_alerts") or []
        ]
        alerts.append(
            (_duration(a.get("eval_time"), "eval_time"), str(a.get("alertname") or ""), exp)
        )
    exprs = [
        (
            str(p.get("expr", "")),
            _duration(p.get("eval_time"), "eval_time"),
            p.get("exp_samples") or [],
        )
        for p in g.get("promql_expr_test") or []
    ]
    return _TestGroup(
        interval_ms=_duration(g.get("interval"), "interval") or eval_interval_ms,
        input_series=series,
        alert_tests=alerts,
        expr_tests=exprs,
        external_labels=_string_map(g.get("external_labels")),
        external_url=str(g.get("external_url") or ""),
        name=str(g.get("name") or ""),
    )


def go_duration(ms: int) -> str:
    """Go's ``time.Duration.String`` for whole milliseconds: ``5m0s``, ``1h0m0s``, ``1.5s``."""
    if ms == 0:
        return "0s"
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, frac = divmod(rem, 1000)
    if not h and not m and not s:
        return f"{sign}{frac}ms"
    sec = f"{s}" + (f".{frac:03d}".rstrip("0") if frac else "") + "s"
    if h:
        return f"{sign}{h}h{m}m{sec}"
    if m:
        return f"{sign}{m}m{sec}"
    return sign + sec


def _indent(text: str, prefix: str) -> str:
    return ("\n" + prefix).join(text.split("\n"))


def _alerts_string(alerts: list[tuple[Labels, Labels]]) -> str:
    if not alerts:
        return "[]"
    parts = [
        f"{i}:"
        + _indent(f"\nLabels:{format_go_labels(lb)}\nAnnotations:{format_go_labels(an)}", "  ")
        for i, (lb, an) in enumerate(alerts)
    ]
    return "[\n" + ",\n".join(parts) + "\n]"


def _samples_string(samples: list[tuple[Labels, float]]) -> str:
    if not samples:
        return "nil"
    return ", ".join(f"{format_go_labels(lb)} {_go_e(v)}" for lb, v in samples)


def _go_e(v: float) -> str:
    """``strconv.FormatFloat(v, 'E', -1, 64)``: shortest digits, ``1E+00`` style."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    digits = format(v, ".16E")
    for p in range(17):
        cand = format(v, f".{p}E")
        if float(cand) == v:
            digits = cand
            break
    mant, _, exp = digits.partition("E")
    e = int(exp)
    return f"{mant}E{'-' if e < 0 else '+'}{abs(e):02d}"


def _same_samples(a: list[tuple[Labels, float]], b: list[tuple[Labels, float]]) -> bool:
    if len(a) != len(b):
        return False
    for (la, va), (lb, vb) in zip(a, b, strict=True):
        if la != lb:
            return False
        if not (va == vb or (math.isnan(va) and math.isnan(vb))):
            return False
    return True


class _Run:
    def __init__(
        self, specs: list[GroupSpec], eval_interval_ms: int, order: Mapping[str, int]
    ) -> None:
        self.specs = specs
        self.eval_interval_ms = eval_interval_ms
        self.order = order

    def test_group(self, tg: _TestGroup) -> list[str]:
        store = MemStore()
        self._load(store, tg)
        engine = Engine(store, subquery_step_ms=self.eval_interval_ms)
        query = engine_query_func(engine)
        groups: list[Group] = [
            build_group(
                s,
                default_interval_ms=tg.interval_ms,
                appendable=store,
                query=query,
                external_labels=tg.external_labels,
                external_url=tg.external_url,
                restored=True,
            )
            for s in self.specs
        ]
        groups.sort(key=lambda g: self.order.get(g.name, 0))
        errors = self._evaluate(groups, tg)
        if errors and errors[-1].startswith("    rule: "):
            return errors
        errors.extend(self._expr_tests(engine, tg))
        return errors

    @staticmethod
    def _load(store: MemStore, tg: _TestGroup) -> None:
        app = store.appender()
        for labels, values in tg.input_series:
            present = [(i * tg.interval_ms, v) for i, v in enumerate(values) if v is not None]
            if not present:
                continue
            refs = app.series_refs([labels] * len(present))
            app.append(
                refs,
                np.asarray([t for t, _ in present], dtype=np.int64),
                np.asarray([v for _, v in present], dtype=np.float64),
            )
        app.commit()

    def _evaluate(self, groups: list[Group], tg: _TestGroup) -> list[str]:
        errors: list[str] = []
        max_t = max([t for t, _, _ in tg.alert_tests] + [t for _, t, _ in tg.expr_tests] + [0])
        alert_times = sorted({t for t, _, _ in tg.alert_tests})
        for t, name, _ in tg.alert_tests:
            if not name:
                where = f" (in TestGroup {tg.name})" if tg.name else ""
                return [
                    "an item under alert_rule_test misses required attribute alertname "
                    f"at eval_time {format_duration(t)}{where}"
                ]
        curr = 0
        step = self.eval_interval_ms
        for ts in range(0, max_t + 1, step):
            eval_errors: list[str] = []
            for g in groups:
                g.eval(ts)
                eval_errors.extend(
                    f"    rule: {r.name}, time: {go_duration(ts)}, err: {r.status.last_error}"
                    for r in g.rules
                    if r.status.last_error
                )
            if eval_errors:
                return errors + eval_errors
            while curr < len(alert_times) and ts <= alert_times[curr] < ts + step:
                errors.extend(self._check_alerts(groups, tg, alert_times[curr]))
                curr += 1
        return errors

    @staticmethod
    def _check_alerts(groups: list[Group], tg: _TestGroup, t: int) -> list[str]:
        errors: list[str] = []
        for eval_t, alertname, exp in tg.alert_tests:
            if eval_t != t:
                continue
            got: list[tuple[Labels, Labels]] = []
            for g in groups:
                for r in g.rules:
                    if isinstance(r, AlertingRule) and r.name == alertname:
                        got.extend(
                            (a.labels, a.annotations)
                            for a in r.active_alerts()
                            if a.state is AlertState.FIRING
                        )
            want = [(Labels([*lb, ("alertname", alertname)]), an) for lb, an in exp]
            got.sort()
            want.sort()
            if got != want:
                name = f"    name: {tg.name},\n" if tg.name else ""
                errors.append(
                    f"{name}    alertname: {alertname}, time: {format_duration(t)}, \n"
                    f"        exp:{_indent(_alerts_string(want), ' ' * 12)}, \n"
                    f"        got:{_indent(_alerts_string(got), ' ' * 12)}"
                )
        return errors

    @staticmethod
    def _expr_tests(engine: Engine, tg: _TestGroup) -> list[str]:
        errors: list[str] = []
        for expr, t, exp_samples in tg.expr_tests:
            head = f"    expr: {go_quote(expr)}, time: {format_duration(t)}"
            try:
                value = engine.instant(expr, t).value
            except PromQLError as exc:
                errors.append(f"{head}, err: {exc}")
                continue
            if isinstance(value, Vector):
                got = list(value)
            elif isinstance(value, Scalar):
                got = [(Labels(), value.value)]
            else:
                errors.append(f"{head}, err: rule result is not a vector or scalar")
                continue
            try:
                want = [
                    (parse_metric(str(s.get("labels", "{}")) or "{}"), float(s.get("value", 0)))
                    for s in exp_samples
                ]
            except SeriesError as exc:
                errors.append(f"{head}, err: labels {exc}")
                continue
            got.sort(key=lambda s: s[0])
            want.sort(key=lambda s: s[0])
            if not _same_samples(want, got):
                errors.append(
                    f"{head},\n        exp: {_samples_string(want)}\n"
                    f"        got: {_samples_string(got)}"
                )
        return errors


def run_test_file(path: str) -> list[str]:
    """Errors of one test file (empty: every test passed)."""
    try:
        with open(path, encoding="utf-8") as f:
            raw = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as exc:
        return [str(exc)]
    try:
        data = _check_fields(raw, _FILE_FIELDS, "main.unitTestFile")
        eval_interval = _duration(data.get("evaluation_interval"), "evaluation_interval") or 60_000
        order_list = [str(n) for n in data.get("group_eval_order") or []]
        if len(set(order_list)) != len(order_list):
            dup = next(n for n in order_list if order_list.count(n) > 1)
            return [f"group name repeated in evaluation order: {dup}"]
        base = os.path.dirname(path)
        files = expand_rule_files([str(p) for p in data.get("rule_files") or []], base)
        specs: list[GroupSpec] = []
        for rf in files:
            specs.extend(load_rule_file(rf))
        tests = [_parse_group(t, eval_interval) for t in data.get("tests") or []]
    except RuleFileError as exc:
        return [str(exc)]
    except UnitTestError as exc:
        return [str(exc)]
    run = _Run(specs, eval_interval, {n: i for i, n in enumerate(order_list)})
    errors: list[str] = []
    for tg in tests:
        errors.extend(run.test_group(tg))
    return errors


def run_test_files(
    paths: list[str], out: TextIO, err: TextIO, *, run: Callable[[str], list[str]] = run_test_file
) -> int:
    """promtool's output: ``Unit Testing:  FILE`` then ``SUCCESS`` or ``FAILED:`` + errors."""
    failed = False
    for path in paths:
        print("Unit Testing: ", path, file=out)
        out.flush()
        errors = run(path)
        if errors:
            print("  FAILED:", file=err)
            for e in errors:
                print(e, file=err)
                print(file=out)
            failed = True
        else:
            print("  SUCCESS", file=out)
        print(file=out)
    return 1 if failed else 0
