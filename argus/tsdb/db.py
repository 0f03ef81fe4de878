"""The database: a head and its WAL, a directory of blocks, and the work between them.

Directory layout (compatible in shape with Prometheus's)::

    <path>/lock                 held while a writer has the DB open
    <path>/wal/                 segments and checkpoints (``argus.tsdb.wal``)
    <path>/<ULID>/              blocks: meta.json, index, samples, tombstones
    <path>/quarantine/<ULID>/   blocks that failed to open, moved aside, never deleted

:meth:`DB.maintain` runs one round of background work: seal and merge head segments,
cut full windows into blocks, truncate the head and checkpoint the WAL, compact, apply
retention, and pick up blocks that appeared on disk (backfills). The server runs it on a
thread every second; tests call it directly. Every step logs and survives its own
failure (a full disk, a corrupt block): the data it did not finish stays where it was.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import secrets
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from argus.model import MAX_TIME, MIN_TIME, BoolArray, Float64Array, Int64Array, Labels, Matcher
from argus.storage import AppendResult, StorageClosedError, StorageError
from argus.tsdb.block import (
    TMP_SUFFIX,
    Block,
    BlockMeta,
    fsync_dir,
    read_tombstones,
    write_block,
    write_tombstones,
)
from argus.tsdb.chunkenc import DecodedCache
from argus.tsdb.compact import merge_blocks, plan_compaction, ranges_for
from argus.tsdb.head import Head, HeadOptions
from argus.tsdb.querier import DBQuerier
from argus.tsdb.retention import beyond_retention

if TYPE_CHECKING:
    from argus.tsdb.wal import WAL

__all__ = ["DB", "DBAppender", "DBOptions"]

log = logging.getLogger("argus.tsdb")

_ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
_DELETE_SUFFIX = ".tmp-for-deletion"
DEFAULT_RETENTION_MS = 15 * 86_400_000


@dataclass(frozen=True, slots=True)
class DBOptions:
    retention_ms: int | None = None
    """Time retention; None means 15 days unless ``retention_bytes`` is set."""
    retention_bytes: int = 0
    block_range_ms: int = 2 * 3_600_000
    max_block_ms: int | None = None
    ooo_window_ms: int = 0
    wal_fsync: str = "interval"
    wal_segment_size: int = 128 * 2**20
    seal_samples: int = 1 << 20
    replay_batch: int = 1 << 22
    decoded_cache_bytes: int = 256 * 2**20
    """Size cap of the LRU of decoded block payloads shared by all blocks; 0 disables it."""

    @property
    def effective_retention_ms(self) -> int | None:
        if self.retention_ms is not None:
            return self.retention_ms or None
        return None if self.retention_bytes else DEFAULT_RETENTION_MS


@dataclass(slots=True)
class DBStats:
    blocks_cut: int = 0
    compactions: int = 0
    compactions_failed: int = 0
    retention_deleted: int = 0
    quarantined: list[str] = field(default_factory=list)
    last_error: str = ""


class DB:
    def __init__(self, path: Path, options: DBOptions, *, read_only: bool) -> None:
        self.path = path
        self.options = options
        self.read_only = read_only
        self.stats = DBStats()
        self._closed = False
        self._blocks_lock = threading.Lock()
        self._maint_lock = threading.Lock()
        self._blocks: list[Block] = []
        self._pins: dict[str, int] = {}
        self._retired: list[Block] = []
        self._lock_fd: int | None = None
        self._wal: WAL | None = None
        self.decoded_cache = DecodedCache(options.decoded_cache_bytes)
        self.head = Head(
            HeadOptions(
                block_range_ms=options.block_range_ms,
                ooo_window_ms=options.ooo_window_ms,
                seal_samples=options.seal_samples,
            )
        )

    # --- opening -----------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: str | Path, options: DBOptions | None = None, *, read_only: bool = False
    ) -> DB:
        db = cls(Path(path), options or DBOptions(), read_only=read_only)
        try:
            db._open()
        except BaseException:
            db.close()
            raise
        return db

    def _open(self) -> None:
        if self.read_only:
            if not self.path.is_dir():
                raise StorageError(f"{self.path}: no such database directory")
        else:
            self.path.mkdir(parents=True, exist_ok=True)
            self._take_lock()
            self._remove_leftovers()
        self._load_blocks()
        self.head.min_valid_time = max((b.meta.max_time for b in self._blocks), default=MIN_TIME)
        self._replay_wal()
        if not self.read_only:
            from argus.tsdb.wal import WAL, FsyncPolicy

            self._wal = WAL(
                self.path / "wal",
                segment_size=self.options.wal_segment_size,
                fsync=FsyncPolicy(self.options.wal_fsync),
            )
            self.head.wal = self._wal

    def _take_lock(self) -> None:
        fd = os.open(self.path / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise StorageError(
                f"{self.path}: locked by another process (is another Argus running on it?)"
            ) from exc
        self._lock_fd = fd

    def _remove_leftovers(self) -> None:
        for p in self.path.iterdir():
            if p.is_dir() and (p.name.endswith(TMP_SUFFIX) or p.name.endswith(_DELETE_SUFFIX)):
                log.warning("removing leftover of an interrupted write: %s", p)
                shutil.rmtree(p, ignore_errors=True)

    def _block_dirs(self) -> list[Path]:
        return sorted(p for p in self.path.iterdir() if p.is_dir() and _ULID.fullmatch(p.name))

    def _open_block(self, d: Path) -> Block | None:
        try:
            return Block(d, self.decoded_cache)
        except (StorageError, OSError, ValueError) as exc:
            log.error("block %s is unreadable and was skipped: %s", d.name, exc)
            if not self.read_only:
                qdir = self.path / "quarantine"
                qdir.mkdir(exist_ok=True)
                target = qdir / d.name
                with contextlib.suppress(OSError):
                    os.replace(d, target)
                    log.error("moved %s to %s; its data is not served", d.name, target)
            self.stats.quarantined.append(d.name)
            return None

    def _load_blocks(self) -> None:
        blocks = [b for d in self._block_dirs() if (b := self._open_block(d)) is not None]
        # A compaction that died after writing its result but before deleting its parents
        # leaves both: the parents go now.
        parents = {p for b in blocks for p in b.meta.parents}
        keep = []
        for b in blocks:
            if b.meta.ulid in parents and not self.read_only:
                log.info("deleting block %s, already compacted into a newer one", b.meta.ulid)
                b.close()
                self._delete_dir(b.dir)
            else:
                keep.append(b)
        self._blocks = sorted(keep, key=lambda b: b.meta.min_time)

    def _replay_wal(self) -> None:
        wal_dir = self.path / "wal"
        if not wal_dir.exists():
            return
        from argus.tsdb.wal import replay

        result = replay(wal_dir, logger=log, widen=False)
        self.head.series.restore(result.series_refs, result.series_labels)
        known = len(self.head.series)
        n = 0
        for refs, ts, values in result.sample_batches(self.options.replay_batch):
            ok = refs < known
            if not ok.all():
                log.warning(
                    "WAL has %d samples for series it never defined; skipped", int((~ok).sum())
                )
                refs, ts, values = refs[ok], ts[ok], values[ok]
            self.head.commit(refs, ts, values, replay=True)
            n += len(refs)
            if self.head.needs_seal():
                self.head.seal()
                self.head.merge()
        t_refs, t_min, t_max = result.tombstones
        for ref, lo, hi in zip(t_refs.tolist(), t_min.tolist(), t_max.tolist(), strict=True):
            self.head.add_tombstones(np.asarray([ref], dtype=np.int64), lo, hi)
        log.info(
            "WAL replay: %d series, %d samples, %d segments",
            len(result.series_refs),
            n,
            result.segments_read,
        )

    # --- API -----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StorageClosedError(f"{self.path}: database is closed")

    def appender(self) -> DBAppender:
        self._check_open()
        if self.read_only:
            raise StorageError(f"{self.path}: opened read-only")
        return DBAppender(self)

    def querier(self, mint: int = MIN_TIME, maxt: int = MAX_TIME) -> DBQuerier:
        self._check_open()
        with self._blocks_lock:
            blocks = [b for b in self._blocks if b.meta.max_time > mint and b.meta.min_time <= maxt]
            for b in blocks:
                self._pins[b.meta.ulid] = self._pins.get(b.meta.ulid, 0) + 1

        def release() -> None:
            with self._blocks_lock:
                for b in blocks:
                    self._pins[b.meta.ulid] -= 1
                self._close_retired()

        return DBQuerier(blocks, self.head, mint, maxt, release, self.decoded_cache)

    def blocks(self) -> list[BlockMeta]:
        with self._blocks_lock:
            return [b.meta for b in self._blocks]

    def delete(
        self, matchers: Sequence[Matcher], mint: int = MIN_TIME, maxt: int = MAX_TIME
    ) -> None:
        """Tombstone matching samples in the head and in every block (``delete_series``)."""
        self._check_open()
        with self._maint_lock:
            with self._blocks_lock:
                blocks = list(self._blocks)
            for b in blocks:
                if b.meta.max_time <= mint or b.meta.min_time > maxt:
                    continue
                ids = b.select_ids(matchers, mint, maxt)
                if not len(ids):
                    continue
                tomb = read_tombstones(b.dir)
                for sid in ids.tolist():
                    tomb.setdefault(sid, []).append((mint, maxt))
                write_tombstones(b.dir, tomb)
                b.tombstones = tomb
            self.head.delete(matchers, mint, maxt)

    def clean_tombstones(self) -> None:
        """Rewrite blocks that have tombstones without the deleted data."""
        with self._maint_lock:
            with self._blocks_lock:
                dirty = [b for b in self._blocks if b.tombstones]
            for b in dirty:
                self._compact([b])

    @property
    def min_time(self) -> int:
        with self._blocks_lock:
            times = [b.meta.min_time for b in self._blocks]
        if self.head.num_samples:
            times.append(self.head.min_time)
        return min(times, default=MIN_TIME)

    # --- background work ---------------------------------------------------------------

    def maintain(self, *, force_cut: bool = False) -> None:
        """One round of background work; errors are logged, never raised."""
        if self._closed or self.read_only:
            return
        with self._maint_lock:
            for step in (
                self._sync_wal,
                self._seal,
                lambda: self._cut(force_cut),
                self._compact_all,
                self._apply_retention,
                self._reload_blocks,
            ):
                try:
                    step()
                except Exception as exc:
                    self.stats.last_error = f"{exc}"
                    log.error("tsdb maintenance step failed: %s", exc, exc_info=True)

    def _sync_wal(self) -> None:
        if self._wal is not None:
            self._wal.sync()

    def _seal(self) -> None:
        if self.head.needs_seal():
            self.head.seal()
        self.head.merge()

    def _cut(self, force: bool) -> None:
        """Cut head windows into blocks once the head reaches 1.5 windows past their start.

        With ``force`` every sealed window is cut (tests, and ``argus tsdb`` tools).
        """
        rng = self.options.block_range_ms
        while self.head.num_samples:
            if not force and self.head.max_time - self.head.min_time <= rng * 3 // 2:
                return
            self.head.seal()
            windows = self.head.windows()
            if not windows:
                return
            w = windows[0]
            lo, hi = w * rng, (w + 1) * rng
            if not force and self.head.max_time - lo <= rng * 3 // 2:
                return
            self._cut_window(w, lo, hi)

    def _cut_window(self, w: int, lo: int, hi: int) -> None:
        labels, offsets, ts, values = self._window_series(w)
        meta = write_block(self.path, labels, offsets, ts, values, mint=lo, maxt=hi)
        if meta is not None:
            self._add_block(self.path / meta.ulid)
            self.stats.blocks_cut += 1
            log.info(
                "cut head window [%d, %d) into block %s: %d series, %d samples",
                lo,
                hi,
                meta.ulid,
                meta.num_series,
                meta.num_samples,
            )
        self.head.truncate_before(hi)
        self._checkpoint(hi)

    def _window_series(self, w: int) -> tuple[list[Labels], Int64Array, Int64Array, Float64Array]:
        """One sealed head window as a series set sorted by labels, ready for a block."""
        refs, offsets, ts, values = self.head.window_data(w)
        labels = self.head.labels_of(refs)
        order = sorted(range(len(labels)), key=labels.__getitem__)
        if order != list(range(len(labels))):
            idx = np.asarray(order, dtype=np.int64)
            counts = np.diff(offsets)[idx]
            starts = np.repeat(offsets[idx] - np.cumsum(np.r_[0, counts[:-1]]), counts)
            gather = starts + np.arange(int(counts.sum()), dtype=np.int64)
            labels = [labels[i] for i in order]
            ts, values = ts[gather], values[gather]
            offsets = np.zeros(len(idx) + 1, dtype=np.int64)
            np.cumsum(counts, out=offsets[1:])
        return labels, offsets, ts, values

    def snapshot(self, with_head: bool = True) -> str:
        """Copy the data into ``<path>/snapshots/<name>`` and return ``name``.

        Blocks are hard-linked: they are immutable (tombstones are replaced, never
        edited; compaction writes new directories), so links are a consistent copy that
        costs no space. With ``with_head`` the head's data is written there as blocks,
        one per window, so the snapshot holds every acknowledged sample; the head keeps
        its data (sealing only moves the tail into compressed segments). The name is
        Prometheus's: ``<UTC time>-<16 hex digits>``.
        """
        self._check_open()
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(8)}"
        target = self.path / "snapshots" / name
        rng = self.options.block_range_ms
        with self._maint_lock:
            target.mkdir(parents=True)
            with self._blocks_lock:
                dirs = [b.dir for b in self._blocks]
            for d in dirs:
                dest = target / d.name
                dest.mkdir()
                for f in d.iterdir():
                    if f.is_file():
                        os.link(f, dest / f.name)
            if with_head and not self.read_only:
                self.head.seal()
                for w in self.head.windows():
                    labels, offsets, ts, values = self._window_series(w)
                    write_block(
                        target, labels, offsets, ts, values, mint=w * rng, maxt=(w + 1) * rng
                    )
            fsync_dir(target)
        log.info("snapshot %s: %d blocks linked, head %s", name, len(dirs), with_head)
        return name

    def _checkpoint(self, mint: int) -> None:
        if self._wal is None:
            return
        from argus.tsdb.wal import checkpoint

        last = self._wal.cut_segment() - 1

        dead = np.frombuffer(self.head.series.dead.to_array(), dtype=np.uint32)
        known = len(self.head.series)

        def keep(refs: Int64Array) -> BoolArray:
            out: BoolArray = (refs < known) & ~np.isin(refs, dead)
            return out

        checkpoint(self._wal, upto_segment=last, keep_series=keep, mint=mint, logger=log)

    def _add_block(self, d: Path) -> None:
        b = self._open_block(d)
        if b is not None:
            with self._blocks_lock:
                self._blocks.append(b)
                self._blocks.sort(key=lambda x: x.meta.min_time)

    def _compact_all(self) -> None:
        ranges = ranges_for(
            self.options.block_range_ms,
            self.options.effective_retention_ms,
            self.options.max_block_ms,
        )
        for _ in range(16):
            with self._blocks_lock:
                metas = [b.meta for b in self._blocks]
                by_id = {b.meta.ulid: b for b in self._blocks}
            plan = plan_compaction(metas, ranges)
            if not plan:
                return
            self._compact([by_id[m.ulid] for m in plan])

    def _compact(self, blocks: Sequence[Block]) -> None:
        labels, offsets, ts, values = merge_blocks(blocks)
        metas = [b.meta for b in blocks]
        try:
            meta = write_block(
                self.path,
                labels,
                offsets,
                ts,
                values,
                mint=min(m.min_time for m in metas),
                maxt=max(m.max_time for m in metas),
                level=max(m.level for m in metas) + 1,
                sources=sorted({s for m in metas for s in (m.sources or (m.ulid,))}),
                parents=[m.ulid for m in metas],
            )
        except Exception:
            self.stats.compactions_failed += 1
            raise
        if meta is not None:
            self._add_block(self.path / meta.ulid)
        self._retire(blocks)
        self.stats.compactions += 1
        log.info("compacted %d blocks into %s", len(blocks), meta.ulid if meta else "nothing")

    def _retire(self, blocks: Sequence[Block]) -> None:
        with self._blocks_lock:
            gone = {b.meta.ulid for b in blocks}
            self._blocks = [b for b in self._blocks if b.meta.ulid not in gone]
            self._retired.extend(blocks)
            self._close_retired()

    def _close_retired(self) -> None:
        """Close and delete retired blocks nobody reads any more (blocks lock held)."""
        still = []
        for b in self._retired:
            if self._pins.get(b.meta.ulid, 0) > 0:
                still.append(b)
                continue
            self._pins.pop(b.meta.ulid, None)
            b.close()
            self._delete_dir(b.dir)
        self._retired = still

    def _delete_dir(self, d: Path) -> None:
        tmp = d.with_name(d.name + _DELETE_SUFFIX)
        try:
            os.replace(d, tmp)
            fsync_dir(d.parent)
        except OSError:
            tmp = d
        shutil.rmtree(tmp, ignore_errors=True)

    def _apply_retention(self) -> None:
        with self._blocks_lock:
            blocks = list(self._blocks)
        sized = [(b.meta, b.size_bytes) for b in blocks]
        wal_bytes = (
            sum(p.stat().st_size for p in (self.path / "wal").rglob("*") if p.is_file())
            if (self.path / "wal").exists()
            else 0
        )
        doomed = beyond_retention(
            sized,
            retention_ms=self.options.effective_retention_ms,
            retention_bytes=self.options.retention_bytes,
            wal_bytes=wal_bytes,
        )
        if doomed:
            ids = {m.ulid for m in doomed}
            log.info("retention deletes %d blocks: %s", len(ids), sorted(ids))
            self._retire([b for b in blocks if b.meta.ulid in ids])
            self.stats.retention_deleted += len(ids)

    def _reload_blocks(self) -> None:
        """Pick up blocks written by other processes (``argus tsdb create-blocks-from``)."""
        with self._blocks_lock:
            known = {b.meta.ulid for b in self._blocks} | {b.meta.ulid for b in self._retired}
        for d in self._block_dirs():
            if d.name not in known:
                log.info("loading new block %s", d.name)
                self._add_block(d)

    def start(self, interval: float = 1.0) -> threading.Thread:
        """Run :meth:`maintain` every ``interval`` seconds on a daemon thread."""
        self._stop = threading.Event()

        def loop() -> None:
            while not self._stop.wait(interval):
                self.maintain()

        t = threading.Thread(target=loop, name="tsdb-maintenance", daemon=True)
        t.start()
        self._thread = t
        return t

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        stop = getattr(self, "_stop", None)
        if stop is not None:
            stop.set()
            self._thread.join()
        if self._wal is not None:
            self._wal.close()
        with self._blocks_lock:
            for b in self._blocks + self._retired:
                b.close()
            self._blocks, self._retired = [], []
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


class DBAppender:
    """:class:`argus.storage.Appender` for the DB. One per writer task."""

    def __init__(self, db: DB) -> None:
        self._db = db
        self._refs: list[Int64Array] = []
        self._ts: list[Int64Array] = []
        self._values: list[Float64Array] = []

    def series_refs(self, labels: Sequence[Labels]) -> Int64Array:
        return self._db.head.series_refs(labels)

    def append(self, refs: Int64Array, ts: Int64Array, values: Float64Array) -> None:
        if not (len(refs) == len(ts) == len(values)):
            raise ValueError(
                f"append arrays differ in length: {len(refs)}, {len(ts)}, {len(values)}"
            )
        self._refs.append(np.asarray(refs, dtype=np.int64))
        self._ts.append(np.asarray(ts, dtype=np.int64))
        self._values.append(np.asarray(values, dtype=np.float64))

    def commit(self) -> AppendResult:
        self._db._check_open()
        if not self._refs:
            return AppendResult()
        if len(self._refs) == 1:
            refs, ts, values = self._refs[0], self._ts[0], self._values[0]
        else:
            refs = np.concatenate(self._refs)
            ts = np.concatenate(self._ts)
            values = np.concatenate(self._values)
        self.rollback()
        head = self._db.head
        result = head.commit(refs, ts, values)
        if len(head._tail) >= 4 * head.options.seal_samples:
            head.seal()  # Back-pressure when background sealing falls behind.
        return result

    def rollback(self) -> None:
        self._refs, self._ts, self._values = [], [], []
