"""The teaching app and the participatory room in a real browser.

Each server is started by the test itself on 127.0.0.1 (a free port), in its own process
group, and stopped at the end of its module (SIGTERM, then SIGKILL). Headless Debian
chromium, driven by Playwright (launched with ``executable_path``: no browser is downloaded),
opens the pages. Every wait is bounded.

- ``kemitraan viz`` on the built-in baseline (the default size): the time a Step takes to show
  in one world and side by side, the speed of Play, Pause on the quarter shown, the layout at
  1366x768 (network, index chart and scoreboard visible without scrolling, nothing covering
  them) and at a 150% zoom (911x512 CSS pixels);
- ``kemitraan viz --lang id`` on a small world: Indonesian controls and phrases, running to the
  end and extending the run;
- ``kemitraan classroom`` on a small world: four participants join from their own browser
  contexts, decide, and the projector shows their choices, their components and the difference.

Timings are printed and written to ``timings.json`` in ``$KEMITRAAN_SCREENSHOTS`` (or the
test's temporary folder) with the screenshots. Skipped only when chromium is not installed
(``.ci/run`` installs it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import small_scenario_text

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (apt-get install chromium; .ci/run installs it)",
)

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
ROOT = Path(__file__).resolve().parents[2]
# Bounds the tests enforce on a shared 2-core machine; the goals (0.3 s, 0.5 s, 4 quarters/s) and
# the measured values are in docs/teaching.md.
STEP_ONE_MAX, STEP_BOTH_MAX, PLAY_MIN = 0.45, 0.6, 3.6


def wait_for(predicate, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def shots_dir(tmp_path_factory) -> Path:
    shots = Path(
        os.environ.get("KEMITRAAN_SCREENSHOTS") or tmp_path_factory.mktemp("shots")
    )
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def start(folder: Path, args: list[str], ready: str = "Ready"):
    """Start ``python -m sim ARGS`` in its own process group; returns (process, log lines getter)."""
    from sim import app

    if not app.assets_cached():
        app.fetch_assets(log=lambda *_: None)
    log = folder / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sim", *args],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def lines() -> list[str]:
        assert proc.poll() is None, "the server exited:\n" + log.read_text()
        return log.read_text().splitlines()

    wait_for(lambda: any(ready in x for x in lines()), 120, "the server's Ready line")
    return proc, lines


def stop(proc) -> None:
    os.killpg(
        proc.pid, signal.SIGTERM
    )  # the process group this test started: kemitraan and its solara server
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def answered(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def baseline_viz(tmp_path_factory):
    """`kemitraan viz` on the built-in baseline (770 agents in Indonesia's 34 provinces, 64 quarters from 2019)."""
    from sim import app

    port = app.free_port()
    proc, _ = start(tmp_path_factory.mktemp("viz"), ["viz", "--port", str(port)])
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(lambda: answered(url), 60, "the page")
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="module")
def timings(tmp_path_factory):
    found: dict[str, float] = {}
    yield found
    found["load_average"] = [round(x, 2) for x in os.getloadavg()]
    path = shots_dir(tmp_path_factory) / "timings.json"
    path.write_text(json.dumps(found, indent=2) + "\n")
    print("\nbrowser timings:", json.dumps(found))


def clock_text(page) -> str:
    return page.locator(".kemitraan-time").inner_text()


# Clicks a button in the page and resolves, at the next paint, once the clock and every given
# picture have changed: the time a participant sees from the click to the new quarter on screen
# (Playwright's own checks before a click, 50-100 ms on a busy machine, are not counted).
STEP_JS = """async ([label, pictures]) => {
  const clock = document.querySelector('.kemitraan-time');
  const before = clock.textContent;
  const boxes = pictures.map(s => document.querySelector(s));
  const button = [...document.querySelectorAll('button')].find(b => b.textContent.trim() === label);
  return await new Promise(resolve => {
    const changed = new Set();
    let done = false;
    const t0 = performance.now();
    const finish = value => { if (!done) { done = true; observers.forEach(o => o.disconnect()); resolve(value); } };
    const check = () => {
      if (clock.textContent !== before && changed.size === boxes.length)
        requestAnimationFrame(() => finish(performance.now() - t0));
    };
    const observers = [clock, ...boxes].map((box, i) => {
      const o = new MutationObserver(() => { if (i > 0) changed.add(i); check(); });
      o.observe(box, {subtree: true, childList: true, characterData: true, attributes: true});
      return o;
    });
    button.click();
    setTimeout(() => finish(-1), 10000);
  });
}"""

# Samples the clock at every frame for ``ms`` milliseconds; returns [time, text] at each change.
CLOCK_JS = """async ms => {
  const clock = document.querySelector('.kemitraan-time');
  const seen = [[performance.now(), clock.textContent]];
  const t0 = performance.now();
  return await new Promise(resolve => {
    const tick = () => {
      const now = performance.now();
      if (clock.textContent !== seen[seen.length - 1][1]) seen.push([now, clock.textContent]);
      if (now - t0 < ms) requestAnimationFrame(tick); else resolve(seen);
    };
    requestAnimationFrame(tick);
  });
}"""


def step_times(page, button: str, n: int, pictures: list[str]) -> list[float]:
    """Seconds from a click on Step to the new quarter and its pictures on screen, ``n`` times."""
    out = []
    for _ in range(n):
        ms = page.evaluate(STEP_JS, [button, pictures])
        assert ms >= 0, "the step never showed"
        out.append(ms / 1000.0)
        page.wait_for_timeout(150)  # as a trainer would: one click, then look
    return out


def play_rate(page, seconds: float) -> float:
    """Quarters a second shown while Play runs: from the first to the last change of the clock seen in ``seconds``."""
    seen = page.evaluate(CLOCK_JS, round(seconds * 1000))
    changes = [(t, quarter_of(text)) for t, text in seen[1:]]
    assert len(changes) >= 2, seen
    (t0, q0), (t1, q1) = changes[0], changes[-1]
    return (q1 - q0) / ((t1 - t0) / 1000.0)


def quarter_of(text: str) -> int:
    return int(re.search(r"(?:step|langkah) (\d+)", text).group(1))


def box(page, selector: str) -> dict:
    return page.locator(selector).first.bounding_box()


def overlaps(a: dict, b: dict) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"] + 1
        or b["x"] + b["width"] <= a["x"] + 1
        or a["y"] + a["height"] <= b["y"] + 1
        or b["y"] + b["height"] <= a["y"] + 1
    )


def uncovered(page, selector: str) -> bool:
    """Whether the element's centre is its own (no overlay, badge or panel drawn over it)."""
    return page.evaluate(
        """s => { const e = document.querySelector(s); const r = e.getBoundingClientRect();
        const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); return !!top && e.contains(top); }""",
        selector,
    )


def test_speed_and_layout_at_1366x768(browser, baseline_viz, timings, tmp_path_factory):
    shots = shots_dir(tmp_path_factory)
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(baseline_viz)
    page.locator(".kemitraan-network svg").wait_for(timeout=60_000)
    assert quarter_of(clock_text(page)) == 0

    # One world: Step shows the next quarter within the bound; the picture is live SVG, not an image.
    one = step_times(page, "Step", 8, [".kemitraan-network", ".kemitraan-index"])
    one = one[1:]  # the first click also warms the page up
    timings["step_one_world_s"] = round(statistics.median(one), 3)
    timings["step_one_world_all_s"] = [round(x, 3) for x in one]
    assert statistics.median(one) < STEP_ONE_MAX, one
    assert page.locator(".kemitraan-network img").count() == 0
    # Everything the class looks at fits, uncovered, without scrolling.
    size = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight, innerWidth, innerHeight]"
    )
    assert size[0] <= size[2] and size[1] <= size[3] + 2, size
    for sel in (".kemitraan-network", ".kemitraan-index", ".kemitraan-scoreboard"):
        b = box(page, sel)
        assert b["y"] + b["height"] <= 768 and b["x"] + b["width"] <= 1366, (sel, b)
        assert uncovered(page, sel), sel
    assert not overlaps(box(page, ".kemitraan-network"), box(page, ".kemitraan-index"))
    assert not overlaps(
        box(page, ".kemitraan-levers-panel"), box(page, ".kemitraan-network")
    )
    # The 34 provinces are labelled by their short names, with the full name as tooltip.
    net = page.locator(".kemitraan-network").inner_html()
    for short in ("Aceh", "Jabar", "NTT", "Papua"):
        assert f">{short} " in net, short
    assert "Sulawesi Selatan" in net
    page.screenshot(path=str(shots / "app_one_world.png"))

    # Play at 4 quarters a second keeps that speed; at 8 it shows at least the goal's 4.
    for speed, key in ((4, "play_quarters_per_s"), (8, "play_fastest_quarters_per_s")):
        page.get_by_role("button", name=f"{speed} quarters/s").click()
        q0 = quarter_of(clock_text(page))
        page.get_by_role("button", name="Play", exact=True).click()
        wait_for(
            lambda q0=q0: quarter_of(clock_text(page)) > q0,
            10,
            "Play to start",
            every=0.02,
        )
        rate = play_rate(page, 4.0)
        timings[key] = round(rate, 2)
        # Pause: it stops on the quarter on screen. No quarter is stepped after Pause; what may
        # still arrive is a quarter already on its way to the screen when the button was pressed
        # (one, or two when Play was catching up on a busy machine).
        page.get_by_role("button", name="Pause", exact=True).click()
        shown = quarter_of(clock_text(page))
        page.wait_for_timeout(1000)
        assert shown <= quarter_of(clock_text(page)) <= shown + 2
        settled = quarter_of(clock_text(page))
        page.wait_for_timeout(1000)
        assert quarter_of(clock_text(page)) == settled, "Play went on after Pause"
        assert rate >= (PLAY_MIN if speed == 4 else 4.0), (speed, rate)
        page.get_by_role("button", name="Reset").click()
        wait_for(lambda: quarter_of(clock_text(page)) == 0, 20, "Reset")
    page.get_by_role("button", name="4 quarters/s").click()

    # Side by side: two live networks; Step within the bound.
    page.get_by_role("button", name="Side by side: world A and world B").click()
    page.locator(".kemitraan-network-B svg").wait_for(timeout=30_000)
    both = step_times(
        page,
        "Step",
        8,
        [".kemitraan-network-A", ".kemitraan-network-B", ".kemitraan-index"],
    )[1:]
    timings["step_side_by_side_s"] = round(statistics.median(both), 3)
    timings["step_side_by_side_all_s"] = [round(x, 3) for x in both]
    assert statistics.median(both) < STEP_BOTH_MAX, both
    for sel in (
        ".kemitraan-network-A",
        ".kemitraan-network-B",
        ".kemitraan-index",
        ".kemitraan-scoreboard",
    ):
        assert uncovered(page, sel), sel
    page.screenshot(path=str(shots / "app_side_by_side.png"))
    q1 = quarter_of(clock_text(page))
    page.get_by_role("button", name="Play", exact=True).click()
    wait_for(lambda: quarter_of(clock_text(page)) > q1, 10, "Play to start", every=0.02)
    rate = play_rate(page, 4.0)
    page.get_by_role("button", name="Pause", exact=True).click()
    timings["play_side_by_side_quarters_per_s"] = round(rate, 2)
    assert rate >= PLAY_MIN, rate

    # A lever's new value shows at once, and Reset is asked for.
    page.get_by_label("Gotong-royong (volunteer labour)").uncheck()
    page.get_by_text("Changed, not yet in force").wait_for(timeout=10_000)
    page.close()


def test_layout_at_150_percent_zoom(browser, baseline_viz, tmp_path_factory):
    """Browser zoom 150% on a 1366x768 screen: 911x512 CSS pixels at 1.5 device pixels each."""
    page = browser.new_page(
        viewport={"width": 911, "height": 512}, device_scale_factor=1.5
    )
    page.goto(baseline_viz)
    page.locator(".kemitraan-network svg").wait_for(timeout=60_000)
    page.get_by_role("button", name="Step", exact=True).click()
    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1] + 1, f"horizontal scrolling at 150%: {width}"
    for a, b in (
        (".kemitraan-levers-panel", ".kemitraan-network"),
        (".kemitraan-network", ".kemitraan-index"),
        (".kemitraan-index", ".kemitraan-scoreboard"),
        (".kemitraan-levers-panel", ".kemitraan-index"),
    ):
        assert not overlaps(box(page, a), box(page, b)), (a, b)
    page.locator(".kemitraan-scoreboard").scroll_into_view_if_needed()
    assert uncovered(page, ".kemitraan-scoreboard")
    page.screenshot(path=str(shots_dir(tmp_path_factory) / "app_zoom_150.png"))
    # Large text on top of the zoom: bigger words, still no overlap and no sideways scrolling.
    before = page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.km-root')).fontSize)"
    )
    page.get_by_label("Large text").check()
    page.wait_for_function(
        "b => parseFloat(getComputedStyle(document.querySelector('.km-root')).fontSize) > b",
        arg=before,
        timeout=10_000,
    )
    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1] + 1, f"horizontal scrolling with large text: {width}"
    for a, b in (
        (".kemitraan-network", ".kemitraan-index"),
        (".kemitraan-index", ".kemitraan-scoreboard"),
        (".kemitraan-levers-panel", ".kemitraan-network"),
    ):
        assert not overlaps(box(page, a), box(page, b)), ("large text", a, b)
    page.close()


def test_bahasa_indonesia_controls_and_the_end_of_a_run(browser, tmp_path_factory):
    from sim import app

    folder = tmp_path_factory.mktemp("viz_id")
    scenario = folder / "small.toml"
    scenario.write_text(small_scenario_text())
    port = app.free_port()
    proc, _ = start(folder, ["viz", str(scenario), "--port", str(port), "--lang", "id"])
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"http://127.0.0.1:{port}/")
        page.locator(".kemitraan-network svg").wait_for(timeout=60_000)
        text = page.locator(
            "body"
        ).text_content()  # as written, not as the buttons' capitals show it
        for word in (
            "Ulang",
            "Maju",
            "Jalankan",
            "Huruf besar",
            "Tuas dunia A",
            "IPM saat ini",
            "selama simulasi",
            "tidak ada",
        ):
            assert word in text, word
        for english in (
            "Reset",
            "Step",
            "Play",
            "Controls",
            "Model Parameters",
            "Play Interval",
        ):
            assert not re.search(rf"\b{english}\b", text), english
        page.get_by_role("button", name="Maju", exact=True).click()
        page.get_by_text("Triwulan I 2019").first.wait_for(timeout=10_000)
        # Run to the end at 8 quarters a second; then Step and Play give way to "Tambah 5 tahun".
        page.get_by_role("button", name="8 triwulan/detik").click()
        page.get_by_role("button", name="Jalankan", exact=True).click()
        page.get_by_role("button", name="Tambah 5 tahun").wait_for(timeout=30_000)
        assert "langkah 16 dari 16" in clock_text(page)
        page.get_by_role("button", name="Tambah 5 tahun").click()
        page.get_by_role("button", name="Maju", exact=True).click()
        page.get_by_text("langkah 17 dari 36").wait_for(timeout=10_000)
        assert re.search(
            r"\d,\d", page.locator(".kemitraan-scoreboard").inner_text()
        )  # decimal commas
        assert not re.search(
            r"\d\.\d\d\b", page.locator(".kemitraan-scoreboard").inner_text()
        )
        page.screenshot(path=str(shots_dir(tmp_path_factory) / "app_bahasa.png"))
        page.close()
    finally:
        stop(proc)


def test_a_room_with_four_participants(browser, tmp_path_factory):
    from playwright.sync_api import expect

    from sim import app

    folder = tmp_path_factory.mktemp("room")
    scenario = folder / "small.toml"
    scenario.write_text(small_scenario_text())
    port = app.free_port()
    proc, lines = start(
        folder, ["classroom", str(scenario), "--port", str(port), "--code", "KMTRN"]
    )
    try:
        trainer_url = (
            next(x for x in lines() if "trainer" in x).split(": ", 2)[-1].strip()
        )
        assert trainer_url.startswith(f"http://127.0.0.1:{port}/trainer?key=")
        join_url = f"http://127.0.0.1:{port}/"
        projector = browser.new_context(
            viewport={"width": 1366, "height": 768}
        ).new_page()
        projector.goto(trainer_url)
        projector.locator(".kemitraan-room-code").wait_for(timeout=60_000)
        expect(projector.locator(".kemitraan-room-code")).to_contain_text("KMTRN")
        # Without the key, the projector's controls are not given.
        stranger = browser.new_context().new_page()
        stranger.goto(f"http://127.0.0.1:{port}/trainer")
        stranger.get_by_text("trainer's page").wait_for(timeout=60_000)
        assert stranger.get_by_role("button", name="Step").count() == 0
        stranger.context.close()

        phones = []
        wrong = browser.new_context(viewport={"width": 390, "height": 800}).new_page()
        wrong.goto(join_url)
        wrong.get_by_label("Join code").fill("WRONG")
        wrong.get_by_label("Name").fill("Nobody")
        wrong.get_by_role("button", name="Join").click()
        wrong.get_by_text("the code is not right").wait_for(timeout=20_000)
        wrong.context.close()
        for name in ("Ani", "Budi", "Citra", "Dewi"):
            phone = browser.new_context(
                viewport={"width": 390, "height": 800}
            ).new_page()
            phone.goto(join_url)
            phone.get_by_label("Join code").fill("kmtrn")
            phone.get_by_label("Name").fill(name)
            phone.get_by_role("button", name="Join").click()
            phone.locator(".kemitraan-me").wait_for(timeout=30_000)
            phones.append(phone)
        expect(projector.locator(".kemitraan-time")).to_contain_text(
            "4 playing", timeout=15_000
        )
        # Two give nothing and refuse offers, two give double.
        for i, phone in enumerate(phones):
            level = "0" if i < 2 else "200"
            phone.locator(".kemitraan-money").get_by_role(
                "button", name=level, exact=True
            ).click()
            phone.locator(".kemitraan-labour").get_by_role(
                "button", name=level, exact=True
            ).click()
            if i < 2:
                phone.get_by_label("Accept partnership offers").uncheck()
            phone.get_by_role("button", name="Decide").click()
            expect(phone.locator(".kemitraan-status")).to_contain_text(
                "Decided", timeout=15_000
            )
        table = projector.locator(".kemitraan-participants")
        expect(table).to_contain_text("Dewi", timeout=15_000)
        expect(table).to_contain_text("money 0% · labour 0% · accepts offers: no")
        expect(table).to_contain_text("money 200% · labour 200% · accepts offers: yes")
        # The trainer plays; with "wait until everyone has decided" the room moves as they decide.
        projector.get_by_role("button", name="Step", exact=True).click()
        expect(projector.locator(".kemitraan-time")).to_contain_text(
            "Q1", timeout=15_000
        )
        for phone in phones:
            expect(phone.locator(".kemitraan-me")).to_contain_text("Q1", timeout=15_000)
            expect(phone.locator(".kemitraan-status")).to_contain_text(
                "Not decided", timeout=15_000
            )
        projector.get_by_label("Wait until everyone has decided").uncheck()
        projector.get_by_role("button", name="4 quarters/s").click()
        projector.get_by_role("button", name="Play", exact=True).click()
        projector.get_by_role("button", name="Extend 5 years").wait_for(timeout=30_000)
        expect(projector.locator(".kemitraan-time")).to_contain_text("2022 Q4")
        expect(projector.locator(".kemitraan-difference")).to_contain_text(
            "The class's choices so far"
        )
        # The same seed without the class, on the projector.
        projector.get_by_label("Show the world without the class").check()
        expect(projector.locator(".km-net")).to_contain_text(
            "without the class", timeout=10_000
        )
        projector.screenshot(
            path=str(shots_dir(tmp_path_factory) / "app_room_projector.png")
        )
        phones[0].screenshot(
            path=str(shots_dir(tmp_path_factory) / "app_room_phone.png")
        )
        for phone in phones:
            phone.context.close()
        projector.context.close()
    finally:
        stop(proc)
