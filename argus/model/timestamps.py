"""Timestamps are int64 milliseconds since the epoch everywhere inside Argus."""

from __future__ import annotations

import time

__all__ = ["MAX_TIME", "MIN_TIME", "now_ms"]

MIN_TIME = -(2**63)
MAX_TIME = 2**63 - 1


def now_ms() -> int:
    return time.time_ns() // 1_000_000
