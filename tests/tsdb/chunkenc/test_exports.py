from __future__ import annotations

import argus.tsdb.chunkenc as chunkenc


def test_public_surface():
    assert chunkenc.__all__ == sorted(chunkenc.__all__)
    assert chunkenc.__all__ == [
        "CacheSession",
        "CacheStats",
        "CodecError",
        "DecodedCache",
        "PayloadInfo",
        "decode",
        "decode_chunks",
        "encode",
        "gather_chunks",
        "payload_info",
    ]
    for name in chunkenc.__all__:
        assert getattr(chunkenc, name).__module__.startswith("argus.tsdb.chunkenc.")
