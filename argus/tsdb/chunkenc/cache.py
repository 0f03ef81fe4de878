"""A bounded LRU of decoded payloads, so repeated queries skip zstd and the transforms.

Blocks are immutable, so a decoded payload keyed by (block ULID, payload index) never
goes stale; a block's entries are dropped when it is closed (compaction, retention,
deletion rewrite the block under a new ULID). Two kinds of entry:

- a *whole* payload, decoded once and then sliced by every read. Decoding 16k samples
  to serve one series costs far more than decoding that series alone, so a payload
  enters whole only when a read wants most of it or on its second sparse miss;
- a *partial* entry: the chunks a sparse read decoded anyway (one series out of 60),
  kept at no extra decoding cost and reused by reads of the same or fewer chunks.

A query (one :class:`CacheSession`) never evicts entries that it or the query before
it used: a query that needs more than the cache holds keeps the part that fits and
reads the rest cold, instead of evicting, as plain LRU would, everything it is about
to read again on its next run. Entries are read-only arrays that never leave the
cache: readers copy out the chunks they want.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from argus.model.series import Float64Array, Int64Array

__all__ = [
    "DEFAULT_CACHE_BYTES",
    "CacheSession",
    "CacheStats",
    "CachedPayload",
    "Decoded",
    "DecodedCache",
]

DEFAULT_CACHE_BYTES = 256 * 2**20
#: Bookkeeping per entry (key, tuple, array headers), counted against the size cap.
_ENTRY_OVERHEAD = 512
#: How many once-missed keys are remembered for the second-miss admission.
_SEEN_KEYS = 1 << 16

Decoded = tuple[Int64Array, Int64Array, Float64Array]
"""A whole payload: ``(offsets: int64[c+1], ts: int64[n] ms, values: float64[n])``."""

_MAX_KEY = 1 << 62
_PART = "part"
_FIRST = np.zeros(1, dtype=np.int64)
_FIRST.flags.writeable = False


class CachedPayload:
    """A decoded payload as the cache keeps it, for clipped reads without a sample scan.

    Timestamps are stored as sort keys ``(ts - base) + chunk * span`` (``span`` > the
    payload's time range): the keys of all chunks form one sorted array, so the samples
    of any chunks inside ``[mint, maxt]`` are found with one ``searchsorted`` per chunk
    bound instead of a mask over every sample (an instant query needs 20 of a 1 h
    block's 240 samples per series). ``span`` is 0 when the keys would not fit in int64
    (then keys are the timestamps and reads are not clipped).
    """

    __slots__ = ("base", "chunk_ids", "keys", "last_seq", "nbytes", "offsets", "span", "values")

    def __init__(self, decoded: Decoded, chunk_ids: Int64Array | None = None) -> None:
        offsets, ts, values = decoded
        #: None for a whole payload, else the payload's chunk ids this entry holds.
        self.chunk_ids = chunk_ids
        self.last_seq = -1
        self.offsets, self.values = offsets, values
        self.base = int(ts.min()) if ts.size else 0
        span = (int(ts.max()) - self.base + 1) if ts.size else 1
        if span * (offsets.size + 1) < _MAX_KEY:
            self.span = span
            self.keys = ts - self.base
            self.keys += np.repeat(
                np.arange(offsets.size - 1, dtype=np.int64) * span, np.diff(offsets)
            )
        else:
            self.span, self.keys = 0, ts
        for a in (self.offsets, self.keys, self.values):
            a.flags.writeable = False
        self.nbytes = offsets.nbytes + self.keys.nbytes + values.nbytes + _ENTRY_OVERHEAD
        if chunk_ids is not None:
            chunk_ids.flags.writeable = False
            self.nbytes += chunk_ids.nbytes

    def local(self, ids: Int64Array) -> Int64Array | None:
        """Positions of payload chunks ``ids`` in this entry, or None if it lacks some."""
        if self.chunk_ids is None:
            if ids[0] < 0 or ids[-1] >= self.offsets.size - 1:
                raise ValueError(f"chunk ids must be in [0, {self.offsets.size - 1})")
            return ids
        held = self.chunk_ids
        if ids.size == held.size:  # the usual case: the same read again
            if ids.size == 1:
                return _FIRST if int(ids[0]) == int(held[0]) else None
            return np.arange(ids.size, dtype=np.int64) if np.array_equal(ids, held) else None
        pos = np.searchsorted(held, ids)
        if pos[-1] >= held.size or not np.array_equal(held[pos], ids):
            return None
        return pos

    def as_decoded(self) -> Decoded:
        """The payload as :func:`~argus.tsdb.chunkenc.decode` returned it (new arrays)."""
        counts, ts, values = self.take(np.arange(self.offsets.size - 1, dtype=np.int64))
        offsets = np.zeros(counts.size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return offsets, np.array(ts), np.array(values)

    def take(
        self, ids: Int64Array, mint: int | None = None, maxt: int | None = None
    ) -> tuple[Int64Array, Int64Array, Float64Array]:
        """Chunks ``ids`` (sorted, unique): ``(counts, ts, values)``, clipped to
        ``[mint, maxt]`` when both are given and the keys allow it (else whole chunks).

        ``values`` may be a view of the entry: callers copy before handing it on.
        """
        offsets, keys, span = self.offsets, self.keys, self.span
        clip = bool(span) and mint is not None and maxt is not None
        lo_off = hi_off = 0
        if span and mint is not None and maxt is not None:
            lo_off = min(max(mint - self.base, 0), span)
            hi_off = min(max(maxt - self.base + 1, lo_off), span)
        if ids.size == 1:  # one series from this payload: scalar work only
            i = int(ids[0])
            if clip:
                a0 = int(keys.searchsorted(i * span + lo_off))
                b0 = int(keys.searchsorted(i * span + hi_off))
            else:
                a0, b0 = int(offsets[i]), int(offsets[i + 1])
            one = np.array([b0 - a0], dtype=np.int64)
            t0 = keys[a0:b0] - (i * span - self.base) if span else keys[a0:b0].copy()
            return one, t0, self.values[a0:b0]
        if clip:
            base_keys = ids * span
            a = np.searchsorted(keys, base_keys + lo_off)
            b = np.searchsorted(keys, base_keys + hi_off)
        else:
            a, b = offsets[ids], offsets[ids + 1]
        counts = b - a
        first, last = int(ids[0]), int(ids[-1])
        if ids.size == 1 or (last - first + 1 == ids.size and bool((a[1:] == b[:-1]).all())):
            lo, hi = int(a[0]), int(b[-1])  # one contiguous run: slices
            t, v = keys[lo:hi], self.values[lo:hi]
        else:
            starts = np.zeros(ids.size, dtype=np.int64)
            np.cumsum(counts[:-1], out=starts[1:])
            idx = np.repeat(a - starts, counts) + np.arange(int(counts.sum()), dtype=np.int64)
            t, v = keys[idx], self.values[idx]
        t = t - np.repeat(ids * span - self.base, counts) if span else t.copy()
        return counts, t, v


@dataclass(slots=True)
class CacheSession:
    """One query's use of the cache: its sequence number (taken at its first use of the
    cache; entries it or the query before it used are not evicted for it), and whether
    it found the cache full of those (then it stops decoding whole payloads)."""

    seq: int | None = None
    full: bool = False


@dataclass(frozen=True, slots=True)
class CacheStats:
    hits: int
    misses: int
    evictions: int
    entries: int
    bytes: int
    max_bytes: int


class DecodedCache:
    """Thread-safe, size-capped (bytes) LRU of decoded payloads; ``max_bytes=0`` disables it."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError(f"cache size must be >= 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, CachedPayload] = OrderedDict()
        self._seen: OrderedDict[Hashable, None] = OrderedDict()
        self._bytes = 0
        self._hits = self._misses = self._evictions = 0
        self._seqs = itertools.count()

    def __repr__(self) -> str:
        s = self.stats()
        return f"DecodedCache({s.bytes}/{s.max_bytes} bytes, {s.entries} entries)"

    def _seq(self, session: CacheSession) -> int:
        if session.seq is None:
            session.seq = next(self._seqs)
        return session.seq

    def get(
        self, key: Hashable, ids: Int64Array, session: CacheSession | None = None
    ) -> tuple[CachedPayload, Int64Array] | None:
        """The entry holding chunks ``ids`` of payload ``key`` (whole, else partial) and
        their positions in it, marked used; or None, counted as a miss."""
        session = session or CacheSession()
        with self._lock:
            for k in (key, (*key, _PART) if isinstance(key, tuple) else (key, _PART)):
                entry = self._entries.get(k)
                if entry is None:
                    continue
                pos = entry.local(ids)
                if pos is None:
                    continue
                self._entries.move_to_end(k)
                entry.last_seq = self._seq(session)
                self._hits += 1
                return entry, pos
            self._misses += 1
            return None

    def should_admit(self, key: Hashable, share: float) -> bool:
        """After a miss: should the caller decode the whole payload and ``put`` it?

        Yes when the read needs at least half of it (``share``: its fraction of the
        payload's chunks) or when ``key`` missed before; else the key is remembered.
        """
        if self.max_bytes == 0:
            return False
        if share >= 0.5:
            return True
        with self._lock:
            if key in self._seen:
                del self._seen[key]
                return True
            self._seen[key] = None
            if len(self._seen) > _SEEN_KEYS:
                self._seen.popitem(last=False)
            return False

    def put(
        self,
        key: Hashable,
        value: Decoded,
        session: CacheSession | None = None,
        chunk_ids: Int64Array | None = None,
    ) -> CachedPayload | None:
        """Insert payload ``key`` whole, or (``chunk_ids``) as a partial entry.

        Least recently used entries are evicted to make room, but none that ``session``
        or the session before it used: then nothing is inserted and None returned.
        ``value``'s arrays become the entry's (read-only).
        """
        if sum(a.nbytes for a in value) + _ENTRY_OVERHEAD > self.max_bytes:
            return None
        session = session or CacheSession()
        entry = CachedPayload(value, chunk_ids)
        if chunk_ids is not None:
            key = (*key, _PART) if isinstance(key, tuple) else (key, _PART)
        with self._lock:
            seq = self._seq(session)
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            while self._bytes + entry.nbytes > self.max_bytes:
                victim = next(iter(self._entries.values()))
                if victim.last_seq >= seq - 1:
                    return None
                self._bytes -= self._entries.popitem(last=False)[1].nbytes
                self._evictions += 1
            entry.last_seq = seq
            self._entries[key] = entry
            self._bytes += entry.nbytes
            return entry

    def drop(self, owner: Hashable) -> None:
        """Forget every entry whose key is ``(owner, ...)``: the owner's data is gone."""
        with self._lock:
            for key in [k for k in self._entries if isinstance(k, tuple) and k[0] == owner]:
                self._bytes -= self._entries.pop(key).nbytes
            for key in [k for k in self._seen if isinstance(k, tuple) and k[0] == owner]:
                del self._seen[key]

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                self._hits,
                self._misses,
                self._evictions,
                len(self._entries),
                self._bytes,
                self.max_bytes,
            )
