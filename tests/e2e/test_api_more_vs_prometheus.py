"""The endpoints beyond queries, against the real Prometheus on the same data.

``query_exemplars`` (Argus keeps no exemplars; a backfilled Prometheus has none either,
so both answer ``[]``), ``scrape_pools``, ``targets?scrapePool=``/``state=`` with no
scrape configs, and ``status/tsdb`` with ``limit`` (the backfilled data is in blocks,
so both heads are empty). Answers must be identical, except where Prometheus 3.x's shape
is what Argus follows and Debian's 2.42 predates it (listed in :data:`NEWER_THAN_242`).
"""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.test_api_vs_prometheus import PROMETHEUS, PROMTOOL, Peers, S, fetch, start_peers

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not (os.path.exists(PROMETHEUS) and os.path.exists(PROMTOOL)),
        reason="Prometheus/promtool not installed (Debian package 'prometheus')",
    ),
]

NEWER_THAN_242 = {"droppedTargetCounts"}
"""Keys Prometheus added after 2.42 (3.x answers them; 2.42 does not)."""

Params = list[tuple[str, str]]
SAME: list[tuple[str, Params]] = [
    ("/api/v1/query_exemplars", [("query", "node_load1")]),
    (
        "/api/v1/query_exemplars",
        [("query", "rate(http_request_duration_seconds_bucket[5m])"), ("start", str(S))],
    ),
    ("/api/v1/query_exemplars", [("query", "up"), ("start", str(S)), ("end", str(S + 60))]),
    ("/api/v1/scrape_pools", []),
    ("/api/v1/targets", []),
    ("/api/v1/targets", [("scrapePool", "nope")]),
    ("/api/v1/targets", [("state", "active")]),
    ("/api/v1/targets", [("state", "dropped"), ("scrapePool", "x")]),
    ("/api/v1/status/tsdb", []),
    ("/api/v1/status/tsdb", [("limit", "3")]),
    # Bounded metadata lookups: decided per block and series time bounds, as Prometheus.
    ("/api/v1/label/__name__/values", [("start", str(S + 3600)), ("end", str(S + 7200))]),
    ("/api/v1/labels", [("start", str(S)), ("end", str(S + 600))]),
    ("/api/v1/series", [("match[]", "node_load1"), ("start", str(S + 60)), ("end", str(S + 120))]),
    ("/api/v1/label/__name__/values", [("start", str(S + 86_400)), ("end", str(S + 90_000))]),
]
ERRORS: list[tuple[str, Params]] = [
    ("/api/v1/query_exemplars", [("query", "up"), ("start", "x")]),
    ("/api/v1/query_exemplars", [("query", "up"), ("end", "2020-13-01T00:00:00Z")]),
    ("/api/v1/query_exemplars", [("query", "up"), ("start", "10"), ("end", "5")]),
    ("/api/v1/query_exemplars", [("query", "up +")]),
    ("/api/v1/query_exemplars", []),
]


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    yield from start_peers(tmp_path_factory.mktemp("peers-more"))


def _comparable(doc: Any) -> Any:
    """Without 3.x-only keys, and without an empty head's time bounds: Prometheus starts
    an empty head at the end of its last block, Argus reports an empty range (int64
    max/min, as Prometheus does for an empty database)."""
    data = doc.get("data")
    if isinstance(data, dict):
        for key in NEWER_THAN_242:
            data.pop(key, None)
        head = data.get("headStats")
        if head is not None and head["numSeries"] == 0:
            del head["minTime"], head["maxTime"]
    return doc


@pytest.mark.parametrize(("path", "params"), SAME, ids=[f"{p} {q}" for p, q in SAME])
def test_same_answer(peers: Peers, path: str, params: Params) -> None:
    ps, prom = fetch(peers.prometheus, path, params)
    as_, ours = fetch(peers.argus, path, params)
    assert (as_, _comparable(ours)) == (ps, _comparable(prom))


@pytest.mark.parametrize(("path", "params"), ERRORS, ids=[f"{p} {q}" for p, q in ERRORS])
def test_same_error(peers: Peers, path: str, params: Params) -> None:
    ps, prom = fetch(peers.prometheus, path, params)
    as_, ours = fetch(peers.argus, path, params)
    assert (as_, ours["errorType"]) == (ps, prom["errorType"])
    # A query parse error is reported bare, without the "invalid parameter" prefix.
    prefixed = prom["error"].startswith("invalid parameter")
    assert ours["error"].startswith("invalid parameter") == prefixed


def test_query_without_selector_has_no_content(peers: Peers) -> None:
    """Prometheus answers 204 with no body when the query selects no series."""
    for base in (peers.prometheus, peers.argus):
        with urllib.request.urlopen(f"{base}/api/v1/query_exemplars?query=1%2B1") as r:
            assert (r.status, r.read()) == (204, b"")
