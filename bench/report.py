"""Benchmark results: one table per benchmark, printed and written as JSON + Markdown.

A :class:`Result` holds rows of one figure each for Argus, Prometheus and
VictoriaMetrics (any may be missing) plus the raw measurements behind them. Ratios are
always Argus divided by the peer, whatever the direction; each row says whether lower
or higher is better.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.peers import PROMETHEUS, VICTORIA_METRICS, version_of

__all__ = ["Result", "Row", "environment", "render_markdown", "render_table", "write"]

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(slots=True)
class Row:
    metric: str
    unit: str
    argus: float | None = None
    prometheus: float | None = None
    victoriametrics: float | None = None
    better: str = "lower"
    """``lower`` or ``higher``: which direction is better for this figure."""
    note: str = ""

    @classmethod
    def of(cls, metric: str, unit: str, figures: Mapping[str, float | None], **kw: Any) -> Row:
        """A row from ``{"argus": .., "prometheus": .., "victoriametrics": ..}``."""
        return cls(
            metric,
            unit,
            argus=figures.get("argus"),
            prometheus=figures.get("prometheus"),
            victoriametrics=figures.get("victoriametrics"),
            **kw,
        )

    def ratio(self, peer: float | None) -> float | None:
        if self.argus is None or peer is None or peer == 0:
            return None
        return self.argus / peer

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["argus_vs_prometheus"] = self.ratio(self.prometheus)
        d["argus_vs_victoriametrics"] = self.ratio(self.victoriametrics)
        return d


@dataclass(slots=True)
class Result:
    name: str
    title: str
    params: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    env: dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "params": self.params,
            "rows": [r.as_dict() for r in self.rows],
            "details": self.details,
            "notes": self.notes,
            "env": self.env,
            "elapsed_s": round(self.elapsed_s, 1),
        }


def _fmt(v: float | None) -> str:
    if v is None:
        return "—"
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 1e6:
        return f"{v / 1e6:,.2f} M"
    if a >= 100:
        return f"{v:,.0f}"
    if a >= 10:
        return f"{v:.1f}"
    if a >= 1:
        return f"{v:.2f}"
    return f"{v:.3f}"


def _ratio(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}x"


_HEADER = ("figure", "unit", "Argus", "Prometheus", "VictoriaMetrics", "Argus/Prom", "Argus/VM")


def _cells(r: Row) -> tuple[str, ...]:
    return (
        r.metric + (f" ({r.better} is better)" if r.better == "higher" else ""),
        r.unit,
        _fmt(r.argus),
        _fmt(r.prometheus),
        _fmt(r.victoriametrics),
        _ratio(r.ratio(r.prometheus)),
        _ratio(r.ratio(r.victoriametrics)),
    )


def render_table(result: Result) -> str:
    rows = [_HEADER, *(_cells(r) for r in result.rows)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_HEADER))]
    lines = [f"== {result.title} ({result.elapsed_s:.0f} s) =="]
    for j, row in enumerate(rows):
        lines.append(
            "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if j == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines.extend(f"  * {n}" for n in result.notes)
    return "\n".join(lines)


def render_markdown(result: Result) -> str:
    out = [f"# {result.title}", ""]
    out.append(
        f"Run {result.env.get('date', '?')} on {result.env.get('cpu', '?')} "
        f"({result.env.get('cores', '?')} cores), {result.elapsed_s:.0f} s. "
        "Preliminary: other work may have shared the machine."
    )
    out.append("")
    params = ", ".join(f"`{k}={v}`" for k, v in result.params.items())
    out += [f"Parameters: {params}.", ""]
    out.append("| " + " | ".join(_HEADER) + " |")
    out.append("|" + "---|" * len(_HEADER))
    for r in result.rows:
        out.append("| " + " | ".join(_cells(r)) + " |")
    out.append("")
    if result.notes:
        out += ["Notes:", ""]
        out += [f"- {n}" for n in result.notes]
        out.append("")
    out += [
        "Versions: " + ", ".join(f"{k}: {v}" for k, v in result.env.get("versions", {}).items())
    ]
    out += ["", "Raw measurements are in the JSON file beside this one.", ""]
    return "\n".join(out)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _git_rev() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
            cwd=Path(__file__).resolve().parent,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return out.stdout.strip() or "unknown"


def environment() -> dict[str, Any]:
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "git": _git_rev(),
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "prometheus": version_of(PROMETHEUS),
            "victoria-metrics": version_of(VICTORIA_METRICS),
        },
    }


def write(result: Result, out_dir: Path = RESULTS_DIR) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    jp = out_dir / f"{result.name}.json"
    mp = out_dir / f"{result.name}.md"
    jp.write_text(json.dumps(result.as_dict(), indent=2, default=str) + "\n")
    mp.write_text(render_markdown(result))
    return jp, mp
