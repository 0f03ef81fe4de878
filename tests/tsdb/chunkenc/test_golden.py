"""The checked-in version-1 payload still decodes to the same samples."""

from __future__ import annotations

import numpy as np

from argus.tsdb import chunkenc
from argus.tsdb.chunkenc.payload import read_header
from tests.tsdb.chunkenc.conftest import assert_same
from tests.tsdb.chunkenc.golden import GOLDEN_V1, golden_content


def test_golden_v1_payload_decodes():
    payload = GOLDEN_V1.read_bytes()
    assert payload[:5] == b"ARGC\x01"
    assert_same(chunkenc.decode(payload), golden_content())


def test_golden_v1_payload_info():
    offsets, ts, _ = golden_content()
    info = chunkenc.payload_info(GOLDEN_V1.read_bytes())
    assert info == chunkenc.PayloadInfo(
        num_chunks=offsets.size - 1, num_samples=ts.size, min_t=-1_234, max_t=int(ts.max())
    )
    assert read_header(GOLDEN_V1.read_bytes()).num_exceptions == 5


def test_golden_v1_decode_chunks():
    offsets, ts, values = golden_content()
    ids = np.array([2, 5, 6], dtype=np.int64)
    got_off, got_ts, got_v = chunkenc.decode_chunks(GOLDEN_V1.read_bytes(), ids)
    np.testing.assert_array_equal(got_off, [0, 0, 40, 41])
    np.testing.assert_array_equal(got_ts, ts[offsets[5] : offsets[7]])
    np.testing.assert_array_equal(
        got_v.view(np.uint64), values[offsets[5] : offsets[7]].view(np.uint64)
    )


def test_encoder_still_writes_the_golden_header():
    """Byte equality is not required (zstd's output may change between releases); the
    header a fresh encode writes must match the golden one."""
    fresh = chunkenc.encode(*golden_content())
    golden = GOLDEN_V1.read_bytes()
    assert fresh[:8] == golden[:8]  # magic, version, flags, column count
    assert fresh[12:40] == golden[12:40]  # counts, time range, exception count
