from __future__ import annotations

import numpy as np

from argus.model import Labels
from argus.scrape.parse import SeriesCache, TextParser


def test_same_labels_share_an_id_and_aliases_resolve():
    cache = SeriesCache()
    a = cache.add(b'm{x="1"}', Labels.of(__name__="m", x="1"))
    assert cache.add(b'm{ x="1" }', Labels.of(__name__="m", x="1")) == a
    cache.alias(b'm{x="1"} ', a)
    assert cache.ids[b'm{x="1"} '] == a and len(cache) == 1
    assert repr(cache) == "SeriesCache(series=1, keys=3)"


def test_compact_drops_unseen_and_renumbers():
    parser = TextParser()
    first = parser.parse(b"a 1\nb 2\nc 3\n")
    parser.cache.mark_seen(first.ids, 1)
    second = parser.parse(b"c 3\n")
    parser.cache.mark_seen(second.ids, 2)
    parser.parse(b"d 4\n")  # parsed but never marked: counts as never seen
    remap = parser.cache.compact(oldest=2)
    assert remap is not None and remap.tolist() == [-1, -1, 0, -1]
    assert parser.cache.labels == [Labels.of(__name__="c")]
    assert parser.cache.compact(oldest=2) is None
    again = parser.parse(b"c 5\na 6\n")
    assert again.ids.tolist() == [0, 1] and again.new_ids == [1]
    np.testing.assert_array_equal(again.values, [5.0, 6.0])
