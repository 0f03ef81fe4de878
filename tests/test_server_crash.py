"""``kill -9`` of a scraping server loses nothing it had acknowledged.

A sample is acknowledged once it is queryable (the appender's commit returns after the
WAL write). The server scrapes a target four times a second, is killed with SIGKILL
mid-flight, and restarted on the same directory: every sample that one query saw
before the kill, up to a fixed time, is there after the restart, bit for bit.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from tests.e2e.peers import (
    argus_command,
    free_port,
    generated_target,
    get_json,
    process,
    wait_for,
    wait_ready,
)

BODY = b"".join(b'crash_gauge{i="%d"} %d.25\n' % (i, i) for i in range(200))


def samples(base: str, at: float) -> set[tuple[Any, ...]]:
    doc = get_json(base + "/api/v1/query", query='{job="gen"}[1h]', time=f"{at:.3f}")
    assert doc["status"] == "success", doc
    return {
        (tuple(sorted(s["metric"].items())), ts, v)
        for s in doc["data"]["result"]
        for ts, v in s["values"]
    }


def test_kill_9_loses_no_acknowledged_sample(tmp_path: Path):
    config = tmp_path / "argus.yml"
    data = tmp_path / "data"
    with generated_target(BODY) as target:
        config.write_text(
            json.dumps(
                {
                    "global": {"scrape_interval": "250ms", "scrape_timeout": "200ms"},
                    "scrape_configs": [
                        {"job_name": "gen", "static_configs": [{"targets": [target]}]}
                    ],
                }
            )
        )
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with process(argus_command(data, config, port), tmp_path / "first.log") as proc:
            wait_ready(base)
            wait_for(lambda: len(samples(base, time.time())) >= 205 * 8, "eight scrapes")
            at = time.time()
            before = samples(base, at)
            proc.kill()  # SIGKILL: no shutdown, no flush beyond what commit did
            proc.wait(timeout=10)
        with process(argus_command(data, config, port), tmp_path / "second.log"):
            wait_ready(base)
            after = samples(base, at)
    assert len(before) >= 205 * 8
    assert before <= after
    assert after == before, "no sample at or before the kill time may appear afterwards"
