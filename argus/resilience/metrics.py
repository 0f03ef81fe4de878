"""Breaker and bulkhead states as Argus's own metrics (text exposition format).

``argus_circuit_breaker_state{name,state}`` is 1 for the current state and 0 for the
others (the enum pattern), so ``argus_circuit_breaker_state{state="open"} == 1`` finds
open breakers and ``sum by (state)`` counts them.
"""

from __future__ import annotations

from collections.abc import Iterable

from argus.resilience.breaker import BreakerSnapshot, BreakerState
from argus.resilience.bulkhead import BulkheadSnapshot

__all__ = ["resilience_metrics"]


def _q(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def resilience_metrics(
    breakers: Iterable[BreakerSnapshot], bulkheads: Iterable[BulkheadSnapshot] = ()
) -> str:
    out: list[str] = []

    def family(name: str, kind: str, help_: str, rows: list[tuple[str, float]]) -> None:
        out.append(f"# HELP {name} {help_}\n# TYPE {name} {kind}\n")
        out.extend(f"{name}{{{labels}}} {value:g}\n" for labels, value in rows)

    bs = list(breakers)
    family(
        "argus_circuit_breaker_state",
        "gauge",
        "Circuit breaker state: 1 for the current state, 0 for the others.",
        [
            (f"name={_q(b.name)},state={_q(s.value)}", float(b.state is s))
            for b in bs
            for s in BreakerState
        ],
    )
    family(
        "argus_circuit_breaker_rejected_total",
        "counter",
        "Calls refused because the breaker was open.",
        [(f"name={_q(b.name)}", b.rejected_total) for b in bs],
    )
    family(
        "argus_circuit_breaker_transitions_total",
        "counter",
        "Transitions into each state.",
        [
            (f"name={_q(b.name)},to={_q(s.value)}", b.transitions_total.get(s, 0))
            for b in bs
            for s in BreakerState
        ],
    )
    family(
        "argus_circuit_breaker_window_error_ratio",
        "gauge",
        "Failed fraction of calls in the rolling window.",
        [(f"name={_q(b.name)}", b.error_rate) for b in bs],
    )
    hs = list(bulkheads)
    family(
        "argus_bulkhead_limit",
        "gauge",
        "Most concurrent calls the bulkhead admits.",
        [(f"name={_q(h.name)}", h.limit) for h in hs],
    )
    family(
        "argus_bulkhead_in_flight",
        "gauge",
        "Calls holding a slot.",
        [(f"name={_q(h.name)}", h.in_flight) for h in hs],
    )
    family(
        "argus_bulkhead_waiting",
        "gauge",
        "Calls waiting for a slot.",
        [(f"name={_q(h.name)}", h.waiting) for h in hs],
    )
    family(
        "argus_bulkhead_rejected_total",
        "counter",
        "Calls that found no slot in time.",
        [(f"name={_q(h.name)}", h.rejected_total) for h in hs],
    )
    return "".join(out)
