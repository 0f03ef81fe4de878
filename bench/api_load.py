"""Subprocess for ``api``: a bounded, closed-loop HTTP load generator (aiohttp + uvloop).

``python -m bench.api_load SPEC.json`` prints one JSON document on stdout.

The spec is ``{"base": URL, "seconds": S, "max_requests": N, "warmup": bool,
"groups": [{"name", "concurrency", "requests": [[label, path], ...]}]}``. Each group
runs ``concurrency`` virtual clients; each client walks the group's request list in a
loop (client ``i`` starts at offset ``i`` so clients do not march in step), sending the
next request when the previous answer has been read completely: a closed loop, so the
offered load adapts to the server and nothing queues unboundedly. The run stops after
``seconds`` or ``max_requests`` (whichever first); requests in flight then are awaited
and counted. With ``warmup``, every request of every group is sent once before timing.

Out: ``{"elapsed_s", "groups": {name: {"lat_ms": [...], "labels": [...], "status":
{code: n}, "bytes": n, "errors": [first few]}}}``. Latency is the wall time from sending
the request to having the whole (decompressed) body; ``Accept-Encoding: gzip`` is sent,
as Grafana's browser does.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

_TIMEOUT_S = 120.0


async def _one(session: aiohttp.ClientSession, url: str) -> tuple[int, int, float]:
    t0 = time.perf_counter()
    async with session.get(url) as resp:
        body = await resp.read()
    return resp.status, len(body), (time.perf_counter() - t0) * 1000.0


async def _run(spec: dict[str, Any]) -> dict[str, Any]:
    base: str = spec["base"]
    groups: list[dict[str, Any]] = spec["groups"]
    total_clients = sum(int(g["concurrency"]) for g in groups)
    connector = aiohttp.TCPConnector(limit=total_clients + 1, force_close=False)
    timeout = aiohttp.ClientTimeout(total=_TIMEOUT_S)
    headers = {"Accept-Encoding": "gzip"}
    out: dict[str, Any] = {"groups": {}}
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers
    ) as session:
        if spec.get("warmup"):
            for g in groups:
                for _, path in g["requests"]:
                    await _one(session, base + path)
        budget = [int(spec.get("max_requests", 10**9))]
        deadline = time.perf_counter() + float(spec["seconds"])

        async def client(i: int, g: dict[str, Any], rec: dict[str, Any]) -> None:
            reqs = g["requests"]
            k = i % len(reqs)
            while time.perf_counter() < deadline and budget[0] > 0:
                budget[0] -= 1
                label, path = reqs[k]
                k = (k + 1) % len(reqs)
                try:
                    status, size, ms = await _one(session, base + path)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    rec["status"]["exc"] = rec["status"].get("exc", 0) + 1
                    if len(rec["errors"]) < 5:
                        rec["errors"].append(f"{label}: {exc!r}")
                    continue
                key = str(status)
                rec["status"][key] = rec["status"].get(key, 0) + 1
                if status != 200 and len(rec["errors"]) < 5:
                    rec["errors"].append(f"{label}: HTTP {status}")
                rec["lat_ms"].append(round(ms, 3))
                rec["labels"].append(label)
                rec["bytes"] += size

        tasks = []
        t0 = time.perf_counter()
        for g in groups:
            rec: dict[str, Any] = {
                "lat_ms": [],
                "labels": [],
                "status": {},
                "bytes": 0,
                "errors": [],
            }
            out["groups"][g["name"]] = rec
            tasks += [client(i, g, rec) for i in range(int(g["concurrency"]))]
        await asyncio.gather(*tasks)
        out["elapsed_s"] = time.perf_counter() - t0
    return out


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text())
    try:
        import uvloop

        result = uvloop.run(_run(spec))
    except ImportError:
        result = asyncio.run(_run(spec))
    sys.stdout.write(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
