"""A file of named, checksummed, zstd-compressed NumPy arrays.

The block index is a set of flat arrays (symbols, series label pairs, postings, payload
table). Storing them as columns keeps writing and loading vectorised (one
``frombuffer`` per column) and lets a format version add columns without breaking
readers. Layout (``docs/format/index.md`` has the diagram)::

    column data ... | directory (JSON) | footer: dir offset u64, dir length u32,
                                                 dir crc32 u32, magic "ARGUSCOL"
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import zstandard

from argus.storage import CorruptionError

__all__ = ["MAGIC", "read_columns", "write_columns"]

MAGIC = b"ARGUSCOL"
_FOOTER = struct.Struct("<QII8s")


def write_columns(path: Path, columns: dict[str, np.ndarray[Any, Any]], *, level: int = 3) -> int:
    """Write and fsync; returns the file size."""
    cctx = zstandard.ZstdCompressor(level=level)
    directory: dict[str, dict[str, Any]] = {}
    offset = 0
    with open(path, "wb") as f:
        for name, arr in columns.items():
            arr = np.ascontiguousarray(arr)
            raw = arr.tobytes()
            data = cctx.compress(raw)
            f.write(data)
            directory[name] = {
                "dtype": arr.dtype.str,
                "count": int(arr.size),
                "offset": offset,
                "length": len(data),
                "crc32": zlib.crc32(data),
            }
            offset += len(data)
        dir_bytes = json.dumps({"version": 1, "columns": directory}).encode()
        f.write(dir_bytes)
        f.write(_FOOTER.pack(offset, len(dir_bytes), zlib.crc32(dir_bytes), MAGIC))
        f.flush()
        os.fsync(f.fileno())
        return offset + len(dir_bytes) + _FOOTER.size


def read_columns(path: Path) -> dict[str, np.ndarray[Any, Any]]:
    """Load every column; any damage raises :class:`CorruptionError` naming the file."""
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise CorruptionError(f"{path}: cannot read: {exc}") from exc
    if len(blob) < _FOOTER.size:
        raise CorruptionError(f"{path}: file too short ({len(blob)} bytes) for a column file")
    dir_off, dir_len, dir_crc, magic = _FOOTER.unpack_from(blob, len(blob) - _FOOTER.size)
    if magic != MAGIC:
        raise CorruptionError(f"{path}: bad magic {magic!r}, not an Argus column file")
    if dir_off + dir_len + _FOOTER.size != len(blob):
        raise CorruptionError(f"{path}: directory offset {dir_off} does not fit the file")
    dir_bytes = blob[dir_off : dir_off + dir_len]
    if zlib.crc32(dir_bytes) != dir_crc:
        raise CorruptionError(f"{path}: directory checksum mismatch")
    try:
        directory = json.loads(dir_bytes)["columns"]
    except (ValueError, KeyError) as exc:
        raise CorruptionError(f"{path}: unreadable directory: {exc}") from exc
    dctx = zstandard.ZstdDecompressor()
    out: dict[str, np.ndarray[Any, Any]] = {}
    for name, d in directory.items():
        data = blob[d["offset"] : d["offset"] + d["length"]]
        if len(data) != d["length"] or zlib.crc32(data) != d["crc32"]:
            raise CorruptionError(f"{path}: column {name!r} checksum mismatch")
        dtype = np.dtype(d["dtype"])
        try:
            raw = dctx.decompress(data, max_output_size=d["count"] * dtype.itemsize)
        except zstandard.ZstdError as exc:
            raise CorruptionError(f"{path}: column {name!r} does not decompress: {exc}") from exc
        if len(raw) != d["count"] * dtype.itemsize:
            raise CorruptionError(f"{path}: column {name!r} has the wrong length")
        out[name] = np.frombuffer(raw, dtype=dtype)
    return out
