"""The teaching app: a Mesa SolaraViz page for a classroom.

Run it with ``kemitraan viz [SCENARIO.toml] [--lang id]`` (which serves it on 127.0.0.1), or
``solara run sim.app:page``. The sidebar is Mesa's: Reset / ▶ / Step and the levers
(:data:`model_params`); the main area has two tabs:

- *One world*: world A's partnership network, drawn live, and its charts (national IPM with
  the target line, active partnerships, government share of spending, cohesion);
- *Side by side*: worlds A and B, same seed and replication, differing only in the lever
  chosen under "Classroom: world B differs by" (default: gotong-royong off), their networks
  side by side and their charts overlaid.

The model behind the page is a :class:`sim.classroom.Classroom`; every step advances both
worlds by one quarter. The scenario and the language come from the environment
(``KEMITRAAN_SCENARIO``, ``KEMITRAAN_LANG``), which ``kemitraan viz`` sets.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import solara
from matplotlib.figure import Figure
from mesa.visualization import Slider, SolaraViz
from mesa.visualization.utils import update_counter

from sim.classroom import AGENTS_MAX, DEFAULT_CONTRAST, Classroom, Levers
from sim.demo import Series, WORLD_COLOURS, charts_figure, classroom_series, network_figure, networks_figure, reached_text, render_png, time_text
from sim.labels import choice_label, choice_labels, lang_from_env, t
from sim.scenario import Scenario, defaults, load

# Environment variable naming the scenario file the app starts from (set by `kemitraan viz`).
SCENARIO_ENV = "KEMITRAAN_SCENARIO"
# Resolution of the live pictures: small enough to redraw every step, sharp enough for a projector.
DPI = 80


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
        fmt = f"{w.national_index:.2f}" if w.method == "ipm" else f"{w.national_index:.3f}"
        share = w.ledger.government_share(step=False) if w.steps else float("nan")
        rows.append(f"| <span style='color:{s.colour}'>**{s.label}**</span> | {fmt} | {reached_text(w, lang)} | "
                    f"{int(w.metrics['active_partnerships'])} | {w.totals['formed']} | "
                    f"{'–' if share != share else f'{100 * share:.1f}%'} | {w.metrics['cohesion']:.2f} |")
    return "\n".join(rows)


@solara.component
def LiveTab(room: Classroom, lang: str):
    """One world: its network and its charts."""
    key = [id(room), room.quarter, lang]
    series = classroom_series(room, lang)[:1]
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        with solara.Column(style={"flex": "1 1 520px", "min-width": "420px"}):
            Picture(lambda: network_figure(room.a, room.layout, lang, prefix=t("world_a", lang)), key, "kemitraan-network")
        with solara.Column(style={"flex": "1 1 560px", "min-width": "420px"}):
            Picture(lambda: charts_figure(series, lang), key, "kemitraan-charts")
    solara.Markdown(scoreboard(room, series, lang))


@solara.component
def CompareTab(room: Classroom, lang: str):
    """Worlds A and B side by side, charts overlaid."""
    key = [id(room), room.quarter, lang]
    series = classroom_series(room, lang)
    solara.Markdown(t("compare_help", lang, replication=room.replication, contrast=f"**{room.contrast_label(lang)}**"))
    if room.identical:
        solara.Warning(t("identical_warning", lang))
    Picture(lambda: networks_figure(room, lang), key, "kemitraan-networks")
    Picture(lambda: charts_figure(series, lang, size=(13.0, 6.2), legend=True), key, "kemitraan-compare-charts")
    solara.Markdown(scoreboard(room, series, lang))


@solara.component
def Main(model: solara.Reactive[Classroom], lang: str):
    """The main area: the time, a line of help, and the two tabs."""
    update_counter.get()  # redraw after every step (Mesa's ModelController bumps it)
    room = model.value
    with solara.Column(style={"padding": "4px 12px"}):
        with solara.Div(classes=["kemitraan-time"]):
            solara.Markdown("### " + t("time", lang, quarter=time_text(room.a, lang), step=room.quarter, steps=room.horizon))
        solara.Text(t("scenario_is", lang, name=room.base.name) + " · " + t("help", lang), style={"color": "#555"})
        with solara.lab.Tabs(lazy=True):
            with solara.lab.Tab(t("tab_live", lang)):
                LiveTab(room, lang)
            with solara.lab.Tab(t("tab_compare", lang)):
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


LANG = lang_from_env()
BASE = base_scenario()
page = KemitraanPage(base=BASE, lang=LANG)
