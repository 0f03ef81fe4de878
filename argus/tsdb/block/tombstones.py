"""Per-block deletion intervals, kept beside the immutable data until compaction.

Deleting from an immutable block writes a ``tombstones`` file (replaced atomically)
listing ``[series id, mint, maxt]`` inclusive intervals; reads drop the samples inside
them and compaction rewrites the block without them, as Prometheus does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from argus.storage import CorruptionError

__all__ = ["Tombstones", "read_tombstones", "write_tombstones"]

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
