"""Three small services, each an aiohttp app with its own ``prometheus_client`` registry.

``frontend`` serves pages and forwards ``POST /checkout`` to ``checkout``, which charges
the order through ``payments`` behind a circuit breaker. Latency and errors come from
the current :class:`~argus.demo.schedule.Phase`; the ``down`` phase is played by the
runner closing payments' listener. Every service exposes:

- ``http_requests_total{handler,method,code}`` and
  ``http_request_duration_seconds{handler}`` (a histogram),
- ``http_requests_in_flight``,
- ``demo_phase{phase}`` (1 for the current phase),

plus ``upstream_requests_total{upstream,outcome}`` and
``upstream_request_duration_seconds{upstream}`` on the callers,
``circuit_breaker_state{upstream,state}`` and ``checkout_orders_total{status}`` on
checkout, and ``payments_charges_total{status}`` and
``payments_charged_dollars_total`` on payments.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import ClassVar

import aiohttp
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from argus.demo.schedule import Phase
from argus.resilience import BreakerOptions, BreakerState, CircuitBreaker

__all__ = ["Checkout", "Frontend", "Payments", "Service"]

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Service:
    """One service: an app, its registry and the metrics every service has."""

    name = "service"

    def __init__(self, phase: Callable[[], Phase], rng: random.Random) -> None:
        self.phase = phase
        self.rng = rng
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests served, by handler, method and status code.",
            ["handler", "method", "code"],
            registry=r,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time to serve an HTTP request.",
            ["handler"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.in_flight = Gauge("http_requests_in_flight", "Requests being served.", registry=r)
        self.phase_gauge = Gauge(
            "demo_phase", "The demo's current phase (1) and the others (0).", ["phase"], registry=r
        )
        self.set_phase(Phase.HEALTHY)
        self.app = web.Application()
        self.app.router.add_get("/metrics", self.metrics)
        self.route("GET", "/", self.index)

    def set_phase(self, phase: Phase) -> None:
        for p in Phase:
            self.phase_gauge.labels(p.value).set(1 if p is phase else 0)

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Add a route whose requests are counted and timed."""

        async def instrumented(request: web.Request) -> web.StreamResponse:
            t0 = time.perf_counter()
            self.in_flight.inc()
            code = 500
            try:
                response = await handler(request)
                code = response.status
                return response
            finally:
                self.in_flight.dec()
                self.duration.labels(path).observe(time.perf_counter() - t0)
                self.requests.labels(path, method, str(code)).inc()

        self.app.router.add_route(method, path, instrumented)

    async def metrics(self, request: web.Request) -> web.Response:
        encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
        return web.Response(body=encoder(self.registry), headers={"Content-Type": content_type})

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text=f"argus demo: {self.name}\n")

    async def close(self) -> None:
        """Release client sessions; the runner owns the listener."""

    async def work(self, mean_s: float) -> None:
        """Pretend to work for about ``mean_s`` seconds (log-normal, like real latency)."""
        await asyncio.sleep(min(5.0, self.rng.lognormvariate(0, 0.5) * mean_s))


class _Upstream:
    """A caller's view of one upstream: a session plus per-upstream metrics."""

    def __init__(self, service: Service, name: str, url: str, timeout_s: float) -> None:
        self.name = name
        self.url = url
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.session: aiohttp.ClientSession | None = None
        self.closed = False
        r = service.registry
        self.calls = Counter(
            "upstream_requests_total",
            "Calls to upstream services, by outcome (ok, error, timeout, refused, rejected).",
            ["upstream", "outcome"],
            registry=r,
        )
        self.duration = Histogram(
            "upstream_request_duration_seconds",
            "Time waiting for upstream services.",
            ["upstream"],
            buckets=_BUCKETS,
            registry=r,
        )

    async def post(self, path: str, payload: dict[str, object]) -> tuple[str, int]:
        """``(outcome, status)``; status 0 when there was no HTTP answer."""
        if self.closed:
            return "refused", 0
        if self.session is None:
            self.session = aiohttp.ClientSession(timeout=self.timeout)
        t0 = time.perf_counter()
        try:
            async with self.session.post(self.url + path, json=payload) as resp:
                await resp.read()
                outcome, status = ("ok" if resp.status < 500 else "error"), resp.status
        except TimeoutError:
            outcome, status = "timeout", 0
        except aiohttp.ClientConnectionError:
            outcome, status = "refused", 0
        self.duration.labels(self.name).observe(time.perf_counter() - t0)
        self.calls.labels(self.name, outcome).inc()
        return outcome, status

    async def close(self) -> None:
        self.closed = True
        if self.session is not None:
            await self.session.close()
            self.session = None


class Frontend(Service):
    """Pages (``/``, ``/products``) and ``POST /checkout``, forwarded to checkout."""

    name = "frontend"

    def __init__(
        self, phase: Callable[[], Phase], rng: random.Random, *, checkout_url: str
    ) -> None:
        super().__init__(phase, rng)
        self.checkout = _Upstream(self, "checkout", checkout_url, timeout_s=2.0)
        self.route("GET", "/products", self.products)
        self.route("POST", "/checkout", self.order)

    async def products(self, request: web.Request) -> web.Response:
        await self.work(0.008)
        return web.json_response({"products": ["lamp", "kettle", "umbrella"]})

    async def order(self, request: web.Request) -> web.Response:
        await self.work(0.003)
        outcome, status = await self.checkout.post("/orders", {"items": 1 + self.rng.randrange(3)})
        if outcome == "ok":
            return web.json_response({"ordered": True}, status=status)
        return web.json_response({"ordered": False, "reason": outcome}, status=502)

    async def close(self) -> None:
        await self.checkout.close()


class _BreakerCollector(Collector):
    def __init__(self, upstream: str, breaker: CircuitBreaker) -> None:
        self.upstream = upstream
        self.breaker = breaker

    def collect(self) -> Iterator[Metric]:
        g = GaugeMetricFamily(
            "circuit_breaker_state",
            "State of the circuit breaker in front of an upstream (1 for the current state).",
            labels=["upstream", "state"],
        )
        current = self.breaker.state
        for s in BreakerState:
            g.add_metric([self.upstream, s.value], 1 if s is current else 0)
        yield g


class Checkout(Service):
    """``POST /orders``: charges through payments, behind a circuit breaker."""

    name = "checkout"

    def __init__(
        self,
        phase: Callable[[], Phase],
        rng: random.Random,
        *,
        payments_url: str,
        breaker_sleep_s: float = 10.0,
    ) -> None:
        super().__init__(phase, rng)
        self.payments = _Upstream(self, "payments", payments_url, timeout_s=1.0)
        self.breaker = CircuitBreaker(
            "payments",
            BreakerOptions(window=10.0, buckets=5, min_requests=5, sleep_window=breaker_sleep_s),
        )
        self.registry.register(_BreakerCollector("payments", self.breaker))
        self.orders = Counter(
            "checkout_orders_total",
            "Orders, by status (placed, failed, rejected).",
            ["status"],
            registry=self.registry,
        )
        self.route("POST", "/orders", self.place)

    async def place(self, request: web.Request) -> web.Response:
        await self.work(0.01)
        if not self.breaker.allow():
            self.payments.calls.labels("payments", "rejected").inc()
            self.orders.labels("rejected").inc()
            return web.json_response({"error": "payments unavailable (breaker open)"}, status=503)
        amount = round(5 + self.rng.random() * 95, 2)
        outcome, _status = await self.payments.post("/charge", {"amount": amount})
        if outcome == "ok":
            self.breaker.record_success()
            self.orders.labels("placed").inc()
            return web.json_response({"charged": amount}, status=201)
        self.breaker.record_failure()
        self.orders.labels("failed").inc()
        return web.json_response(
            {"error": f"payments: {outcome}"}, status=504 if outcome == "timeout" else 502
        )

    async def close(self) -> None:
        await self.payments.close()


class Payments(Service):
    """``POST /charge``: latency and errors follow the phase."""

    name = "payments"

    # Per phase: mean latency in seconds and the share of charges that fail.
    BEHAVIOUR: ClassVar[dict[Phase, tuple[float, float]]] = {
        Phase.HEALTHY: (0.03, 0.005),
        Phase.SLOW: (0.6, 0.02),
        Phase.FAILING: (0.05, 0.7),
        Phase.DOWN: (0.03, 1.0),
    }

    def __init__(self, phase: Callable[[], Phase], rng: random.Random) -> None:
        super().__init__(phase, rng)
        self.charges = Counter(
            "payments_charges_total",
            "Charges, by status (ok, declined, error).",
            ["status"],
            registry=self.registry,
        )
        self.dollars = Counter(
            "payments_charged_dollars", "Money charged, in dollars.", registry=self.registry
        )
        self.route("POST", "/charge", self.charge)

    async def charge(self, request: web.Request) -> web.Response:
        payload = await request.json()
        mean_s, error_ratio = self.BEHAVIOUR[self.phase()]
        await self.work(mean_s)
        if self.rng.random() < error_ratio:
            self.charges.labels("error").inc()
            return web.json_response({"error": "processor unavailable"}, status=500)
        if self.rng.random() < 0.03:
            self.charges.labels("declined").inc()
            return web.json_response({"declined": True}, status=402)
        self.charges.labels("ok").inc()
        self.dollars.inc(float(payload.get("amount", 0)))
        return web.json_response({"ok": True})
