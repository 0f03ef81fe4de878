"""``label_replace`` and ``label_join``: label rewriting, once per series, never per sample."""

from __future__ import annotations

import re

from argus.model import METRIC_NAME, Labels, is_valid_label_name
from argus.promql.errors import EvalError
from argus.promql.value import InstantVector

__all__ = ["label_join", "label_replace"]

_GO_GROUP = re.compile(r"\$(\$|\{(\w+)\}|(\w+))")


def _expand(template: str, m: re.Match[str]) -> str:
    """Go's ``Regexp.Expand``: ``$1``, ``${1}``, ``$name``; unknown groups are empty."""

    def sub(g: re.Match[str]) -> str:
        if g.group(1) == "$":
            return "$"
        name = g.group(2) or g.group(3)
        try:
            key: int | str = int(name) if name.isdigit() else name
            return m.group(key) or ""
        except (IndexError, re.error):
            return ""

    return _GO_GROUP.sub(sub, template)


def _with(lb: Labels, name: str, value: str) -> Labels:
    pairs = dict(lb)
    pairs[name] = value
    return Labels(pairs.items())


def label_replace(vec: InstantVector, dst: str, repl: str, src: str, regex: str) -> InstantVector:
    try:
        rx = re.compile(f"(?s:{regex})", re.ASCII)
    except re.error as exc:
        raise EvalError(f"invalid regular expression in label_replace(): {regex}") from exc
    if not is_valid_label_name(dst):
        raise EvalError(f"invalid destination label name in label_replace(): {dst}")
    labels = list(vec.labels)
    drop = vec.drop_name.copy()
    for i, lb in enumerate(labels):
        m = rx.fullmatch(lb.get(src))
        if m is None:
            continue
        labels[i] = _with(lb, dst, _expand(repl, m))
        if dst == METRIC_NAME:
            drop[i] = False
    return InstantVector(labels, vec.values, vec.present, drop)


def label_join(vec: InstantVector, dst: str, sep: str, srcs: list[str]) -> InstantVector:
    for s in srcs:
        if not is_valid_label_name(s):
            raise EvalError(f"invalid source label name in label_join(): {s}")
    if not is_valid_label_name(dst):
        raise EvalError(f"invalid destination label name in label_join(): {dst}")
    labels = list(vec.labels)
    drop = vec.drop_name.copy()
    for i, lb in enumerate(labels):
        labels[i] = _with(lb, dst, sep.join(lb.get(s) for s in srcs))
        if dst == METRIC_NAME:
            drop[i] = False
    return InstantVector(labels, vec.values, vec.present, drop)
