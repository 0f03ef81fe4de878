"""``argus demo``: run the demo services until interrupted (``make run`` starts it)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from typing import Any

from argus.demo.runner import DEFAULT_PORTS, Demo, DemoOptions
from argus.demo.schedule import DEFAULT_CYCLE_S

__all__ = ["register", "run_demo"]


def _duration_s(text: str) -> float:
    from argus.cli import parse_duration_ms

    seconds = parse_duration_ms(text) / 1000
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the cycle must be longer than 0s")
    return seconds


def register(subparsers: Any) -> argparse.ArgumentParser:
    demo: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="Run demo microservices (frontend, checkout, payments) to scrape.",
        description="Three instrumented services on 127.0.0.1 with built-in traffic, "
        "cycling through healthy, slow, failing and down phases. The embedded default "
        "config scrapes them as demo-frontend, demo-checkout and demo-payments.",
    )
    demo.add_argument("--demo.host", dest="demo_host", default="127.0.0.1")
    demo.add_argument(
        "--demo.base-port",
        dest="demo_base_port",
        type=int,
        default=DEFAULT_PORTS[0],
        help="frontend's port; checkout and payments take the next two (0: free ports).",
    )
    demo.add_argument(
        "--demo.cycle",
        dest="demo_cycle",
        type=_duration_s,
        default=DEFAULT_CYCLE_S,
        help="Length of one healthy/slow/failing/down cycle (default 4m).",
    )
    demo.add_argument(
        "--demo.rps",
        dest="demo_rps",
        type=float,
        default=10.0,
        help="Requests per second sent to the frontend (default 10).",
    )
    demo.set_defaults(handler=run_demo)
    return demo


def options_from(args: argparse.Namespace) -> DemoOptions:
    base = args.demo_base_port
    ports = (0, 0, 0) if base == 0 else (base, base + 1, base + 2)
    return DemoOptions(host=args.demo_host, ports=ports, cycle_s=args.demo_cycle, rps=args.demo_rps)


async def _serve(options: DemoOptions) -> None:
    demo = Demo(options)
    await demo.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await demo.stop()


def run_demo(args: argparse.Namespace) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(options_from(args)))
    return 0
