"""Prometheus's duration and byte-size syntax, as used in prometheus.yml.

Durations (``model.ParseDuration``): units ``y w d h m s ms`` in that order, each at
most once, integers only (``1h30m``, ``90s``, ``0``). Sizes (``units.Base2Bytes``):
``B KB MB GB TB PB EB`` (also ``KiB``…), powers of 1024, ``0`` allowed.
"""

from __future__ import annotations

import re

__all__ = ["format_duration", "parse_duration", "parse_size"]

_DURATION = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_UNITS_MS = (
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1000),
    ("ms", 1),
)
_SIZE = re.compile(r"(\d+)\s*([KMGTPE]i?B|B)?")
_SIZE_SHIFT = {"B": 0, "K": 10, "M": 20, "G": 30, "T": 40, "P": 50, "E": 60}
_INT64_MAX = 2**63 - 1


def parse_duration(text: object) -> int:
    """Milliseconds; ``ValueError`` naming the text when it is not a duration string."""
    if text == "0":
        return 0
    m = _DURATION.fullmatch(text) if isinstance(text, str) and text else None
    if m is None:
        raise ValueError(f'not a valid duration string: "{text}"')
    total = sum(int(g) * mult for g, (_, mult) in zip(m.groups(), _UNITS_MS, strict=True) if g)
    if total > _INT64_MAX // 1_000_000:
        raise ValueError(f"duration {text!r} is out of range")
    return total


def format_duration(ms: int) -> str:
    """The shortest Prometheus spelling of a duration (``90000`` -> ``1m30s``,
    ``-300000`` -> ``-5m``, as in a negative ``offset``)."""
    if ms == 0:
        return "0s"
    if ms < 0:
        return "-" + format_duration(-ms)
    out = []
    for unit, mult in _UNITS_MS:
        n, ms = divmod(ms, mult)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)


def parse_size(text: object) -> int:
    """Bytes from ``512MB``, ``1GiB`` or a plain integer."""
    if isinstance(text, int) and not isinstance(text, bool) and text >= 0:
        return text
    if not isinstance(text, str):
        raise ValueError(f"not a valid size: {text!r}")
    m = _SIZE.fullmatch(text.strip())
    if m is None:
        raise ValueError(f"not a valid size: {text!r} (e.g. 512MB, 10GiB)")
    unit = m.group(2) or "B"
    return int(m.group(1)) << _SIZE_SHIFT[unit[0] if unit != "B" else "B"]
