"""The per-target series cache: raw series bytes of a line to a dense series id.

This is Prometheus's scrape cache. A target exposes the same series scrape after
scrape, so the bytes before the value (``http_requests_total{code="200"}``) identify a
series without parsing its labels again. A steady-state scrape then costs one dict
lookup and one float conversion per line.

Ids are dense and local to one cache; :attr:`SeriesCache.labels` holds the label set of
each id as exposed (before relabelling) until its owner has resolved it to a storage
ref and calls :meth:`SeriesCache.release`: a label set costs ~700 B in Python objects,
most of the cache's memory, and is never needed again. Several keys may share an id:
the same series written with different blanks, or labels in another order; a compact
bytes identity of the label set finds them. Entries not seen for a while are evicted by
:meth:`SeriesCache.compact`, which renumbers the survivors and returns the old-to-new
mapping so owners of per-id arrays can follow.
"""

from __future__ import annotations

import numpy as np

from argus.model import Int64Array, Labels

__all__ = ["SeriesCache"]


class SeriesCache:
    """Raw series bytes -> dense id, per target. Not thread-safe: one scrape loop owns it."""

    __slots__ = ("_by_identity", "_identities", "ids", "labels", "last_seen")

    def __init__(self) -> None:
        self.ids: dict[bytes, int] = {}
        """Raw series bytes (or a whole line head, see the parsers) -> id."""
        self.labels: list[Labels | None] = []
        """Label set of each id, as the target exposed it; ``None`` once released."""
        self._identities: list[bytes] = []
        self._by_identity: dict[bytes, int] = {}
        self.last_seen: Int64Array = np.zeros(0, dtype=np.int64)
        """The scrape iteration in which each id was last seen (see :meth:`mark_seen`)."""

    def __len__(self) -> int:
        return len(self.labels)

    def __repr__(self) -> str:
        return f"SeriesCache(series={len(self.labels)}, keys={len(self.ids)})"

    def add(self, key: bytes, labels: Labels) -> int:
        """The id of ``labels``, created if new, remembered under ``key`` from now on."""
        identity = _identity(labels)
        sid = self._by_identity.get(identity)
        if sid is None:
            sid = len(self.labels)
            self.labels.append(labels)
            self._identities.append(identity)
            self._by_identity[identity] = sid
        self.ids[key] = sid
        return sid

    def release(self, ids: Int64Array) -> None:
        """Forget the label sets of ``ids``: their owner has what it needs from them."""
        labels = self.labels
        for sid in ids.tolist():
            labels[sid] = None

    def alias(self, key: bytes, sid: int) -> None:
        """Remember one more key for an existing id."""
        self.ids[key] = sid

    def mark_seen(self, ids: Int64Array, iteration: int) -> None:
        """Record that ``ids`` appeared in scrape number ``iteration``."""
        self._grow()
        self.last_seen[ids] = iteration

    def _grow(self) -> None:
        """Room in ``last_seen`` for every id; ids never marked count as never seen."""
        if len(self.last_seen) < len(self.labels):
            grown = np.full(max(len(self.labels), 2 * len(self.last_seen)), -1, dtype=np.int64)
            grown[: len(self.last_seen)] = self.last_seen
            self.last_seen = grown

    def compact(self, oldest: int) -> Int64Array | None:
        """Drop ids last seen before iteration ``oldest``; ``None`` when nothing went.

        Returns ``remap`` (int64[old size]): the new id of each old id, or -1 if dropped.
        """
        n = len(self.labels)
        if n == 0:
            return None
        self._grow()
        seen = self.last_seen[:n]
        keep = seen >= oldest
        if bool(keep.all()):
            return None
        remap: Int64Array = np.full(n, -1, dtype=np.int64)
        kept = np.flatnonzero(keep)
        remap[kept] = np.arange(len(kept), dtype=np.int64)
        survivors = kept.tolist()
        self.labels = [self.labels[i] for i in survivors]
        self._identities = [self._identities[i] for i in survivors]
        self._by_identity = {identity: i for i, identity in enumerate(self._identities)}
        mapping = remap.tolist()
        self.ids = {k: mapping[v] for k, v in self.ids.items() if mapping[v] >= 0}
        self.last_seen = seen[kept].copy()
        return remap


def _identity(labels: Labels) -> bytes:
    """An unambiguous compact form of a label set (lengths prefix names and values)."""
    text = "".join(f"{len(n)}:{n}{len(v)}:{v}" for n, v in labels)
    return text.encode("utf-8", "surrogatepass")
