"""The native sample codec: groups of chunks to one compressed, checksummed payload.

Blocks and sealed head segments store their samples as payloads of this codec. Per chunk,
values become integers by lossless decimal conversion where that is exact (else XOR with
the previous value), timestamps become deltas of deltas, NaN/±Inf/stale markers go to an
exception list, and each column is compressed with zstd across all chunks of the
payload. ``argus/tsdb/docs/format/chunks.md`` documents the bytes; research §3 has the
measurements that chose this scheme over Prometheus's Gorilla chunks and Parquet.
"""

from argus.tsdb.chunkenc.cache import CacheSession, CacheStats, DecodedCache
from argus.tsdb.chunkenc.codec import decode, decode_chunks, encode, payload_info
from argus.tsdb.chunkenc.errors import CodecError
from argus.tsdb.chunkenc.gather import gather_chunks
from argus.tsdb.chunkenc.payload import PayloadInfo

__all__ = [
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
