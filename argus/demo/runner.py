"""Runs the three demo services in one event loop, with traffic and changing weather.

Lifecycle: ``Demo(options)``, ``await start()`` (binds the listeners and starts the
load generator and the phase watcher), ``await stop()``. The phase watcher checks the
schedule every ``tick_s`` seconds; entering ``down`` closes payments' listener (its
target goes down and connections are refused), leaving it listens again on the same
port. All listeners are on ``host`` (127.0.0.1 by default); a port of 0 picks a free
one, and :attr:`Demo.ports` tells which.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from argus.demo.schedule import DEFAULT_CYCLE_S, Phase, Schedule
from argus.demo.services import Checkout, Frontend, Payments, Service

__all__ = ["DEFAULT_PORTS", "Demo", "DemoOptions"]

log = logging.getLogger("argus.demo")

DEFAULT_PORTS = (9101, 9102, 9103)
"""frontend, checkout, payments (node_exporter's 9100 is next door)."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    host: str = "127.0.0.1"
    ports: tuple[int, int, int] = DEFAULT_PORTS
    """frontend, checkout, payments; 0 picks a free port."""
    cycle_s: float = DEFAULT_CYCLE_S
    rps: float = 10.0
    """Requests per second the load generator sends to the frontend."""
    clock: Callable[[], float] = time.monotonic
    """Seconds; drives the phases only (tests move it by hand)."""
    tick_s: float = 0.5
    breaker_sleep_s: float = 10.0
    seed: int | None = None


class Demo:
    def __init__(self, options: DemoOptions | None = None) -> None:
        self.options = options or DemoOptions()
        o = self.options
        self.schedule = Schedule(cycle_s=o.cycle_s, start=o.clock(), clock=o.clock)
        self.phase = Phase.HEALTHY
        self.rng = random.Random(o.seed)
        self.ports = list(o.ports)
        self.payments = Payments(self._phase, self.rng)
        # The callers' URLs are known once the listeners are bound; set in start().
        self.checkout = Checkout(
            self._phase, self.rng, payments_url="", breaker_sleep_s=o.breaker_sleep_s
        )
        self.frontend = Frontend(self._phase, self.rng, checkout_url="")
        self._runners: dict[str, web.AppRunner] = {}
        self._sites: dict[str, web.TCPSite] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._inflight: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None

    @property
    def services(self) -> tuple[Service, Service, Service]:
        return self.frontend, self.checkout, self.payments

    def url(self, service: Service) -> str:
        return f"http://{self.options.host}:{self.ports[self.services.index(service)]}"

    def _phase(self) -> Phase:
        return self.phase

    async def start(self) -> None:
        # Upstreams first, so each caller's URL can name the port really bound.
        for i in (2, 1, 0):
            service = self.services[i]
            runner = web.AppRunner(service.app, access_log=None)
            await runner.setup()
            self._runners[service.name] = runner
            await self._listen(service, i)
        self.checkout.payments.url = self.url(self.payments)
        self.frontend.checkout.url = self.url(self.checkout)
        await self._apply_phase(self.schedule.now())
        self._tasks = [
            asyncio.create_task(self._watch_phase(), name="demo-phase"),
            asyncio.create_task(self._generate_load(), name="demo-load"),
        ]
        for s in self.services:
            log.info("demo %s: %s/metrics", s.name, self.url(s))

    async def _listen(self, service: Service, index: int) -> None:
        site = web.TCPSite(self._runners[service.name], self.options.host, self.ports[index])
        await site.start()
        self._sites[service.name] = site
        addresses = self._runners[service.name].addresses
        if addresses:
            self.ports[index] = int(addresses[0][1])

    async def _apply_phase(self, phase: Phase) -> None:
        if phase is not self.phase:
            log.info("demo phase: %s -> %s", self.phase.value, phase.value)
            self.phase = phase
            for s in self.services:
                s.set_phase(phase)
        listening = "payments" in self._sites
        if phase is Phase.DOWN and listening:
            # A crash: stop listening and drop open (keep-alive) connections too.
            await self._sites.pop("payments").stop()
            server = self._runners["payments"].server
            if server is not None:
                await server.shutdown(0.1)
        elif phase is not Phase.DOWN and not listening:
            await self._listen(self.payments, 2)

    async def _watch_phase(self) -> None:
        while True:
            await asyncio.sleep(self.options.tick_s)
            try:
                await self._apply_phase(self.schedule.now())
            except OSError as exc:  # The port was taken meanwhile: retry on the next tick.
                log.warning("demo payments cannot listen again: %s", exc)

    async def _generate_load(self) -> None:
        """Open-loop traffic: pages, product lists and checkouts at about ``rps``."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5.0))
        base = self.url(self.frontend)
        requests = (("GET", "/"), ("GET", "/products"), ("POST", "/checkout"))
        while True:
            await asyncio.sleep(self.rng.expovariate(self.options.rps))
            if len(self._inflight) >= 100:
                continue
            method, path = self.rng.choices(requests, weights=(5, 3, 2))[0]
            task = asyncio.create_task(self._one(method, base + path))
            self._inflight.add(task)
            task.add_done_callback(self._inflight.discard)

    async def _one(self, method: str, url: str) -> None:
        assert self._session is not None
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with self._session.request(method, url) as resp:
                await resp.read()

    async def stop(self) -> None:
        for task in [*self._tasks, *self._inflight]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._inflight, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
        # Listeners and handlers first, so no handler opens a session after close().
        for runner in self._runners.values():
            await runner.cleanup()
        self._sites.clear()
        for s in self.services:
            await s.close()
