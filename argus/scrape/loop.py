"""One scrape loop per target: fetch, parse, label, append, report, mark staleness.

A scrape, step by step (Prometheus's ``scrapeLoop``):

1. ask the target's circuit breaker; an open breaker skips the fetch but still records
   ``up 0`` (and the staleness markers of a failed scrape);
2. take a slot in the job's and the global bulkhead, then fetch within the timeout;
3. parse with the target's cached parser; resolve series the cache has not seen
   (merge target labels, ``metric_relabel_configs``, label limits) to storage refs,
   once per series, kept in ``refs`` indexed by cache id;
4. append the samples, staleness markers for series gone since the last scrape, and
   the synthetic series ``up``, ``scrape_duration_seconds``, ``scrape_samples_scraped``,
   ``scrape_samples_post_metric_relabeling``, ``scrape_series_added``, then commit.

A failed scrape (any :class:`~argus.scrape.errors.ScrapeError`, a parse error, a full
bulkhead) rolls back its samples and writes ``up 0`` plus staleness markers for every
series of the last good scrape, as Prometheus does.

A target that goes away (``stop()``) has its series and synthetic series marked stale
the way Prometheus's ``endOfRunStaleness`` does it: the markers carry the time of the
scrape that would have come next, and are written only after two more intervals plus
10 %, so a target that comes back meanwhile (a reload that restarts its job, a flapping
discovery source) takes the series over (:meth:`ScrapeLoop.take_over`) without a gap.
Shutting the server down writes no markers (:meth:`ScrapeLoop.cancel_end_of_run`): after
a restart the series carry on where they were.

Steady-state cost per line is the parser's dict lookup and float conversion plus
NumPy work per scrape; nothing here loops over samples in Python.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass

import numpy as np

from argus.model import METRIC_NAME, STALE_NAN, Float64Array, Int64Array, Labels, now_ms
from argus.resilience import Bulkhead, BulkheadFull, CircuitBreaker
from argus.scrape.client import ScrapeClient
from argus.scrape.errors import BreakerOpenError, InvalidSeriesError, LimitError, ScrapeError
from argus.scrape.parse import (
    NO_TIMESTAMP,
    Metadata,
    OpenMetricsParser,
    ParsedBody,
    ParseError,
    Parser,
    SeriesCache,
    TextParser,
)
from argus.scrape.target import Target, mutate_sample_labels
from argus.storage import Appendable, Appender

__all__ = ["REPORT_METRICS", "ScrapeLoop", "ScrapeReport"]

log = logging.getLogger(__name__)

UNRESOLVED = -1
DROPPED = -2
REPORT_METRICS = (
    "up",
    "scrape_duration_seconds",
    "scrape_samples_scraped",
    "scrape_samples_post_metric_relabeling",
    "scrape_series_added",
)
_COMPACT_EVERY = 10


@dataclass(frozen=True, slots=True)
class ScrapeReport:
    """Outcome of one scrape, as the targets page and API show it."""

    timestamp_ms: int
    duration_s: float
    error: str = ""
    error_kind: str = ""
    samples_scraped: int = 0
    samples_post_relabel: int = 0
    series_added: int = 0
    stale_markers: int = 0
    duplicates: int = 0
    rejected: int = 0

    @property
    def health(self) -> str:
        return "down" if self.error else "up"


class ScrapeLoop:
    """Scrapes one target until stopped. Owns the target's cache and refs; one task."""

    def __init__(
        self,
        target: Target,
        appendable: Appendable,
        client: ScrapeClient,
        *,
        breaker: CircuitBreaker | None = None,
        bulkheads: Sequence[Bulkhead] = (),
        clock_ms: Callable[[], int] = now_ms,
        offset_seed: str = "",
    ) -> None:
        self.target = target
        self.appendable = appendable
        self.client = client
        self.breaker = breaker
        self.bulkheads = tuple(bulkheads)
        self._clock_ms = clock_ms
        self._offset_seed = offset_seed
        self.cache = SeriesCache()
        self._parsers: dict[str, Parser] = {
            "text": TextParser(self.cache),
            "openmetrics": OpenMetricsParser(self.cache),
        }
        self._refs: Int64Array = np.zeros(0, dtype=np.int64)
        self._prev_refs: Int64Array = np.zeros(0, dtype=np.int64)
        self._prev_ids: Int64Array | None = None
        self._prev_all_tracked = False
        self._last_failure = ""
        self._report_refs: Int64Array | None = None
        self._iteration = 0
        self._task: asyncio.Task[None] | None = None
        self._next_at = 0.0
        self.end_of_run: asyncio.Task[None] | None = None
        self.metadata: dict[str, Metadata] = {}
        self.last: ScrapeReport | None = None
        self.failures_by_kind: dict[str, int] = {}
        self.duplicates_total = 0
        self.rejected_total = 0

    def __repr__(self) -> str:
        return f"ScrapeLoop({self.target.url})"

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self.run(), name=f"scrape {self.target.url}")

    async def run(self) -> None:
        """Scrape every interval, at this target's offset within the interval."""
        loop = asyncio.get_running_loop()
        interval_ms = self.target.interval_ms
        interval = interval_ms / 1000
        offset_ms = self.target.offset_ms(interval_ms, self._offset_seed)
        wait_ms = (offset_ms - self._clock_ms() % interval_ms) % interval_ms
        next_at = loop.time() + wait_ms / 1000
        while True:
            self._next_at = next_at
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            try:
                await self.scrape_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # A storage fault must not end the loop.
                log.exception("scrape of %s failed unexpectedly", self.target.url)
            next_at += interval
            now = loop.time()
            if next_at < now:  # Overran: skip the missed slots, keep the phase.
                next_at += ((now - next_at) // interval + 1) * interval

    async def stop(self, *, write_staleness: bool = True) -> None:
        """Stop scraping; unless told not to, schedule the end-of-run staleness markers."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if write_staleness and self.end_of_run is None and self.last is not None:
            self.end_of_run = asyncio.create_task(
                self._end_of_run_later(), name=f"end of run {self.target.url}"
            )

    def take_over(self, old: ScrapeLoop) -> None:
        """Continue ``old``'s series: its pending markers are dropped, its last scrape's
        series become this loop's, so the next scrape marks only what really vanished."""
        old.cancel_end_of_run()
        if not len(self._prev_refs):
            self._prev_refs = old._prev_refs

    def cancel_end_of_run(self) -> None:
        """Drop pending end-of-run markers (shutdown, or a new loop took the series over)."""
        if self.end_of_run is not None:
            self.end_of_run.cancel()

    async def _end_of_run_later(self) -> None:
        loop = asyncio.get_running_loop()
        interval = self.target.interval_ms / 1000
        next_at = self._next_at
        if next_at <= loop.time():
            next_at += ((loop.time() - next_at) // interval + 1) * interval
        await asyncio.sleep(next_at - loop.time())
        stale_ts = self._clock_ms()
        await asyncio.sleep(interval * 1.1)
        try:
            self._end_of_run_staleness(stale_ts)
        except Exception:  # A storage fault must not escape a background task.
            log.exception("end-of-run staleness markers for %s failed", self.target.url)

    # -- one scrape --------------------------------------------------------------------

    async def scrape_once(self) -> ScrapeReport:
        self._iteration += 1
        ts = self._clock_ms()
        started = time.perf_counter()
        timeout_s = self.target.timeout_ms / 1000
        app: Appender | None = None
        error: ScrapeError | ParseError | BulkheadFull | None = None
        report: ScrapeReport
        if self.breaker is not None and not self.breaker.allow():
            # Keep the failure that opened the breaker in view (targets page, API).
            cause = f" after: {self._last_failure}" if self._last_failure else ""
            error = BreakerOpenError(
                f"circuit breaker open: next probe in {self.breaker.retry_after():.0f}s{cause}"
            )
        else:
            try:
                async with AsyncExitStack() as stack:
                    for bulkhead in self.bulkheads:
                        remaining = timeout_s - (time.perf_counter() - started)
                        await stack.enter_async_context(bulkhead.slot(max(0.0, remaining)))
                    remaining = max(0.001, timeout_s - (time.perf_counter() - started))
                    resp = await self.client.fetch(
                        self.target.url, remaining, self.target.config.body_size_limit or 0
                    )
                parsed = self._parsers[resp.format].parse(resp.body)
                app = self.appendable.appender()
                report = self._append_scrape(app, parsed, ts, started)
                result = app.commit()
                if result.num_rejected:
                    # Out-of-order or duplicate timestamps: stored the rest, say how many not.
                    report = dataclasses.replace(report, rejected=result.num_rejected)
                if self.breaker is not None:
                    self.breaker.record_success()
            except (ScrapeError, ParseError, BulkheadFull) as exc:
                if app is not None:
                    app.rollback()
                if self.breaker is not None:
                    self.breaker.record_failure()
                error = exc
        if error is not None:
            if not isinstance(error, BreakerOpenError):
                self._last_failure = str(error)
            report = self._append_failure(error, ts, started)
        else:
            self._last_failure = ""
        self.duplicates_total += report.duplicates
        self.rejected_total += report.rejected
        self.last = report
        return report

    def _append_scrape(
        self, app: Appender, parsed: ParsedBody, ts: int, started: float
    ) -> ScrapeReport:
        cfg = self.target.config
        ids = parsed.ids
        self.cache.mark_seen(ids, self._iteration)
        self._grow_refs()
        unresolved = np.unique(ids[self._refs[ids] == UNRESOLVED])
        if len(unresolved):
            self._resolve(app, unresolved)
        refs = self._refs[ids]
        keep = refs >= 0
        refs = refs[keep]
        post = len(refs)
        if cfg.sample_limit and post > cfg.sample_limit:
            raise LimitError(f"sample limit exceeded: {post} samples, limit {cfg.sample_limit}")
        values: Float64Array = parsed.values[keep]
        stamps = np.full(post, ts, dtype=np.int64)
        explicit = None
        if parsed.timestamps is not None and cfg.honor_timestamps:
            exposed = parsed.timestamps[keep]
            explicit = exposed != NO_TIMESTAMP
            stamps = np.where(explicit, exposed, stamps)
        duplicates = 0
        same_lines = self._prev_ids is not None and np.array_equal(ids, self._prev_ids)
        if not same_lines:
            _, first = np.unique(refs, return_index=True)
            if len(first) < post:
                duplicates = post - len(first)
                order = np.sort(first)
                refs, values, stamps = refs[order], values[order], stamps[order]
                if explicit is not None:
                    explicit = explicit[order]
        all_tracked = explicit is None or cfg.track_timestamps_staleness
        if same_lines and all_tracked and self._prev_all_tracked:
            # Steady state: the same lines as last time, so the same series; nothing
            # went stale and the sorted set of last refs stands (saves three sorts).
            stale = refs[:0]
        else:
            tracked = refs if all_tracked else refs[~explicit]  # type: ignore[operator]
            stale = np.setdiff1d(self._prev_refs, tracked)
            self._prev_refs = np.unique(tracked)
        app.append(refs, stamps, values)
        if len(stale):
            self._append_stale(app, stale, ts)
        self._prev_ids = ids
        self._prev_all_tracked = all_tracked
        self.metadata.update(parsed.metadata)
        report = ScrapeReport(
            timestamp_ms=ts,
            duration_s=time.perf_counter() - started,
            samples_scraped=len(ids),
            samples_post_relabel=post,
            series_added=len(parsed.new_ids),
            stale_markers=len(stale),
            duplicates=duplicates,
        )
        self._append_report(app, report, up=1.0)
        if self._iteration % _COMPACT_EVERY == 0:
            self._compact()
        return report

    def _append_failure(
        self, error: ScrapeError | ParseError | BulkheadFull, ts: int, started: float
    ) -> ScrapeReport:
        kind = getattr(error, "kind", "parse" if isinstance(error, ParseError) else "bulkhead")
        self.failures_by_kind[kind] = self.failures_by_kind.get(kind, 0) + 1
        app = self.appendable.appender()
        stale = self._prev_refs
        if len(stale):
            self._append_stale(app, stale, ts)
        self._prev_refs = np.zeros(0, dtype=np.int64)
        self._prev_ids = None
        report = ScrapeReport(
            timestamp_ms=ts,
            duration_s=time.perf_counter() - started,
            error=str(error),
            error_kind=kind,
            stale_markers=len(stale),
        )
        self._append_report(app, report, up=0.0)
        app.commit()
        return report

    # -- series resolution ---------------------------------------------------------------

    def _grow_refs(self) -> None:
        n = len(self.cache)
        if len(self._refs) < n:
            grown = np.full(max(n, 2 * len(self._refs)), UNRESOLVED, dtype=np.int64)
            grown[: len(self._refs)] = self._refs
            self._refs = grown

    def _resolve(self, app: Appender, ids: Int64Array) -> None:
        """Labels and storage refs for series first seen (or not yet storable)."""
        cfg = self.target.config
        target_labels = self.target.sample_labels
        keep_ids: list[int] = []
        keep_labels: list[Labels] = []
        for sid in ids.tolist():
            scraped = self.cache.labels[sid]
            assert scraped is not None, "a released series is resolved already"
            labels = mutate_sample_labels(
                scraped,
                target_labels,
                honor_labels=cfg.honor_labels,
                rules=cfg.metric_relabel_configs,
            )
            if labels is None:
                self._refs[sid] = DROPPED
                continue
            self._check_limits(labels)
            keep_ids.append(sid)
            keep_labels.append(labels)
        if keep_ids:
            self._refs[np.asarray(keep_ids, dtype=np.int64)] = app.series_refs(keep_labels)
        self.cache.release(ids)

    def _check_limits(self, labels: Labels) -> None:
        cfg = self.target.config
        name = labels.get(METRIC_NAME)
        if not name:
            raise InvalidSeriesError(f"missing metric name (__name__ label) in {labels!r}")
        if cfg.label_limit and len(labels) > cfg.label_limit:
            raise LimitError(
                f"label_limit exceeded (metric: {name[:50]}, number of labels: {len(labels)}, "
                f"limit: {cfg.label_limit})"
            )
        for n, v in labels:
            if cfg.label_name_length_limit and len(n) > cfg.label_name_length_limit:
                raise LimitError(
                    f"label_name_length_limit exceeded (metric: {name[:50]}, label name: "
                    f"{n[:50]}, length: {len(n)}, limit: {cfg.label_name_length_limit})"
                )
            if cfg.label_value_length_limit and len(v) > cfg.label_value_length_limit:
                raise LimitError(
                    f"label_value_length_limit exceeded (metric: {name[:50]}, label name: "
                    f"{n[:50]}, value: {v[:50]!r}, length: {len(v)}, "
                    f"limit: {cfg.label_value_length_limit})"
                )

    def _compact(self) -> None:
        """Forget series not seen in the last two scrapes (bounded memory per target)."""
        remap = self.cache.compact(oldest=self._iteration - 1)
        if remap is None:
            return
        old = self._refs[: len(remap)]
        moved = remap >= 0
        refs = np.full(len(self.cache), UNRESOLVED, dtype=np.int64)
        refs[remap[moved]] = old[moved]
        self._refs = refs
        self._prev_ids = None

    # -- synthetic series and staleness -----------------------------------------------------

    def _report_labels(self) -> list[Labels]:
        base = self.target.sample_labels
        return [Labels((*base, (METRIC_NAME, name))) for name in REPORT_METRICS]

    def _append_report(self, app: Appender, report: ScrapeReport, *, up: float) -> None:
        if self._report_refs is None:
            self._report_refs = app.series_refs(self._report_labels())
        values = np.array(
            [
                up,
                report.duration_s,
                report.samples_scraped,
                report.samples_post_relabel,
                report.series_added,
            ],
            dtype=np.float64,
        )
        app.append(
            self._report_refs, np.full(len(values), report.timestamp_ms, dtype=np.int64), values
        )

    @staticmethod
    def _append_stale(app: Appender, refs: Int64Array, ts: int) -> None:
        app.append(refs, np.full(len(refs), ts, dtype=np.int64), np.full(len(refs), STALE_NAN))

    def _end_of_run_staleness(self, ts: int) -> None:
        refs = self._prev_refs
        if self._report_refs is not None:
            refs = np.concatenate([refs, self._report_refs])
        if not len(refs):
            return
        # Strictly after the last scrape: a marker at the same time would be a duplicate.
        if self.last is not None:
            ts = max(ts, self.last.timestamp_ms + 1)
        app = self.appendable.appender()
        self._append_stale(app, refs, ts)
        app.commit()
        self._prev_refs = np.zeros(0, dtype=np.int64)
