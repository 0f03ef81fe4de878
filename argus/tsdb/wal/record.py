"""Encoding and decoding of WAL records, byte by byte (see docs/format/wal.md).

The writer's hot path is ``encode_samples``: it turns three NumPy arrays into a short
list of buffers (a packed header, a small prefix and the arrays themselves, narrowed
where that is free) that the segment writer hands to one ``os.writev``. Nothing here
loops over samples in Python, and the arrays are never joined into one ``bytes``: the
CRC is chained over the pieces and the kernel gathers them.

Every record is::

    type u8 | flags u8 | reserved u16 (0) | length u32 | crc32 u32 | payload[length]

with the CRC-32 (zlib polynomial) taken over the first 8 header bytes, then the payload,
so a flipped type, flag or length byte is caught as surely as a flipped payload byte.
All integers are little-endian.
"""

from __future__ import annotations

import enum
import itertools
import struct
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from argus.model import Float64Array, Int64Array, Labels

__all__ = [
    "MAX_RECORD_SAMPLES",
    "RECORD_HEADER",
    "Chunk",
    "RawSamples",
    "Record",
    "RecordError",
    "RecordType",
    "SamplesRecord",
    "SeriesRecord",
    "TombstonesRecord",
    "decode_payload",
    "decode_samples_raw",
    "encode_samples",
    "encode_series",
    "encode_tombstones",
]

Chunk = bytes | memoryview
"""A piece of an encoded record, handed to ``os.pwritev`` as is."""

RECORD_HEADER = struct.Struct("<BBHII")
"""type, flags, reserved, payload length, CRC-32: 12 bytes."""
_HEAD8 = struct.Struct("<BBHI")
_CRC = struct.Struct("<I")
_U32 = struct.Struct("<I")
_SAMPLES_PREFIX = struct.Struct("<Iq")
_SERIES_PREFIX = struct.Struct("<II")

MAX_RECORD_SAMPLES = 1 << 20
"""A larger batch is split into several records (24 MiB at most each)."""

# Sample record flags.
REFS_U32 = 0x01
"""Refs are stored as u32 (every ref of the record is in [0, 2**32))."""
TS_SHIFT = 1
TS_MASK = 0x06
TS_RAW = 0
"""Timestamps stored as i64[n]; ``base`` is 0."""
TS_U32 = 1
"""Timestamps stored as u32[n] offsets from ``base``."""
TS_U16 = 2
"""Timestamps stored as u16[n] offsets from ``base``."""
TS_CONST = 3
"""Every timestamp equals ``base``; nothing stored."""
_TS_WIDTH = {TS_RAW: 8, TS_U32: 4, TS_U16: 2, TS_CONST: 0}
_TS_DTYPE = {TS_RAW: "<i8", TS_U32: "<u4", TS_U16: "<u2"}
_SAMPLE_FLAGS = REFS_U32 | TS_MASK

_I64: np.dtype[np.int64] = np.dtype("<i8")
_F64: np.dtype[np.float64] = np.dtype("<f8")
_U4: np.dtype[np.uint32] = np.dtype("<u4")
_U32_MAX = 0xFFFFFFFF
_U16_MAX = 0xFFFF


class RecordType(enum.IntEnum):
    """The first byte of a record. 0 is never valid, so a zero-filled tail is caught."""

    SERIES = 1
    SAMPLES = 2
    TOMBSTONES = 3


class RecordError(ValueError):
    """A payload whose structure disagrees with its length (its CRC matched)."""


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    """New (or revived) series: ``refs`` int64[n] and one label set per ref."""

    refs: Int64Array
    labels: list[Labels]


@dataclass(frozen=True, slots=True)
class SamplesRecord:
    """One sample batch: ``refs`` int64[n], ``ts`` int64[n] ms, ``values`` float64[n].

    ``values`` may be a read-only view into the segment buffer; copy it to keep it.
    """

    refs: Int64Array
    ts: Int64Array
    values: Float64Array


@dataclass(frozen=True, slots=True)
class TombstonesRecord:
    """Deleted intervals ``[mint, maxt]`` (inclusive, ms) per ref; all int64[n]."""

    refs: Int64Array
    mint: Int64Array
    maxt: Int64Array


Record = SeriesRecord | SamplesRecord | TombstonesRecord


def _frame(rtype: RecordType, flags: int, parts: Sequence[Chunk]) -> list[Chunk]:
    """Prepend the header to ``parts``; the CRC is chained over the pieces, not a copy."""
    length = 0
    for p in parts:
        length += memoryview(p).nbytes
    head8 = _HEAD8.pack(rtype, flags, 0, length)
    crc = zlib.crc32(head8)
    for p in parts:
        crc = zlib.crc32(p, crc)
    return [head8 + _CRC.pack(crc), *parts]


def encode_samples(refs: Int64Array, ts: Int64Array, values: Float64Array) -> list[Chunk]:
    """One samples record as buffers for ``os.writev``. Arrays must be 1-D and equal length.

    Refs are narrowed to u32 when they all fit; timestamps are stored as offsets from the
    batch minimum in the narrowest of 0/2/4/8 bytes (a scrape batch shares one timestamp,
    so usually 0). Values are always the raw float64 bits (staleness NaNs survive).
    """
    n = len(refs)
    r = np.ascontiguousarray(refs, dtype=_I64)
    t = np.ascontiguousarray(ts, dtype=_I64)
    v = np.ascontiguousarray(values, dtype=_F64)
    flags = 0
    parts: list[Chunk] = []
    r_lo, r_hi = int(r.min()), int(r.max())
    if r_lo >= 0 and r_hi <= _U32_MAX:
        flags |= REFS_U32
        parts.append(r.astype(_U4).data)
    else:
        parts.append(r.data)
    base, t_hi = int(t.min()), int(t.max())
    span = t_hi - base
    if span == 0:
        enc = TS_CONST
    elif span <= _U16_MAX:
        enc = TS_U16
        parts.append((t - base).astype("<u2").data)
    elif span <= _U32_MAX:
        enc = TS_U32
        parts.append((t - base).astype(_U4).data)
    else:
        enc, base = TS_RAW, 0
        parts.append(t.data)
    parts.append(v.data)
    flags |= enc << TS_SHIFT
    return _frame(RecordType.SAMPLES, flags, [_SAMPLES_PREFIX.pack(n, base), *parts])


def encode_series(refs: Int64Array, labels: Sequence[Labels]) -> list[Chunk]:
    """One series record: refs, pair counts, then every name and value length-prefixed.

    The lengths are stored as one column ahead of the UTF-8 bytes so a reader decodes the
    text once and slices it, rather than parsing a length before every string.
    """
    n = len(refs)
    counts = np.fromiter((len(lset) for lset in labels), dtype=_U4, count=n)
    encoded = [s.encode() for lset in labels for pair in lset for s in pair]
    lengths = np.fromiter((len(b) for b in encoded), dtype=_U4, count=len(encoded))
    prefix = _SERIES_PREFIX.pack(n, len(encoded) // 2)
    r = np.ascontiguousarray(refs, dtype=_I64)
    blob = b"".join(encoded)
    return _frame(RecordType.SERIES, 0, [prefix, r.data, counts.data, lengths.data, blob])


def encode_tombstones(refs: Int64Array, mint: Int64Array, maxt: Int64Array) -> list[Chunk]:
    """One tombstones record: count, then refs, mint and maxt as i64 columns."""
    parts = [np.ascontiguousarray(a, dtype=_I64).data for a in (refs, mint, maxt)]
    return _frame(RecordType.TOMBSTONES, 0, [_U32.pack(len(refs)), *parts])


# --- decoding ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RawSamples:
    """A samples record as stored: views into the segment buffer, not yet widened.

    Replay sizes its output arrays from many of these and fills them in one pass, so
    each sample is copied once instead of being widened per record and then joined.
    ``refs`` is u32[n] or i64[n]; ``ts`` is u16/u32/i64[n] offsets from ``base``, or
    None when every timestamp equals ``base``.
    """

    refs: npt.NDArray[np.uint32] | Int64Array
    ts: npt.NDArray[np.unsignedinteger[Any]] | Int64Array | None
    base: int
    values: Float64Array

    def __len__(self) -> int:
        return len(self.values)

    def widen_into(self, refs: Int64Array, ts: Int64Array, values: Float64Array) -> None:
        """Write this record into equal-length slices of the output columns."""
        refs[:] = self.refs
        if self.ts is None:
            ts[:] = self.base
        else:
            np.add(self.ts, np.int64(self.base), out=ts, dtype=_I64)
        values[:] = self.values

    def materialize(self) -> SamplesRecord:
        """The record with int64 columns (``values`` stays a view)."""
        refs: Int64Array = self.refs.astype(_I64)
        ts: Int64Array
        if self.ts is None:
            ts = np.full(len(self), self.base, dtype=_I64)
        else:
            ts = np.add(self.ts, np.int64(self.base), dtype=_I64)
        return SamplesRecord(refs, ts, self.values)


def decode_samples_raw(buf: memoryview, flags: int) -> RawSamples:
    """Check a samples payload and return views of its columns (no copy)."""
    if flags & ~_SAMPLE_FLAGS:
        raise RecordError(f"unknown sample flags {flags:#04x}")
    if len(buf) < _SAMPLES_PREFIX.size:
        raise RecordError("samples record shorter than its prefix")
    n, base = _SAMPLES_PREFIX.unpack_from(buf)
    enc = (flags & TS_MASK) >> TS_SHIFT
    ref_w = 4 if flags & REFS_U32 else 8
    ts_w = _TS_WIDTH[enc]
    pos = _SAMPLES_PREFIX.size
    if len(buf) != pos + n * (ref_w + ts_w + 8):
        raise RecordError(f"samples record of {n} samples has {len(buf)} payload bytes")
    ref_end = pos + n * ref_w
    ts_end = ref_end + n * ts_w
    refs: npt.NDArray[np.uint32] | Int64Array
    if ref_w == 4:
        refs = np.frombuffer(buf, dtype=_U4, count=n, offset=pos)
    else:
        refs = np.frombuffer(buf, dtype=_I64, count=n, offset=pos)
    ts = None if enc == TS_CONST else np.frombuffer(buf, _TS_DTYPE[enc], n, ref_end)
    values: Float64Array = np.frombuffer(buf, dtype=_F64, count=n, offset=ts_end)
    return RawSamples(refs, ts, base, values)


def _decode_series(buf: memoryview) -> SeriesRecord:
    if len(buf) < _SERIES_PREFIX.size:
        raise RecordError("series record shorter than its prefix")
    n, pairs = _SERIES_PREFIX.unpack_from(buf)
    pos = _SERIES_PREFIX.size
    blob_at = pos + 8 * n + 4 * n + 8 * pairs
    if blob_at > len(buf):
        raise RecordError(f"series record of {n} series is cut short")
    refs: Int64Array = np.frombuffer(buf, dtype=_I64, count=n, offset=pos).astype(_I64)
    counts = np.frombuffer(buf, dtype=_U4, count=n, offset=pos + 8 * n)
    lengths = np.frombuffer(buf, dtype=_U4, count=2 * pairs, offset=pos + 12 * n)
    if int(counts.sum(dtype=np.int64)) != pairs:
        raise RecordError("series record pair counts disagree with its pair total")
    cuts = np.zeros(2 * pairs + 1, dtype=np.int64)
    np.cumsum(lengths, out=cuts[1:])
    if blob_at + int(cuts[-1]) != len(buf):
        raise RecordError("series record label lengths disagree with its length")
    blob = bytes(buf[blob_at:])
    bounds = cuts.tolist()
    try:
        if blob.isascii():
            # One decode; byte offsets are character offsets.
            text = blob.decode("ascii")
            strs = [text[a:b] for a, b in itertools.pairwise(bounds)]
        else:
            strs = [blob[a:b].decode() for a, b in itertools.pairwise(bounds)]
    except UnicodeDecodeError as exc:
        raise RecordError(f"series record holds invalid UTF-8: {exc}") from exc
    pair_list = list(zip(strs[0::2], strs[1::2], strict=True))
    ends = np.cumsum(counts, dtype=np.int64).tolist()
    starts = [0, *ends[:-1]]
    labels = [Labels.from_sorted(pair_list[a:b]) for a, b in zip(starts, ends, strict=True)]
    return SeriesRecord(refs, labels)


def _decode_tombstones(buf: memoryview) -> TombstonesRecord:
    if len(buf) < _U32.size:
        raise RecordError("tombstones record shorter than its prefix")
    (n,) = _U32.unpack_from(buf)
    if len(buf) != _U32.size + 24 * n:
        raise RecordError(f"tombstones record of {n} intervals has {len(buf)} payload bytes")
    cols = np.frombuffer(buf, dtype=_I64, count=3 * n, offset=_U32.size).reshape(3, n)
    return TombstonesRecord(cols[0].copy(), cols[1].copy(), cols[2].copy())


def decode_payload(rtype: int, flags: int, payload: memoryview) -> Record | RawSamples:
    """Decode a payload whose CRC already matched. Raises ``RecordError`` if malformed.

    Samples come back as ``RawSamples`` views; call ``materialize()`` for int64 columns.
    """
    if rtype == RecordType.SAMPLES:
        return decode_samples_raw(payload, flags)
    if flags:
        raise RecordError(f"unknown flags {flags:#04x} on record type {rtype}")
    if rtype == RecordType.SERIES:
        return _decode_series(payload)
    if rtype == RecordType.TOMBSTONES:
        return _decode_tombstones(payload)
    raise RecordError(f"unknown record type {rtype}")
