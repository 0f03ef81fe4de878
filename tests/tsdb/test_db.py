"""The database end to end on a real directory: append, seal, cut, compact, restart."""

from __future__ import annotations

import numpy as np
import pytest

from argus.model import STALE_NAN, Labels, Matcher
from argus.storage import Appender, Querier, RejectReason
from argus.tsdb import DB, DBOptions
from tests.conftest import append

H = 3_600_000
UP = [Matcher.equal("__name__", "up")]


def samples(q: Querier, matchers=UP, mint=None, maxt=None):
    s = q.select(matchers, mint, maxt)
    return {lset: list(zip(t.tolist(), v.tolist(), strict=True)) for lset, t, v in s}


def test_implements_the_storage_protocols(tmp_db: DB):
    assert isinstance(tmp_db.appender(), Appender)
    q = tmp_db.querier(0, 10)
    assert isinstance(q, Querier)
    q.close()


def test_append_then_select_by_matchers_and_time(tmp_db: DB):
    a, b = Labels.of(__name__="up", job="a"), Labels.of(__name__="up", job="b")
    append(tmp_db, [a, b, a], [1000, 1000, 2000], [1.0, 0.0, 1.5])
    append(tmp_db, [Labels.of(__name__="other")], [1000], [7.0])
    q = tmp_db.querier(0, 10_000)
    assert samples(q) == {a: [(1000, 1.0), (2000, 1.5)], b: [(1000, 0.0)]}
    assert samples(q, [*UP, Matcher.equal("job", "b")]) == {b: [(1000, 0.0)]}
    assert samples(q, mint=1500) == {a: [(2000, 1.5)]}
    assert q.label_names() == ["__name__", "job"]
    assert q.label_values("__name__") == ["other", "up"]
    assert q.label_values("job", [Matcher.equal("job", "a")]) == ["a"]


def test_rejections_are_counted_by_reason_never_silent(tmp_path):
    db = DB.open(tmp_path, DBOptions(ooo_window_ms=10_000))
    try:
        s = Labels.of(__name__="up")
        assert append(db, [s], [100_000], [1.0]).accepted == 1
        same = append(db, [s], [100_000], [1.0])
        assert same.accepted == 1 and not same.rejected  # identical re-send is a no-op
        dup = append(db, [s], [100_000], [2.0])
        assert dup.rejected == {RejectReason.DUPLICATE: 1}
        assert append(db, [s], [95_000], [0.5]).accepted == 1  # inside the OOO window
        assert append(db, [s], [95_000], [0.7]).rejected == {RejectReason.DUPLICATE: 1}
        assert append(db, [s], [80_000], [0.1]).rejected == {RejectReason.TOO_OLD: 1}
        batch = append(db, [s, s, s], [110_000, 110_000, 110_000], [3.0, 3.0, 4.0])
        assert batch.accepted == 2 and batch.rejected == {RejectReason.DUPLICATE: 1}
        q = db.querier(0, 200_000)
        assert samples(q) == {s: [(95_000, 0.5), (100_000, 1.0), (110_000, 3.0)]}
    finally:
        db.close()


def test_out_of_order_is_rejected_without_a_window(tmp_db: DB):
    s = Labels.of(__name__="up")
    append(tmp_db, [s], [10_000], [1.0])
    assert append(tmp_db, [s], [5_000], [1.0]).rejected == {RejectReason.OUT_OF_ORDER: 1}


def test_stale_markers_survive_head_seal_block_and_restart_bit_exact(tmp_path):
    db = DB.open(tmp_path, DBOptions(seal_samples=2))
    s = Labels.of(__name__="up")
    append(db, [s, s, s], [0, 15_000, 30_000], [1.0, STALE_NAN, float("nan")])
    append(db, [s], [4 * H], [2.0])
    db.maintain()
    assert db.blocks(), "the first window should have been cut into a block"
    db.close()
    db = DB.open(tmp_path)
    try:
        got = db.querier(0, 5 * H).select(UP)
        bits = got.values.view(np.uint64).tolist()
        assert bits[1] == 0x7FF0000000000002
        assert np.isnan(got.values[2]) and bits[2] != bits[1]
        assert got.ts.tolist() == [0, 15_000, 30_000, 4 * H]
    finally:
        db.close()


def test_cut_compact_and_restart_keep_every_sample(tmp_path):
    rng = np.random.default_rng(7)
    opts = DBOptions(seal_samples=500, retention_ms=30 * 24 * H)
    db = DB.open(tmp_path, opts)
    series = [Labels.of(__name__="up", instance=f"i{i}") for i in range(20)]
    expected: dict[Labels, list[tuple[int, float]]] = {s: [] for s in series}
    step = 60_000
    for t in range(0, 20 * H, step):
        vals = rng.integers(0, 100, len(series)).astype(float)
        append(db, series, [t] * len(series), vals)
        for s, v in zip(series, vals.tolist(), strict=True):
            expected[s].append((t, v))
        if t % H == 0:
            db.maintain()
    db.maintain()
    metas = db.blocks()
    assert len(metas) >= 2
    assert any(m.level > 1 for m in metas), f"expected a compacted block in {metas}"
    assert samples(db.querier(0, 20 * H)) == expected
    db.close()
    db = DB.open(tmp_path, opts)
    try:
        assert samples(db.querier(0, 20 * H)) == expected
        assert samples(db.querier(5 * H, 6 * H)) == {
            s: [p for p in v if 5 * H <= p[0] <= 6 * H] for s, v in expected.items()
        }
    finally:
        db.close()


def test_model_based_random_appends_seals_cuts_and_restarts(tmp_path):
    """Random workload against a dict reference, reopening the DB along the way."""
    rng = np.random.default_rng(11)
    opts = DBOptions(seal_samples=300, ooo_window_ms=30 * 60_000)
    db = DB.open(tmp_path, opts)
    series = [Labels.of(__name__="up", k=str(i)) for i in range(15)]
    ref: dict[Labels, dict[int, float]] = {s: {} for s in series}
    t = 0
    try:
        for round_ in range(60):
            k = int(rng.integers(1, 40))
            idx = rng.integers(0, len(series), k)
            ts = t + rng.integers(-20 * 60_000, 60_000, k)
            vals = rng.integers(0, 5, k).astype(float)
            app = db.appender()
            refs = app.series_refs([series[i] for i in idx])
            app.append(refs, ts.astype(np.int64), vals)
            res = app.commit()
            # Reference. Jitter stays inside the OOO window and above any cut, so the
            # rules reduce to: a new timestamp is stored, a known one is a no-op if the
            # value is identical and a rejected duplicate otherwise.
            accepted = 0
            for i, tt, v in zip(idx.tolist(), ts.tolist(), vals.tolist(), strict=True):
                d = ref[series[i]]
                if tt in d:
                    accepted += d[tt] == v
                else:
                    d[tt] = v
                    accepted += 1
            assert res.accepted == accepted
            t += 5 * 60_000
            if round_ % 7 == 3:
                db.maintain()
            if round_ % 13 == 12:
                db.close()
                db = DB.open(tmp_path, opts)
        expect = {s: sorted(d.items()) for s, d in ref.items() if d}
        assert samples(db.querier(-H, t + H)) == expect
    finally:
        db.close()


def test_delete_series_tombstones_head_and_blocks_then_cleans(tmp_path):
    db = DB.open(tmp_path, DBOptions(seal_samples=10))
    a, b = Labels.of(__name__="up", job="a"), Labels.of(__name__="up", job="b")
    for t in range(0, 5 * H, 15 * 60_000):
        append(db, [a, b], [t, t], [1.0, 2.0])
    db.maintain()
    assert db.blocks()
    db.delete([Matcher.equal("job", "a")], H, 4 * H)
    got = samples(db.querier(0, 5 * H))
    assert all(not (H <= t <= 4 * H) for t, _ in got[a])
    assert len(got[b]) == 20
    db.clean_tombstones()
    assert samples(db.querier(0, 5 * H)) == got
    db.close()


def test_interrupted_compaction_and_leftovers_are_cleaned_at_open(tmp_path):
    from argus.tsdb import write_block

    lab = [Labels.of(__name__="up")]
    m1 = write_block(tmp_path, lab, np.array([0, 1]), np.array([0]), np.array([1.0]))
    m2 = write_block(tmp_path, lab, np.array([0, 1]), np.array([2 * H]), np.array([2.0]))
    assert m1 and m2
    write_block(
        tmp_path,
        lab,
        np.array([0, 2]),
        np.array([0, 2 * H]),
        np.array([1.0, 2.0]),
        level=2,
        parents=[m1.ulid, m2.ulid],
    )
    (tmp_path / "01ARZ3NDEKTSV4RRFFQ69G5FAV.tmp-for-creation").mkdir()
    db = DB.open(tmp_path)
    try:
        metas = db.blocks()
        assert [m.level for m in metas] == [2]
        assert not (tmp_path / m1.ulid).exists()
        assert not list(tmp_path.glob("*.tmp-*"))
        assert samples(db.querier(0, 3 * H)) == {lab[0]: [(0, 1.0), (2 * H, 2.0)]}
    finally:
        db.close()


def test_corrupt_block_is_quarantined_and_the_rest_stays_queryable(tmp_path, caplog):
    from argus.tsdb import write_block

    lab = [Labels.of(__name__="up")]
    good = write_block(tmp_path, lab, np.array([0, 1]), np.array([0]), np.array([1.0]))
    bad = write_block(tmp_path, lab, np.array([0, 1]), np.array([3 * H]), np.array([2.0]))
    assert good and bad
    index = tmp_path / bad.ulid / "index"
    data = bytearray(index.read_bytes())
    data[5] ^= 0xFF
    index.write_bytes(bytes(data))
    db = DB.open(tmp_path)
    try:
        assert [m.ulid for m in db.blocks()] == [good.ulid]
        assert (tmp_path / "quarantine" / bad.ulid).exists()
        assert "unreadable" in caplog.text and bad.ulid in caplog.text
        assert samples(db.querier(0, 4 * H)) == {lab[0]: [(0, 1.0)]}
        append(db, lab, [4 * H], [3.0])  # and the DB keeps taking writes
    finally:
        db.close()


def test_retention_by_time_counts_back_from_newest_block(tmp_path):
    from argus.tsdb import write_block

    lab = [Labels.of(__name__="up")]
    day = 24 * H
    old = write_block(tmp_path, lab, np.array([0, 1]), np.array([0]), np.array([1.0]))
    mid = write_block(tmp_path, lab, np.array([0, 1]), np.array([20 * day]), np.array([1.0]))
    new = write_block(tmp_path, lab, np.array([0, 1]), np.array([30 * day]), np.array([1.0]))
    assert old and mid and new
    db = DB.open(tmp_path, DBOptions(retention_ms=15 * day, max_block_ms=2 * H))
    try:
        db.maintain()
        assert sorted(m.ulid for m in db.blocks()) == sorted([mid.ulid, new.ulid])
    finally:
        db.close()


def test_retention_by_size_keeps_newest(tmp_path):
    from argus.tsdb import write_block

    lab = [Labels.of(__name__="up")]
    metas = [
        write_block(tmp_path, lab, np.array([0, 1]), np.array([i * 3 * H]), np.array([1.0]))
        for i in range(4)
    ]
    one = sum(p.stat().st_size for p in (tmp_path / metas[0].ulid).iterdir())  # type: ignore[union-attr]
    db = DB.open(tmp_path, DBOptions(retention_bytes=int(one * 2.5), max_block_ms=2 * H))
    try:
        db.maintain()
        kept = [m.ulid for m in db.blocks()]
        assert kept == [metas[2].ulid, metas[3].ulid]  # type: ignore[union-attr]
    finally:
        db.close()


def test_running_db_picks_up_backfilled_blocks(tmp_db: DB):
    from argus.tsdb import write_block

    lab = [Labels.of(__name__="up", src="backfill")]
    write_block(tmp_db.path, lab, np.array([0, 2]), np.array([0, 15_000]), np.array([1.0, 2.0]))
    tmp_db.maintain()
    assert samples(tmp_db.querier(0, 20_000)) == {lab[0]: [(0, 1.0), (15_000, 2.0)]}


def test_second_writer_is_refused(tmp_db: DB):
    from argus.storage import StorageError

    with pytest.raises(StorageError, match="locked"):
        DB.open(tmp_db.path)


def test_label_queries_skip_the_head_outside_its_time_range(tmp_db: DB):
    append(tmp_db, [Labels.of(__name__="up", job="a")], [10 * H], [1.0])
    q = tmp_db.querier(0, H)
    assert q.label_values("job") == []
    assert q.select(UP, labels_only=True).labels == []
    assert tmp_db.querier(9 * H, 11 * H).label_values("job") == ["a"]
