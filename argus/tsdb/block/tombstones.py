"""Per-block deletion intervals, kept beside the immutable data until compaction.

Deleting from an immutable block writes a ``tombstones`` file (replaced atomically)
listing ``[series id, mint, maxt]`` inclusive intervals; reads drop the samples inside
them and compaction rewrites the block without them, as Prometheus does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from argus.model import BoolArray, Int64Array
from argus.storage import CorruptionError

__all__ = ["Tombstones", "read_tombstones", "tombstone_mask", "write_tombstones"]

Tombstones = dict[int, list[tuple[int, int]]]


def read_tombstones(directory: Path) -> Tombstones:
    path = directory / "tombstones"
    if not path.exists():
        return {}
    try:
        doc = json.loads(path.read_bytes())
        out: Tombstones = {}
        for sid, lo, hi in doc["intervals"]:
            out.setdefault(int(sid), []).append((int(lo), int(hi)))
        return out
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptionError(f"{path}: unreadable tombstones: {exc!r}") from exc


def write_tombstones(directory: Path, tombstones: Tombstones) -> None:
    path = directory / "tombstones"
    tmp = directory / "tombstones.tmp"
    rows = [[sid, lo, hi] for sid, ivs in sorted(tombstones.items()) for lo, hi in ivs]
    with open(tmp, "wb") as f:
        f.write(json.dumps({"version": 1, "intervals": rows}).encode())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def tombstone_mask(
    ids: Int64Array, offsets: Int64Array, ts: Int64Array, tombstones: Tombstones
) -> BoolArray | None:
    """Which samples of a CSR set survive the tombstones of its series ``ids``; None when
    no interval touches them. Loops over tombstoned series only, slicing by offsets."""
    keep: BoolArray | None = None
    for i, sid in enumerate(ids.tolist()):
        intervals = tombstones.get(sid)
        if not intervals:
            continue
        if keep is None:
            keep = np.ones(len(ts), dtype=bool)
        a, b = int(offsets[i]), int(offsets[i + 1])
        seg = ts[a:b]
        for lo, hi in intervals:
            keep[a:b] &= (seg < lo) | (seg > hi)
    return keep
