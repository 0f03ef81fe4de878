"""The TSDB's own metrics, in text exposition format, with Prometheus's names.

Dashboards built for ``prometheus_tsdb_*`` series keep working when pointed at Argus.
"""

from __future__ import annotations

from argus.storage import RejectReason
from argus.tsdb.db import DB

__all__ = ["tsdb_metrics"]

_REJECT_METRIC = {
    RejectReason.OUT_OF_ORDER: "prometheus_tsdb_out_of_order_samples_total",
    RejectReason.TOO_OLD: "prometheus_tsdb_too_old_samples_total",
    RejectReason.OUT_OF_BOUNDS: "prometheus_tsdb_out_of_bound_samples_total",
    RejectReason.DUPLICATE: "argus_tsdb_duplicate_samples_total",
}


def tsdb_metrics(db: DB) -> str:
    head = db.head
    blocks = db.blocks()
    lines = []

    def add(name: str, kind: str, help_: str, value: float) -> None:
        lines.append(f"# HELP {name} {help_}\n# TYPE {name} {kind}\n{name} {value:g}\n")

    add(
        "prometheus_tsdb_head_series",
        "gauge",
        "Total number of series in the head block.",
        head.num_series,
    )
    add(
        "prometheus_tsdb_head_samples_appended_total",
        "counter",
        "Total number of appended samples.",
        head.stats.appended,
    )
    add(
        "prometheus_tsdb_head_min_time",
        "gauge",
        "Minimum time bound of the head block.",
        head.min_time if head.num_samples else 0,
    )
    add(
        "prometheus_tsdb_head_max_time",
        "gauge",
        "Maximum timestamp of the head block.",
        head.max_time if head.num_samples else 0,
    )
    add("argus_tsdb_head_bytes", "gauge", "Bytes of sample data held in the head.", head.nbytes)
    add(
        "argus_tsdb_head_seals_total",
        "counter",
        "Tail seals into compressed segments.",
        head.stats.seals,
    )
    add(
        "prometheus_tsdb_blocks_loaded",
        "gauge",
        "Number of currently loaded data blocks.",
        len(blocks),
    )
    add(
        "prometheus_tsdb_compactions_total",
        "counter",
        "Total number of compactions.",
        db.stats.compactions + db.stats.blocks_cut,
    )
    add(
        "prometheus_tsdb_compactions_failed_total",
        "counter",
        "Total number of compactions that failed.",
        db.stats.compactions_failed,
    )
    add(
        "prometheus_tsdb_size_retentions_total",
        "counter",
        "Blocks deleted because of retention.",
        db.stats.retention_deleted,
    )
    cache = db.decoded_cache.stats()
    add(
        "argus_tsdb_decoded_cache_hits_total",
        "counter",
        "Block payload reads served from the decoded-payload cache.",
        cache.hits,
    )
    add(
        "argus_tsdb_decoded_cache_misses_total",
        "counter",
        "Block payload reads not in the decoded-payload cache.",
        cache.misses,
    )
    add(
        "argus_tsdb_decoded_cache_evictions_total",
        "counter",
        "Decoded payloads evicted to stay within the cache size.",
        cache.evictions,
    )
    add(
        "argus_tsdb_decoded_cache_bytes",
        "gauge",
        "Bytes held by the decoded-payload cache.",
        cache.bytes,
    )
    add(
        "argus_tsdb_decoded_cache_max_bytes",
        "gauge",
        "Size cap of the decoded-payload cache (0: disabled).",
        cache.max_bytes,
    )
    for reason, name in _REJECT_METRIC.items():
        add(
            name,
            "counter",
            f"Samples rejected: {reason.value}.",
            head.stats.rejected.get(reason, 0),
        )
    return "".join(lines)
