"""The shape every API handler shares: read the form, return a result, map errors.

A handler is ``async (request, form) -> APIResult``. :func:`api_handler` turns it into
an aiohttp handler that writes Prometheus's envelope, a 204 for results without data
(admin calls), and for any exception the error JSON with the type and status from
:func:`~argus.web.api.v1.errors.map_exception`.

Handlers whose work runs on a worker thread (queries) finish the response there too:
:func:`finish` builds the envelope and gzips it, so the event loop only writes bytes.
gzip uses zlib level 1 by default (``WebOptions.gzip_level``): on query JSON it costs
about a sixth of level 6's CPU for ~20% more bytes, and under load that CPU is what
the queries wait for.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import hdrs, web
from multidict import MultiDict, MultiDictProxy

from argus.web.api.v1.codec import encode_error, encode_success
from argus.web.api.v1.errors import map_exception
from argus.web.api.v1.params import Form

__all__ = [
    "APIHandler",
    "APIResult",
    "accepts_gzip",
    "api_handler",
    "cap_annotations",
    "error_response",
    "finish",
    "gzip_body",
    "read_form",
]

log = logging.getLogger("argus.web")

JSON = "application/json"


@dataclass(slots=True)
class APIResult:
    """``data`` is a JSON-able value, or pre-encoded JSON bytes when ``raw``.

    ``body``, when set by :func:`finish`, is the whole response body, gzipped when
    ``gzipped``; ``data``, ``warnings`` and ``infos`` are then already in it.
    """

    data: Any = None
    warnings: Sequence[str] = field(default_factory=list)
    infos: Sequence[str] = field(default_factory=list)
    raw: bool = False
    body: bytes | None = None
    gzipped: bool = False


def accepts_gzip(request: web.BaseRequest) -> bool:
    """Prometheus's ``CompressionHandler`` test: "gzip" anywhere in Accept-Encoding."""
    return "gzip" in request.headers.get(hdrs.ACCEPT_ENCODING, "")


def gzip_body(body: bytes, level: int) -> bytes:
    """``body`` as one gzip member at zlib ``level``; releases the GIL while deflating."""
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    return c.compress(body) + c.flush()


def _envelope(result: APIResult) -> bytes:
    return encode_success(
        result.data,
        cap_annotations(result.warnings, "warning"),
        cap_annotations(result.infos, "info"),
        raw=result.raw,
    )


def finish(result: APIResult, gzip_level: int | None) -> APIResult:
    """The finished body of ``result`` (gzipped unless ``gzip_level`` is None); blocking,
    meant for the worker thread that produced the result."""
    if result.body is not None:
        return result
    body = _envelope(result)
    if gzip_level is None:
        return APIResult(body=body)
    return APIResult(body=gzip_body(body, gzip_level), gzipped=True)


APIHandler = Callable[[web.Request, Form], Awaitable[APIResult]]


async def read_form(request: web.Request) -> Form:
    """Go's ``r.Form``: for a form POST/PUT, body values first, then the URL's."""
    if request.method in ("POST", "PUT") and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        body = await request.post()
        merged: MultiDict[str] = MultiDict((k, v) for k, v in body.items() if isinstance(v, str))
        merged.extend(request.query)
        return MultiDictProxy(merged)
    return MultiDictProxy(MultiDict(request.query))


def error_response(exc: BaseException, data: Any = None) -> web.Response:
    kind, status = map_exception(exc)
    if kind == "internal":
        log.error("API request failed: %r", exc, exc_info=exc)
    message = str(exc)
    if isinstance(exc, web.HTTPRequestEntityTooLarge):
        message = "error parsing form values: http: POST too large"
    return web.Response(status=status, body=encode_error(kind, message, data), content_type=JSON)


MAX_ANNOTATIONS = 10


def cap_annotations(items: Sequence[str], kind: str) -> list[str]:
    """Prometheus's ``Annotations.AsStrings``: unique, at most 10, then a count."""
    unique = list(dict.fromkeys(items))
    if len(unique) <= MAX_ANNOTATIONS:
        return unique
    skipped = len(unique) - MAX_ANNOTATIONS
    return [*unique[:MAX_ANNOTATIONS], f"{skipped} more {kind} annotations omitted"]


def api_handler(fn: APIHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        try:
            form = await read_form(request)
            result = await fn(request, form)
        except Exception as exc:  # noqa: BLE001 - every failure becomes error JSON
            return error_response(exc)
        if result.body is None:
            if result.data is None and not result.warnings:
                return web.Response(status=204)
            return web.Response(body=_envelope(result), content_type=JSON)
        response = web.Response(body=result.body, content_type=JSON)
        if result.gzipped:
            response.headers[hdrs.CONTENT_ENCODING] = "gzip"
        return response

    handler.__name__ = fn.__name__
    handler.__doc__ = fn.__doc__
    return handler
