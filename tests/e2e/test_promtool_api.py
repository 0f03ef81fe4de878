"""promtool as a real API client: ``promtool query instant|range|series|labels``.

promtool talks to Argus through Prometheus's Go client library (client_golang's API
v1 package), so this checks request encoding (promtool sends POST forms for queries),
time formats and response decoding as a Go client sees them. Each command runs against
Prometheus and Argus holding the same data, and the outputs must match, both in the
``promql`` text format and as JSON (``-o json``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.e2e import test_api_vs_prometheus as vs
from tests.e2e.test_api_vs_prometheus import PROMTOOL, Peers, S, start_peers

pytestmark = vs.pytestmark


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Peers]:
    yield from start_peers(tmp_path_factory.mktemp("promtool-peers"))


# promtool's series and labels default to the last five minutes; the data is from 2023.
ALL = [f"--start={S}", f"--end={S + 4 * 3600}"]
COMMANDS: list[list[str]] = [
    ["instant", f"--time={S + 1807.5}", "{server}", "node_load1"],
    ["instant", f"--time={S + 3607.5}", "{server}", 'sort(node_cpu_seconds_total{cpu="1"})'],
    ["instant", "--time=2023-11-14T23:13:27.5Z", "{server}", "max(node_filesystem_avail_bytes)"],
    ["instant", f"--time={S + 1807.5}", "{server}", "scalar(node_load5)"],
    ["instant", f"--time={S + 1807.5}", "{server}", "odd_values"],
    ["instant", f"--time={S + 1807.5}", "{server}", "node_load1[1m]"],
    ["range", f"--start={S + 607.5}", f"--end={S + 2400}", "--step=1m", "{server}", "node_load15"],
    [
        "range",
        "--start=2023-11-14T22:30:07.5Z",
        "--end=2023-11-14T23:30:00Z",
        "--step=5m",
        "{server}",
        "sum by (device) (rate(node_network_receive_bytes_total[5m]))",
    ],
    ["series", "--match=node_load1", '--match={__name__=~"node_filesystem.*"}', *ALL, "{server}"],
    ["series", "--match=odd_values", f"--start={S}", f"--end={S + 3600}", "{server}"],
    ["labels", *ALL, "{server}", "__name__"],
    ["labels", *ALL, "{server}", "mountpoint"],
    ["labels", "--match=node_cpu_seconds_total", *ALL, "{server}", "cpu"],
]


def promtool(args: list[str], server: str, fmt: str) -> subprocess.CompletedProcess[str]:
    cmd = [PROMTOOL, "query", f"--format={fmt}", *(a.replace("{server}", server) for a in args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("fmt", ["promql", "json"])
@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(c[:1] + c[-1:]) for c in COMMANDS])
def test_promtool_sees_the_same_as_against_prometheus(
    peers: Peers, args: list[str], fmt: str
) -> None:
    theirs = promtool(args, peers.prometheus, fmt)
    ours = promtool(args, peers.argus, fmt)
    assert theirs.returncode == 0, theirs.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == theirs.stdout
    assert ours.stdout.strip() not in ("", "[]")


@pytest.mark.parametrize(
    "args",
    [
        ["instant", "{server}", "1 +"],
        ["range", "--start=10", "--end=0", "{server}", "up"],
        ["series", '--match={a=~".*"}', "{server}"],
    ],
    ids=["parse-error", "end-before-start", "empty-matcher"],
)
def test_promtool_errors_the_same(peers: Peers, args: list[str]) -> None:
    theirs = promtool(args, peers.prometheus, "promql")
    ours = promtool(args, peers.argus, "promql")
    assert ours.returncode == theirs.returncode != 0
    assert ours.stderr.split(":")[0] == theirs.stderr.split(":")[0]
