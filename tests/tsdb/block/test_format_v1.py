"""The checked-in format-v1 block must stay readable as the format evolves."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from argus.model import Labels, Matcher
from argus.storage import CorruptionError
from argus.tsdb import Block
from tests.tsdb.block.fixture import HERE, ULID, expected


def test_reads_the_v1_block_exactly():
    block = Block(HERE / ULID)
    try:
        labels, ts, values = expected()
        ids = block.select_ids([Matcher.regex("__name__", ".+")], -(2**62), 2**62)
        assert block.labels_of(ids) == labels
        got, off, t, v = block.read(ids, -(2**62), 2**62)
        assert got.tolist() == [0, 1, 2]
        for i in range(3):
            assert t[off[i] : off[i + 1]].tolist() == ts[i]
            want = np.asarray(values[i], dtype=np.float64).view(np.uint64)
            assert v[off[i] : off[i + 1]].view(np.uint64).tolist() == want.tolist()
        assert block.meta.num_samples == 73
        assert block.label_values_of("job") == ["api"]
        assert sorted(block.label_names_of(None)) == ["__name__", "code", "job", "path", "sensor"]
    finally:
        block.close()


def test_postings_answer_matchers():
    block = Block(HERE / ULID)
    try:
        ids = block.select_ids([Matcher.equal("path", '/a"b\\c')], -(2**62), 2**62)
        assert block.labels_of(ids) == [
            Labels.of(__name__="http_requests_total", code="200", path='/a"b\\c')
        ]
        assert len(block.select_ids([Matcher.not_equal("sensor", "")], -(2**62), 2**62)) == 1
    finally:
        block.close()


@pytest.mark.parametrize("victim", ["index", "samples", "meta.json"])
def test_damage_is_reported_naming_the_file(tmp_path, victim):
    d = tmp_path / ULID
    shutil.copytree(HERE / ULID, d)
    data = bytearray((d / victim).read_bytes())
    data[len(data) // 2] ^= 0x5A
    (d / victim).write_bytes(bytes(data))

    def open_and_read() -> None:
        block = Block(d)
        try:
            block.read(np.arange(3, dtype=np.int64), -(2**62), 2**62)
        finally:
            block.close()

    with pytest.raises(CorruptionError, match=victim):
        open_and_read()
