"""A real HTTP server on 127.0.0.1:0 per test, over a real DB in tmp_path.

The application runs on its own event loop in a thread, so tests are plain functions
that speak HTTP with urllib (nothing about the server is faked; only the client is
synchronous).
"""

from __future__ import annotations

import asyncio
import gzip
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pytest
from aiohttp import web

from argus.model import Labels
from argus.tsdb import DB
from argus.web import READY_KEY, Sources, WebOptions, build_app, handler_args
from tests.conftest import append

T0 = 1_700_000_000_000
"""Start of the test data (ms); a round 2-hour block boundary."""
STEP = 15_000
POINTS = 241
"""One hour of samples at 15 s, inclusive at both ends."""


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class LiveServer:
    app: web.Application
    options: WebOptions
    base: str = ""
    _loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.new_event_loop)
    _runner: web.AppRunner | None = None

    def start(self) -> LiveServer:
        started = threading.Event()

        async def boot() -> None:
            self._runner = web.AppRunner(self.app, access_log=None, **handler_args(self.options))
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            port = self._runner.addresses[0][1]
            self.base = f"http://127.0.0.1:{port}"
            self.app[READY_KEY]["ready"] = True
            started.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(boot())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        assert started.wait(10), "server did not start"
        return self

    def stop(self) -> None:
        async def down() -> None:
            assert self._runner is not None
            await self._runner.cleanup()

        asyncio.run_coroutine_threadsafe(down(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | list[tuple[str, str]] | None = None,
        *,
        form: dict[str, Any] | list[tuple[str, str]] | None = None,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 30,
    ) -> Reply:
        url = self.base + path
        if params:
            url += "?" + urllib.parse.urlencode(params, doseq=True)
        data = body
        hdrs = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
            hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
        req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, got, raw = r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as exc:
            status, got, raw = exc.code, dict(exc.headers), exc.read()
        if got.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        return Reply(status, got, raw)

    def get(self, path: str, params: Any = None, **kw: Any) -> Reply:
        return self.request("GET", path, params, **kw)

    def post(self, path: str, form: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, form=form, **kw)


ServerFactory = Callable[..., LiveServer]


@pytest.fixture
def make_server() -> Iterator[ServerFactory]:
    servers: list[LiveServer] = []

    def make(sources: Sources, **options: Any) -> LiveServer:
        opts = WebOptions(**options)
        server = LiveServer(build_app(sources, opts), opts).start()
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.stop()


def load_sample_data(db: DB) -> None:
    """Counters and gauges over one hour from ``T0``, every 15 s."""
    ts = T0 + STEP * np.arange(POINTS, dtype=np.int64)
    series: list[tuple[Labels, np.ndarray]] = []
    for i, inst in enumerate(["a:9100", "b:9100", "c:9100"]):
        for code in ["200", "500"]:
            lb = Labels.of(__name__="http_requests_total", job="api", instance=inst, code=code)
            rate = (i + 1) * (10 if code == "200" else 0.5)
            series.append((lb, np.cumsum(np.full(POINTS, rate * 15))))
        series.append(
            (
                Labels.of(__name__="temperature_celsius", job="node", instance=inst),
                20 + 0.01 * np.round(100 * np.sin(np.arange(POINTS) / 10 + i)),
            )
        )
    series.append((Labels.of(__name__="up", job="api", instance="a:9100"), np.ones(POINTS)))
    series.append((Labels.of(__name__="tiny", job="x"), np.full(POINTS, 1.5e-9)))
    labels = [lb for lb, _ in series for _ in range(POINTS)]
    all_ts = np.tile(ts, len(series))
    values = np.concatenate([v for _, v in series])
    append(db, labels, all_ts, values)


@pytest.fixture
def data_db(tmp_db: DB) -> DB:
    load_sample_data(tmp_db)
    return tmp_db


@pytest.fixture
def server(data_db: DB, make_server: ServerFactory) -> LiveServer:
    return make_server(Sources(queryable=data_db))
