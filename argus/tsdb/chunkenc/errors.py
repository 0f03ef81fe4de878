"""The codec's one exception.

argus.storage.CorruptionError
└── CodecError      a payload failed its magic, version, CRC, length or structure check

Encoding never raises it: bad arguments to ``encode`` are the caller's bug and raise
``ValueError``. Decoding raises nothing else for bad bytes, so a reader can catch exactly
this and report the damaged block or segment.
"""

from __future__ import annotations

from argus.storage.errors import CorruptionError

__all__ = ["CodecError"]


class CodecError(CorruptionError):
    """A payload is damaged or not a payload; the message names what is wrong."""
