"""The teaching app: a Mesa SolaraViz page for a classroom.

Run it with ``kemitraan viz [SCENARIO.toml] [--lang id]`` (which serves it on 127.0.0.1), or
``solara run sim.app:page``. The sidebar is Mesa's: Reset / ▶ / Step and the levers
(:func:`model_params`); the main area has two views, chosen by toggle buttons:

- *One world*: world A's partnership network, drawn live, and its charts (national IPM with
  the target line, active partnerships, government share of spending, cohesion);
- *Side by side*: worlds A and B, same seed and replication, differing only in the lever
  chosen under "Classroom: world B differs by" (default: gotong-royong off), their networks
  side by side and their charts overlaid.

The model behind the page is a :class:`sim.teaching.classroom.Classroom`; every step advances both
worlds by one quarter. The scenario and the language come from the environment
(``KEMITRAAN_SCENARIO``, ``KEMITRAAN_LANG``), which ``kemitraan viz`` sets.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import solara
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from sim.teaching.classroom import AGENTS_MAX, DEFAULT_CONTRAST, Classroom, Levers
from sim.teaching.demo import Series, WORLD_COLOURS, charts_figure, classroom_series, network_figure, networks_figure, reached_text, render_png, time_text
from sim.teaching.labels import choice_label, choice_labels, lang_from_env, number, t
from sim.scenario import Scenario, defaults, load

# Environment variable naming the scenario file the app starts from (set by `kemitraan viz`).
SCENARIO_ENV = "KEMITRAAN_SCENARIO"
# Resolution of the live pictures: small enough to redraw every step, sharp enough for a projector.
DPI = 90


def base_scenario() -> Scenario:
    """The scenario named by ``KEMITRAAN_SCENARIO``, or the built-in defaults (the baseline)."""
    path = os.environ.get(SCENARIO_ENV, "").strip()
    return load(path) if path else defaults()


def model_params(base: Scenario, lang: str = "en") -> dict:
    """The levers as Mesa user inputs, starting at the scenario's values, labelled in ``lang``."""
    lv = Levers.from_scenario(base)
    return {
        "base": base,
        "reward_scheme": {"type": "Select", "label": t("reward_scheme", lang), "value": choice_label("reward_scheme", lv.reward_scheme, lang),
                          "values": choice_labels("reward_scheme", lang)},
        "public_funding": Slider(t("public_funding", lang), value=100, min=0, max=200, step=10),
        "trust_fund": Slider(t("trust_fund", lang), value=lv.trust_fund, min=0.0, max=1.0, step=0.1, dtype=float),
        "regulation": {"type": "Select", "label": t("regulation", lang), "value": choice_label("regulation", "scenario", lang),
                       "values": choice_labels("regulation", lang)},
        "gotong_royong": {"type": "Checkbox", "label": t("gotong_royong", lang), "value": lv.gotong_royong},
        "information_system": Slider(t("information_system", lang), value=lv.information_system, min=0.0, max=1.0, step=0.05, dtype=float),
        "capacity_building": Slider(t("capacity_building", lang), value=lv.capacity_building, min=0.0, max=1000.0, step=50.0, dtype=float),
        "agents": Slider(t("agents", lang), value=lv.agents, min=100, max=min(AGENTS_MAX, max(1500, lv.agents)), step=10, dtype=int),
        "compare": {"type": "Select", "label": t("compare", lang), "value": choice_label("compare", DEFAULT_CONTRAST, lang),
                    "values": choice_labels("compare", lang)},
        "replication": Slider(t("replication", lang), value=0, min=0, max=19, step=1, dtype=int),
    }


def initial_model(base: Scenario) -> Classroom:
    """The classroom as the page first shows it: the scenario's levers, gotong-royong off in world B."""
    return Classroom(base, compare=DEFAULT_CONTRAST)


@solara.component
def Picture(make: Callable[[], Figure], key: list, css: str):
    """A matplotlib figure as a PNG, redrawn only when ``key`` changes."""
    png = solara.use_memo(lambda: render_png(make(), DPI), key)
    with solara.Div(classes=[css], style={"width": "100%"}):
        solara.Image(png, width="100%")


def scoreboard(room: Classroom, series: list[Series], lang: str) -> str:
    """The numbers a class compares, as a Markdown table."""
    target = f"{room.a.target:g}" if room.a.method == "ipm" else f"{room.a.target:.3f}"
    head = [t("score_world", lang), t("score_index", lang), t("score_target", lang, value=target), t("score_active", lang),
            t("score_formed", lang), t("score_share", lang), t("score_cohesion", lang)]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s in series:
        w = s.world
        index = number(w.national_index, 2 if w.method == "ipm" else 3, lang)
        share = "–" if not w.steps else number(100 * w.ledger.government_share(step=False), 1, lang) + "%"
        rows.append(f"| <span style='color:{s.colour}'>**{s.label}**</span> | {index} | {reached_text(w, lang)} | "
                    f"{int(w.metrics['active_partnerships'])} | {w.totals['formed']} | {share} | {number(w.metrics['cohesion'], 2, lang)} |")
    return "\n".join(rows)


@solara.component
def LiveTab(room: Classroom, lang: str):
    """One world: its network and its charts."""
    update_counter.get()
    key = [room.serial, room.quarter, lang]
    series = classroom_series(room, lang)[:1]
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Column(style={"flex": "1 1 400px", "min-width": "360px", "max-width": "760px"}):
            Picture(lambda: network_figure(room.a, room.layout, lang, prefix=t("world_a", lang)), key, "kemitraan-network")
        with solara.Column(style={"flex": "1 1 460px", "min-width": "380px", "max-width": "860px"}):
            Picture(lambda: charts_figure(series, lang), key, "kemitraan-charts")
    solara.Markdown(scoreboard(room, series, lang))


@solara.component
def CompareTab(room: Classroom, lang: str):
    """Worlds A and B side by side, charts overlaid."""
    update_counter.get()
    key = [room.serial, room.quarter, lang]
    series = classroom_series(room, lang)
    with solara.Div(classes=["kemitraan-compare-help"]):
        solara.Markdown(t("compare_help", lang, replication=room.replication, contrast=f"**{room.contrast_label(lang)}**"))
    if room.identical:
        solara.Warning(t("identical_warning", lang))
    Picture(lambda: networks_figure(room, lang), key, "kemitraan-networks")
    Picture(lambda: charts_figure(series, lang, size=(13.0, 5.6), legend=True), key, "kemitraan-compare-charts")
    solara.Markdown(scoreboard(room, series, lang))


def levers_text(levers: Levers, lang: str, replication: int = 0) -> str:
    """World A's levers in one line, so the class can read the values the sliders hide."""
    return t("levers_line", lang, reward=choice_label("reward_scheme", levers.reward_scheme, lang), funding=levers.public_funding,
             trust=number(levers.trust_fund, 1, lang), regulation=choice_label("regulation", levers.regulation, lang),
             gr=t("on" if levers.gotong_royong else "off", lang), info=number(levers.information_system, 2, lang), cap=levers.capacity_building,
             agents=levers.agents, replication=replication)


@solara.component
def Main(model: solara.Reactive[Classroom], lang: str):
    """The main area: the time, a line of help, the levers in force and the two views."""
    update_counter.get()  # redraw after every step (Mesa's ModelController bumps it)
    room = model.value
    name = t("builtin", lang) if room.base.source == "<defaults>" else room.base.name
    with solara.Column(style={"padding": "4px 12px"}, gap="6px"):
        with solara.Div(classes=["kemitraan-time"], style={"color": WORLD_COLOURS["A"]}):
            solara.Markdown("## " + t("time", lang, quarter=time_text(room.a, lang), step=room.quarter, steps=room.horizon))
        solara.Markdown(f"{t('scenario_is', lang, name=name)} · {t('help', lang)}")
        with solara.Div(classes=["kemitraan-levers"]):
            solara.Markdown(f"**{t('levers_a', lang)}:** {levers_text(room.levers_a, lang, room.replication)}", style={"font-size": "0.95em"})
        # Two views chosen by toggle buttons; only the one shown is drawn, so playing stays quick.
        labels = [t("tab_live", lang), t("tab_compare", lang)]
        view = solara.use_reactive(0)
        solara.ToggleButtonsSingle(value=labels[view.value], values=labels, on_value=lambda v: view.set(labels.index(v)),
                                   classes=["kemitraan-views"])
        if view.value == 0:
            LiveTab(room, lang)
        else:
            CompareTab(room, lang)


@solara.component
def KemitraanPage(base: Scenario | None = None, lang: str = "en"):
    """The whole page: Mesa's SolaraViz sidebar (controls, levers) and the classroom's main area."""
    base = base if base is not None else defaults()
    first = solara.use_memo(lambda: initial_model(base), [])
    model = solara.use_reactive(first)
    params = solara.use_memo(lambda: model_params(base, lang), [lang])
    SolaraViz(model, components=[], model_params=params, name=t("title", lang), play_interval=150)
    Main(model, lang)


# --- serving ---------------------------------------------------------------------------------

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def url_for(host: str, port: int) -> str:
    """The page's address."""
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def server_command(host: str, port: int) -> list[str]:
    """The solara command that serves :data:`page` (production mode: no code reloading, no browser opened)."""
    return [sys.executable, "-m", "solara", "run", "sim.app:page", "--host", host, "--port", str(port), "--no-open", "--production"]


def server_env(scenario: str | None, lang: str) -> dict[str, str]:
    """The environment of the server: scenario and language for the page, solara's telemetry off."""
    env = dict(os.environ)
    env[SCENARIO_ENV] = str(Path(scenario).resolve()) if scenario else ""
    env["KEMITRAAN_LANG"] = lang
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    return env


def wait_for_port(host: str, port: int, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Whether something accepts connections on host:port within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection((host if host not in ("0.0.0.0", "::") else "127.0.0.1", port), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def serve(scenario: str | None = None, host: str = "127.0.0.1", port: int = 8765, lang: str = "en", out=sys.stdout, err=sys.stderr) -> int:
    """Serve the page until interrupted; prints its address. Returns the server's exit status.

    Listens on 127.0.0.1 unless ``host`` says otherwise; any other host gets a warning,
    because everyone who can reach it can open the page and run the model.
    """
    if host not in LOCAL_HOSTS:
        print(f"kemitraan: warning: serving on {host}, not only on this computer: anyone who can reach it on port "
              f"{port or '(chosen)'} can open the page and run the model. Use this only on a trusted classroom network.", file=err)
    port = port or free_port(host if host not in ("0.0.0.0", "::") else "127.0.0.1")
    if not assets_cached():
        print("kemitraan: note: the page's front-end files are not cached yet; the first load fetches them from the internet "
              "(run `kemitraan viz --fetch-assets` once to prepare a classroom without internet)", file=err)
    proc = subprocess.Popen(server_command(host, port), env=server_env(scenario, lang), stdin=subprocess.DEVNULL)
    print(f"Kemitraan classroom ({lang}): {url_for(host, port)}  (Ctrl+C to stop)", file=out, flush=True)

    def stop(signum, frame):  # a plain kill of this process stops the server too
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    try:
        if wait_for_port(host, port, 120.0, alive=lambda: proc.poll() is None):
            if host in ("0.0.0.0", "::"):
                print(f"Ready: open {url_for('127.0.0.1', port)} here, or http://<this computer's address>:{port}/ on other devices",
                      file=out, flush=True)
            else:
                print(f"Ready: open {url_for(host, port)} in a browser", file=out, flush=True)
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        return 0


# --- the page's front-end files, for a classroom without internet ------------------------------

def cdn_packages() -> list[tuple[str, str]]:
    """The npm packages (name, version) that solara's page loads through its CDN proxy.

    Read from solara's own page template and Markdown component, so a solara upgrade that
    changes a version is followed without editing this list.
    """
    import solara.components
    import solara.server
    from solara.server import settings

    sources = [Path(solara.server.__file__).parent / "templates" / "solara.html.j2",
               Path(solara.components.__file__).parent / "markdown.py"]
    pattern = r"(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+)@(\d[\w.-]*)/"
    found = [m for src in sources if src.is_file() for m in re.findall(pattern, src.read_text(encoding="utf-8"))]
    fa = re.match(r"/?((?:@[\w.-]+/)?[\w.-]+)@(\d[\w.-]*)/", settings.assets.fontawesome_path)
    if fa:
        found.append((fa.group(1), fa.group(2)))
    return sorted(set(found))


def assets_dir() -> Path:
    """Solara's cache of CDN files (it serves from here before going to the internet)."""
    from solara.server import settings

    return Path(settings.assets.proxy_cache_dir)


def assets_cached() -> bool:
    """Whether every package of :func:`cdn_packages` is in solara's cache."""
    try:
        root = assets_dir()
        return all((root / f"{name}@{version}" / "package.json").is_file() for name, version in cdn_packages())
    except Exception:  # noqa: BLE001 - a check only; serving still works with the internet
        return False


def fetch_assets(log=print) -> Path:
    """Put the page's front-end files into solara's cache with npm (``npm pack``), so the page loads offline.

    Packages already cached are skipped. Raises RuntimeError when npm is missing or fails.
    """
    root = assets_dir()
    missing = [(n, v) for n, v in cdn_packages() if not (root / f"{n}@{v}" / "package.json").is_file()]
    if not missing:
        log(f"Front-end files already cached in {root}")
        return root
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is not installed; install it (e.g. apt-get install npm), or open the page once with internet access")
    with tempfile.TemporaryDirectory() as tmp:
        for name, version in missing:
            spec = f"{name}@{version}"
            done = subprocess.run([npm, "pack", "--silent", spec], cwd=tmp, capture_output=True, text=True, stdin=subprocess.DEVNULL)
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                raise RuntimeError(f"npm pack {spec} failed: {done.stderr.strip()[-400:]}")
            dest = root / spec
            staging = Path(tmp) / "x"
            shutil.rmtree(staging, ignore_errors=True)
            with tarfile.open(Path(tmp) / lines[-1]) as tar:
                tar.extractall(staging, filter="data")
            inner = staging / "package"
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(dest, ignore_errors=True)
            shutil.copytree(inner if inner.is_dir() else staging, dest)
            log(f"Cached {spec} in {dest}")
    return root


LANG = lang_from_env()
BASE = base_scenario()
page = KemitraanPage(base=BASE, lang=LANG)
