"""Targets: from discovered labels to a scrape URL and the labels of every sample.

Follows Prometheus's ``scrape/target.go``:

- :func:`populate_labels` adds the job's defaults (``job``, ``__scheme__``,
  ``__metrics_path__``, ``__scrape_interval__``, ``__scrape_timeout__``,
  ``__param_<name>``) to the discovered labels, runs ``relabel_configs``, drops the
  ``__meta_*`` labels, and defaults ``instance`` to ``__address__``;
- a target's *sample labels* are its labels without the ``__`` ones;
- :func:`mutate_sample_labels` merges them into each scraped series: with
  ``honor_labels`` the scraped value wins; otherwise the target's value wins and the
  scraped one moves to ``exported_<name>`` (prefixed again until free); then
  ``metric_relabel_configs`` run.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from argus.config import ScrapeConfig, format_duration, parse_duration
from argus.model import METRIC_NAME, Labels
from argus.model.relabel import RelabelConfig, relabel

__all__ = [
    "Target",
    "TargetError",
    "mutate_sample_labels",
    "populate_labels",
]

ADDRESS = "__address__"
SCHEME = "__scheme__"
METRICS_PATH = "__metrics_path__"
INTERVAL = "__scrape_interval__"
TIMEOUT = "__scrape_timeout__"
PARAM_PREFIX = "__param_"
META_PREFIX = "__meta_"


class TargetError(ValueError):
    """Discovered labels do not make a valid target (no address, bad interval …)."""


@dataclass(frozen=True, slots=True)
class Target:
    """One endpoint to scrape: its final labels and the job config it belongs to.

    ``labels`` keeps the internal ``__`` labels (address, scheme, path, params) that
    build the URL; ``discovered`` is the label set before relabelling (for the UI).
    """

    labels: Labels
    discovered: Labels
    config: ScrapeConfig

    def __repr__(self) -> str:
        return f"Target({self.url})"

    @property
    def sample_labels(self) -> Labels:
        """Labels added to every scraped series (no ``__`` labels)."""
        return Labels.from_sorted(p for p in self.labels if not p[0].startswith("__"))

    @property
    def interval_ms(self) -> int:
        return parse_duration(self.labels.get(INTERVAL)) or self.config.interval_ms

    @property
    def timeout_ms(self) -> int:
        return parse_duration(self.labels.get(TIMEOUT)) or self.config.timeout_ms

    @property
    def url(self) -> str:
        scheme = self.labels.get(SCHEME, "http")
        path = self.labels.get(METRICS_PATH, "/metrics")
        query: list[tuple[str, str]] = []
        overridden = {
            n[len(PARAM_PREFIX) :]: v for n, v in self.labels if n.startswith(PARAM_PREFIX)
        }
        for name, values in self.config.params:
            if name in overridden:
                query.append((name, overridden.pop(name)))
                query.extend((name, v) for v in values[1:])
            else:
                query.extend((name, v) for v in values)
        query.extend(sorted(overridden.items()))
        qs = "?" + urlencode(query) if query else ""
        return f"{scheme}://{self.labels.get(ADDRESS)}{path}{qs}"

    def offset_ms(self, interval_ms: int, seed: str = "") -> int:
        """Where in each interval this target is scraped: spread by a hash of the target.

        Prometheus hashes the target labels (plus a per-server seed) so targets of one
        job do not all start together and the same target keeps its phase on reload.
        """
        digest = hashlib.sha256((seed + repr(self.labels)).encode()).digest()
        return int.from_bytes(digest[:8], "big") % max(1, interval_ms)


def populate_labels(
    group_labels: Labels, target_labels: Labels, cfg: ScrapeConfig
) -> tuple[Labels | None, Labels]:
    """Final labels of a discovered target (``None`` if relabelling dropped it), and the
    labels before relabelling. Raises :class:`TargetError` for an unusable target."""
    lb = dict(group_labels)
    lb.update(target_labels)
    defaults = {
        "job": cfg.job_name,
        INTERVAL: format_duration(cfg.interval_ms),
        TIMEOUT: format_duration(cfg.timeout_ms),
        METRICS_PATH: cfg.metrics_path,
        SCHEME: cfg.scheme,
    }
    for name, value in defaults.items():
        if not lb.get(name):
            lb[name] = value
    for name, values in cfg.params:
        key = PARAM_PREFIX + name
        if values and not lb.get(key):
            lb[key] = values[0]
    discovered = Labels(lb.items())
    result = relabel(discovered, cfg.relabel_configs)
    if result is None:
        return None, discovered
    out = dict(result)
    address = out.get(ADDRESS, "")
    if not address:
        raise TargetError("no address")
    if "/" in address:
        raise TargetError(f"{address!r} is not a valid hostname")
    try:
        interval = parse_duration(out.get(INTERVAL, ""))
        timeout = parse_duration(out.get(TIMEOUT, ""))
    except ValueError as exc:
        raise TargetError(f"error parsing scrape interval or timeout: {exc}") from None
    if interval == 0:
        raise TargetError("scrape interval cannot be 0")
    if timeout == 0:
        raise TargetError("scrape timeout cannot be 0")
    if timeout > interval:
        raise TargetError(
            f"scrape timeout cannot be greater than scrape interval "
            f"({out[TIMEOUT]!r} > {out[INTERVAL]!r})"
        )
    for name in [n for n in out if n.startswith(META_PREFIX)]:
        del out[name]
    if not out.get("instance"):
        out["instance"] = address
    return Labels(out.items()), discovered


def mutate_sample_labels(
    scraped: Labels,
    target_labels: Labels,
    *,
    honor_labels: bool,
    rules: Sequence[RelabelConfig],
) -> Labels | None:
    """The stored labels of one scraped series; ``None`` if metric relabelling dropped it."""
    lb = dict(scraped)
    if honor_labels:
        for name, value in target_labels:
            if name not in lb:
                lb[name] = value
    else:
        conflicts = [(n, lb[n]) for n, _ in target_labels if lb.get(n)]
        lb.update(target_labels)
        for name, value in sorted(conflicts, key=lambda p: len(p[0])):
            new = name
            while True:
                new = "exported_" + new
                if not lb.get(new):
                    lb[new] = value
                    break
    result = Labels(lb.items())
    if rules:
        return relabel(result, rules)
    return result


def has_metric_name(labels: Labels) -> bool:
    return bool(labels.get(METRIC_NAME))
