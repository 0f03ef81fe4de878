from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from argus.resilience import BreakerOptions, Bulkhead, CircuitBreaker, resilience_metrics


def test_metrics_parse_and_show_state():
    cb = CircuitBreaker('job="a"', BreakerOptions(min_requests=1))
    cb.record_failure()
    cb.allow()
    text = resilience_metrics([cb.snapshot()], [Bulkhead(3, "all").snapshot()])
    families = {f.name: f for f in text_string_to_metric_families(text)}
    state = {s.labels["state"]: s.value for s in families["argus_circuit_breaker_state"].samples}
    assert state == {"closed": 0, "open": 1, "half_open": 0}
    assert families["argus_circuit_breaker_state"].samples[0].labels["name"] == 'job="a"'
    assert families["argus_circuit_breaker_rejected"].samples[0].value == 1
    assert families["argus_bulkhead_limit"].samples[0].value == 3
