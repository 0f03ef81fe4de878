"""Damaged payloads raise ``CodecError`` naming the problem, never anything else."""

from __future__ import annotations

import contextlib
import struct
import zlib

import numpy as np
import pytest

from argus.storage import CorruptionError
from argus.tsdb import chunkenc
from argus.tsdb.chunkenc.payload import HEADER_SIZE
from tests.tsdb.chunkenc.golden import golden_content

PAYLOAD = chunkenc.encode(*golden_content())


def test_codec_error_is_a_corruption_error():
    assert issubclass(chunkenc.CodecError, CorruptionError)


@pytest.mark.parametrize("pos", range(len(PAYLOAD)))
def test_flipped_byte(pos):
    damaged = bytearray(PAYLOAD)
    damaged[pos] ^= 0x5A
    with pytest.raises(chunkenc.CodecError):
        chunkenc.decode(bytes(damaged))
    with pytest.raises(chunkenc.CodecError):
        chunkenc.decode_chunks(bytes(damaged), np.array([1], dtype=np.int64))


def test_every_flipped_bit_past_the_magic_fails_the_crc():
    for pos in range(12, len(PAYLOAD)):
        for bit in range(8):
            damaged = bytearray(PAYLOAD)
            damaged[pos] ^= 1 << bit
            with pytest.raises(chunkenc.CodecError, match=r"CRC32|version"):
                chunkenc.payload_info(bytes(damaged))


@pytest.mark.parametrize("length", range(len(PAYLOAD)))
def test_truncated(length):
    with pytest.raises(chunkenc.CodecError, match=r"truncated|CRC32|shorter"):
        chunkenc.decode(PAYLOAD[:length])
    with pytest.raises(chunkenc.CodecError):
        chunkenc.payload_info(PAYLOAD[:length])


def test_trailing_garbage():
    with pytest.raises(chunkenc.CodecError):
        chunkenc.decode(PAYLOAD + b"\0")


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        (lambda b: b"XXXX" + b[4:], "bad magic"),
        (lambda b: b[:4] + b"\x02" + b[5:], "version 2"),
    ],
    ids=["magic", "version"],
)
def test_messages_name_the_problem(patch, message):
    with pytest.raises(chunkenc.CodecError, match=message):
        chunkenc.decode(patch(PAYLOAD))


def _recrc(b: bytearray) -> bytes:
    b[8:12] = struct.pack("<I", zlib.crc32(bytes(b[12:])))
    return bytes(b)


def test_forged_payloads_with_valid_crc_raise_only_codec_error():
    """Bytes changed *and* the CRC recomputed: decoding may succeed or raise CodecError."""
    rng = np.random.default_rng(3)
    for _ in range(3_000):
        damaged = bytearray(PAYLOAD)
        for pos in rng.integers(12, len(PAYLOAD), rng.integers(1, 4)):
            damaged[pos] = int(rng.integers(0, 256))
        with contextlib.suppress(chunkenc.CodecError):
            chunkenc.decode(_recrc(damaged))


@pytest.mark.parametrize("field", range(12, HEADER_SIZE))
def test_forged_header_fields(field):
    for value in (0, 1, 0x7F, 0x80, 0xFF):
        damaged = bytearray(PAYLOAD)
        damaged[field] = value
        with contextlib.suppress(chunkenc.CodecError):
            chunkenc.decode(_recrc(damaged))


def test_not_bytes_of_a_payload():
    for junk in (b"", b"ARGC", b"\0" * 200, bytes(range(256))):
        with pytest.raises(chunkenc.CodecError):
            chunkenc.decode(junk)
