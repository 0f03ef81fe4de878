"""Block metadata: ``meta.json``, in Prometheus's shape plus an ``argus`` section.

Keeping Prometheus's field names (``ulid``, ``minTime``, ``maxTime``, ``stats``,
``compaction``) means operators' habits and scripts that read ``meta.json`` carry over.
``maxTime`` is exclusive, as in Prometheus.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argus.storage import CorruptionError

__all__ = ["FORMAT_VERSION", "BlockMeta", "new_ulid", "read_meta", "write_meta"]

FORMAT_VERSION = 1
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_ulid(ms: int | None = None) -> str:
    """A ULID: 48-bit millisecond time + 80 random bits, Crockford base32 (26 chars)."""
    t = time.time_ns() // 1_000_000 if ms is None else ms
    value = (t << 80) | secrets.randbits(80)
    out = []
    for _ in range(26):
        out.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(out))


@dataclass(frozen=True, slots=True)
class BlockMeta:
    ulid: str
    min_time: int
    max_time: int
    num_samples: int
    num_series: int
    num_chunks: int
    level: int = 1
    sources: tuple[str, ...] = ()
    parents: tuple[str, ...] = ()
    resolution_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        compaction: dict[str, Any] = {
            "level": self.level,
            "sources": list(self.sources or (self.ulid,)),
        }
        if self.parents:
            compaction["parents"] = [{"ulid": p} for p in self.parents]
        return {
            "ulid": self.ulid,
            "minTime": self.min_time,
            "maxTime": self.max_time,
            "stats": {
                "numSamples": self.num_samples,
                "numSeries": self.num_series,
                "numChunks": self.num_chunks,
            },
            "compaction": compaction,
            "version": 1,
            "argus": {
                "formatVersion": FORMAT_VERSION,
                "resolution": self.resolution_ms,
                **self.extra,
            },
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> BlockMeta:
        comp = d.get("compaction", {})
        argus = d.get("argus", {})
        if argus.get("formatVersion", 0) > FORMAT_VERSION:
            raise CorruptionError(
                f"block {d.get('ulid')}: format version {argus['formatVersion']} is newer than "
                f"this Argus reads ({FORMAT_VERSION})"
            )
        return cls(
            ulid=d["ulid"],
            min_time=int(d["minTime"]),
            max_time=int(d["maxTime"]),
            num_samples=int(d["stats"]["numSamples"]),
            num_series=int(d["stats"]["numSeries"]),
            num_chunks=int(d["stats"].get("numChunks", 0)),
            level=int(comp.get("level", 1)),
            sources=tuple(comp.get("sources", ())),
            parents=tuple(p["ulid"] for p in comp.get("parents", ())),
            resolution_ms=int(argus.get("resolution", 0)),
        )


def write_meta(directory: Path, meta: BlockMeta) -> None:
    path = directory / "meta.json"
    data = json.dumps(meta.to_json(), indent="\t").encode()
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def read_meta(directory: Path) -> BlockMeta:
    path = directory / "meta.json"
    try:
        return BlockMeta.from_json(json.loads(path.read_bytes()))
    except FileNotFoundError as exc:
        raise CorruptionError(f"{directory}: no meta.json") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise CorruptionError(f"{path}: unreadable: {exc!r}") from exc
