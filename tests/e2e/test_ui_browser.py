"""The web UI in headless Chromium (Debian's) against a real Argus server.

The server scrapes itself and a target that is down (nothing listens on port 1), drops
a third target by relabeling, and evaluates a rule file with an always-firing alert.
The tests type PromQL into the editor, compare what the page shows with what the API
answers, and save a screenshot of each page under ``test-artifacts/ui/``.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
STATIC = REPO / "argus" / "web" / "ui" / "static"
ARTIFACTS = REPO / "test-artifacts" / "ui"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RULES = """\
groups:
  - name: ui-test
    interval: 1s
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        for: 0s
        labels: {severity: page}
        annotations: {summary: "It fires with value {{ $value }}"}
      - record: job:up:sum
        expr: sum by (job) (up)
"""
CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
scrape_configs:
  - job_name: argus
    static_configs:
      - targets: ["127.0.0.1:{port}"]
  - job_name: broken
    scrape_timeout: 500ms
    static_configs:
      - targets: ["127.0.0.1:1", "127.0.0.1:2"]
    relabel_configs:
      - source_labels: [__address__]
        regex: "127.0.0.1:2"
        action: drop
"""


def require_browser_and_build() -> None:
    if not CHROMIUM.exists():
        pytest.skip("Chromium not installed: run `make system-deps` (apt-get install chromium)")
    if not (STATIC / "index.html").is_file():
        pytest.skip("UI not built: run `make ui`")
    pytest.importorskip("playwright.sync_api", reason="playwright not installed")


def has_count(locator: Any, n: int) -> None:
    """Assert ``n`` matches, waiting (up to 5 s) for the page to render them."""
    from playwright.sync_api import expect

    expect(locator).to_have_count(n, timeout=5000)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class ArgusProcess:
    """``python -m argus`` on a fixed free port; stopped with SIGTERM."""

    def __init__(self, workdir: Path, config: str, extra: list[str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        (workdir / "prometheus.yml").write_text(config.replace("{port}", str(self.port)))
        self.log = (workdir / "argus.log").open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "argus",
                f"--web.listen-address=127.0.0.1:{self.port}",
                f"--config.file={workdir / 'prometheus.yml'}",
                f"--storage.tsdb.path={workdir / 'data'}",
                *(extra or []),
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.wait_until(lambda: self.api("/api/v1/status/buildinfo"), 60, "server did not start")

    def api(self, path: str, **params: str) -> Any:
        url = self.base + path + ("?" + urllib.parse.urlencode(params) if params else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return json.load(r)["data"]
        except OSError:
            return None

    def wait_until(self, fn: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"argus exited with {self.proc.returncode}")
            value = fn()
            if value:
                return value
            time.sleep(0.2)
        pytest.fail(what)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture(scope="module")
def argus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArgusProcess]:
    require_browser_and_build()
    work = tmp_path_factory.mktemp("ui")
    (work / "rules.yml").write_text(RULES)
    server = ArgusProcess(work, CONFIG)
    try:

        def ready() -> bool:
            targets = server.api("/api/v1/targets") or {"activeTargets": []}
            health = {t["labels"]["instance"]: t["health"] for t in targets["activeTargets"]}
            alerts = server.api("/api/v1/alerts") or {"alerts": []}
            return (
                health.get(f"127.0.0.1:{server.port}") == "up"
                and health.get("127.0.0.1:1") == "down"
                and any(a["state"] == "firing" for a in alerts["alerts"])
            )

        server.wait_until(ready, 30, "targets were not scraped or the alert did not fire")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_browser_and_build()
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="argus-chromium-")
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900},
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    p = browser.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda exc: errors.append(str(exc)))
    yield p
    p.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def series_text(metric: dict[str, str]) -> str:
    """A series as the page prints it: ``name{a="1", b="2"}``."""
    pairs = ", ".join(f"{k}={json.dumps(v)}" for k, v in metric.items() if k != "__name__")
    return f"{metric.get('__name__', '')}{{{pairs}}}"


def type_query(page: Any, panel: Any, text: str) -> None:
    """Types ``text``; waits for the completion list it opens and closes it, so that the
    next Enter runs the query instead of taking a completion."""
    panel.locator(".cm-content").click()
    page.keyboard.type(text)
    completions = page.locator(".cm-tooltip-autocomplete")
    completions.wait_for()
    page.keyboard.press("Escape")
    completions.wait_for(state="detached")


def test_root_redirects_to_graph(argus: ArgusProcess, page: Any) -> None:
    page.goto(argus.base + "/")
    assert page.url == argus.base + "/graph"
    page.wait_for_selector("body[data-ready='1'] .cm-editor")
    assert page.locator("#nav a.active").inner_text() == "Graph"


def test_query_table_and_graph_match_the_api(argus: ArgusProcess, page: Any) -> None:
    page.goto(argus.base + "/graph")
    panel = page.locator(".panel").first
    type_query(page, panel, "up")
    page.keyboard.press("Enter")
    page.wait_for_selector(".panel[data-state='done'] .result-table")
    expected = argus.api("/api/v1/query", query="up")["result"]
    assert len(expected) == 2  # the dropped target is not scraped
    rows = panel.locator(".result-table tr")
    shown = sorted(
        (r.locator("td.series").inner_text(), r.locator("td.value").inner_text())
        for r in rows.all()
    )
    assert shown == sorted((series_text(s["metric"]), s["value"][1]) for s in expected)
    shot(page, "graph-table")

    panel.locator("button.tab[data-tab='graph']").click()
    page.wait_for_selector(".panel[data-state='done'] .graph canvas")
    panel.locator(".range-input").fill("1m")
    panel.locator(".range-input").press("Enter")
    page.wait_for_function("location.search.includes('g0.range_input=1m')")
    page.wait_for_selector(".panel[data-state='done'] .graph canvas")
    now = time.time()
    ranged = argus.api(
        "/api/v1/query_range", query="up", start=str(now - 60), end=str(now), step="1"
    )["result"]
    legend = panel.locator(".u-legend .u-series")
    assert legend.count() - 1 == len(ranged) == 2  # uPlot's legend has a row for x
    assert panel.locator(".result").get_attribute("data-series-count") == "2"
    legend_text = " ".join(legend.all_inner_texts())
    assert 'up{instance="127.0.0.1:1", job="broken"}' in legend_text
    assert "g0.tab=0" in page.url and "g0.expr=up" in page.url
    shot(page, "graph")


def test_stacked_graph_and_execute_button(argus: ArgusProcess, page: Any) -> None:
    page.goto(argus.base + "/graph?g0.expr=up&g0.tab=0&g0.stacked=1&g0.range_input=5m")
    panel = page.locator(".panel").first
    page.wait_for_selector(".panel[data-state='done'] .graph canvas")
    assert panel.locator(".stacked-input").is_checked()
    panel.locator(".cm-content").click()
    page.keyboard.press("End")
    page.keyboard.type(" == 0")
    panel.locator("button.execute").click()
    page.wait_for_function("document.querySelector('.panel .result').dataset.seriesCount === '1'")
    assert "g0.stacked=1" in page.url
    assert urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)["g0.expr"] == ["up == 0"]


def test_autocomplete_offers_metric_names(argus: ArgusProcess, page: Any) -> None:
    page.goto(argus.base + "/graph")
    panel = page.locator(".panel").first
    panel.locator(".cm-content").click()
    page.keyboard.type("scrape_dur")
    option = page.locator(".cm-tooltip-autocomplete li", has_text="scrape_duration_seconds")
    option.first.wait_for(timeout=10_000)
    shot(page, "autocomplete")
    page.keyboard.press("Enter")  # takes the completion, does not execute
    assert panel.locator(".cm-content").inner_text() == "scrape_duration_seconds"
    page.keyboard.type('{job="')
    values = page.locator(".cm-tooltip-autocomplete li")
    values.first.wait_for(timeout=10_000)
    assert "broken" in values.all_inner_texts()
    assert panel.get_attribute("data-state") is None  # nothing ran yet


def test_url_state_round_trips(argus: ArgusProcess, page: Any) -> None:
    query = (
        "g0.expr=sum(up)&g0.tab=0&g0.stacked=0&g0.range_input=30m"
        "&g0.end_input=2026-01-02%2003:04:05&g0.step_input=7"
        "&g1.expr=vector(1)&g1.tab=1"
    )
    page.goto(f"{argus.base}/graph?{query}")
    panels = page.locator(".panel")
    has_count(panels, 2)  # the graph chunk loads after the page: wait for it
    first = panels.nth(0)
    page.wait_for_selector(".panel[data-state='done'] .result-table")
    assert first.locator(".cm-content").inner_text() == "sum(up)"
    assert first.locator("button.tab.active").inner_text() == "Graph"
    assert first.locator(".range-input").input_value() == "30m"
    assert first.locator(".step-input").input_value() == "7"
    assert first.locator(".end-input").nth(1).input_value() == "2026-01-02 03:04:05"
    assert panels.nth(1).locator("button.tab.active").inner_text() == "Table"
    # A longer range is written back in Prometheus's scheme, and the link reproduces it.
    first.locator("button[title='Longer range']").click()
    page.wait_for_function("location.search.includes('g0.range_input=1h')")
    link = page.url
    params = urllib.parse.parse_qs(urllib.parse.urlparse(link).query)
    assert params["g0.expr"] == ["sum(up)"]
    assert params["g0.end_input"] == ["2026-01-02 03:04:05"]
    assert params["g0.step_input"] == ["7"]
    assert params["g1.tab"] == ["1"]
    page.goto(argus.base + "/targets")
    page.goto(link)
    assert page.locator(".panel").nth(0).locator(".range-input").input_value() == "1h"
    # Removing a panel drops it from the link.
    page.locator(".panel").nth(1).locator(".remove-panel").click()
    page.wait_for_function("!location.search.includes('g1.')")
    page.locator(".add-panel").click()
    has_count(page.locator(".panel"), 2)


def test_api_error_is_shown(argus: ArgusProcess, page: Any) -> None:
    page.goto(argus.base + "/graph?g0.expr=sum(rate(up[5m]&g0.tab=1")
    error = page.locator(".panel .alert.error")
    error.wait_for()
    assert error.inner_text().startswith("bad_data:")
    # Highlighting: function names are coloured by codemirror-promql's grammar.
    rate = page.locator(".cm-content span", has_text=re.compile("^rate$"))
    assert rate.evaluate("e => getComputedStyle(e).color") == "rgb(0, 128, 128)"
    shot(page, "graph-error")


def test_prometheus_3_links_open(argus: ArgusProcess, page: Any) -> None:
    page.goto(
        argus.base + "/graph?g0.expr=up&g0.tab=graph&g0.display_mode=stacked"
        "&g0.range_input=2h&g0.end_input=2026-01-02T03:04:05Z&g0.res_type=fixed&g0.res_step=30"
    )
    panel = page.locator(".panel").first
    page.wait_for_selector(".panel[data-state='done'] .graph")
    assert panel.locator("button.tab.active").inner_text() == "Graph"
    assert panel.locator(".stacked-input").is_checked()
    assert panel.locator(".range-input").input_value() == "2h"
    assert panel.locator(".end-input").nth(1).input_value() == "2026-01-02 03:04:05"
    assert panel.locator(".step-input").input_value() == "30"
    # Written back in Prometheus 2's form, which both Prometheus UIs read.
    params = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    assert params["g0.tab"] == ["0"] and params["g0.stacked"] == ["1"]


def test_targets_page_shows_the_down_targets_error(argus: ArgusProcess, page: Any) -> None:
    def down_error() -> str:
        targets = argus.api("/api/v1/targets")["activeTargets"]
        return str(next(t["lastError"] for t in targets if t["health"] == "down"))

    # The error may change between the API read and the page's (from the connection
    # error to "circuit breaker open: next probe in 29s", whose countdown moves), so
    # compare with digits masked and read again if a transition fell in between.
    mask = lambda text: re.sub(r"\d+", "N", text)  # noqa: E731
    down = page.locator("tr.target.health-down")
    before, shown = "", ""
    for _ in range(5):
        before = down_error()
        page.goto(argus.base + "/targets")
        down.first.wait_for()
        shown = down.locator(".error-text").inner_text()
        if mask(before) == mask(down_error()):
            break
    assert before
    assert mask(shown) == mask(before)
    assert down.count() == 1
    text = down.inner_text()
    assert "127.0.0.1:1" in text and "DOWN" in text
    assert page.locator("details.pool[data-pool='argus'] tr.health-up").count() == 1
    assert "closed" in page.locator("details.pool[data-pool='argus']").inner_text()
    shot(page, "targets")
    page.locator("button[data-filter='unhealthy']").click()
    has_count(page.locator("details.pool[data-pool='argus']"), 0)
    has_count(page.locator("tr.target.health-down"), 1)


def test_service_discovery_page(argus: ArgusProcess, page: Any) -> None:
    page.goto(argus.base + "/service-discovery")
    pool = page.locator("details.pool[data-pool='broken']")
    pool.wait_for()
    assert pool.locator("tr.dropped").count() == 1
    assert '__address__="127.0.0.1:2"' in pool.locator("tr.dropped").inner_text()
    active = pool.locator("tr.active").inner_text()
    assert '__address__="127.0.0.1:1"' in active and 'instance="127.0.0.1:1"' in active
    shot(page, "service-discovery")


def test_rules_page(argus: ArgusProcess, page: Any) -> None:
    page.goto(argus.base + "/rules")
    group = page.locator("section.rule-group[data-group='ui-test']")
    group.wait_for()
    rows = group.locator("tr.rule-row")
    assert rows.count() == 2
    assert "alert: AlwaysFiring" in rows.nth(0).inner_text()
    assert "record: job:up:sum" in rows.nth(1).inner_text()
    assert "OK" in rows.nth(1).inner_text()
    shot(page, "rules")


def test_alerts_page_shows_the_firing_alert(argus: ArgusProcess, page: Any) -> None:
    page.goto(argus.base + "/alerts")
    rule = page.locator("details.alert-rule[data-rule='AlwaysFiring']")
    rule.wait_for()
    assert "FIRING" in rule.locator("summary").inner_text()
    row = rule.locator("tr.alert-row.state-firing")
    assert row.count() == 1
    text = row.inner_text()
    assert 'alertname="AlwaysFiring"' in text and 'severity="page"' in text
    assert "summary: It fires with value 1" in text
    shot(page, "alerts")
    page.locator("input[data-state='firing']").uncheck()
    has_count(page.locator("details.alert-rule"), 0)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/tsdb-status", "Number of series"),
        ("/config", "scrape_configs"),
        ("/flags", "storage.tsdb.path"),
        ("/status", "Build Information"),
    ],
)
def test_status_pages(argus: ArgusProcess, page: Any, path: str, expected: str) -> None:
    page.goto(argus.base + path)
    page.wait_for_selector("body[data-ready='1']")
    assert page.locator(".alert.error").count() == 0
    assert expected in page.locator("#page").inner_text()
    shot(page, path.strip("/"))


def test_tsdb_status_matches_the_api(argus: ArgusProcess, page: Any) -> None:
    page.goto(argus.base + "/tsdb-status")
    page.wait_for_selector("body[data-ready='1']")
    top = argus.api("/api/v1/status/tsdb")["seriesCountByMetricName"][0]["name"]
    text = page.locator("#page").inner_text()
    assert re.search(rf"{re.escape(top)}\s+\d+", text)
