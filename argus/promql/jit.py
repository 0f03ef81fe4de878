"""numba set-up: one place that points numba's on-disk cache at a writable directory.

Kernels are compiled on first use and cached (``cache=True``); the cache directory is
``$NUMBA_CACHE_DIR`` if set, otherwise ``$XDG_CACHE_HOME/argus/numba`` (default
``~/.cache/argus/numba``), because site-packages may be read-only.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir() -> Path:
    env = os.environ.get("NUMBA_CACHE_DIR")
    if env:
        return Path(env)
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "argus" / "numba"


if "NUMBA_CACHE_DIR" not in os.environ:
    _dir = cache_dir()
    try:
        _dir.mkdir(parents=True, exist_ok=True)
        os.environ["NUMBA_CACHE_DIR"] = str(_dir)
    except OSError:  # pragma: no cover - numba then falls back to no caching
        pass
