"""The head: the speed layer (tail, sealed segments, series registry, validation)."""

from argus.tsdb.head.head import Head, HeadOptions, HeadSnapshot, WALWriter, apply_tombstones

__all__ = ["Head", "HeadOptions", "HeadSnapshot", "WALWriter", "apply_tombstones"]
