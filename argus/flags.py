"""Prometheus's server flags that Argus accepts for compatibility.

A unit file written for Prometheus passes flags Argus has no use for (Go runtime knobs,
console templates, agent storage) or does not implement yet. Refusing them would mean
editing every deployment, so each is parsed with Prometheus's name, type and default
and listed by ``/api/v1/status/flags``; a flag that has no effect logs one warning when
it is set. Two are refused instead, because running without them would quietly do less
than asked: ``--web.config.file`` (TLS and authentication) and ``--agent``.

The flags Argus implements are defined in :mod:`argus.cli`; the ones here that it
wires (``--web.external-url``, ``--rules.alert.*``, ``--alertmanager.*``,
``--storage.tsdb.min-block-duration``, ...) are read by :mod:`argus.server`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["INERT", "REFUSED", "CompatFlag", "add_compat_flags", "check_compat_flags"]

log = logging.getLogger(__name__)

KNOWN_FEATURES = frozenset(
    {
        "agent",
        "auto-gomaxprocs",
        "auto-gomemlimit",
        "auto-reload-config",
        "concurrent-rule-eval",
        "created-timestamp-zero-ingestion",
        "delayed-compaction",
        "exemplar-storage",
        "expand-external-labels",
        "extra-scrape-metrics",
        "memory-snapshot-on-shutdown",
        "metadata-wal-records",
        "native-histograms",
        "new-service-discovery-manager",
        "no-default-scrape-port",
        "old-ui",
        "otlp-deltatocumulative",
        "otlp-write-receiver",
        "promql-at-modifier",
        "promql-delayed-name-removal",
        "promql-duration-expr",
        "promql-experimental-functions",
        "promql-negative-offset",
        "promql-per-step-stats",
        "remote-write-receiver",
        "type-and-unit-labels",
        "use-uncached-io",
    }
)
"""Feature names of Prometheus 2.x/3.x ``--enable-feature``; Argus's PromQL has the
features that are PromQL syntax always on, the others are accepted and ignored."""


@dataclass(frozen=True, slots=True)
class CompatFlag:
    name: str
    kind: str
    """``bool``, ``str``, ``int``, ``float``, ``duration``, ``size`` or ``list``."""
    default: Any
    help: str

    @property
    def dest(self) -> str:
        return "compat_" + self.name.replace(".", "_").replace("-", "_")


def _flags(kind: str, default: Any, *names_and_help: tuple[str, str]) -> list[CompatFlag]:
    return [CompatFlag(name, kind, default, text) for name, text in names_and_help]


WIRED: list[CompatFlag] = [
    CompatFlag(
        "web.external-url",
        "str",
        "",
        "URL under which Argus is reached from outside (alert generator links, "
        "$externalURL); default http://<hostname>:<port>/.",
    ),
    CompatFlag(
        "rules.alert.for-outage-tolerance", "duration", "1h", "Max outage to restore 'for' state."
    ),
    CompatFlag(
        "rules.alert.for-grace-period", "duration", "10m", "Min 'for' left after a restore."
    ),
    CompatFlag("rules.alert.resend-delay", "duration", "1m", "Min wait before resending an alert."),
    CompatFlag(
        "alertmanager.notification-queue-capacity", "int", 10_000, "Alerts queued per Alertmanager."
    ),
    CompatFlag("alertmanager.notification-batch-size", "int", 256, "Alerts per request."),
    CompatFlag(
        "alertmanager.drain-notification-queue-on-shutdown",
        "bool",
        True,
        "Send queued alerts (for up to 5 s) before exiting.",
    ),
    CompatFlag("storage.tsdb.min-block-duration", "duration", "2h", "Head block range."),
    CompatFlag("storage.tsdb.max-block-duration", "duration", "", "Largest compacted block."),
    CompatFlag("storage.tsdb.wal-segment-size", "size", "128MB", "WAL segment file size."),
    CompatFlag("storage.tsdb.retention", "duration", "", "Deprecated: use retention.time."),
    CompatFlag("config.auto-reload", "bool", False, "Reload when the config or rule files change."),
    CompatFlag("config.auto-reload-interval", "duration", "30s", "How often to check for changes."),
    CompatFlag("enable-feature", "list", "", "Comma-separated Prometheus feature names."),
    CompatFlag("log.format", "str", "logfmt", "logfmt or json."),
]
"""Prometheus flags Argus acts on, defined here beside the inert ones they resemble."""

INERT: list[CompatFlag] = [
    *_flags(
        "bool",
        False,
        ("web.enable-remote-write-receiver", "Remote write receiver (not in Argus yet)."),
        ("web.enable-otlp-receiver", "OTLP receiver (not in Argus yet)."),
        ("storage.tsdb.no-lockfile", "Argus always locks its data directory."),
        ("storage.tsdb.use-lockfile", "Prometheus 2.x; Argus always locks."),
        ("storage.tsdb.allow-overlapping-blocks", "Prometheus 2.x; Argus always allows them."),
        ("storage.agent.wal-compression", "Agent mode (not in Argus yet)."),
        ("storage.agent.no-lockfile", "Agent mode (not in Argus yet)."),
        ("storage.agent.use-lockfile", "Agent mode (not in Argus yet)."),
        ("storage.agent.checkpoint-from-in-memory-series", "Agent mode (not in Argus yet)."),
    ),
    *_flags(
        "bool",
        True,
        ("storage.tsdb.allow-overlapping-compaction", "Argus always compacts overlaps."),
        ("storage.tsdb.wal-compression", "Argus narrows WAL columns instead."),
        ("scrape.adjust-timestamps", "Go scheduler jitter fix; not needed here."),
        ("auto-gomaxprocs", "Go runtime setting."),
        ("auto-gomemlimit", "Go runtime setting."),
    ),
    *_flags(
        "str",
        "",
        ("web.route-prefix", "Routes are served at /; only / is supported yet."),
        ("web.user-assets", "User asset directory."),
        ("web.local-assets", "Prometheus 2.x UI assets."),
        ("web.console.templates", "Console templates (removed in Prometheus 3)."),
        ("web.console.libraries", "Console libraries (removed in Prometheus 3)."),
        ("web.page-title", "UI page title."),
        ("web.cors.origin", "CORS origin regex."),
        ("storage.tsdb.wal-compression-type", "WAL compression codec."),
        ("storage.tsdb.delay-compact-file.path", "Delayed-compaction marker file."),
        ("storage.agent.path", "Agent mode (not in Argus yet)."),
        ("storage.agent.wal-compression-type", "Agent mode (not in Argus yet)."),
        ("web.remote-write-receiver.accepted-protobuf-messages", "Remote write (not yet)."),
    ),
    *_flags(
        "int",
        0,
        ("web.max-connections", "Go HTTP server connection cap."),
        ("web.max-notifications-subscribers", "UI notification streams."),
        ("web.search.max-limit", "Search API limit."),
        ("storage.tsdb.head-chunks-write-queue-size", "Go chunk write queue."),
        ("storage.tsdb.samples-per-chunk", "Argus stores columns, not 120-sample chunks."),
        ("storage.tsdb.delayed-compaction.max-percent", "Delayed compaction."),
        ("storage.remote.read-concurrent-limit", "Remote read (not in Argus yet)."),
        ("storage.remote.read-max-bytes-in-frame", "Remote read (not in Argus yet)."),
        ("storage.remote.read-sample-limit", "Remote read (not in Argus yet)."),
        ("rules.max-concurrent-evals", "Argus evaluates independent groups concurrently."),
        ("storage.agent.checkpoint-batch-size", "Agent mode (not in Argus yet)."),
    ),
    *_flags(
        "float",
        0.0,
        ("auto-gomemlimit.ratio", "Go runtime setting."),
    ),
    *_flags(
        "duration",
        "",
        ("web.read-timeout", "Request read timeout."),
        ("storage.tsdb.block-reload-interval", "Block directory rescan interval."),
        ("storage.agent.retention.min-time", "Agent mode (not in Argus yet)."),
        ("storage.agent.retention.max-time", "Agent mode (not in Argus yet)."),
        ("storage.agent.wal-truncate-frequency", "Agent mode (not in Argus yet)."),
        ("storage.remote.flush-deadline", "Remote write (not in Argus yet)."),
        ("scrape.timestamp-tolerance", "Go scheduler jitter fix; not needed here."),
        ("scrape.discovery-reload-interval", "Discovery updates apply at once in Argus."),
        ("alertmanager.timeout", "Prometheus 2.x; use the config's timeout."),
        ("auto-gomemlimit.refresh-interval", "Go runtime setting."),
    ),
    *_flags(
        "size",
        "",
        ("storage.tsdb.max-block-chunk-segment-size", "Argus has no chunk segment files."),
        ("storage.agent.wal-segment-size", "Agent mode (not in Argus yet)."),
    ),
]

REFUSED: list[CompatFlag] = [
    CompatFlag(
        "web.config.file",
        "str",
        "",
        "TLS and basic-auth web config: not supported yet, so Argus refuses to start "
        "rather than serve without the protection it asks for.",
    ),
    CompatFlag("agent", "bool", False, "Agent mode: not supported yet, refused."),
]


def add_compat_flags(
    group: argparse._ArgumentGroup,
    parse_duration_ms: Callable[[str], int],
    parse_size_bytes: Callable[[str], int],
) -> None:
    """Define every compatibility flag on ``group`` (argparse's group type is private)."""
    types: dict[str, Callable[[str], Any]] = {
        "str": str,
        "int": lambda text: int(float(text)),  # kingpin accepts 5e7 for ints
        "float": float,
        "duration": parse_duration_ms,
        "size": parse_size_bytes,
        "list": str,
    }
    for flag in (*WIRED, *INERT, *REFUSED):
        option = "--" + flag.name
        if flag.kind == "bool":
            group.add_argument(
                option,
                dest=flag.dest,
                action=argparse.BooleanOptionalAction,
                default=flag.default,
                help=flag.help,
            )
            continue
        default = flag.default
        if flag.kind in ("duration", "size") and default != "":
            default = types[flag.kind](default)
        elif default == "":
            default = None
        group.add_argument(
            option,
            dest=flag.dest,
            type=types[flag.kind],
            default=default,
            action="append" if flag.kind == "list" else "store",
            help=flag.help,
        )


def check_compat_flags(args: argparse.Namespace) -> str | None:
    """Warn about inert flags that were set; return an error for refused ones."""
    for flag in REFUSED:
        value = getattr(args, flag.dest, None)
        if value:
            return f"--{flag.name}: {flag.help}"
    for flag in INERT:
        value = getattr(args, flag.dest, None)
        default = flag.default if flag.kind == "bool" else None
        if value != default and not (flag.name == "web.route-prefix" and value in ("/", "")):
            log.warning("flag --%s is accepted for compatibility and has no effect", flag.name)
    for name in features(args):
        if name not in KNOWN_FEATURES:
            log.warning("--enable-feature=%s: unknown feature name, ignored", name)
    return None


def features(args: argparse.Namespace) -> list[str]:
    """The ``--enable-feature`` names, comma lists and repeats flattened."""
    values: list[str] = getattr(args, "compat_enable_feature", None) or []
    return [n.strip() for v in values for n in v.split(",") if n.strip()]
