"""The teaching app in a real browser.

``kemitraan viz`` serves the page on 127.0.0.1 (a free port) in a subprocess; headless Debian
chromium, driven by Playwright (launched with ``executable_path``: no browser is downloaded),
opens it, turns gotong-royong off, presses Reset and Step, and checks that the time, the
network and the charts changed; then it opens the side-by-side view. Screenshots are saved in
the test's temporary folder (or in ``$KEMITRAAN_SCREENSHOTS`` when that is set).

Skipped only when chromium is not installed (``.ci/run`` installs it). The page's front-end
files must be in solara's cache or reachable; the fixture caches them with npm when missing
(``kemitraan viz --fetch-assets``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import small_scenario_text

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]


def wait_for(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The page served by `kemitraan viz` on 127.0.0.1 (small world: 150 agents, 3 regions, 4 years); yields its address."""
    from sim import app

    if not app.assets_cached():
        app.fetch_assets(log=lambda *_: None)
    folder = tmp_path_factory.mktemp("viz")
    scenario = folder / "small.toml"
    scenario.write_text(small_scenario_text())
    log = folder / "server.log"
    port = app.free_port()
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "sim", "viz", str(scenario), "--port", str(port)], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        line = wait_for(lambda: next((x for x in log.read_text().splitlines() if "Kemitraan classroom" in x), None), 30, "the address line")
        url = line.split(": ", 1)[1].split()[0]
        assert url == f"http://127.0.0.1:{port}/", line

        def up() -> bool:
            assert proc.poll() is None, "the server exited:\n" + log.read_text()
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        wait_for(up, 60, "the server to answer")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the process group this fixture started: kemitraan viz and its solara server
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)


def test_control_step_and_side_by_side_in_chromium(served, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("KEMITRAAN_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.goto(served)
            network = page.locator(".kemitraan-network img")
            charts = page.locator(".kemitraan-charts img")
            network.wait_for(timeout=60_000)
            clock = page.locator(".kemitraan-time")
            expect(clock).to_contain_text("step 0 of 16")
            levers = page.locator(".kemitraan-levers")
            expect(levers).to_contain_text("gotong-royong on")

            # Change a control (gotong-royong off); Reset builds the world with it.
            box = page.get_by_label("Gotong-royong (volunteer labour)")
            box.uncheck()
            expect(box).not_to_be_checked()
            page.get_by_role("button", name="Reset").click()
            expect(levers).to_contain_text("gotong-royong off", timeout=20_000)
            net0, chart0 = network.screenshot(), charts.screenshot()

            page.get_by_role("button", name="Step").click()
            expect(clock).to_contain_text("step 1 of 16", timeout=20_000)
            page.get_by_role("button", name="Step").click()
            expect(clock).to_contain_text("step 2 of 16", timeout=20_000)
            wait_for(lambda: network.screenshot() != net0, 20, "the network to change")
            wait_for(lambda: charts.screenshot() != chart0, 20, "the charts to change")
            page.screenshot(path=str(shots / "browser_one_world.png"))

            # The classroom view: both worlds side by side, charts overlaid.
            page.get_by_role("button", name="Side by side: world A and world B").click()
            page.locator(".kemitraan-networks img").wait_for(timeout=30_000)
            page.locator(".kemitraan-compare-charts img").wait_for(timeout=30_000)
            expect(page.locator(".kemitraan-compare-help")).to_contain_text("same seed")
            # World A now has gotong-royong off too, so world B (gotong-royong off) is the same world: the page says so.
            expect(page.get_by_text("World B is identical to world A", exact=False)).to_be_visible()
            page.screenshot(path=str(shots / "browser_side_by_side.png"), full_page=True)
        finally:
            browser.close()
    assert (shots / "browser_one_world.png").stat().st_size > 10_000
