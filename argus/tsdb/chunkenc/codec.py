"""Encode and decode a payload: many chunks of (timestamp, value) samples, column-wise.

A payload is CSR: chunk ``i`` is ``ts[offsets[i]:offsets[i+1]]`` and the same slice of
``values``. Each chunk is transformed on its own (its own exponent, its own delta mode),
but every step runs across all chunks at once, and each resulting column is
concatenated over all chunks and compressed as one zstd frame. Research §3 measured why:
one frame over many series gives zstd the context that a 120-sample chunk lacks (0.65
against 1.14 B/sample on counters).

Every column is unsigned integers at one width, stored as byte planes (``ints.py``).
Columns, in file order (``chunks.md`` has the byte layout; "zz" is zigzag):

====  ============  ======================  ==============================================
  #   name          count                   content
====  ============  ======================  ==============================================
  0   chunk_lens    chunks                  samples per chunk (0 allowed)
  1   kinds         non-empty chunks        0 decimal+delta, 1 decimal+delta-of-delta, 2 XOR
  2   t_first       non-empty chunks        zz(first ts - previous chunk's first ts)
  3   t_delta1      chunks with >= 2        zz(ts[1] - ts[0])
  4   t_dod         sum(max(len - 2, 0))    zz(delta of delta) for samples 2..
  5   v_exp         decimal chunks          zz(decimal exponent)
  6   v_first       decimal chunks          zz(first mantissa)
  7   v_delta1      delta-of-delta chunks   zz(m[1] - m[0])
  8   v_ints        see ``chunks.md``       zz(delta) of samples 1.. or zz(dod) of 2..
  9   v_xor         samples of XOR chunks   value bits XOR previous value's bits
 10   exc_pos       exceptions              position - previous position (first: position)
 11   exc_bits      exceptions              raw float64 bits
====  ============  ======================  ==============================================
"""

from __future__ import annotations

import numpy as np

from argus.model.series import BoolArray, Float64Array, Int64Array, UInt64Array
from argus.tsdb.chunkenc.decimal import E_MAX, E_MIN, find_exponents, from_mantissas, to_mantissas
from argus.tsdb.chunkenc.errors import CodecError
from argus.tsdb.chunkenc.ints import (
    pack_uints,
    segmented_cumsum,
    unpack_uints,
    unpack_uints_at,
    zigzag_decode,
    zigzag_encode,
)
from argus.tsdb.chunkenc.payload import (
    Column,
    Header,
    PayloadInfo,
    read_column,
    read_header,
    write_payload,
)
from argus.tsdb.chunkenc.specials import restore_specials, split_specials
from argus.tsdb.chunkenc.xor import xor_decode, xor_encode

__all__ = ["decode", "decode_chunks", "encode", "payload_info"]

KIND_DELTA = 0
KIND_DOD = 1
KIND_XOR = 2

_U32_MAX = 2**32 - 1
_EMPTY_I64: Int64Array = np.zeros(0, dtype=np.int64)


def _uint_column(u: UInt64Array) -> Column:
    width, data = pack_uints(u)
    return Column(width, data)


def _int_column(x: Int64Array) -> Column:
    return _uint_column(zigzag_encode(x))


def _check_args(offsets: Int64Array, ts: Int64Array, values: Float64Array) -> None:
    if offsets.ndim != 1 or ts.ndim != 1 or values.ndim != 1:
        raise ValueError("offsets, ts and values must be one-dimensional")
    if offsets.size == 0 or offsets[0] != 0:
        raise ValueError("offsets must be int64[n_chunks + 1] starting at 0")
    if ts.size != values.size or offsets[-1] != ts.size:
        raise ValueError(
            f"offsets end at {offsets[-1]} but ts has {ts.size} and values {values.size} samples"
        )
    if offsets.size > 1 and (np.diff(offsets) < 0).any():
        raise ValueError("offsets must be non-decreasing")
    if offsets.size - 1 > _U32_MAX or ts.size > _U32_MAX:
        raise ValueError("a payload holds at most 2**32 - 1 chunks and samples")


def _stream_mask(n: int, starts: Int64Array, second: Int64Array) -> BoolArray:
    """True for the samples whose value goes to a per-sample stream column.

    Every chunk start is excluded (its value is in a per-chunk column), and so is each
    index in ``second`` (the second sample of chunks that keep their first delta aside).
    """
    mask = np.ones(n, dtype=np.bool_)
    mask[starts] = False
    mask[second] = False
    return mask


def _local_starts(lens: Int64Array) -> Int64Array:
    """Chunk starts inside the concatenation of chunks with lengths ``lens`` (all > 0)."""
    out: Int64Array = np.zeros(lens.size, dtype=np.int64)
    np.cumsum(lens[:-1], out=out[1:])
    return out


def encode(offsets: Int64Array, ts: Int64Array, values: Float64Array, *, level: int = 3) -> bytes:
    """Encode chunks in CSR layout into one self-describing payload.

    ``offsets``: int64[c+1] with ``offsets[0] == 0``; chunk ``i`` is
    ``ts[offsets[i]:offsets[i+1]]`` (ms, strictly increasing within a chunk, which the
    caller guarantees) and the same slice of ``values`` (float64; any bit pattern,
    reproduced exactly). Chunks may be empty. ``level`` is the zstd level.
    Raises ``ValueError`` when the arrays do not form a CSR layout.
    """
    offsets = np.ascontiguousarray(offsets, dtype=np.int64)
    ts = np.ascontiguousarray(ts, dtype=np.int64)
    values = np.ascontiguousarray(values, dtype=np.float64)
    _check_args(offsets, ts, values)
    n = ts.size
    lens = np.diff(offsets)
    nonempty = lens > 0
    starts = offsets[:-1][nonempty]
    nlens = lens[nonempty]
    num_ne = starts.size
    two = nlens >= 2

    # Timestamps: first ts (delta to the previous chunk's), first delta, then dod.
    t_first = ts[starts]
    t_delta1 = ts[starts[two] + 1] - t_first[two]
    t_dod = _EMPTY_I64
    if n >= 3:
        t_dod = np.diff(ts, n=2)[_stream_mask(n, starts, starts[two] + 1)[2:]]
    t_first_d = t_first.copy()
    t_first_d[1:] -= t_first[:-1]

    # Values: take out the specials, then decimal where it is exact, XOR elsewhere.
    exc_pos, exc_bits, v = split_specials(values, offsets)
    cid = np.repeat(np.arange(num_ne, dtype=np.int64), nlens)
    exps, decimal = find_exponents(v, cid, num_ne)
    mant, dec_lens, dec_exps, decimal = _mantissas(v, cid, nlens, exps, decimal)
    kinds = np.full(num_ne, KIND_XOR, dtype=np.int64)
    (v_first, v_delta1, v_ints, dod) = _mantissa_columns(mant, dec_lens)
    kinds[decimal] = np.where(dod, KIND_DOD, KIND_DELTA)

    if decimal.all():
        words = np.zeros(0, dtype=np.uint64)
    else:
        xor_chunks = ~decimal
        v_x = v[np.repeat(xor_chunks, nlens)] if decimal.any() else v
        words = xor_encode(v_x.view(np.uint64), _local_starts(nlens[xor_chunks]))

    exc_gaps = exc_pos.copy()
    exc_gaps[1:] -= exc_pos[:-1]

    columns = [
        _uint_column(lens.view(np.uint64)),
        _uint_column(kinds.view(np.uint64)),
        _int_column(t_first_d),
        _int_column(t_delta1),
        _int_column(t_dod),
        _int_column(dec_exps),
        _int_column(v_first),
        _int_column(v_delta1),
        _int_column(v_ints),
        _uint_column(words),
        _uint_column(exc_gaps.view(np.uint64)),
        _uint_column(exc_bits),
    ]
    if num_ne:
        min_t = int(t_first.min())
        max_t = int(ts[starts + nlens - 1].max())
    else:
        min_t = max_t = 0
    info = PayloadInfo(num_chunks=lens.size, num_samples=n, min_t=min_t, max_t=max_t)
    return write_payload(info, int(exc_pos.size), columns, level)


def _mantissas(
    v: Float64Array, cid: Int64Array, nlens: Int64Array, exps: Int64Array, decimal: BoolArray
) -> tuple[Int64Array, Int64Array, Int64Array, BoolArray]:
    """Verified mantissas of the decimal chunks: ``(m, lens, exps, decimal)``.

    ``decimal`` (bool[non-empty chunks]) comes back narrowed to the chunks that survive
    verification; ``m`` holds their samples, concatenated.
    """
    for _ in range(2):
        if decimal.all():
            v_d, cid_d = v, cid
        else:
            sel = np.repeat(decimal, nlens)
            v_d = v[sel]
            cid_d = (np.cumsum(decimal) - 1)[cid[sel]]
        d_lens, d_exps = nlens[decimal], exps[decimal]
        m, exact = to_mantissas(v_d, d_exps, d_lens, cid_d)
        if exact.all():
            return m, d_lens, d_exps, decimal
        # Dropping chunks does not change the others' verification: one retry suffices.
        decimal = decimal.copy()
        decimal[np.flatnonzero(decimal)[~exact]] = False
    raise AssertionError(
        "unreachable: the second pass verifies only exact chunks"
    )  # pragma: no cover


def _mantissa_columns(
    m: Int64Array, lens: Int64Array
) -> tuple[Int64Array, Int64Array, Int64Array, BoolArray]:
    """``(v_first, v_delta1, v_ints, dod)`` for decimal chunks with lengths ``lens``.

    Delta-of-delta for chunks whose mantissas never decrease (counters: the dod of a
    steady rate is ~0), plain delta otherwise (gauges: the delta of a random walk is
    small, its dod twice as wide).
    """
    n = m.size
    starts = _local_starts(lens)
    if n == 0:
        return _EMPTY_I64, _EMPTY_I64, _EMPTY_I64, np.zeros(lens.size, dtype=np.bool_)
    d = np.diff(m)
    # A decrease at a chunk start belongs to the previous chunk: mask those out.
    dec_at = d < 0
    dec_at[starts[1:] - 1] = False
    falls = np.zeros(lens.size, dtype=np.bool_)
    falls[np.searchsorted(starts, np.flatnonzero(dec_at) + 1, side="right") - 1] = True
    dod = ~falls & (lens >= 2)
    v_first = m[starts]
    v_delta1 = m[starts[dod] + 1] - v_first[dod]
    mask = _stream_mask(n, starts, starts[dod] + 1)
    if dod.all():
        v_ints = np.diff(d)[mask[2:]]
    elif not dod.any():
        v_ints = d[mask[1:]]
    else:
        both = np.empty(n, dtype=np.int64)
        both[0] = 0
        both[1:] = d
        dd = np.diff(d)
        is_dod = np.repeat(dod, lens)[2:]
        np.copyto(both[2:], dd, where=is_dod)
        v_ints = both[mask]
    return v_first, v_delta1, v_ints, dod


# --------------------------------------------------------------------------- decoding


def payload_info(payload: bytes) -> PayloadInfo:
    """Counts and time range of a payload, from its header (the CRC is checked; nothing
    is decompressed)."""
    return read_header(payload).info


class _Reader:
    """Reads the columns of one payload in order, checking each one's size."""

    def __init__(self, payload: bytes, header: Header) -> None:
        self.payload = payload
        self.header = header

    def uints(self, index: int, name: str, count: int) -> UInt64Array:
        width = self.header.encodings[index] & 0x0F
        raw = read_column(self.payload, self.header, index, name, width * count)
        return unpack_uints(raw, width, count)

    def ints(self, index: int, name: str, count: int) -> Int64Array:
        return zigzag_decode(self.uints(index, name, count))

    def uints_at(self, index: int, name: str, count: int, at: Int64Array) -> UInt64Array:
        """Entries ``at`` of a column of ``count`` entries (the whole column is checked)."""
        width = self.header.encodings[index] & 0x0F
        raw = read_column(self.payload, self.header, index, name, width * count)
        return unpack_uints_at(raw, width, count, at)

    def ints_at(self, index: int, name: str, count: int, at: Int64Array) -> Int64Array:
        return zigzag_decode(self.uints_at(index, name, count, at))


def decode(payload: bytes) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Inverse of :func:`encode`: ``(offsets: int64[c+1], ts: int64[n] ms, values: float64[n])``.

    Raises :class:`CodecError` for anything that is not an intact payload.
    """
    return _checked_decode(payload, read_header(payload), None)


def _checked_decode(
    payload: bytes, header: Header, ids: Int64Array | None
) -> tuple[Int64Array, Int64Array, Float64Array]:
    try:
        # Intact payloads never overflow; a forged one with a valid CRC may, harmlessly.
        with np.errstate(over="ignore", invalid="ignore"):
            return _decode(payload, header, ids)
    except CodecError:
        raise
    except (ValueError, IndexError, OverflowError) as exc:
        # Only reachable by bytes that pass the CRC but were not written by ``encode``.
        raise CodecError(f"inconsistent payload: {exc}") from exc


def _decode(
    payload: bytes, header: Header, ids: Int64Array | None = None
) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Decode every chunk (``ids`` None) or only the sorted, unique chunks ``ids``.

    The per-chunk columns are small and always read whole; the per-sample columns are
    decompressed whole (one zstd frame each) but unpacked and transformed only at the
    selected chunks' entries, so reading one series of a 16k-sample payload costs its
    own samples, not the payload's.
    """
    rd = _Reader(payload, header)
    n = header.info.num_samples
    lens_u = rd.uints(0, "chunk_lens", header.info.num_chunks)
    if lens_u.size and int(lens_u.max()) > n:
        raise CodecError(f"a chunk claims more samples than the payload's {n}")
    lens = lens_u.view(np.int64)
    offsets = np.zeros(lens.size + 1, dtype=np.int64)
    np.cumsum(lens, out=offsets[1:])
    if offsets[-1] != n:
        raise CodecError(f"chunk lengths sum to {offsets[-1]}, header says {n} samples")
    nonempty = lens > 0
    nlens = lens[nonempty]
    num_ne = nlens.size
    two = nlens >= 2

    kinds = rd.uints(1, "kinds", num_ne)
    if kinds.size and int(kinds.max()) > KIND_XOR:
        raise CodecError(f"unknown chunk kind {int(kinds.max())}")
    decimal = kinds != KIND_XOR
    dod = kinds[decimal] == KIND_DOD
    d_lens = nlens[decimal]
    if (d_lens[dod] < 2).any():
        raise CodecError("a delta-of-delta chunk has fewer than 2 samples")
    num_d = d_lens.size
    num_dod = int(dod.sum())
    n_d = int(d_lens.sum())
    t_first = np.cumsum(rd.ints(2, "t_first", num_ne))
    exps = rd.ints(5, "v_exp", num_d)
    if exps.size and (int(exps.min()) < E_MIN or int(exps.max()) > E_MAX):
        raise CodecError(f"decimal exponent outside [{E_MIN}, {E_MAX}]")
    num_exc = header.num_exceptions
    exc_pos = np.cumsum(rd.uints(10, "exc_pos", num_exc).view(np.int64))
    exc_bits = rd.uints(11, "exc_bits", num_exc)
    if num_exc and (int(exc_pos[-1]) >= n or (exc_pos[1:] <= exc_pos[:-1]).any() or exc_pos[0] < 0):
        raise CodecError("exception positions out of order or out of range")
    sizes = (
        int(two.sum()),  # t_delta1
        n - num_ne - int(two.sum()),  # t_dod
        num_d,  # v_first
        num_dod,  # v_delta1
        n_d - num_d - num_dod,  # v_ints
        n - n_d,  # v_xor
    )
    if ids is None:
        t_delta1 = rd.ints(3, "t_delta1", sizes[0])
        t_dod = rd.ints(4, "t_dod", sizes[1])
        v_first = rd.ints(6, "v_first", sizes[2])
        v_delta1 = rd.ints(7, "v_delta1", sizes[3])
        v_ints = rd.ints(8, "v_ints", sizes[4])
        words = rd.uints(9, "v_xor", sizes[5])
        return _assemble(
            offsets,
            nlens,
            kinds,
            t_first,
            t_delta1,
            t_dod,
            exps,
            v_first,
            v_delta1,
            v_ints,
            words,
            exc_pos,
            exc_bits,
        )

    # Selected chunks: per column, each chunk's entry count, then the entries of ``ids``.
    pick = nonempty[ids]
    ne_rank = np.cumsum(nonempty) - 1
    sel = ne_rank[ids[pick]]  # the selected non-empty chunks, as non-empty ranks
    sel_lens = lens[ids]
    out_off = np.zeros(ids.size + 1, dtype=np.int64)
    np.cumsum(sel_lens, out=out_off[1:])
    d_rank = np.cumsum(decimal) - 1
    sel_dec = decimal[sel]
    sel_d = d_rank[sel[sel_dec]]  # the selected decimal chunks, as decimal ranks
    dod_all = np.zeros(num_ne, dtype=np.bool_)
    dod_all[decimal] = dod
    x_lens = np.where(decimal, 0, nlens)
    v_count = np.where(decimal, nlens - 1 - dod_all, 0)
    t_delta1 = rd.ints_at(3, "t_delta1", sizes[0], _entries(two.astype(np.int64), sel))
    t_dod = rd.ints_at(4, "t_dod", sizes[1], _entries(np.maximum(nlens - 2, 0), sel))
    v_first = rd.ints_at(6, "v_first", sizes[2], sel_d)
    v_delta1 = rd.ints_at(7, "v_delta1", sizes[3], _entries(dod.astype(np.int64), sel_d))
    v_ints = rd.ints_at(8, "v_ints", sizes[4], _entries(v_count, sel))
    words = rd.uints_at(9, "v_xor", sizes[5], _entries(x_lens, sel))
    if num_exc:
        chunk = np.searchsorted(offsets, exc_pos, side="right") - 1
        slot = np.full(lens.size, -1, dtype=np.int64)
        slot[ids] = np.arange(ids.size, dtype=np.int64)
        where = slot[chunk]
        mine = where >= 0
        exc_bits = exc_bits[mine]
        exc_pos = exc_pos[mine] - offsets[chunk[mine]] + out_off[where[mine]]
    out = _assemble(
        out_off,
        nlens[sel],
        kinds[sel],
        t_first[sel],
        t_delta1,
        t_dod,
        exps[sel_d],
        v_first,
        v_delta1,
        v_ints,
        words,
        exc_pos,
        exc_bits,
    )
    return out


def _entries(counts: Int64Array, chunks: Int64Array) -> Int64Array:
    """Entry indices of ``chunks`` (sorted) in a column where chunk i has ``counts[i]``."""
    starts = np.zeros(counts.size, dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    c = counts[chunks]
    total = int(c.sum())
    if total == 0:
        return _EMPTY_I64
    out_starts = np.zeros(c.size, dtype=np.int64)
    np.cumsum(c[:-1], out=out_starts[1:])
    idx: Int64Array = np.repeat(starts[chunks] - out_starts, c) + np.arange(total, dtype=np.int64)
    return idx


def _assemble(
    offsets: Int64Array,
    nlens: Int64Array,
    kinds: UInt64Array,
    t_first: Int64Array,
    t_delta1: Int64Array,
    t_dod: Int64Array,
    exps: Int64Array,
    v_first: Int64Array,
    v_delta1: Int64Array,
    v_ints: Int64Array,
    words: UInt64Array,
    exc_pos: Int64Array,
    exc_bits: UInt64Array,
) -> tuple[Int64Array, Int64Array, Float64Array]:
    """Samples from decoded columns of a run of chunks (``t_first`` absolute, exception
    positions relative to the run); ``offsets`` is the run's CSR layout."""
    n = int(offsets[-1])
    nonempty = offsets[1:] > offsets[:-1]
    starts = offsets[:-1][nonempty]
    two = nlens >= 2

    # Timestamps.
    second = starts[two] + 1
    ts = np.empty(n, dtype=np.int64)
    ts[_stream_mask(n, starts, second)] = t_dod
    ts[starts] = t_first
    ts[second] = t_delta1 - t_first[two]
    segmented_cumsum(ts, starts)
    segmented_cumsum(ts, starts)

    # Values.
    decimal = kinds != KIND_XOR
    dod = kinds[decimal] == KIND_DOD
    d_lens = nlens[decimal]
    n_d = int(d_lens.sum())
    vals_d = _decode_mantissas(v_first, v_delta1, v_ints, d_lens, dod, exps)
    if n_d == n:
        values = vals_d
    else:
        values = np.empty(n, dtype=np.float64)
        words = xor_decode(words, _local_starts(nlens[~decimal]))
        if n_d:
            sel = np.repeat(decimal, nlens)
            values[sel] = vals_d
            values[~sel] = words.view(np.float64)
        else:
            values = words.view(np.float64)
    restore_specials(values, exc_pos, exc_bits)
    return offsets, ts, values


def _decode_mantissas(
    v_first: Int64Array,
    v_delta1: Int64Array,
    v_ints: Int64Array,
    lens: Int64Array,
    dod: BoolArray,
    exps: Int64Array,
) -> Float64Array:
    n = int(lens.sum())
    starts = _local_starts(lens)
    second = starts[dod] + 1
    m = np.empty(n, dtype=np.int64)
    m[_stream_mask(n, starts, second)] = v_ints
    m[starts] = v_first
    m[second] = v_delta1 - v_first[dod]
    if dod.all():
        segmented_cumsum(m, starts)
    elif dod.any():
        sel = np.repeat(dod, lens)
        sub = m[sel]
        m[sel] = segmented_cumsum(sub, _local_starts(lens[dod]))
    segmented_cumsum(m, starts)
    return from_mantissas(m, exps, lens)


def decode_chunks(
    payload: bytes, chunk_ids: Int64Array
) -> tuple[Int64Array, Int64Array, Float64Array]:
    """The chunks ``chunk_ids`` (sorted, unique) of a payload, as CSR in that order.

    When they are under half of the payload's chunks, only their samples are unpacked
    and transformed (see ``_decode``); else the payload is decoded whole and gathered.
    Raises ``ValueError`` for ids that are not sorted, unique and in range, and
    :class:`CodecError` for a damaged payload.
    """
    ids = np.asarray(chunk_ids, dtype=np.int64)
    header = read_header(payload)
    num = header.info.num_chunks
    if ids.ndim != 1 or (ids.size and (ids[0] < 0 or ids[-1] >= num)):
        raise ValueError(f"chunk ids must be a 1-d array in [0, {num})")
    if ids.size > 1 and (np.diff(ids) <= 0).any():
        raise ValueError("chunk ids must be sorted and unique")
    if 2 * ids.size < num:
        return _checked_decode(payload, header, ids)
    # Most of the payload: decoding it whole and gathering costs less per sample.
    offsets, ts, values = _checked_decode(payload, header, None)
    if ids.size == num:
        return offsets, ts, values
    lens = offsets[ids + 1] - offsets[ids]
    out_off = np.zeros(ids.size + 1, dtype=np.int64)
    np.cumsum(lens, out=out_off[1:])
    idx = np.repeat(offsets[ids] - out_off[:-1], lens) + np.arange(out_off[-1], dtype=np.int64)
    return out_off, ts[idx], values[idx]
