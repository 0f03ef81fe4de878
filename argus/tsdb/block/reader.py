"""Reading an immutable block: postings lookups, label sets, and sample payloads.

The index columns are loaded once at open; the samples file is memory-mapped and only
the chunks of selected series are decoded (whole payloads that are read repeatedly go
to the shared :class:`~argus.tsdb.chunkenc.DecodedCache`, keyed by the block's ULID).
Symbols are sorted, so symbol ids order like the strings and label pairs decode into
already-sorted label sets.
"""

from __future__ import annotations

import bisect
import itertools
import mmap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pyroaring import BitMap

from argus.model import Float64Array, Int64Array, Labels, Matcher
from argus.storage import CorruptionError
from argus.tsdb import chunkenc
from argus.tsdb.block.columns import read_columns
from argus.tsdb.block.meta import BlockMeta, read_meta
from argus.tsdb.block.tombstones import Tombstones, read_tombstones, tombstone_mask
from argus.tsdb.block.writer import SAMPLES_MAGIC
from argus.tsdb.index import select_postings

__all__ = ["Block"]

#: Up to this many series, ``labels_of`` builds label sets one by one.
_FEW_SERIES = 32

_REQUIRED = (
    "symbols_len",
    "symbols_blob",
    "series_pairs_off",
    "series_pairs",
    "postings_name",
    "postings_value",
    "postings_off",
    "postings_ids",
    "series_mint",
    "series_maxt",
    "payload_series",
    "payload_off",
)


class Block:
    """An open block. Thread-safe for reads; ``close`` only when no reader remains."""

    def __init__(self, directory: Path, cache: chunkenc.DecodedCache | None = None) -> None:
        self.dir = directory
        self._cache = cache
        self.meta: BlockMeta = read_meta(directory)
        cols = read_columns(directory / "index")
        missing = [c for c in _REQUIRED if c not in cols]
        if missing:
            raise CorruptionError(f"{directory}/index: missing columns {missing}")
        self._cols: dict[str, np.ndarray[Any, Any]] = cols
        lens = cols["symbols_len"].astype(np.int64)
        ends = np.cumsum(lens)
        blob = cols["symbols_blob"].tobytes()
        if len(blob) != (int(ends[-1]) if len(ends) else 0):
            raise CorruptionError(f"{directory}/index: symbol table is inconsistent")
        starts = (ends - lens).tolist()
        try:
            self.symbols: list[str] = [
                blob[a:b].decode() for a, b in zip(starts, ends.tolist(), strict=True)
            ]
        except UnicodeDecodeError as exc:
            raise CorruptionError(f"{directory}/index: symbol is not UTF-8: {exc}") from exc
        self.num_series = len(cols["series_pairs_off"]) - 1
        if self.num_series != self.meta.num_series:
            raise CorruptionError(
                f"{directory}: index has {self.num_series} series, meta.json says "
                f"{self.meta.num_series}"
            )
        names = cols["postings_name"]
        bounds = (
            np.flatnonzero(np.r_[True, names[1:] != names[:-1], True])
            if len(names)
            else np.zeros(1, np.int64)
        )
        self._name_rows: dict[str, tuple[int, int]] = {
            self.symbols[int(names[a])]: (int(a), int(b)) for a, b in itertools.pairwise(bounds)
        }
        self.tombstones: Tombstones = read_tombstones(directory)
        samples = directory / "samples"
        try:
            self._file = open(samples, "rb")  # noqa: SIM115 - lives as long as the block
        except OSError as exc:
            raise CorruptionError(f"{samples}: cannot open: {exc}") from exc
        size = samples.stat().st_size
        if size < int(cols["payload_off"][-1]):
            self._file.close()
            raise CorruptionError(
                f"{samples}: truncated ({size} bytes, index expects {int(cols['payload_off'][-1])})"
            )
        self._mmap = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        if self._mmap[: len(SAMPLES_MAGIC)] != SAMPLES_MAGIC:
            self.close()
            raise CorruptionError(f"{samples}: bad magic")

    def close(self) -> None:
        if self._cache is not None:
            self._cache.drop(self.meta.ulid)
        self._mmap.close()
        self._file.close()

    @property
    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.dir.iterdir() if p.is_file())

    # --- PostingsReader -----------------------------------------------------------

    def all_postings(self) -> BitMap:
        return BitMap(range(self.num_series))

    def label_values_of(self, name: str) -> Iterable[str]:
        rows = self._name_rows.get(name)
        if rows is None:
            return []
        syms = self.symbols
        return [syms[v] for v in self._cols["postings_value"][rows[0] : rows[1]].tolist()]

    def _symbol_id(self, s: str) -> int | None:
        i = bisect.bisect_left(self.symbols, s)
        return i if i < len(self.symbols) and self.symbols[i] == s else None

    def postings_for(self, name: str, values: Iterable[str]) -> BitMap:
        rows = self._name_rows.get(name)
        if rows is None:
            return BitMap()
        ids = [i for v in values if (i := self._symbol_id(v)) is not None]
        if not ids:
            return BitMap()
        pv = self._cols["postings_value"][rows[0] : rows[1]]
        want = np.asarray(sorted(ids), dtype=pv.dtype)
        pos = np.searchsorted(pv, want)
        ok = pos < len(pv)
        ok[ok] = pv[pos[ok]] == want[ok]
        off, ids_col = self._cols["postings_off"], self._cols["postings_ids"]
        out = BitMap()
        for p in (pos[ok] + rows[0]).tolist():
            out.update(ids_col[int(off[p]) : int(off[p + 1])])
        return out

    # --- selection ------------------------------------------------------------------

    def select_ids(self, matchers: Sequence[Matcher], mint: int, maxt: int) -> Int64Array:
        """Sorted ids of matching series with data overlapping ``[mint, maxt]``."""
        bm = select_postings(self, matchers)
        ids = np.frombuffer(bm.to_array(), dtype=np.uint32).astype(np.int64)
        if len(ids) and (mint > self.meta.min_time or maxt < self.meta.max_time - 1):
            keep = (self._cols["series_maxt"][ids] >= mint) & (
                self._cols["series_mint"][ids] <= maxt
            )
            ids = ids[keep]
        return ids

    def labels_of(self, ids: Int64Array) -> list[Labels]:
        """Label sets of ``ids``; each distinct pair becomes one shared tuple, so the cost
        per series is one slice, not one tuple per pair."""
        if not len(ids):
            return []
        off = self._cols["series_pairs_off"]
        syms = self.symbols
        new = tuple.__new__
        if len(ids) <= _FEW_SERIES:  # np.unique costs more than it saves here
            flat_pairs = self._cols["series_pairs"]
            out = []
            for i in ids.tolist():
                f = flat_pairs[int(off[i]) * 2 : int(off[i + 1]) * 2].tolist()
                out.append(
                    new(Labels, [(syms[a], syms[b]) for a, b in zip(f[::2], f[1::2], strict=True)])
                )
            return out
        pairs = self._cols["series_pairs"].reshape(-1, 2)
        starts = off[ids].astype(np.int64)
        counts = off[ids + 1].astype(np.int64) - starts
        bounds = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(counts, out=bounds[1:])
        idx = np.repeat(starts - bounds[:-1], counts) + np.arange(int(bounds[-1]), dtype=np.int64)
        sel = pairs[idx].astype(np.uint64)
        codes, inverse = np.unique((sel[:, 0] << np.uint64(32)) | sel[:, 1], return_inverse=True)
        shared = [(syms[c >> 32], syms[c & 0xFFFFFFFF]) for c in codes.tolist()]
        flat = [shared[i] for i in inverse.tolist()]
        b = bounds.tolist()
        return [new(Labels, flat[b[k] : b[k + 1]]) for k in range(len(ids))]

    def label_names_of(self, ids: Int64Array | None) -> list[str]:
        if ids is None:
            return sorted(self._name_rows)
        off = self._cols["series_pairs_off"]
        pairs = self._cols["series_pairs"]
        if not len(ids):
            return []
        idx = np.concatenate(
            [np.arange(int(off[i]) * 2, int(off[i + 1]) * 2, 2) for i in ids.tolist()]
        )
        return sorted({self.symbols[s] for s in np.unique(pairs[idx]).tolist()})

    def read(
        self,
        ids: Int64Array,
        mint: int,
        maxt: int,
        session: chunkenc.CacheSession | None = None,
    ) -> tuple[Int64Array, Int64Array, Int64Array, Float64Array]:
        """Samples of sorted ``ids`` in ``[mint, maxt]``: (ids with data, offsets, ts, values).

        ``session``: the query's use of the decoded-payload cache, shared by its reads;
        without one (compaction, export) the cache is neither read nor filled.
        """
        if not len(ids):
            z = np.zeros(0, dtype=np.int64)
            return z, np.zeros(1, dtype=np.int64), z, np.zeros(0, dtype=np.float64)
        ps = self._cols["payload_series"]
        po = self._cols["payload_off"]
        try:
            counts, ts, values = chunkenc.gather_chunks(
                lambda g: self._mmap[int(po[g]) : int(po[g + 1])],
                ps,
                ids,
                cache=self._cache if session is not None else None,
                owner=self.meta.ulid,
                session=session,
                mint=mint,
                maxt=maxt,
            )
        except CorruptionError as exc:
            raise CorruptionError(f"{self.dir}/samples: {exc}") from exc
        offsets = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        # Series wholly inside [mint, maxt] (by the index's per-series bounds) need no
        # per-sample time mask: a 24 h range query reads most blocks whole.
        clipped = (
            int(self._cols["series_mint"][ids].min()) < mint
            or int(self._cols["series_maxt"][ids].max()) > maxt
        )
        keep = ((ts >= mint) & (ts <= maxt)) if clipped else None
        if self.tombstones:
            deleted = tombstone_mask(ids, offsets, ts, self.tombstones)
            if deleted is not None:
                keep = deleted if keep is None else keep & deleted
        if keep is not None and not keep.all():
            kept = np.zeros(len(ts) + 1, dtype=np.int64)
            np.cumsum(keep, out=kept[1:])
            counts = np.diff(kept[offsets])
            ts, values = ts[keep], values[keep]
        if counts.all():
            np.cumsum(counts, out=offsets[1:])
            return ids, offsets, ts, values
        nonempty = counts > 0
        offsets = np.zeros(int(nonempty.sum()) + 1, dtype=np.int64)
        np.cumsum(counts[nonempty], out=offsets[1:])
        return ids[nonempty], offsets, ts, values

    def __repr__(self) -> str:
        m = self.meta
        return f"Block({m.ulid}, [{m.min_time}, {m.max_time}), series={m.num_series})"
