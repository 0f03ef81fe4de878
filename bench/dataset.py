"""A node_exporter-like data set, generated with a fixed seed and vectorised NumPy.

Each instance (a "host") exposes the same families (:data:`TEMPLATE`, 139 series):
CPU seconds as 2-decimal float counters, network and disk bytes as large integer
counters, packet and operation counts as integer counters with Poisson increments,
memory and filesystem bytes as large integer gauges that change slowly, load averages
as 2-decimal gauges, temperatures as 3-decimal gauges, collector durations and
histogram sums as full-precision floats, ``up``-like 0/1 and info-style constants, and
request-duration histogram buckets. About a quarter of the instances restart once
during the data set, resetting all their counters.

All series of one instance share one timestamp per scrape (as in Prometheus): a grid of
``interval_ms`` plus a per-instance phase, with ~2% of scrapes a few ms early or late.

The same data is written as OpenMetrics text with second timestamps (promtool's
backfill input) or as Prometheus text with millisecond timestamps (VictoriaMetrics'
import), and handed to Argus as arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "KINDS",
    "SERIES_PER_INSTANCE",
    "TEMPLATE",
    "Dataset",
    "generate",
    "series_text",
    "windows",
]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Maker = Callable[[np.random.Generator, int, int], F64]
"""Generates ``float64[n_instances, g, n_samples]`` for a group of ``g`` template series."""
Pairs = tuple[tuple[str, str], ...]
"""A label set as sorted ``(name, value)`` pairs (``argus.model.Labels.from_sorted``)."""

KINDS = (
    "counter_int",
    "counter_bytes",
    "counter_float2",
    "gauge_bytes",
    "gauge_float2",
    "gauge_temp",
    "gauge_float",
    "const_bool",
    "const_info",
    "histogram",
)
"""Series kinds, in the order of the per-kind report."""

JITTER_SHARE = 0.02
JITTER_MAX_MS = 5


@dataclass(frozen=True, slots=True)
class Group:
    """Template entries generated together: ``make(rng, n_inst, n) -> float64[n_inst, g, n]``."""

    kind: str
    series: tuple[dict[str, str], ...]
    make: Maker
    decimals: int | None
    """Values are rounded to this many decimals (None: full precision)."""
    counter: bool


def _poisson_counter(lam_lo: float, lam_hi: float, start_hi: float, scale: float = 1.0) -> Maker:
    def make(rng: np.random.Generator, n_inst: int, n: int) -> F64:
        lam = np.exp(rng.uniform(np.log(lam_lo), np.log(lam_hi), size=(n_inst, 1, 1)))
        incr = rng.poisson(lam, size=(n_inst, 1, n)).astype(np.float64)
        start = np.floor(rng.uniform(0, start_hi, size=(n_inst, 1, 1)))
        return (start + np.cumsum(incr, axis=2)) * scale

    return make


def _cpu(rng: np.random.Generator, n_inst: int, n: int) -> F64:
    # Hundredths of a CPU-second per 15 s scrape, per mode (idle, user, system, ...).
    lam = np.array([1350.0, 80.0, 30.0, 4.0, 0.0, 0.3, 6.0, 0.5])
    per = rng.uniform(0.5, 1.5, size=(n_inst, 4, 8)) * lam
    incr = rng.poisson(per[..., None], size=(n_inst, 4, 8, n)).astype(np.float64)
    start = np.floor(rng.uniform(0, 1e8, size=(n_inst, 4, 8, 1)))
    return ((start + np.cumsum(incr, axis=3)) / 100.0).reshape(n_inst, 32, n)


def _gauge_bytes(change_p: float, step_pages: int, lo: float, hi: float) -> Maker:
    def make(rng: np.random.Generator, n_inst: int, n: int) -> F64:
        pages = np.floor(rng.uniform(lo, hi, size=(n_inst, 1, 1)) / 4096)
        moves = rng.integers(-step_pages, step_pages + 1, size=(n_inst, 1, n))
        moves *= rng.random(size=(n_inst, 1, n)) < change_p
        walk: F64 = np.maximum(pages + np.cumsum(moves, axis=2), 0).astype(np.float64)
        return walk * 4096

    return make


def _walk(level: float, step: float, decimals: int) -> Maker:
    def make(rng: np.random.Generator, n_inst: int, n: int) -> F64:
        unit = 10.0**-decimals
        start = rng.uniform(0.2, 1.0, size=(n_inst, 1, 1)) * level / unit
        moves = np.round(rng.normal(0, step / unit, size=(n_inst, 1, n)))
        walk: F64 = np.round(np.abs(start + np.cumsum(moves, axis=2))).astype(np.float64)
        return walk * unit

    return make


def _durations(rng: np.random.Generator, n_inst: int, n: int) -> F64:
    scale = np.exp(rng.uniform(np.log(1e-5), np.log(0.05), size=(n_inst, 1, 1)))
    return rng.gamma(2.0, scale, size=(n_inst, 1, n))


def _const(value: float) -> Maker:
    def make(rng: np.random.Generator, n_inst: int, n: int) -> F64:
        return np.full((n_inst, 1, n), value)

    return make


def _bool(rng: np.random.Generator, n_inst: int, n: int) -> F64:
    # Mostly 1; a few series are 0, and a few flip for a short stretch.
    v = np.where(rng.random(size=(n_inst, 1, 1)) < 0.05, 0.0, 1.0) * np.ones((1, 1, n))
    flip = rng.random(size=(n_inst, 1, 1)) < 0.02
    at = rng.integers(0, max(n - 20, 1), size=(n_inst, 1, 1))
    t = np.arange(n)[None, None, :]
    window = flip & (t >= at) & (t < at + 20)
    return np.where(window, 1.0 - v, v)


_LE = ("0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf")


def _histogram(rng: np.random.Generator, n_inst: int, n: int) -> F64:
    """Buckets (cumulative in ``le`` and in time), then ``_count``, then ``_sum``."""
    p = np.array([0.05, 0.1, 0.2, 0.25, 0.15, 0.1, 0.07, 0.04, 0.02, 0.01, 0.005, 0.005])
    rate = np.exp(rng.uniform(np.log(0.5), np.log(200.0), size=(n_inst, 1, 1)))
    per_bucket = rng.poisson(rate * p[None, :, None], size=(n_inst, len(p), n))
    buckets = np.cumsum(np.cumsum(per_bucket, axis=1), axis=2).astype(np.float64)
    count = buckets[:, -1:, :]
    mids = np.array([0.003, 0.008, 0.02, 0.04, 0.08, 0.2, 0.4, 0.8, 2.0, 4.0, 8.0, 15.0])
    sum_incr = (per_bucket * mids[None, :, None]).sum(axis=1, keepdims=True)
    noise = rng.gamma(2.0, 0.001, size=(n_inst, 1, n)) * (sum_incr > 0)
    total = np.cumsum(sum_incr + noise, axis=2)
    return np.concatenate([buckets, count, total], axis=1)


def _names(name: str, label: str, values: tuple[str, ...]) -> tuple[dict[str, str], ...]:
    return tuple({"__name__": name, label: v} for v in values)


_CPU_MODES = ("idle", "user", "system", "iowait", "irq", "nice", "softirq", "steal")
_NET = ("eth0", "eth1", "lo")
_DISK = ("sda", "sdb")
_FS = ("/", "/var", "/boot")
_COLLECTORS = (
    "cpu",
    "diskstats",
    "filesystem",
    "hwmon",
    "loadavg",
    "meminfo",
    "netdev",
    "stat",
    "time",
    "uname",
)
_MEM = (
    ("MemTotal", 0.0),
    ("MemFree", 0.4),
    ("MemAvailable", 0.4),
    ("Buffers", 0.1),
    ("Cached", 0.3),
    ("Active", 0.3),
    ("Inactive", 0.2),
    ("Dirty", 0.5),
    ("SwapFree", 0.01),
    ("Slab", 0.1),
)


def _one(
    kind: str,
    labels: dict[str, str],
    make: Maker,
    decimals: int | None,
) -> Group:
    return Group(kind, (labels,), make, decimals, kind.startswith("counter"))


def _template() -> tuple[Group, ...]:
    cpu = tuple(
        {"__name__": "node_cpu_seconds_total", "cpu": str(c), "mode": m}
        for c in range(4)
        for m in _CPU_MODES
    )
    g: list[Group] = [Group("counter_float2", cpu, _cpu, 2, True)]
    for d in ("receive", "transmit"):
        g += [
            _one(
                "counter_bytes",
                {"__name__": f"node_network_{d}_bytes_total", "device": dev},
                _poisson_counter(1e3, 5e6, 1e12),
                0,
            )
            for dev in _NET
        ]
        g += [
            _one(
                "counter_int",
                {"__name__": f"node_network_{d}_packets_total", "device": dev},
                _poisson_counter(1.0, 5e3, 1e9),
                0,
            )
            for dev in _NET
        ]
    g.append(Group("const_bool", _names("node_network_up", "device", _NET), _bool3, 0, False))
    g += [
        _one(
            "counter_int",
            {"__name__": f"node_disk_{op}_completed_total", "device": dev},
            _poisson_counter(0.5, 500.0, 1e8),
            0,
        )
        for op in ("reads", "writes")
        for dev in _DISK
    ]
    g += [
        _one(
            "counter_bytes",
            {"__name__": f"node_disk_{op}_bytes_total", "device": dev},
            _poisson_counter(10.0, 2e3, 1e8, scale=4096.0),
            0,
        )
        for op in ("read", "written")
        for dev in _DISK
    ]
    g += [
        _one(
            "counter_float2",
            {"__name__": "node_disk_io_time_seconds_total", "device": dev},
            _poisson_counter(1.0, 300.0, 1e9, scale=0.01),
            2,
        )
        for dev in _DISK
    ]
    g += [
        _one(
            "gauge_bytes",
            {"__name__": f"node_memory_{f}_bytes"},
            _gauge_bytes(p, 64, 1e8, 6.4e10),
            0,
        )
        for f, p in _MEM
    ]
    g += [
        _one(
            "gauge_bytes",
            {"__name__": f"node_filesystem_{metric}_bytes", "mountpoint": mp},
            _gauge_bytes(0.5, 256, 1e9, 5e11),
            0,
        )
        for metric in ("avail", "free")
        for mp in _FS
    ]
    g.append(
        Group("const_bool", _names("node_filesystem_readonly", "mountpoint", _FS), _bool3, 0, False)
    )
    g += [
        _one("gauge_float2", {"__name__": name}, _walk(2.0, 0.05, 2), 2)
        for name in ("node_load1", "node_load5", "node_load15")
    ]
    g += [
        _one(
            "gauge_temp",
            {"__name__": "node_hwmon_temp_celsius", "chip": "coretemp_0", "sensor": f"temp{s}"},
            _walk(60.0, 0.4, 3),
            3,
        )
        for s in range(1, 5)
    ]
    g += [
        _one(
            "gauge_float",
            {"__name__": "node_scrape_collector_duration_seconds", "collector": c},
            _durations,
            None,
        )
        for c in _COLLECTORS
    ]
    success = _names("node_scrape_collector_success", "collector", _COLLECTORS)
    g.append(Group("const_bool", success, _bool10, 0, False))
    uname = {"__name__": "node_uname_info", "machine": "x86_64", "release": "6.1.0-18-amd64"}
    g.append(_one("const_info", uname, _const(1.0), 0))
    g.append(
        _one(
            "const_info",
            {"__name__": "node_os_info", "id": "debian", "version_id": "12"},
            _const(1.0),
            0,
        )
    )
    g += [
        _one("counter_int", {"__name__": name}, _poisson_counter(lo, hi, 1e10), 0)
        for name, lo, hi in (
            ("node_context_switches_total", 1e3, 1e5),
            ("node_intr_total", 1e3, 5e4),
            ("node_forks_total", 1.0, 200.0),
        )
    ]
    g.append(_one("const_bool", {"__name__": "up"}, _bool, 0))
    g.append(
        _one(
            "counter_float2",
            {"__name__": "process_cpu_seconds_total"},
            _poisson_counter(1.0, 20.0, 1e5, scale=0.01),
            2,
        )
    )
    g.append(
        _one(
            "gauge_bytes",
            {"__name__": "process_resident_memory_bytes"},
            _gauge_bytes(0.5, 16, 1e7, 5e7),
            0,
        )
    )
    for handler in ("/metrics", "/api"):
        h = "http_request_duration_seconds"
        series = (
            *({"__name__": f"{h}_bucket", "handler": handler, "le": le} for le in _LE),
            {"__name__": f"{h}_count", "handler": handler},
            {"__name__": f"{h}_sum", "handler": handler},
        )
        g.append(Group("histogram", series, _histogram, None, True))
    return tuple(g)


def _repeat_bool(k: int) -> Maker:
    def make(rng: np.random.Generator, n_inst: int, n: int) -> F64:
        return np.concatenate([_bool(rng, n_inst, n) for _ in range(k)], axis=1)

    return make


_bool3 = _repeat_bool(3)
_bool10 = _repeat_bool(10)

TEMPLATE = _template()
SERIES_PER_INSTANCE = sum(len(g.series) for g in TEMPLATE)


@dataclass(frozen=True, slots=True)
class Dataset:
    """``n_series`` series with ``n_samples`` samples each (row ``i`` is series ``i``)."""

    labels: list[Pairs]
    kinds: npt.NDArray[np.int8]
    """int8[n_series]: index into :data:`KINDS`."""
    instance: I64
    """int64[n_series]: the row of ``instance_ts`` that holds this series' timestamps."""
    instance_ts: I64
    """int64[n_instances, n_samples], ms."""
    values: F64
    """float64[n_series, n_samples]."""

    @property
    def n_series(self) -> int:
        return len(self.labels)

    @property
    def n_samples(self) -> int:
        return int(self.values.shape[1])

    @property
    def total_samples(self) -> int:
        return int(self.values.size)

    def ts(self) -> I64:
        """int64[n_series, n_samples], ms (a new array)."""
        return self.instance_ts[self.instance]

    def csr(self) -> tuple[I64, I64, F64]:
        """``(offsets, ts, values)`` flattened series by series, as ``write_blocks`` takes."""
        m = self.n_samples
        offsets = np.arange(0, self.n_series * m + 1, m, dtype=np.int64)
        return offsets, self.ts().reshape(-1), self.values.reshape(-1)

    def kind_counts(self) -> dict[str, int]:
        counts = np.bincount(self.kinds, minlength=len(KINDS))
        return {k: int(c) for k, c in zip(KINDS, counts, strict=True)}


def generate(
    n_series: int,
    n_samples: int,
    *,
    start_ms: int,
    interval_ms: int = 15_000,
    seed: int = 42,
    job: str = "node",
    resets: bool = True,
    jitter: bool = True,
) -> Dataset:
    """Generate the first ``n_series`` series of as many instances as needed."""
    rng = np.random.default_rng(seed)
    n_inst = -(-n_series // SERIES_PER_INSTANCE)
    blocks = [g.make(rng, n_inst, n_samples) for g in TEMPLATE]
    values = np.concatenate(blocks, axis=1)  # [n_inst, per_instance, n]
    counter = np.concatenate([np.full(len(g.series), g.counter) for g in TEMPLATE])
    if resets and n_samples > 2:
        restarted = np.flatnonzero(rng.random(n_inst) < 0.25)
        at = rng.integers(1, n_samples, size=len(restarted))
        for i, r in zip(restarted.tolist(), at.tolist(), strict=True):
            rows = values[i, counter, :]
            rows[:, r:] -= rows[:, r - 1 : r]
            values[i, counter, :] = rows
    col = 0
    for g in TEMPLATE:
        if g.decimals is not None:
            sl = values[:, col : col + len(g.series), :]
            values[:, col : col + len(g.series), :] = np.round(sl, g.decimals)
        col += len(g.series)
    values = values.reshape(n_inst * SERIES_PER_INSTANCE, n_samples)[:n_series]

    phase = rng.integers(0, interval_ms, size=(n_inst, 1))
    grid = start_ms + phase + np.arange(n_samples, dtype=np.int64)[None, :] * interval_ms
    if jitter:
        moved = rng.random(size=grid.shape) < JITTER_SHARE
        delta = rng.integers(1, JITTER_MAX_MS + 1, size=grid.shape) * rng.choice(
            [-1, 1], grid.shape
        )
        grid = grid + np.where(moved, delta, 0)
    kinds_t = np.concatenate([np.full(len(g.series), KINDS.index(g.kind)) for g in TEMPLATE])
    kinds = np.tile(kinds_t, n_inst)[:n_series].astype(np.int8)
    instance = np.repeat(np.arange(n_inst, dtype=np.int64), SERIES_PER_INSTANCE)[:n_series]
    labels: list[Pairs] = []
    template_labels = [s for g in TEMPLATE for s in g.series]
    for i in range(n_inst):
        extra = {"instance": f"host-{i:05d}:9100", "job": job}
        for s in template_labels:
            labels.append(tuple(sorted({**s, **extra}.items())))
            if len(labels) == n_series:
                break
    return Dataset(labels, kinds, instance, grid.astype(np.int64), values)


def _escape(v: str) -> str:
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def series_name(pairs: Pairs) -> str:
    """``name{a="1",b="2"}`` in exposition syntax."""
    name = ""
    rest = []
    for n, v in pairs:
        if n == "__name__":
            name = v
        else:
            rest.append(f'{n}="{_escape(v)}"')
    return name + "{" + ",".join(rest) + "}"


def _ts_strings(ts: I64, seconds: bool) -> list[str]:
    if not seconds:
        return ts.astype(str).tolist()  # type: ignore[no-any-return]
    sec, ms = np.divmod(ts, 1000)
    return [f"{s}.{m:03d}" for s, m in zip(sec.tolist(), ms.tolist(), strict=True)]


def series_text(
    ds: Dataset,
    *,
    seconds: bool,
    series_per_chunk: int = 200,
    window: tuple[int, int] | None = None,
) -> Iterator[bytes]:
    """Exposition lines with timestamps, series by series, in chunks of whole series.

    ``seconds=True`` gives OpenMetrics (``1.5`` s timestamps, for promtool); False gives
    the Prometheus text format with ms timestamps (VictoriaMetrics' import). The caller
    appends ``# EOF`` for OpenMetrics. ``window=(lo, hi)`` keeps samples with
    ``lo <= ts < hi`` (ms).
    """
    ts_cache: dict[int, tuple[slice, list[str]]] = {}
    out: list[str] = []
    for i in range(ds.n_series):
        inst = int(ds.instance[i])
        cached = ts_cache.get(inst)
        if cached is None:
            ts_cache.clear()
            row = ds.instance_ts[inst]
            if window is None:
                sl = slice(None)
            else:
                lo, hi = np.searchsorted(row, window).tolist()
                sl = slice(lo, hi)
            cached = ts_cache[inst] = (sl, _ts_strings(row[sl], seconds))
        sl, tss = cached
        if not tss:
            continue
        prefix = series_name(ds.labels[i]) + " "
        vals = map(repr, ds.values[i, sl].tolist())
        out.append("".join([f"{prefix}{v} {t}\n" for v, t in zip(vals, tss, strict=True)]))
        if len(out) >= series_per_chunk:
            yield "".join(out).encode()
            out = []
    if out:
        yield "".join(out).encode()


def windows(ds: Dataset, width_ms: int) -> list[tuple[int, int]]:
    """Aligned ``[lo, hi)`` windows of ``width_ms`` that hold the data set's samples."""
    first = int(ds.instance_ts.min()) // width_ms
    last = int(ds.instance_ts.max()) // width_ms
    return [(w * width_ms, (w + 1) * width_ms) for w in range(first, last + 1)]


def describe(ds: Dataset) -> dict[str, Any]:
    return {
        "series": ds.n_series,
        "samples_per_series": ds.n_samples,
        "samples": ds.total_samples,
        "instances": int(ds.instance_ts.shape[0]),
        "kinds": ds.kind_counts(),
    }
