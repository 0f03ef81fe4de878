"""Admin endpoints over a real DB, and the DB's snapshot they rely on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from argus.model import Labels
from argus.tsdb import DB, DBOptions
from argus.web import Sources
from tests.conftest import append
from tests.web.conftest import POINTS, STEP, T0, LiveServer, ServerFactory

T_END = (T0 + STEP * (POINTS - 1)) / 1000


class Admin:
    """The same adapter server.py wires: DB methods behind ``argus.web.TSDBAdmin``."""

    def __init__(self, db: DB) -> None:
        self.db = db

    def delete(self, matchers, mint, maxt) -> None:
        self.db.delete(matchers, mint, maxt)

    def clean_tombstones(self) -> None:
        self.db.clean_tombstones()

    def snapshot(self, with_head: bool) -> str:
        return self.db.snapshot(with_head)


@pytest.fixture
def admin_server(data_db: DB, make_server: ServerFactory) -> LiveServer:
    return make_server(Sources(queryable=data_db, admin=Admin(data_db)), enable_admin_api=True)


@pytest.mark.parametrize("path", ["delete_series", "clean_tombstones", "snapshot"], ids=lambda p: p)
def test_disabled_admin_api(server: LiveServer, path: str) -> None:
    r = server.post(f"/api/v1/admin/tsdb/{path}", {"match[]": "up"})
    assert r.status == 500
    assert r.json() == {
        "status": "error",
        "errorType": "unavailable",
        "error": "admin APIs disabled",
    }


def test_delete_series_then_clean(admin_server: LiveServer) -> None:
    count = {"query": "count(http_requests_total)", "time": T_END}
    assert admin_server.get("/api/v1/query", count).json()["data"]["result"][0]["value"][1] == "6"
    r = admin_server.post(
        "/api/v1/admin/tsdb/delete_series", {"match[]": 'http_requests_total{code="500"}'}
    )
    assert r.status == 204
    assert r.body == b""
    assert admin_server.get("/api/v1/query", count).json()["data"]["result"][0]["value"][1] == "3"
    r = admin_server.request("PUT", "/api/v1/admin/tsdb/clean_tombstones")
    assert r.status == 204


def test_delete_series_needs_match(admin_server: LiveServer) -> None:
    r = admin_server.post("/api/v1/admin/tsdb/delete_series", {"start": "1"})
    assert r.status == 400
    assert r.json()["error"] == "no match[] parameter provided"
    r = admin_server.post("/api/v1/admin/tsdb/delete_series", {"match[]": "up +"})
    assert r.status == 400


def test_snapshot_over_http(admin_server: LiveServer, data_db: DB) -> None:
    r = admin_server.post("/api/v1/admin/tsdb/snapshot")
    assert r.status == 200
    name = r.json()["data"]["name"]
    snap = data_db.path / "snapshots" / name
    assert snap.is_dir()
    snapped = DB.open(snap, read_only=True)
    try:
        q = snapped.querier()
        ss = q.select([], labels_only=True)
        assert len(ss) == 11
        q.close()
    finally:
        snapped.close()
    r = admin_server.post("/api/v1/admin/tsdb/snapshot", {"skip_head": "maybe"})
    assert r.status == 400


def test_db_snapshot_links_blocks_and_copies_head(tmp_path: Path) -> None:
    db = DB.open(tmp_path / "data", DBOptions(seal_samples=1000))
    try:
        lb = [Labels.of(__name__="m", i=str(i)) for i in range(3)]
        ts = np.arange(0, 3 * 7_200_000, 60_000, dtype=np.int64)
        for series in lb:
            append(db, [series] * len(ts), ts, np.arange(len(ts), dtype=np.float64))
        db.maintain(force_cut=True)
        blocks = db.blocks()
        assert blocks
        append(db, lb, [3 * 7_200_000 + 1] * 3, [1.0, 2.0, 3.0])  # only in the head

        name = db.snapshot(with_head=False)
        linked = list((db.path / "snapshots" / name).iterdir())
        assert sorted(p.name for p in linked) == sorted(b.ulid for b in blocks)
        index = linked[0] / "index"
        assert index.stat().st_ino == (db.path / linked[0].name / "index").stat().st_ino

        full = db.snapshot(with_head=True)
        snap = DB.open(db.path / "snapshots" / full, read_only=True)
        try:
            q = snap.querier()
            ss = q.select([], 3 * 7_200_000, 3 * 7_200_000 + 1)
            assert ss.values.tolist() == [1.0, 2.0, 3.0]
            assert q.select([]).num_samples == 3 * len(ts) + 3
            q.close()
        finally:
            snap.close()
    finally:
        db.close()
