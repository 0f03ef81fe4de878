"""Binary operators on whole matrices: label signatures are matched once per query.

Scalar/vector operands broadcast over the ``series x steps`` matrix. For
vector-vector operations each series gets a signature (its matching labels) once; the
"one" side is indexed by signature per step, and the "many" side gathers its partner
with one fancy-indexing step. Errors mirror Prometheus's texts.
"""

from __future__ import annotations

import numpy as np

from argus.model import METRIC_NAME, BoolArray, Float64Array, Labels
from argus.promql.errors import EvalError
from argus.promql.parser.ast import VectorMatching
from argus.promql.value import InstantVector

__all__ = ["COMPARISONS", "apply_op", "scalar_vector", "set_op", "signature", "vector_vector"]

COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})
_SCHEMA_CHANGING = frozenset({"+", "-", "*", "/", "%", "^", "atan2"})


def apply_op(op: str, a: Float64Array, b: Float64Array) -> Float64Array:
    """Arithmetic result, or for comparisons 1.0/0.0 (the caller decides what to keep)."""
    with np.errstate(all="ignore"):
        out: Float64Array = _apply(op, a, b)
    return out


def _apply(op: str, a: Float64Array, b: Float64Array) -> Float64Array:
    match op:
        case "+":
            return np.asarray(np.add(a, b), dtype=np.float64)
        case "-":
            return np.asarray(np.subtract(a, b), dtype=np.float64)
        case "*":
            return np.multiply(a, b)
        case "/":
            return np.divide(a, b)
        case "%":
            return np.fmod(a, b)
        case "^":
            return np.asarray(np.power(a, b), dtype=np.float64)
        case "atan2":
            return np.asarray(np.arctan2(a, b), dtype=np.float64)
        case "==":
            return np.asarray(a == b, dtype=np.float64)
        case "!=":
            return np.asarray(a != b, dtype=np.float64)
        case ">":
            return np.asarray(a > b, dtype=np.float64)
        case "<":
            return np.asarray(a < b, dtype=np.float64)
        case ">=":
            return np.asarray(a >= b, dtype=np.float64)
        case "<=":
            return np.asarray(a <= b, dtype=np.float64)
    raise EvalError(f"unknown binary operator {op!r}")


def scalar_vector(
    op: str, vec: InstantVector, scalar: Float64Array, *, swap: bool, return_bool: bool
) -> InstantVector:
    """``vector op scalar`` (or ``scalar op vector`` when ``swap``); scalar is [n]."""
    s = scalar[np.newaxis, :]
    lhs, rhs = (s, vec.values) if swap else (vec.values, s)
    res = apply_op(
        op, np.broadcast_to(lhs, vec.values.shape), np.broadcast_to(rhs, vec.values.shape)
    )
    present = vec.present.copy()
    if op in COMPARISONS:
        if return_bool:
            values = res
        else:
            present &= res == 1.0
            values = vec.values.copy()
    else:
        values = res
    drop = vec.drop_name.copy()
    if op in _SCHEMA_CHANGING or return_bool:
        drop[:] = True
    return _nonempty(InstantVector(list(vec.labels), values, present, drop))


def _nonempty(v: InstantVector) -> InstantVector:
    rows = np.flatnonzero(v.present.any(axis=1))
    if len(rows) == len(v.labels):
        return v
    return v.take(rows)


def signature(labels: Labels, matching: VectorMatching) -> tuple[tuple[str, str], ...]:
    if matching.on:
        names = set(matching.labels)
        return tuple(p for p in labels if p[0] in names)
    drop = set(matching.labels) | {METRIC_NAME}
    return tuple(p for p in labels if p[0] not in drop)


def _sig_ids(
    lhs: InstantVector, rhs: InstantVector, matching: VectorMatching
) -> tuple[np.ndarray, np.ndarray, int]:
    ids: dict[tuple[tuple[str, str], ...], int] = {}
    lsig = np.fromiter(
        (ids.setdefault(signature(lb, matching), len(ids)) for lb in lhs.labels),
        dtype=np.int64,
        count=len(lhs.labels),
    )
    rsig = np.fromiter(
        (ids.setdefault(signature(lb, matching), len(ids)) for lb in rhs.labels),
        dtype=np.int64,
        count=len(rhs.labels),
    )
    return lsig, rsig, len(ids)


def _any_by_sig(sig: np.ndarray, present: BoolArray, n_sigs: int) -> BoolArray:
    out = np.zeros((n_sigs, present.shape[1]), dtype=np.bool_)
    np.logical_or.at(out, sig, present)
    return out


def set_op(
    op: str, lhs: InstantVector, rhs: InstantVector, matching: VectorMatching
) -> InstantVector:
    """``and``, ``or``, ``unless`` per step."""
    lsig, rsig, g = _sig_ids(lhs, rhs, matching)
    if op == "and":
        keep = lhs.present & _any_by_sig(rsig, rhs.present, g)[lsig]
        return _nonempty(InstantVector(list(lhs.labels), lhs.values, keep, lhs.drop_name))
    if op == "unless":
        keep = lhs.present & ~_any_by_sig(rsig, rhs.present, g)[lsig]
        return _nonempty(InstantVector(list(lhs.labels), lhs.values, keep, lhs.drop_name))
    rkeep = rhs.present & ~_any_by_sig(lsig, lhs.present, g)[rsig]
    right = _nonempty(InstantVector(list(rhs.labels), rhs.values, rkeep, rhs.drop_name))
    return InstantVector(
        list(lhs.labels) + list(right.labels),
        np.concatenate([lhs.values, right.values]),
        np.concatenate([lhs.present, right.present]),
        np.concatenate([lhs.drop_name, right.drop_name]),
    )


def _result_labels(many: Labels, one: Labels, op: str, matching: VectorMatching) -> Labels:
    pairs = dict(many)
    if op in _SCHEMA_CHANGING:
        pairs.pop(METRIC_NAME, None)
    if matching.card == "one-to-one":
        if matching.on:
            keep = set(matching.labels)
            pairs = {k: v for k, v in pairs.items() if k in keep}
        else:
            for name in matching.labels:
                pairs.pop(name, None)
    one_d = dict(one)
    for name in matching.include:
        v = one_d.get(name, "")
        if v:
            pairs[name] = v
        else:
            pairs.pop(name, None)
    return Labels(pairs.items())


def vector_vector(
    op: str,
    lhs: InstantVector,
    rhs: InstantVector,
    matching: VectorMatching,
    *,
    return_bool: bool,
) -> InstantVector:
    """Arithmetic and comparison between vectors with one-to-one/many-to-one matching."""
    n = lhs.values.shape[1]
    if len(lhs) == 0 or len(rhs) == 0:
        return InstantVector.empty(n)
    swapped = matching.card == "one-to-many"
    many, one = (rhs, lhs) if swapped else (lhs, rhs)
    msig, osig, g = _sig_ids(many, one, matching)
    counts = np.zeros((g, n), dtype=np.int64)
    np.add.at(counts, osig, one.present.astype(np.int64))
    if (counts > 1).any():
        sig_i, step = np.argwhere(counts > 1)[0]
        rows = np.flatnonzero((osig == sig_i) & one.present[:, step])
        side = "left" if swapped else "right"
        group = (
            "{" + ", ".join(f'{k}="{v}"' for k, v in signature(one.labels[rows[0]], matching)) + "}"
        )
        raise EvalError(
            f"found duplicate series for the match group {group} on the {side} hand-side of "
            f"the operation: [{one.labels[rows[1]]}, {one.labels[rows[0]]}];many-to-many "
            "matching not allowed: matching labels must be unique on one side"
        )
    pick = np.full((g, n), -1, dtype=np.int64)
    r_rows, r_cols = np.nonzero(one.present)
    pick[osig[r_rows], r_cols] = r_rows
    partner = pick[msig]  # [many, n]
    valid = many.present & (partner >= 0)
    cols = np.broadcast_to(np.arange(n), partner.shape)
    other = one.values[np.clip(partner, 0, None), cols]
    lv, rv = (other, many.values) if swapped else (many.values, other)
    res = apply_op(op, lv, rv)
    if op in COMPARISONS:
        if return_bool:
            values, keep = res, valid
        else:
            values, keep = lv, valid & (res == 1.0)
    else:
        values, keep = res, valid
    if matching.card == "one-to-one":
        mcount = np.zeros((g, n), dtype=np.int64)
        np.add.at(mcount, msig, keep.astype(np.int64))
        if (mcount > 1).any():
            raise EvalError(
                "multiple matches for labels: many-to-one matching must be explicit "
                "(group_left/group_right)"
            )
    # Output series: one per (many row, one row) pair that produced a sample.
    ii, jj = np.nonzero(keep)
    rr = partner[ii, jj]
    key = ii * max(len(one), 1) + rr
    uniq, inv = np.unique(key, return_inverse=True)
    out_labels: list[Labels] = []
    for k in uniq.tolist():
        mi, oi = divmod(k, max(len(one), 1))
        out_labels.append(_result_labels(many.labels[mi], one.labels[oi], op, matching))
    out_vals = np.zeros((len(uniq), n), dtype=np.float64)
    out_present = np.zeros((len(uniq), n), dtype=np.bool_)
    out_vals[inv, jj] = values[ii, jj]
    out_present[inv, jj] = True
    drop_from = many.drop_name[uniq // max(len(one), 1)]
    drop = np.full(len(uniq), return_bool) | (drop_from if op in COMPARISONS else False)
    if matching.card != "one-to-one":
        index: dict[Labels, int] = {}
        for i, lb in enumerate(out_labels):
            prev = index.setdefault(lb, i)
            if prev != i and (out_present[prev] & out_present[i]).any():
                raise EvalError(
                    "multiple matches for labels: grouping labels must ensure unique matches"
                )
    return InstantVector(out_labels, out_vals, out_present, drop)
