"""Generate node_exporter-like OpenMetrics backfill files (fixed seed) for tests and benches.

Families are contiguous, as OpenMetrics requires; within a family the series interleave by
time, which is how an export of a scraped server looks. The file exercises counters,
2-decimal gauges, large integer gauges (Go prints them as ``1.234567e+09``), a histogram
with ``le`` buckets, ``NaN``/``±Inf`` values, tiny values, label values with escapes and
spaces, fractional-second timestamps and an exemplar.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

START_S = 1_700_000_000
STEP_S = 15

_MOUNTS = ["/", "/boot", '/mnt/with "quote"', "C:\\data\\dir", "line\nbreak", "sp ace # {x}"]
_BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"]


def _esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _series(name: str, **labels: str) -> str:
    if not labels:
        return name
    return name + "{" + ",".join(f'{k}="{_esc(v)}"' for k, v in labels.items()) + "}"


def generate(
    hours: float = 6.0, cpus: int = 8, seed: int = 42, step_s: int = STEP_S
) -> Iterator[str]:
    """Yield the lines (without newlines) of one OpenMetrics file, ending in ``# EOF``."""
    rnd = random.Random(seed)
    steps = int(hours * 3600 / step_s)
    stamps = [START_S + i * step_s for i in range(steps)]
    # Every 7th timestamp has a fractional part, to check the seconds -> ms conversion.
    ts_text = [
        f"{t}.{rnd.randrange(1000):03d}" if i % 7 == 3 else str(t) for i, t in enumerate(stamps)
    ]

    def family(
        name: str, typ: str, series: list[str], value: Callable[[int, int], str], help_: str
    ) -> Iterator[str]:
        yield f"# HELP {name} {help_}"
        yield f"# TYPE {name} {typ}"
        for i, t in enumerate(ts_text):
            for j, s in enumerate(series):
                yield f"{s} {value(i, j)} {t}"

    # Out-of-order and duplicate samples at the very start (one append batch in promtool):
    # the 2nd is older than the 1st and dropped, the 3rd repeats the 1st exactly.
    yield "# TYPE odd_total counter"
    yield f"odd_total 5 {START_S + 30}"
    yield f"odd_total 4 {START_S + 15}"
    yield f"odd_total 5 {START_S + 30}"
    yield f"odd_total 6 {START_S + 45}"

    modes = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"]
    cpu_series = [
        _series("node_cpu_seconds_total", cpu=str(c), mode=m) for c in range(cpus) for m in modes
    ]
    cpu_base = [rnd.uniform(0, 1e6) for _ in cpu_series]
    yield from family(
        "node_cpu_seconds_total",
        "counter",
        cpu_series,
        lambda i, j: repr(round(cpu_base[j] + i * (j % 8 + 1) * 1.37, 2)),
        "Seconds the CPUs spent.",
    )
    load = [_series("node_load1"), _series("node_load5"), _series("node_load15")]
    yield from family(
        "node_load", "gauge", load, lambda i, j: f"{rnd.uniform(0, 8):.2f}", "Load average."
    )
    fs = [
        _series("node_filesystem_avail_bytes", device=f"/dev/sd{c}", fstype="ext4", mountpoint=m)
        for c, m in zip("abcdef", _MOUNTS, strict=True)
    ]
    yield from family(
        "node_filesystem_avail_bytes",
        "gauge",
        fs,
        lambda i, j: str(rnd.randrange(10**9, 10**12) // 4096 * 4096),
        "Filesystem space available to non-root users in bytes.",
    )
    net = [_series("node_network_receive_bytes_total", device=d) for d in ("eth0", "lo", "wlan0")]
    yield from family(
        "node_network_receive_bytes_total",
        "counter",
        net,
        lambda i, j: str(i * 123456 * (j + 1)),
        "Network device statistic.",
    )
    hist = [
        _series("http_request_duration_seconds_bucket", handler=h, le=b)
        for h in ("/api", "/metrics")
        for b in _BUCKETS
    ]
    yield from family(
        "http_request_duration_seconds",
        "histogram",
        hist,
        lambda i, j: str(i * (j % 12 + 1)),
        "Request latency.",
    )
    odd = [_series("odd_values", kind=k) for k in ("nan", "inf", "neginf", "tiny", "big", "neg")]
    specials = {0: "NaN", 1: "+Inf", 2: "-Inf"}

    def odd_value(i: int, j: int) -> str:
        if j in specials:
            return specials[j]
        if j == 3:
            return f"{rnd.uniform(1, 9):.3f}e-{rnd.randrange(5, 12)}"
        if j == 4:
            return f"{rnd.uniform(1, 9):.6f}e+{rnd.randrange(6, 30)}"
        return f"-{rnd.uniform(0, 2000):.1f}"

    yield from family("odd_values", "gauge", odd, odd_value, "Odd values.")
    yield "# TYPE exemplified_total counter"
    yield f'exemplified_total{{path="/x"}} 1 {START_S} # {{trace_id="abc"}} 0.5 {START_S}'
    yield "# EOF"


def write(path: str, **kwargs: float) -> int:
    """Write a generated file; return its number of lines."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for line in generate(**kwargs):  # type: ignore[arg-type]
            f.write(line + "\n")
            n += 1
    return n
