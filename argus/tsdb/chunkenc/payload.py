"""Framing of a payload: header, column directory, CRC and per-column zstd.

This module knows bytes, not samples: ``codec.py`` hands it a list of columns (each an
encoding byte and its raw bytes) and gets them back. Keeping the framing apart keeps the
byte layout in one place, next to the only code that reads it (``chunks.md`` documents
it byte by byte). Every check a reader makes before trusting a payload lives here, and
every failure is a :class:`CodecError` that says what is wrong.
"""

from __future__ import annotations

import struct
import threading
import zlib
from dataclasses import dataclass

import zstandard

from argus.tsdb.chunkenc.errors import CodecError

__all__ = [
    "ENC_RAW",
    "FORMAT_VERSION",
    "HEADER_SIZE",
    "MAGIC",
    "NUM_COLUMNS",
    "Column",
    "Header",
    "PayloadInfo",
    "read_column",
    "read_header",
    "write_payload",
]

MAGIC = b"ARGC"
FORMAT_VERSION = 1
#: Columns in a version-1 payload, in file order (see ``codec.py`` for what each holds).
NUM_COLUMNS = 12

# magic, version, flags, num_columns, crc32 | num_chunks, num_samples, min_t, max_t,
# num_exceptions. Little-endian, no padding.
_FIXED = struct.Struct("<4sBBHIIIqqI")
_CRC_END = 12  # the CRC covers every byte from here to the end of the payload
_DIR_ENTRY = struct.Struct("<BI")  # encoding, stored length
HEADER_SIZE = _FIXED.size + NUM_COLUMNS * _DIR_ENTRY.size

#: Encoding byte: the low nibble is the integer width in bytes (1, 2, 4 or 8); bit 7 says
#: the column is stored as is, because zstd would not have made it smaller. Bits 4-6 are
#: reserved (0).
ENC_RAW = 0x80
_WIDTHS = (1, 2, 4, 8)

_local = threading.local()


def _compressor(level: int) -> zstandard.ZstdCompressor:
    cache: dict[int, zstandard.ZstdCompressor] | None = getattr(_local, "cctx", None)
    if cache is None:
        cache = _local.cctx = {}
    cctx = cache.get(level)
    if cctx is None:
        cctx = cache[level] = zstandard.ZstdCompressor(level=level, write_checksum=False)
    return cctx


def _decompressor() -> zstandard.ZstdDecompressor:
    dctx: zstandard.ZstdDecompressor | None = getattr(_local, "dctx", None)
    if dctx is None:
        dctx = _local.dctx = zstandard.ZstdDecompressor()
    return dctx


@dataclass(frozen=True, slots=True)
class PayloadInfo:
    """What a payload holds, read from its header without decompressing anything.

    ``min_t``/``max_t`` are the smallest and largest timestamps (ms, inclusive); both
    are 0 when ``num_samples`` is 0.
    """

    num_chunks: int
    num_samples: int
    min_t: int
    max_t: int


@dataclass(frozen=True, slots=True)
class Column:
    """One column to write: its integer width and its packed bytes (``ints.pack_uints``)."""

    encoding: int
    data: bytes


@dataclass(frozen=True, slots=True)
class Header:
    info: PayloadInfo
    num_exceptions: int
    encodings: tuple[int, ...]
    #: Byte ranges ``[start, end)`` of each stored column inside the payload.
    spans: tuple[tuple[int, int], ...]


def write_payload(
    info: PayloadInfo, num_exceptions: int, columns: list[Column], level: int
) -> bytes:
    """Compress each column with zstd (or store it raw when that is smaller) and frame them."""
    if len(columns) != NUM_COLUMNS:
        raise AssertionError(f"{len(columns)} columns, want {NUM_COLUMNS}")  # pragma: no cover
    cctx = _compressor(level)
    directory = bytearray()
    bodies: list[bytes] = []
    for col in columns:
        stored = cctx.compress(col.data) if col.data else b""
        encoding = col.encoding
        if len(stored) >= len(col.data):
            stored, encoding = col.data, encoding | ENC_RAW
        directory += _DIR_ENTRY.pack(encoding, len(stored))
        bodies.append(stored)
    rest = (
        struct.pack(
            "<IIqqI", info.num_chunks, info.num_samples, info.min_t, info.max_t, num_exceptions
        )
        + bytes(directory)
        + b"".join(bodies)
    )
    crc = zlib.crc32(rest)
    return struct.pack("<4sBBHI", MAGIC, FORMAT_VERSION, 0, NUM_COLUMNS, crc) + rest


def read_header(payload: bytes) -> Header:
    """Parse and check the header: magic, version, sizes and the CRC of the whole payload."""
    if len(payload) < _FIXED.size:
        raise CodecError(
            f"truncated payload: {len(payload)} bytes, shorter than the {_FIXED.size}-byte header"
        )
    (magic, version, flags, ncols, crc, nchunks, nsamples, min_t, max_t, nexc) = _FIXED.unpack_from(
        payload
    )
    if magic != MAGIC:
        raise CodecError(f"bad magic {magic!r}, want {MAGIC!r}: not a chunkenc payload")
    if version != FORMAT_VERSION:
        raise CodecError(
            f"unsupported payload format version {version}; this reader knows {FORMAT_VERSION}"
        )
    if len(payload) < HEADER_SIZE:
        raise CodecError(
            f"truncated payload: {len(payload)} bytes, shorter than the {HEADER_SIZE}-byte header"
        )
    actual = zlib.crc32(memoryview(payload)[_CRC_END:])
    if actual != crc:
        raise CodecError(
            f"CRC32 mismatch: header says {crc:#010x}, payload bytes give {actual:#010x} "
            f"({len(payload)} bytes; corrupt or truncated)"
        )
    if flags != 0 or ncols != NUM_COLUMNS:
        raise CodecError(f"bad header: flags={flags:#x} columns={ncols} (want 0 and {NUM_COLUMNS})")
    encodings: list[int] = []
    spans: list[tuple[int, int]] = []
    pos = HEADER_SIZE
    for i in range(NUM_COLUMNS):
        enc, length = _DIR_ENTRY.unpack_from(payload, _FIXED.size + i * _DIR_ENTRY.size)
        if enc & 0x0F not in _WIDTHS or enc & 0x70:
            raise CodecError(f"column {i}: unknown encoding byte {enc:#04x}")
        encodings.append(enc)
        spans.append((pos, pos + length))
        pos += length
    if pos != len(payload):
        raise CodecError(f"payload is {len(payload)} bytes but its directory accounts for {pos}")
    info = PayloadInfo(num_chunks=nchunks, num_samples=nsamples, min_t=min_t, max_t=max_t)
    return Header(info=info, num_exceptions=nexc, encodings=tuple(encodings), spans=tuple(spans))


def read_column(payload: bytes, header: Header, index: int, name: str, raw_size: int) -> bytes:
    """The raw bytes of column ``index``, checked to be exactly ``raw_size`` long."""
    start, end = header.spans[index]
    stored = payload[start:end]
    if header.encodings[index] & ENC_RAW or not stored:
        raw = stored
    else:
        try:
            # The writer always records the content size; check it before zstd allocates.
            size = zstandard.frame_content_size(stored)
            if size != raw_size:
                raise CodecError(
                    f"column {index} ({name}): zstd frame holds {size} bytes, want {raw_size}"
                )
            raw = _decompressor().decompress(stored, max_output_size=raw_size)
        except zstandard.ZstdError as exc:
            raise CodecError(f"column {index} ({name}): zstd: {exc}") from exc
    if len(raw) != raw_size:
        raise CodecError(f"column {index} ({name}): {len(raw)} bytes decoded, want {raw_size}")
    return raw
