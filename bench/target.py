"""A scrape target serving one pre-generated exposition body on 127.0.0.1.

The body (and its gzip form, used when the scraper accepts gzip) is built once, so
serving costs almost nothing next to the scraper's parsing. Requests are counted so a
benchmark can wait for the N-th scrape.
"""

from __future__ import annotations

import gzip
import itertools
import threading
from collections.abc import Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

from bench.dataset import Dataset, series_name
from bench.peers import free_port

__all__ = ["ScrapeTarget", "exposition"]


def exposition(ds: Dataset, column: int = 0) -> bytes:
    """The Prometheus text format body of sample ``column`` of every series (no timestamps)."""
    vals = map(repr, ds.values[:, column].tolist())
    return "".join(
        [f"{series_name(p)} {v}\n" for p, v in zip(ds.labels, vals, strict=True)]
    ).encode()


class ScrapeTarget:
    """Serves pre-generated bodies on 127.0.0.1, one per request in turn (gzip if asked),
    so a scraper sees changing values without the server doing any work per scrape."""

    def __init__(self, bodies: bytes | Sequence[bytes]) -> None:
        self.bodies = [bodies] if isinstance(bodies, bytes) else list(bodies)
        self.gzipped = [gzip.compress(b, compresslevel=1) for b in self.bodies]
        self.port = free_port()
        self.requests = 0
        self._next = itertools.count()
        self._lock = threading.Lock()
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with target._lock:
                    i = next(target._next) % len(target.bodies)
                gz = "gzip" in self.headers.get("Accept-Encoding", "")
                payload = target.gzipped[i] if gz else target.bodies[i]
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                if gz:
                    self.send_header("Content-Encoding", "gzip")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                with target._lock:
                    target.requests += 1

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
