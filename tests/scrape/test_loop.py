"""Scrape loops against real HTTP targets on 127.0.0.1 and a real DB in tmp_path."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import pytest

from argus.config import load_string
from argus.model import Labels, Matcher, is_stale, now_ms
from argus.resilience import BreakerOptions, Bulkhead, CircuitBreaker
from argus.scrape.client import ScrapeClient
from argus.scrape.loop import ScrapeLoop
from argus.scrape.target import Target, populate_labels
from argus.tsdb import DB
from tests.scrape.server import TargetServer


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000_000

    def __call__(self) -> int:
        return self.now


def make_loop(db: DB, address: str, job_yaml: str = "", **kwargs: Any) -> ScrapeLoop:
    cfg = load_string(f"scrape_configs:\n  - job_name: test\n{job_yaml}")
    sc = cfg.scrape_configs[0]
    labels, discovered = populate_labels(Labels(), Labels.of(__address__=address), sc)
    assert labels is not None
    kwargs.setdefault("clock_ms", Clock())
    return ScrapeLoop(Target(labels, discovered, sc), db, ScrapeClient(sc), **kwargs)


def series(db: DB, name: str) -> dict[Labels, list[tuple[int, float]]]:
    q = db.querier(0, 2**62)
    out = {}
    for labels, ts, vals in q.select([Matcher.equal("__name__", name)]):
        out[labels] = list(zip(ts.tolist(), vals.tolist(), strict=True))
    q.close()
    return out


def values(db: DB, name: str) -> list[float]:
    (points,) = series(db, name).values()
    return [v for _, v in points]


def run(tmp_db: DB, body: Callable[[TargetServer, DB], Awaitable[None]]) -> None:
    async def main() -> None:
        async with TargetServer() as server:
            await body(server, tmp_db)

    asyncio.run(main())


def test_scrape_stores_samples_and_synthetic_series(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        server.expo.body = b'# HELP a_total A.\n# TYPE a_total counter\na_total{x="1"} 3\nb 4.5\n'
        loop = make_loop(db, server.address)
        report = await loop.scrape_once()
        await loop.client.close()
        assert report.health == "up", report.error
        got = series(db, "a_total")
        assert list(got) == [
            Labels.of(__name__="a_total", instance=server.address, job="test", x="1")
        ]
        assert next(iter(got.values())) == [(1_700_000_000_000, 3.0)]
        assert values(db, "up") == [1.0]
        assert values(db, "scrape_samples_scraped") == [2.0]
        assert values(db, "scrape_samples_post_metric_relabeling") == [2.0]
        assert values(db, "scrape_series_added") == [2.0]
        assert values(db, "scrape_duration_seconds")[0] > 0
        assert loop.metadata["a_total"].help == "A."
        assert server.expo.requests[0]["Accept"] == (
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,"
            "application/openmetrics-text;version=0.0.1;q=0.5,"
            "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,"
            "text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
        )

    run(tmp_db, body)


def test_vanished_series_and_failed_scrape_get_stale_markers(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        clock = Clock()
        loop = make_loop(db, server.address, clock_ms=clock)
        server.expo.body = b"a 1\nb 2\n"
        await loop.scrape_once()
        clock.now += 15_000
        server.expo.body = b"a 1\n"
        await loop.scrape_once()
        (b_points,) = series(db, "b").values()
        assert b_points[0] == (clock.now - 15_000, 2.0)
        assert b_points[1][0] == clock.now and is_stale(np.array([b_points[1][1]]))[0]
        clock.now += 15_000
        server.expo.status = 500
        report = await loop.scrape_once()
        assert report.error == "server returned HTTP status 500 Internal Server Error"
        (a_points,) = series(db, "a").values()
        assert a_points[-1][0] == clock.now and is_stale(np.array([a_points[-1][1]]))[0]
        assert values(db, "up") == [1.0, 1.0, 0.0]
        await loop.client.close()

    run(tmp_db, body)


FAST = "    scrape_interval: 100ms\n    scrape_timeout: 90ms\n"


def test_stop_marks_everything_stale_at_the_next_slot_two_intervals_later(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        loop = make_loop(db, server.address, FAST, clock_ms=now_ms)
        await loop.scrape_once()
        await loop.stop()
        stopped = time.monotonic()
        assert loop.end_of_run is not None
        await asyncio.sleep(0.1)
        # Not yet: a target that comes back within two intervals keeps its series.
        (points,) = series(db, "up").values()
        assert not is_stale(np.array([points[-1][1]]))[0]
        await loop.end_of_run
        assert time.monotonic() - stopped >= 0.11
        await loop.client.close()
        assert loop.last is not None
        last_ts = loop.last.timestamp_ms
        for name in ("up_like", "up", "scrape_duration_seconds"):
            (points,) = series(db, name).values()
            ts, value = points[-1]
            assert is_stale(np.array([value]))[0], name
            # Stamped with the slot the next scrape would have had, not the write time.
            assert 1 <= ts - last_ts <= 160, (name, ts - last_ts)

    run(tmp_db, body)


def test_a_new_loop_takes_the_series_over_and_marks_only_what_vanished(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        server.expo.body = b"a 1\nb 2\n"
        old = make_loop(db, server.address, FAST, clock_ms=now_ms)
        await old.scrape_once()
        await old.stop()
        server.expo.body = b"a 1\n"
        new = make_loop(db, server.address, FAST, clock_ms=now_ms)
        new.take_over(old)
        await new.scrape_once()
        await asyncio.sleep(0.35)  # past the old loop's end of run
        assert old.end_of_run is not None and old.end_of_run.cancelled()
        (a_points,) = series(db, "a").values()
        assert not any(is_stale(np.array([v]))[0] for _, v in a_points)
        (b_points,) = series(db, "b").values()
        assert is_stale(np.array([b_points[-1][1]]))[0]
        assert new.last is not None and b_points[-1][0] == new.last.timestamp_ms
        await old.client.close()
        await new.client.close()

    run(tmp_db, body)


def test_stop_without_staleness_writes_no_markers(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        loop = make_loop(db, server.address, FAST)
        await loop.scrape_once()
        await loop.stop(write_staleness=False)
        await loop.client.close()
        assert loop.end_of_run is None
        assert values(db, "up") == [1.0]

    run(tmp_db, body)


@pytest.mark.parametrize(
    ("honor", "want"),
    [
        (False, {"job": "test", "exported_job": "theirs", "exported_instance": "x"}),
        (True, {"job": "theirs", "instance": "x"}),
    ],
)
def test_honor_labels(tmp_db, honor, want):
    async def body(server: TargetServer, db: DB) -> None:
        server.expo.body = b'm{job="theirs",instance="x"} 1\n'
        loop = make_loop(db, server.address, f"    honor_labels: {str(honor).lower()}\n")
        await loop.scrape_once()
        await loop.client.close()
        (labels,) = series(db, "m")
        for name, value in want.items():
            assert labels.get(name) == value
        if not honor:
            assert labels.get("instance") == server.address

    run(tmp_db, body)


def test_metric_relabel_and_explicit_timestamps(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        server.expo.body = b"keep_me 1 1600000000000\ndrop_me 2\n"
        job = (
            "    metric_relabel_configs:\n"
            "      - source_labels: [__name__]\n        regex: drop_.*\n        action: drop\n"
        )
        loop = make_loop(db, server.address, job)
        report = await loop.scrape_once()
        await loop.client.close()
        assert (report.samples_scraped, report.samples_post_relabel) == (2, 1)
        assert series(db, "drop_me") == {}
        assert list(series(db, "keep_me").values()) == [[(1_600_000_000_000, 1.0)]]

    run(tmp_db, body)


@pytest.mark.parametrize(
    ("job", "expo", "error"),
    [
        ("    sample_limit: 1\n", {"body": b"a 1\nb 2\n"}, "sample limit exceeded"),
        ("    label_limit: 2\n", {"body": b'a{x="1",y="2"} 1\n'}, "label_limit exceeded"),
        ("    body_size_limit: 10B\n", {"body": b"a 1\n" * 10}, "body size limit exceeded"),
        ("", {"content_type": "application/json"}, "unsupported Content-Type"),
        ("", {"body": b"a 1\nb{ 2\n"}, "line 2:"),
        ("", {"body": b'a{x="1",x="2"} 1\n'}, "duplicate label name"),
        ("    scrape_timeout: 100ms\n", {"delay": 1.0}, "timed out after 0.1s"),
    ],
    ids=[
        "sample_limit",
        "label_limit",
        "body_size",
        "content_type",
        "parse",
        "dup_label",
        "timeout",
    ],
)
def test_bad_targets_fail_cleanly(tmp_db, job, expo, error):
    async def body(server: TargetServer, db: DB) -> None:
        for key, value in expo.items():
            setattr(server.expo, key, value)
        loop = make_loop(db, server.address, job)
        report = await loop.scrape_once()
        await loop.client.close()
        assert error in report.error
        assert values(db, "up") == [0.0]
        assert series(db, "a") == {}

    run(tmp_db, body)


def test_fallback_protocol_gzip_and_openmetrics(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        server.expo.content_type = ""
        server.expo.gzip = True
        server.expo.body = b"# TYPE c counter\nc_total 5 1600000000.5\n# EOF\n"
        loop = make_loop(db, server.address, "    fallback_scrape_protocol: OpenMetricsText1.0.0\n")
        report = await loop.scrape_once()
        await loop.client.close()
        assert report.error == ""
        assert list(series(db, "c_total").values()) == [[(1_600_000_000_500, 5.0)]]
        assert server.expo.requests[0]["Accept-Encoding"] == "gzip"

    run(tmp_db, body)


def test_auth_params_and_path_reach_the_target(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        job = (
            "    metrics_path: /federate\n"
            "    params: {'match[]': ['{job=\"x\"}']}\n"
            "    basic_auth: {username: u, password: p}\n"
        )
        loop = make_loop(db, server.address, job)
        await loop.scrape_once()
        await loop.client.close()
        req = server.expo.requests[0]
        assert req["path_qs"] == "/federate?match%5B%5D=%7Bjob%3D%22x%22%7D"
        assert req["Authorization"] == "Basic dTpw"

    run(tmp_db, body)


def test_open_breaker_skips_fetch_but_records_up_zero(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        breaker = CircuitBreaker("t", BreakerOptions(min_requests=2, sleep_window=60))
        clock = Clock()
        loop = make_loop(db, server.address, breaker=breaker, clock_ms=clock)
        server.expo.status = 503
        for _ in range(3):
            await loop.scrape_once()
            clock.now += 1000
        await loop.client.close()
        assert len(server.expo.requests) == 2
        assert loop.last is not None
        assert re.fullmatch(
            r"circuit breaker open: next probe in \d+s after: "
            r"server returned HTTP status 503 Service Unavailable",
            loop.last.error,
        ), loop.last.error
        assert values(db, "up") == [0.0, 0.0, 0.0]
        assert loop.failures_by_kind == {"http_status": 2, "breaker_open": 1}

    run(tmp_db, body)


def test_full_bulkhead_fails_the_scrape_in_time(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        bulkhead = Bulkhead(1, "job")
        await bulkhead.acquire()
        loop = make_loop(db, server.address, "    scrape_timeout: 50ms\n", bulkheads=[bulkhead])
        report = await loop.scrape_once()
        await loop.client.close()
        assert "bulkhead 'job' is full" in report.error
        assert server.expo.requests == []

    run(tmp_db, body)


def test_steady_state_reuses_the_cache(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        clock = Clock()
        loop = make_loop(db, server.address, clock_ms=clock)
        server.expo.body = b"".join(b'm{i="%d"} %d\n' % (i, i) for i in range(500))
        first = await loop.scrape_once()
        for _ in range(12):  # past a cache compaction
            clock.now += 1000
            report = await loop.scrape_once()
            assert report.series_added == 0 and report.error == ""
        await loop.client.close()
        assert first.series_added == 500
        assert len(series(db, "m")) == 500

    run(tmp_db, body)


def test_rejected_samples_are_counted_not_fatal(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        clock = Clock()
        loop = make_loop(db, server.address, clock_ms=clock)
        server.expo.body = b"a 1 1600000000000\n"
        assert (await loop.scrape_once()).rejected == 0
        clock.now += 1000
        server.expo.body = b"a 2 1500000000000\n"  # older than what is stored
        report = await loop.scrape_once()
        await loop.client.close()
        assert report.error == "" and report.rejected == 1
        assert values(db, "up") == [1.0, 1.0]

    run(tmp_db, body)


def test_duplicate_series_keep_the_first_and_are_counted(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        server.expo.body = b'a{x="1"} 1\na{x="1"} 2\na{ x="1" } 3\nb 4\n'
        loop = make_loop(db, server.address)
        report = await loop.scrape_once()
        await loop.client.close()
        assert (report.error, report.duplicates) == ("", 2)
        assert values(db, "a") == [1.0]
        assert values(db, "up") == [1.0]

    run(tmp_db, body)


def test_label_sets_are_released_once_resolved(tmp_db):
    async def body(server: TargetServer, db: DB) -> None:
        clock = Clock()
        loop = make_loop(db, server.address, "    label_limit: 5\n", clock_ms=clock)
        server.expo.body = b'a{x="1"} 1\nb 2\n'
        await loop.scrape_once()
        assert loop.cache.labels == [None, None]
        clock.now += 15_000
        server.expo.body = b'a{x="1"} 1\nb 2\nc{x="1",y="2",z="3"} 3\n'
        report = await loop.scrape_once()
        assert report.error.startswith("label_limit exceeded"), report.error
        # The unresolved series keeps its label set for the next attempt.
        assert loop.cache.labels[2] == Labels.of(__name__="c", x="1", y="2", z="3")
        clock.now += 15_000
        server.expo.body = b'a{x="1"} 5\nb 6\nd 7\n'
        await loop.scrape_once()
        assert values(db, "a")[-1] == 5.0
        assert values(db, "d") == [7.0]
        await loop.client.close()

    run(tmp_db, body)
