"""The demo serves valid exposition on every service and moves through its phases.

The services run for real on ephemeral ports on 127.0.0.1; only the clock that picks
the phase is ours, so the test can jump to the ``down`` phase and back.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from argus.cli import build_parser
from argus.config import load_string
from argus.demo import DEFAULT_PORTS, Demo, DemoOptions, Phase, Schedule
from argus.demo.cli import options_from
from argus.server import DEFAULT_CONFIG


class ManualClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def scrape(session: aiohttp.ClientSession, url: str) -> dict[str, dict[str, float]]:
    """Family name -> {sample text: value}, parsed by prometheus_client (the oracle)."""
    async with session.get(url + "/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        text = await resp.text()
    out: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        samples = out.setdefault(family.name, {})
        for s in family.samples:
            labels = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
            samples[f"{s.name}{{{labels}}}"] = s.value
    return out


async def until(predicate) -> None:
    deadline = time.monotonic() + 10.0
    while not await predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize(
    ("offset", "phase"),
    [(0, Phase.HEALTHY), (100, Phase.SLOW), (140, Phase.FAILING), (200, Phase.DOWN)],
    ids=lambda v: getattr(v, "value", str(v)),
)
def test_schedule_cycles_through_the_phases(offset, phase):
    s = Schedule(cycle_s=240, start=50)
    assert s.phase_at(50 + offset) is phase
    assert s.phase_at(50 + offset + 3 * 240) is phase
    assert s.phase_at(50 + s.offset_of(phase)) is phase


def test_embedded_config_scrapes_the_demo_and_argus():
    cfg = load_string(DEFAULT_CONFIG.format(port=9090))
    jobs = {
        sc.job_name: [t for g in sc.static_configs for t in g.targets] for sc in cfg.scrape_configs
    }
    assert jobs == {
        "argus": ["localhost:9090"],
        "demo-frontend": [f"127.0.0.1:{DEFAULT_PORTS[0]}"],
        "demo-checkout": [f"127.0.0.1:{DEFAULT_PORTS[1]}"],
        "demo-payments": [f"127.0.0.1:{DEFAULT_PORTS[2]}"],
    }
    # The breaker needs 5 failed scrapes in its window while payments is down.
    demo_jobs = [sc for sc in cfg.scrape_configs if sc.job_name.startswith("demo-")]
    assert [sc.interval_ms for sc in demo_jobs] == [5000, 5000, 5000]


def test_cli_flags_map_to_options():
    args = build_parser().parse_args(["demo", "--demo.base-port=9201", "--demo.cycle=2m"])
    o = options_from(args)
    assert o.ports == (9201, 9202, 9203) and o.cycle_s == 120 and o.host == "127.0.0.1"
    assert options_from(build_parser().parse_args(["demo", "--demo.base-port=0"])).ports == (
        0,
        0,
        0,
    )


def test_demo_serves_metrics_and_changes_phase():
    clock = ManualClock()
    options = DemoOptions(
        ports=(0, 0, 0), rps=200, clock=clock, tick_s=0.05, breaker_sleep_s=0.5, seed=1
    )

    async def main() -> None:
        demo = Demo(options)
        await demo.start()
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
                front, checkout, payments = (demo.url(x) for x in demo.services)
                assert len({front, checkout, payments}) == 3

                async def orders_placed() -> bool:
                    m = await scrape(s, checkout)
                    return m["checkout_orders"].get('checkout_orders_total{status="placed"}', 0) > 0

                await until(orders_placed)
                m = await scrape(s, front)
                assert m["demo_phase"]['demo_phase{phase="healthy"}'] == 1
                assert sum(m["http_requests"].values()) > 0
                buckets = [k for k in m["http_request_duration_seconds"] if "_bucket" in k]
                assert any('le="+Inf"' in k for k in buckets)
                p = await scrape(s, payments)
                assert p["payments_charges"]['payments_charges_total{status="ok"}'] > 0
                assert p["payments_charged_dollars"]["payments_charged_dollars_total{}"] > 0

                # Payments goes down: its listener closes, and checkout's breaker opens.
                clock.t += demo.schedule.offset_of(Phase.DOWN) + 1
                await until(lambda: refused(s, payments))
                m = await scrape(s, checkout)
                assert m["demo_phase"]['demo_phase{phase="down"}'] == 1

                async def breaker_opened() -> bool:
                    m = await scrape(s, checkout)
                    return (
                        m["checkout_orders"].get('checkout_orders_total{status="rejected"}', 0) > 0
                    )

                await until(breaker_opened)
                calls = (await scrape(s, checkout))["upstream_requests"]
                assert calls['upstream_requests_total{outcome="refused",upstream="payments"}'] > 0
                assert calls['upstream_requests_total{outcome="rejected",upstream="payments"}'] > 0

                # The next cycle starts healthy: payments listens on its port again and
                # the breaker closes after a successful probe.
                clock.t += demo.schedule.cycle_s
                clock.t -= demo.schedule.offset_of(Phase.DOWN) + 1

                async def recovered() -> bool:
                    if await refused(s, payments):
                        return False
                    m = await scrape(s, checkout)
                    state = m["circuit_breaker_state"]
                    return state['circuit_breaker_state{state="closed",upstream="payments"}'] == 1

                await until(recovered)
                assert demo.url(demo.payments) == payments
        finally:
            await demo.stop()

    asyncio.run(main())


async def refused(session: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with session.get(url + "/metrics") as resp:
            await resp.read()
    except aiohttp.ClientConnectionError:
        return True
    return False


def test_metrics_negotiate_openmetrics():
    async def main() -> None:
        demo = Demo(DemoOptions(ports=(0, 0, 0), rps=1, seed=2))
        await demo.start()
        try:
            async with aiohttp.ClientSession() as s:
                headers = {"Accept": "application/openmetrics-text;version=1.0.0"}
                async with s.get(demo.url(demo.payments) + "/metrics", headers=headers) as r:
                    assert r.headers["Content-Type"].startswith("application/openmetrics-text")
                    assert (await r.text()).endswith("# EOF\n")
        finally:
            await demo.stop()

    asyncio.run(main())
