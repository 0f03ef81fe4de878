"""Records round-trip bit-exactly, pick the narrowest encoding, and reject bad payloads."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from argus.model import MAX_TIME, MIN_TIME, STALE_NAN_BITS, Labels
from argus.tsdb.wal.record import (
    RECORD_HEADER,
    REFS_U32,
    TS_CONST,
    TS_MASK,
    TS_RAW,
    TS_SHIFT,
    TS_U16,
    TS_U32,
    Chunk,
    RawSamples,
    Record,
    RecordError,
    RecordType,
    SamplesRecord,
    SeriesRecord,
    TombstonesRecord,
    decode_payload,
    encode_samples,
    encode_series,
    encode_tombstones,
)


def frame(parts: list[Chunk]) -> bytes:
    return b"".join(bytes(p) for p in parts)


def decode(parts: list[Chunk]) -> tuple[int, Record]:
    raw = frame(parts)
    rtype, flags, _, length, _ = RECORD_HEADER.unpack_from(raw)
    assert length == len(raw) - RECORD_HEADER.size
    rec = decode_payload(rtype, flags, memoryview(raw)[RECORD_HEADER.size :])
    return flags, rec.materialize() if isinstance(rec, RawSamples) else rec


T0 = 1_700_000_000_000

SAMPLE_CASES = [
    # (refs, ts, expected ts encoding, refs narrowed?)
    ([0, 1, 2], [T0, T0, T0], TS_CONST, True),
    ([5, 3, 9], [T0, T0 + 15_000, T0 + 65_535], TS_U16, True),
    ([1, 2], [T0, T0 + 65_536], TS_U32, True),
    ([1, 2], [T0, T0 + 2**32 - 1], TS_U32, True),
    ([1, 2], [T0, T0 + 2**32], TS_RAW, True),
    ([1, 2], [MIN_TIME, MAX_TIME], TS_RAW, True),
    ([2**32 - 1, 0], [0, 0], TS_CONST, True),
    ([2**32, 0], [0, 0], TS_CONST, False),
    ([-1, 7], [-5, 3], TS_U16, False),
]


@pytest.mark.parametrize(
    ("refs", "ts", "ts_enc", "narrow"),
    SAMPLE_CASES,
    ids=["const", "u16", "u32-lo", "u32-hi", "raw", "extremes", "ref-u32max", "ref-wide", "neg"],
)
def test_samples_round_trip_with_narrowest_encoding(refs, ts, ts_enc, narrow):
    r = np.asarray(refs, dtype=np.int64)
    t = np.asarray(ts, dtype=np.int64)
    v = np.arange(len(r), dtype=np.float64) + 0.5
    flags, rec = decode(encode_samples(r, t, v))
    assert isinstance(rec, SamplesRecord)
    assert (flags & TS_MASK) >> TS_SHIFT == ts_enc
    assert bool(flags & REFS_U32) == narrow
    assert rec.refs.dtype == np.int64 and rec.ts.dtype == np.int64
    assert rec.refs.tolist() == refs
    assert rec.ts.tolist() == ts
    assert rec.values.tolist() == v.tolist()


def test_sample_values_keep_every_bit():
    bits = np.array(
        [STALE_NAN_BITS, 0x7FF8000000000000, 0xFFF0000000000000, 0x8000000000000000, 1],
        dtype=np.uint64,
    )
    v = bits.view(np.float64)
    _, rec = decode(encode_samples(np.arange(5), np.zeros(5, dtype=np.int64), v))
    assert isinstance(rec, SamplesRecord)
    assert rec.values.view(np.uint64).tolist() == bits.tolist()


def test_non_contiguous_and_other_dtype_inputs_are_accepted():
    r = np.arange(20, dtype=np.int32)[::2]
    t = np.arange(20, dtype=np.int64)[::2] * 1000
    v = np.arange(20, dtype=np.float32)[::2]
    _, rec = decode(encode_samples(r, t, v))  # type: ignore[arg-type]
    assert isinstance(rec, SamplesRecord)
    assert rec.refs.tolist() == r.tolist()
    assert rec.ts.tolist() == t.tolist()
    assert rec.values.tolist() == v.tolist()


@pytest.mark.parametrize(
    "labels",
    [
        [Labels.of(__name__="up", job="api")],
        [Labels(), Labels.of(a="1")],
        [Labels.of(__name__="x", path="/ü/ñ/日本"), Labels.of(b="😀" * 100)],
        [Labels.of(v="x" * 70_000)],
    ],
    ids=["ascii", "empty-set", "utf8", "long-value"],
)
def test_series_round_trip(labels):
    refs = np.arange(10, 10 + len(labels), dtype=np.int64)
    _, rec = decode(encode_series(refs, labels))
    assert isinstance(rec, SeriesRecord)
    assert rec.refs.tolist() == refs.tolist()
    assert rec.labels == labels
    assert all(type(lset) is Labels for lset in rec.labels)


def test_tombstones_round_trip():
    refs = np.array([3, 1], dtype=np.int64)
    mint = np.array([MIN_TIME, 5], dtype=np.int64)
    maxt = np.array([10, MAX_TIME], dtype=np.int64)
    _, rec = decode(encode_tombstones(refs, mint, maxt))
    assert isinstance(rec, TombstonesRecord)
    assert (rec.refs.tolist(), rec.mint.tolist(), rec.maxt.tolist()) == (
        refs.tolist(),
        mint.tolist(),
        maxt.tolist(),
    )


BAD_PAYLOADS = [
    (RecordType.SAMPLES, 0, b"\x01\x00"),
    (RecordType.SAMPLES, 0, struct.pack("<Iq", 2, 0) + b"\x00" * 10),
    (RecordType.SAMPLES, 0x80, struct.pack("<Iq", 0, 0)),
    (RecordType.SERIES, 0, b"\x00"),
    (RecordType.SERIES, 0, struct.pack("<II", 5, 0)),
    (RecordType.SERIES, 1, struct.pack("<II", 0, 0)),
    (RecordType.TOMBSTONES, 0, struct.pack("<I", 1)),
    (7, 0, b""),
]


@pytest.mark.parametrize(
    ("rtype", "flags", "payload"),
    BAD_PAYLOADS,
    ids=[
        "samples-short",
        "samples-length",
        "samples-flags",
        "series-short",
        "series-cut",
        "series-flags",
        "tombstones-length",
        "unknown-type",
    ],
)
def test_malformed_payload_raises_record_error(rtype, flags, payload):
    with pytest.raises(RecordError):
        decode_payload(rtype, flags, memoryview(payload))


def test_series_with_invalid_utf8_raises_record_error():
    payload = struct.pack("<II", 1, 1) + struct.pack("<qI", 0, 1) + struct.pack("<II", 1, 1)
    with pytest.raises(RecordError, match="UTF-8"):
        decode_payload(RecordType.SERIES, 0, memoryview(payload + b"a\xff"))
