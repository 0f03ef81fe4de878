"""A runner for Prometheus's ``promqltest`` script format, written for Argus.

Commands: ``load <step>`` (series in expanding notation: ``1+2x3``, ``_``, ``_x3``,
``stale``), ``clear``, ``eval[_fail|_warn|_info|_ordered] instant at <t> <expr>`` and
``eval[...] range from <a> to <b> step <s> <expr>`` with expected series, plus
``expect fail|warn|info|no_warn|no_info|ordered [msg:|regex:]`` and
``expected_fail_message``/``expected_fail_regexp``. Like promqltest, every instant
eval is also checked in range mode and with ``@`` added to every selector.

Evals that need what Argus does not model yet are skipped with a reason (native
histograms and experimental syntax); everything else must pass.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from argus.model import STALE_NAN, Labels, is_stale_value
from argus.promql import Engine, Matrix, ParseError, PromQLError, Scalar, Vector, format_expr, parse
from argus.promql.parser.ast import (
    AggregateExpr,
    AtModifier,
    BinaryExpr,
    Call,
    Expr,
    MatrixSelector,
    ParenExpr,
    SubqueryExpr,
    UnaryExpr,
    VectorSelector,
)
from argus.tsdb import DB, DBOptions

__all__ = ["Outcome", "eval_expressions", "run_script"]

_EVAL_INSTANT = re.compile(
    r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$"
)
_EVAL_RANGE = re.compile(
    r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$"
)
_EXPECT = re.compile(r"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$")
_RANGE_VECTOR = re.compile(r"^expect\s+range\s+vector\s+from\s+(\S+)\s+to\s+(\S+)\s+step\s+(\S+)$")
_DURATION = re.compile(r"(\d+)(ms|y|w|d|h|m|s)")
_UNIT_MS = {
    "ms": 1,
    "s": 1000,
    "m": 60_000,
    "h": 3_600_000,
    "d": 86_400_000,
    "w": 604_800_000,
    "y": 31_536_000_000,
}
_UNSIGNED = r"(?:Inf|inf|NaN|nan|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
_ITEM = re.compile(rf"^(?P<base>[+-]?{_UNSIGNED})(?:(?P<delta>[+-]{_UNSIGNED})?x(?P<n>\d+))?$")
_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*|"(?:[^"\\]|\\.)*")\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
EPSILON = 1e-6
UNSUPPORTED_FUNCTIONS = {"info", "limit_ratio"}
# Functions whose result depends on the evaluation time even with pinned arguments.
_AT_UNSAFE = {
    "days_in_month",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "hour",
    "minute",
    "month",
    "year",
    "predict_linear",
    "time",
    "timestamp",
}


def parse_duration(text: str) -> int:
    text = text.strip()
    if text == "0":
        return 0
    pos, total = 0, 0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            break
        total += int(m.group(1)) * _UNIT_MS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"bad duration {text!r}")
    return total


def _unquote(s: str) -> str:
    if s.startswith('"'):
        s = s[1:-1]
    return bytes(s, "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def parse_series(line: str) -> tuple[Labels, list[float | None], bool]:
    """``metric{a="b"} 1+1x3 _ stale`` -> labels, values (None = omitted), has_histogram."""
    line = line.strip()
    has_hist = "{{" in line
    if has_hist:
        line = re.sub(r"\{\{.*?\}\}(?:[+-]\{\{.*?\}\})?(x\d+)?", "_", line)
    nm = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)?\s*", line)
    assert nm is not None
    name, rest = nm.group(1), line[nm.end() :]
    body = ""
    if rest.startswith("{"):
        quoted, k = False, 1
        while k < len(rest):
            ch = rest[k]
            if quoted and ch == "\\":
                k += 2
                continue
            if ch == '"':
                quoted = not quoted
            elif ch == "}" and not quoted:
                break
            k += 1
        body, rest = rest[1:k], rest[k + 1 :]
    pairs: list[tuple[str, str]] = []
    if name:
        pairs.append(("__name__", name))
    pos = 0
    while pos < len(body):
        lm = _LABEL.match(body, pos)
        if lm is None or lm.end() == pos:
            if body[pos:].strip():
                # A quoted metric name alone: {"name"}.
                qm = re.match(r'\s*"((?:[^"\\]|\\.)*)"\s*,?', body[pos:])
                if qm is None:
                    raise ValueError(f"bad labels in {line!r}")
                pairs.append(("__name__", _unquote('"' + qm.group(1) + '"')))
                pos += qm.end()
                continue
            break
        pairs.append((_unquote(lm.group(1)), _unquote('"' + lm.group(2) + '"')))
        pos = lm.end()
    values: list[float | None] = []
    for item in rest.split():
        values.extend(_expand(item))
    return Labels(pairs), values, has_hist


def _num(s: str) -> float:
    s2 = s.lstrip("+-")
    if s2.lower().startswith("0x"):
        v = float(int(s2, 16))
        return -v if s.startswith("-") else v
    return float(s)


def _expand(item: str) -> list[float | None]:
    if item == "_":
        return [None]
    if item.startswith("_x"):
        return [None] * int(item[2:])
    if item == "stale":
        return [STALE_NAN]
    m = _ITEM.match(item)
    if m is None:
        raise ValueError(f"bad series value {item!r}")
    base = _num(m.group("base"))
    if m.group("n") is None:
        return [base]
    delta = _num(m.group("delta")) if m.group("delta") else 0.0
    n = int(m.group("n"))
    out: list[float | None] = []
    v = base
    for _ in range(n + 1):
        out.append(v)
        v += delta
    return out


@dataclass
class Eval:
    line: int
    expr: str
    start: int
    end: int
    step: int
    is_range: bool
    fail: bool = False
    warn: bool = False
    info: bool = False
    ordered: bool = False
    fail_msg: str | None = None
    fail_regex: str | None = None
    expects: dict[str, list[tuple[str | None, str | None]]] = field(default_factory=dict)
    expect_scalar: float | None = None
    range_vector: tuple[int, int, int] | None = None
    """``expect range vector from A to B step S``: the instant query returns a matrix
    whose expected points sit at ``A, A+S, ... B`` (Prometheus 3.5's promqltest)."""
    expected: list[tuple[Labels, list[float | None]]] = field(default_factory=list)
    skip: str | None = None


@dataclass
class Outcome:
    line: int
    expr: str
    status: str  # "pass", "fail" or "skip"
    reason: str = ""


def _parse_script(text: str) -> Iterator[tuple[str, object]]:
    lines = [("" if ln.strip().startswith("#") else ln.strip()) for ln in text.split("\n")]
    i = 0
    while i < len(lines):
        ln = lines[i]
        if not ln:
            i += 1
            continue
        word = ln.split()[0].lower()
        if word == "clear":
            yield "clear", None
            i += 1
        elif word.startswith("load"):
            nhcb = word == "load_with_nhcb"
            step = parse_duration(ln.split(None, 1)[1])
            series = []
            i += 1
            while i < len(lines) and lines[i]:
                series.append(parse_series(lines[i]))
                i += 1
            yield "load", (step, series, nhcb)
        elif word.startswith("eval"):
            ev, i = _parse_eval(lines, i)
            yield "eval", ev
        else:
            raise ValueError(f"line {i + 1}: unknown command {ln!r}")


def eval_expressions(text: str) -> list[tuple[int, str]]:
    """Every ``eval`` expression of a script with its line number, in order."""
    return [(ev.line, ev.expr) for kind, ev in _parse_script(text) if isinstance(ev, Eval)]


def _parse_eval(lines: list[str], i: int) -> tuple[Eval, int]:
    ln = lines[i]
    mi, mr = _EVAL_INSTANT.match(ln), _EVAL_RANGE.match(ln)
    if mi is not None:
        t = parse_duration(mi.group(2) or "0s")
        ev = Eval(i + 1, mi.group(3), t, t, 0, False)
        mod = mi.group(1)
    elif mr is not None:
        ev = Eval(
            i + 1,
            mr.group(5),
            parse_duration(mr.group(2)),
            parse_duration(mr.group(3)),
            parse_duration(mr.group(4)),
            True,
        )
        mod = mr.group(1)
    else:
        raise ValueError(f"line {i + 1}: bad eval {ln!r}")
    if mod:
        setattr(ev, mod, True)
    i += 1
    while i < len(lines) and lines[i]:
        d = lines[i]
        i += 1
        if d.startswith("expected_fail_message"):
            ev.fail_msg = d[len("expected_fail_message") :].strip()
            break
        if d.startswith("expected_fail_regexp"):
            ev.fail_regex = d[len("expected_fail_regexp") :].strip()
            break
        if (rv := _RANGE_VECTOR.match(d)) is not None:
            ev.range_vector = (
                parse_duration(rv.group(1)),
                parse_duration(rv.group(2)),
                parse_duration(rv.group(3)),
            )
            continue
        if d.split(" ")[0] == "expect":
            m = _EXPECT.match(d)
            if m is None:
                raise ValueError(f"line {i}: bad expect {d!r}")
            kind = m.group(1)
            msg = m.group(3).strip() if m.group(2) == "msg" else None
            rx = m.group(3).strip() if m.group(2) == "regex" else (None if msg else ".*")
            ev.expects.setdefault(kind, []).append((msg, rx))
            continue
        if "{{" in d:
            ev.skip = "native histogram in the expected result"
            continue
        try:
            ev.expect_scalar = _num(d)
            break
        except ValueError:
            pass
        labels, vals, _ = parse_series(d)
        ev.expected.append((labels, vals))
    return ev, i


def _add_at(expr: Expr, t_ms: int) -> tuple[Expr, bool]:
    """promqltest's ``@`` variant: pin every selector (outside ``@`` subqueries) at ``t``."""
    at = AtModifier("at", t_ms)
    unsafe = False

    def walk(e: Expr) -> Expr:
        nonlocal unsafe
        match e:
            case VectorSelector():
                return e if e.at is not None else replace(e, at=at)
            case MatrixSelector():
                return replace(e, selector=walk(e.selector))  # type: ignore[arg-type]
            case SubqueryExpr():
                if e.at is not None:
                    return e
                return replace(e, at=at)  # Selectors inside keep their own times.
            case Call():
                if e.func in _AT_UNSAFE:
                    unsafe = True
                return replace(e, args=tuple(walk(a) for a in e.args))
            case AggregateExpr():
                p = None if e.param is None else walk(e.param)
                return replace(e, expr=walk(e.expr), param=p)
            case BinaryExpr():
                return replace(e, lhs=walk(e.lhs), rhs=walk(e.rhs))
            case UnaryExpr() | ParenExpr():
                return replace(e, expr=walk(e.expr))
        return e

    return walk(expr), unsafe


def _uses(expr: Expr, names: set[str]) -> bool:
    found = False

    def visit(e: Expr) -> None:
        nonlocal found
        match e:
            case VectorSelector():
                found |= e.name in names or any(
                    m.name == "__name__" and m.value in names for m in e.matchers
                )
            case MatrixSelector():
                visit(e.selector)
            case SubqueryExpr() | UnaryExpr() | ParenExpr():
                visit(e.expr)
            case Call():
                for a in e.args:
                    visit(a)
            case AggregateExpr():
                visit(e.expr)
                if e.param is not None:
                    visit(e.param)
            case BinaryExpr():
                visit(e.lhs)
                visit(e.rhs)

    visit(expr)
    return found


def _selectors(expr: Expr) -> Iterator[VectorSelector]:
    match expr:
        case VectorSelector():
            yield expr
        case MatrixSelector():
            yield expr.selector
        case SubqueryExpr() | UnaryExpr() | ParenExpr():
            yield from _selectors(expr.expr)
        case Call():
            for a in expr.args:
                yield from _selectors(a)
        case AggregateExpr():
            yield from _selectors(expr.expr)
        case BinaryExpr():
            yield from _selectors(expr.lhs)
            yield from _selectors(expr.rhs)


def _selects(expr: Expr, series: list[Labels]) -> bool:
    """Whether any selector in ``expr`` matches one of ``series``."""
    return any(
        all(m.matches(lb.get(m.name)) for m in vs.matchers)
        for vs in _selectors(expr)
        for lb in series
    )


def _funcs(expr: Expr) -> set[str]:
    out: set[str] = set()

    def visit(e: Expr) -> None:
        match e:
            case MatrixSelector() | VectorSelector():
                return
            case SubqueryExpr() | UnaryExpr() | ParenExpr():
                visit(e.expr)
            case Call():
                out.add(e.func)
                for a in e.args:
                    visit(a)
            case AggregateExpr():
                out.add(e.op)
                visit(e.expr)
            case BinaryExpr():
                visit(e.lhs)
                visit(e.rhs)

    visit(expr)
    return out


def _almost(a: float, b: float) -> bool:
    if is_stale_value(a) or is_stale_value(b):
        return is_stale_value(a) and is_stale_value(b)
    if math.isnan(a) and math.isnan(b):
        return True
    if a == b:
        return True
    abs_sum = abs(a) + abs(b)
    diff = abs(a - b)
    min_normal = 2.2250738585072014e-308
    if a == 0 or b == 0 or abs_sum < min_normal:
        return diff < EPSILON * min_normal
    return diff / min(abs_sum, 1.7976931348623157e308) < EPSILON


class _Fail(Exception):
    pass


def _check_annotations(ev: Eval, warnings: list[str], infos: list[str]) -> None:
    if ev.warn and not warnings:
        raise _Fail("expected warnings, got none")
    if ev.info and not infos:
        raise _Fail("expected info annotations, got none")
    for kind, actual in (("warn", warnings), ("info", infos)):
        exp = ev.expects.get(kind, [])
        if exp and not actual:
            raise _Fail(f"expected {kind} annotations but none were found")
        for msg, rx in exp:
            if not any(_match(a, msg, rx) for a in actual):
                raise _Fail(f"no {kind} annotation matching {msg or rx!r}: {actual}")
        if exp:
            for a in actual:
                if not any(_match(a, msg, rx) for msg, rx in exp):
                    raise _Fail(f"unexpected {kind} annotation {a!r}")
    if "no_warn" in ev.expects and warnings:
        raise _Fail(f"unexpected warnings {warnings}")
    if "no_info" in ev.expects and infos:
        raise _Fail(f"unexpected infos {infos}")


def _match(text: str, msg: str | None, rx: str | None) -> bool:
    if msg is not None:
        return text == msg
    return re.search(rx or ".*", text) is not None


def _compare_vector(ev: Eval, vec: Vector, ordered: bool) -> None:
    if ev.expect_scalar is not None:
        raise _Fail(f"expected scalar, got vector {vec}")
    expected = {lb: (pos, vals) for pos, (lb, vals) in enumerate(ev.expected)}
    seen = set()
    for pos, (lb, v) in enumerate(vec):
        if lb not in expected:
            raise _Fail(f"unexpected metric {lb} in result, has value {v}")
        epos, vals = expected[lb]
        if ordered and epos != pos:
            raise _Fail(f"expected {lb} at position {epos + 1}, got {pos + 1}")
        want = vals[0]
        if want is None or not _almost(want, v):
            raise _Fail(f"expected {want} for {lb} but got {v}")
        seen.add(lb)
    missing = [lb for lb in expected if lb not in seen]
    if missing:
        raise _Fail(f"expected metric {missing[0]} not found (result {vec})")


def _compare_matrix(ev: Eval, mat: Matrix) -> None:
    if ev.expect_scalar is not None:
        raise _Fail(f"expected scalar, got matrix {mat}")
    if ev.range_vector is not None:
        start, end, step = ev.range_vector
        ev = replace(ev, start=start, end=end, step=step)
    expected = dict(ev.expected)
    seen = set()
    for lb, ts, vals in mat.series():
        if lb not in expected:
            raise _Fail(f"unexpected metric {lb} in result ({len(ts)} points)")
        want = expected[lb]
        want_pts = [(ev.start + i * ev.step, w) for i, w in enumerate(want) if w is not None]
        if any(t > ev.end for t, _ in want_pts):
            raise _Fail(f"expected {len(want)} points for {lb}, more than the range allows")
        got = list(zip(ts.tolist(), vals.tolist(), strict=True))
        if len(got) != len(want_pts):
            raise _Fail(f"expected {len(want_pts)} points for {lb}, got {got}")
        for (et, evv), (gt, gv) in zip(want_pts, got, strict=True):
            if et != gt or not _almost(evv, gv):
                raise _Fail(f"expected {want_pts} for {lb}, got {got}")
        seen.add(lb)
    missing = [lb for lb in expected if lb not in seen]
    if missing:
        raise _Fail(f"expected metric {missing[0]} not found")


def _check_failure(ev: Eval, err: Exception) -> None:
    text = str(err)
    if ev.fail_msg is not None and ev.fail_msg != text:
        raise _Fail(f"expected error {ev.fail_msg!r}, got {text!r}")
    if ev.fail_regex is not None and re.search(ev.fail_regex, text) is None:
        raise _Fail(f"expected error matching {ev.fail_regex!r}, got {text!r}")
    for msg, rx in ev.expects.get("fail", [])[:1]:
        if not _match(text, msg, rx):
            raise _Fail(f"expected error matching {msg or rx!r}, got {text!r}")


def _is_fail(ev: Eval) -> bool:
    return ev.fail or "fail" in ev.expects


def _run_instant(engine: Engine, ev: Eval, expr: Expr, t: int) -> None:
    try:
        res = engine.instant(expr, t)
    except PromQLError as err:
        if _is_fail(ev):
            _check_failure(ev, err)
            return
        raise _Fail(f"error evaluating at {t}: {err}") from err
    if _is_fail(ev):
        raise _Fail("expected an error, got none")
    _check_annotations(ev, res.warnings, res.infos)
    ordered = ev.ordered or "ordered" in ev.expects
    value = res.value
    if isinstance(value, Scalar):
        if ev.expect_scalar is None:
            raise _Fail(f"expected vector, got scalar {value.value}")
        if not _almost(ev.expect_scalar, value.value):
            raise _Fail(f"expected scalar {ev.expect_scalar} but got {value.value}")
    elif isinstance(value, Vector):
        _compare_vector(ev, value, ordered)
    elif isinstance(value, Matrix):
        if ev.range_vector is None:
            raise _Fail("a range vector result needs 'expect range vector from A to B step S'")
        _compare_matrix(ev, value)
        return  # A range query cannot return a range vector: no range mode.
    else:
        raise _Fail(f"unexpected result {value!r}")
    # Range mode: the middle step of [t-1m, t+1m] must give the same answer.
    try:
        rres = engine.range(expr, t - 60_000, t + 60_000, 60_000)
    except PromQLError as err:
        raise _Fail(f"error in range mode: {err}") from err
    if ordered:
        return
    mat = rres.value
    assert isinstance(mat, Matrix)
    col = np.flatnonzero(mat.timestamps == t)
    if isinstance(value, Scalar):
        got = float(mat.values[0, col[0]])
        if not _almost(value.value, got):
            raise _Fail(f"range mode: expected scalar {value.value}, got {got}")
        return
    rows = np.flatnonzero(mat.present[:, col[0]]) if len(col) else np.zeros(0, np.int64)
    vec = Vector([mat.labels[i] for i in rows.tolist()], mat.values[rows, col[0]], t)
    try:
        _compare_vector(ev, vec, False)
    except _Fail as exc:
        raise _Fail(f"range mode: {exc}") from exc


def _run_eval(engine: Engine, ev: Eval) -> None:
    expr = parse(ev.expr)
    if ev.is_range:
        try:
            res = engine.range(expr, ev.start, ev.end, ev.step)
        except PromQLError as err:
            if _is_fail(ev):
                _check_failure(ev, err)
                return
            raise _Fail(f"error evaluating: {err}") from err
        if _is_fail(ev):
            raise _Fail("expected an error, got none")
        _check_annotations(ev, res.warnings, res.infos)
        assert isinstance(res.value, Matrix)
        _compare_matrix(ev, res.value)
        return
    _run_instant(engine, ev, expr, ev.start)
    pinned, unsafe = _add_at(expr, ev.start)
    if unsafe:
        return
    # Round-trip through the printer, as promqltest does with expr.String().
    pinned = parse(format_expr(pinned))
    t = ev.start
    times = [-1000, 0, 1000] if t == 0 else [-10 * t, 0, t // 5, t, 10 * t]
    for et in times:
        _run_instant(engine, ev, pinned, et)


class _Store:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.count = 0
        self.db: DB | None = None
        self.histogram_metrics: set[str] = set()
        self.histogram_series: list[Labels] = []
        self.type_and_unit = False
        self.nhcb = False

    def fresh(self) -> DB:
        if self.db is not None:
            self.db.close()
        self.count += 1
        self.db = DB.open(self.root / f"db{self.count}", DBOptions(ooo_window_ms=1 << 50))
        self.histogram_metrics = set()
        self.histogram_series = []
        self.type_and_unit = False
        self.nhcb = False
        return self.db

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def _load(db: DB, step: int, series: list[tuple[Labels, list[float | None], bool]]) -> None:
    labels: list[Labels] = []
    ts: list[int] = []
    values: list[float] = []
    latest = {lb: vals for lb, vals, _ in series}  # A repeated series replaces the earlier one.
    for lb, vals in latest.items():
        for i, v in enumerate(vals):
            if v is not None:
                labels.append(lb)
                ts.append(i * step)
                values.append(v)
    if not labels:
        return
    app = db.appender()
    refs = app.series_refs(labels)
    app.append(refs, np.asarray(ts, dtype=np.int64), np.asarray(values, dtype=np.float64))
    app.commit()


def run_script(text: str, *, max_samples: int = 50_000_000) -> list[Outcome]:
    """Run one ``.test`` script; every eval yields one :class:`Outcome`."""
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="argus-promqltest-") as tmp:
        store = _Store(Path(tmp))
        db = store.fresh()
        engine = Engine(db, lookback_ms=300_000, max_samples=max_samples)
        try:
            for kind, payload in _parse_script(text):
                if kind == "clear":
                    db = store.fresh()
                    engine = Engine(db, lookback_ms=300_000, max_samples=max_samples)
                elif kind == "load":
                    assert isinstance(payload, tuple)
                    step: int = payload[0]
                    series: list[tuple[Labels, list[float | None], bool]] = payload[1]
                    nhcb: bool = payload[2]
                    for lb, _, has_hist in series:
                        if nhcb and lb.name.endswith(("_bucket", "_count", "_sum")):
                            # load_with_nhcb also writes a native histogram under the base name.
                            base = lb.name.rsplit("_", 1)[0]
                            store.histogram_series.append(
                                Labels({**lb.without("le").as_dict(), "__name__": base}.items())
                            )
                        if lb.get("__type__") or lb.get("__unit__"):
                            store.type_and_unit = True
                        if has_hist:
                            store.histogram_metrics.add(lb.name)
                            store.histogram_series.append(lb)
                    _load(db, step, series)
                else:
                    assert isinstance(payload, Eval)
                    outcomes.append(_outcome(engine, store, payload))
        finally:
            store.close()
    return outcomes


def _outcome(engine: Engine, store: _Store, ev: Eval) -> Outcome:
    if ev.skip:
        return Outcome(ev.line, ev.expr, "skip", ev.skip)
    try:
        expr = parse(ev.expr)
    except ParseError as exc:
        return Outcome(ev.line, ev.expr, "skip", f"experimental syntax: {exc}")
    if store.type_and_unit:
        return Outcome(ev.line, ev.expr, "skip", "experimental: __type__/__unit__ labels")
    if store.histogram_series and _selects(expr, store.histogram_series):
        return Outcome(ev.line, ev.expr, "skip", "native histogram samples")
    bad = _funcs(expr) & UNSUPPORTED_FUNCTIONS
    if bad:
        return Outcome(ev.line, ev.expr, "skip", f"experimental: {sorted(bad)[0]}")
    try:
        _run_eval(engine, ev)
    except _Fail as exc:
        return Outcome(ev.line, ev.expr, "fail", str(exc))
    except Exception as exc:  # noqa: BLE001 - a crash is a failed eval, reported with its type
        return Outcome(ev.line, ev.expr, "fail", f"{type(exc).__name__}: {exc}")
    return Outcome(ev.line, ev.expr, "pass")
