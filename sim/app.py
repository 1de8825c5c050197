"""The teaching app: a Solara page for a classroom, drawn live in the browser.

Run it with ``kemitraan viz [SCENARIO.toml] [--lang id]`` (which serves it on 127.0.0.1), or
``solara run sim.app:page``. A bar across the top holds the controls (Reset, Step, Play/Pause,
speed, large text, the view) and the levers in force; the levers themselves sit in a panel on
the left that can be hidden. The main area has two views:

- *One world*: world A's partnership network and its charts (national IPM with the target
  line; active partnerships, government share of spending, cohesion);
- *Side by side*: worlds A and B, same seed and replication, differing only in the lever
  chosen under "Classroom: world B differs by" (default: gotong-royong off).

Pictures are SVG markup built from the model's arrays each quarter (:mod:`sim.teaching.svg`):
a few milliseconds where matplotlib took over a second. The controls are the page's own rather
than Mesa's SolaraViz sidebar, so that they can be translated, pause on the quarter shown, and
go on past the end of a run. The model behind the page is a :class:`sim.teaching.classroom.Classroom`.
The scenario and the language come from the environment (``KEMITRAAN_SCENARIO``,
``KEMITRAAN_LANG``), which ``kemitraan viz`` sets.
"""

from __future__ import annotations

import errno
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

import numpy as np
import solara

from sim.scenario import Scenario, defaults, load
from sim.teaching.classroom import (
    AGENTS_MAX,
    AGENTS_MIN,
    DEFAULT_CONTRAST,
    Classroom,
    Levers,
)
from sim.teaching.demo import reached_text, time_text
from sim.teaching.labels import (
    CHOICES,
    choice_label,
    choice_labels,
    lang_from_env,
    number,
    t,
)
from sim.teaching.svg import (
    WORLD_COLOURS,
    WORLD_DASH,
    Line,
    legend_html,
    line_chart_svg,
    network_svg,
)

# Environment variable naming the scenario file the app starts from (set by `kemitraan viz`).
SCENARIO_ENV = "KEMITRAAN_SCENARIO"
SPEEDS = (1, 2, 4, 8)  # quarters per second offered by Play
DEFAULT_SPEED = 4
BIG = 1.35  # text size factor of the large-text mode
CATCH_UP = 2  # most quarters Play steps between two drawings when drawing falls behind (more would land after Pause)

CSS = """
.km-root { font-size: 15px; line-height: 1.35; }
.km-root.km-big { font-size: 20px; }
.km-root .km-bar { display: flex; flex-wrap: wrap; gap: 6px 10px; align-items: center; }
.km-root .km-time { font-size: 1.45em; font-weight: bold; color: #0072B2; margin-right: 8px; }
.km-root .km-body { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
.km-root .km-panel { flex: 0 0 270px; max-width: 100%; }
.km-root .km-main { flex: 1 1 600px; min-width: 0; }
.km-root .km-row { display: flex; flex-wrap: wrap; gap: 8px; }
.km-root .km-net { flex: 1 1 340px; height: calc(100vh - 330px); min-height: 240px; max-height: 640px; min-width: 0; }
.km-root .km-nets { flex: 2 1 560px; display: flex; flex-wrap: wrap; gap: 6px; min-width: 0; }
.km-root .km-nets .km-net { flex: 1 1 270px; }
.km-root .km-charts { flex: 1 1 380px; min-width: 0; display: flex; flex-direction: column; gap: 4px; }
.km-root .km-index { height: calc(55vh - 150px); min-height: 170px; max-height: 420px; }
.km-root .km-tiles { display: flex; gap: 6px; flex-wrap: wrap; }
.km-root .km-tile { flex: 1 1 110px; min-width: 0; }
.km-root .km-spark { height: calc(20vh - 40px); min-height: 60px; max-height: 160px; }
.km-root .km-tile-title { font-size: 0.85em; font-weight: bold; }
.km-root table.km-score { border-collapse: collapse; font-size: 0.95em; }
.km-root table.km-score td, .km-root table.km-score th { border-bottom: 1px solid #ddd; padding: 1px 8px; text-align: left; }
.km-root .km-note { color: #7a3e00; font-weight: bold; }
.km-root .km-legend { font-size: 0.85em; }
.km-root .km-fill { flex: 1 1 auto; min-height: 0; height: 100%; }
.km-root .km-levers-line { font-size: 0.9em; }
"""


def base_scenario() -> Scenario:
    """The scenario named by ``KEMITRAAN_SCENARIO``, or the built-in defaults (the baseline)."""
    path = os.environ.get(SCENARIO_ENV, "").strip()
    return load(path) if path else defaults()


def initial_model(base: Scenario) -> Classroom:
    """The classroom as the page first shows it: the scenario's levers, gotong-royong off in world B."""
    return Classroom(base, compare=DEFAULT_CONTRAST)


def build_classroom(
    base: Scenario, levers: Levers, compare: str, replication: int
) -> Classroom:
    """The classroom a Reset builds from the levers set in the panel."""
    return Classroom(
        base,
        reward_scheme=levers.reward_scheme,
        public_funding=levers.public_funding,
        trust_fund=levers.trust_fund,
        regulation=levers.regulation,
        gotong_royong=levers.gotong_royong,
        information_system=levers.information_system,
        capacity_building=levers.capacity_building,
        agents=levers.agents,
        compare=compare,
        replication=replication,
    )


def levers_text(levers: Levers, lang: str, replication: int = 0) -> str:
    """World A's levers in one line, so the class can read the values in force."""
    return t(
        "levers_line",
        lang,
        reward=choice_label("reward_scheme", levers.reward_scheme, lang),
        funding=levers.public_funding,
        trust=number(levers.trust_fund, 1, lang),
        regulation=choice_label("regulation", levers.regulation, lang),
        gr=t("on" if levers.gotong_royong else "off", lang),
        info=number(levers.information_system, 2, lang),
        cap=levers.capacity_building,
        agents=levers.agents,
        replication=replication,
    )


# --- what the page shows, as data -------------------------------------------------------------


def index_chart(worlds, labels, keys, lang: str, scale: float, events=()) -> str:
    """The national index of one or more worlds over the run, with the target line."""
    first = worlds[0]
    start = first.start_year
    end = start + max(w.horizon for w in worlds) / 4.0
    lines, lows, highs = [], [first.target], [first.target]
    for w, label, key in zip(worlds, labels, keys, strict=True):
        mv = w.datacollector.model_vars
        y = np.asarray(mv["index"], dtype=float)
        lines.append(
            Line(
                label,
                WORLD_COLOURS[key],
                WORLD_DASH[key],
                np.asarray(mv["year"], dtype=float),
                y,
            )
        )
        lows.append(float(y.min()))
        highs.append(float(y.max()))
    pad = 1.0 if first.method == "ipm" else 0.01
    target = (
        f"{first.target:g}" if first.method == "ipm" else number(first.target, 3, lang)
    )
    title = t("index_ipm" if first.method == "ipm" else "index_hdi", lang)
    return line_chart_svg(
        lines,
        (start, end),
        (min(lows) - pad, max(highs) + pad),
        title=title,
        lang=lang,
        target=first.target,
        target_text=t(
            "target", lang, value=target.replace(".", ",") if lang == "id" else target
        ),
        size=(440, 260),
        scale=scale,
        events=events,
    )


def spark(
    worlds,
    keys,
    metric: str,
    lang: str,
    factor: float = 1.0,
    lo: float | None = None,
    hi: float | None = None,
    scale: float = 1.0,
    suffix: str = "",
) -> str:
    """A small chart of one metric (no title: the tile's own text names it)."""
    first = worlds[0]
    start = first.start_year
    end = start + max(w.horizon for w in worlds) / 4.0
    lines: list[Line] = []
    values: list[float] = []
    for w, key in zip(worlds, keys, strict=True):
        mv = w.datacollector.model_vars
        y = factor * np.asarray(mv[metric], dtype=float)
        x = np.asarray(mv["year"], dtype=float)
        if metric == "government_share":  # no spending before the first quarter
            x, y = x[1:], y[1:]
        lines.append(Line(key, WORLD_COLOURS[key], WORLD_DASH[key], x, y))
        values.extend(y.tolist() or [0.0])
    y0 = lo if lo is not None else min(values)
    y1 = hi if hi is not None else max(values) * 1.1 + 1e-9
    return line_chart_svg(
        lines,
        (start, end),
        (y0, y1),
        title="",
        lang=lang,
        size=(170, 110),
        scale=scale,
        y_suffix=suffix,
        x_ticks=False,
    )


def scoreboard_html(room: Classroom, worlds, labels, keys, lang: str) -> str:
    """The numbers a class compares, as an HTML table; each world's row carries its line style, not only its colour."""
    first = room.a
    target = (
        f"{first.target:g}" if first.method == "ipm" else number(first.target, 3, lang)
    )
    head = [
        t("score_world", lang),
        t("score_index", lang),
        t(
            "score_target",
            lang,
            value=target.replace(".", ",") if lang == "id" else target,
        ),
        t("score_active", lang),
        t("score_formed", lang),
        t("score_share", lang),
        t("score_cohesion", lang),
    ]
    rows = ["<tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for w, label, key in zip(worlds, labels, keys, strict=True):
        index = number(w.national_index, 2 if w.method == "ipm" else 3, lang)
        share = (
            "–"
            if not w.steps
            else number(100 * w.ledger.government_share(step=False), 1, lang) + "%"
        )
        dash = (
            "border-top-style:dashed" if WORLD_DASH[key] else "border-top-style:solid"
        )
        sw = f'<span style="display:inline-block;width:1.6em;border-top:4px {WORLD_COLOURS[key]};{dash};vertical-align:middle"></span>'
        rows.append(
            f"<tr><td>{sw} <b style='color:{WORLD_COLOURS[key]}'>{label}</b></td><td><b>{index}</b></td><td>{reached_text(w, lang)}</td>"
            f"<td>{number(w.metrics['active_partnerships'], 0, lang)}</td><td>{number(w.totals['formed'], 0, lang)}</td>"
            f"<td>{share}</td><td>{number(w.metrics['cohesion'], 2, lang)}</td></tr>"
        )
    return "<table class='km-score'>" + "".join(rows) + "</table>"


@solara.component
def Svg(markup: str, classes: list[str]):
    """SVG markup in a box of the page (the box's CSS sets its size; the picture scales to it)."""
    solara.HTML(tag="div", unsafe_innerHTML=markup, classes=classes)


@solara.component
def WorldView(room: Classroom, lang: str, big: bool, both: bool, tick: int):
    """The pictures: one or two networks, the index chart, three small charts and the scoreboard (``tick``: the page's quarter count, which re-renders it)."""
    scale = BIG if big else 1.0
    worlds = [room.a, room.b] if both else [room.a]
    keys = ["A", "B"][: len(worlds)]
    labels = [t("world_a", lang), t("world_b", lang)][: len(worlds)]
    long_labels = [
        t("world_a_is", lang),
        t("world_b_is", lang, contrast=room.contrast_label(lang)),
    ][: len(worlds)]
    with room_lock(room):
        if both:
            room.catch_up()  # world B waits while one world is shown
        # Two networks share the width, so their labels are drawn larger in their own units.
        net_scale = scale * (1.45 if both else 1.0)
        # Two grids of 34 provinces share the width: their labels keep the name and leave the
        # index to the disc's colour (it is in the label's tooltip), so that they stay readable.
        values = not (both and room.layout.centres.shape[0] > 16)
        nets = [
            network_svg(
                w,
                room.layout,
                lang,
                scale=net_scale,
                values=values,
                title=f"{lab} · {t('network', lang)}",
            )
            for w, lab in zip(worlds, labels, strict=True)
        ]
        chart = index_chart(worlds, long_labels, keys, lang, scale)
        sparks = [
            (
                t("active_partnerships", lang),
                spark(worlds, keys, "active_partnerships", lang, lo=0.0, scale=scale),
            ),
            (
                t("government_share", lang),
                spark(
                    worlds,
                    keys,
                    "government_share",
                    lang,
                    factor=100.0,
                    lo=0.0,
                    hi=100.0,
                    scale=scale,
                ),
            ),
            (
                t("cohesion", lang),
                spark(worlds, keys, "cohesion", lang, lo=0.0, hi=1.0, scale=scale),
            ),
        ]
        score = scoreboard_html(room, worlds, long_labels, keys, lang)
    if both:
        with solara.Div(classes=["kemitraan-compare-help"]):
            solara.Markdown(
                t(
                    "compare_help",
                    lang,
                    replication=room.replication,
                    contrast=f"**{room.contrast_label(lang)}**",
                )
            )
        if room.identical:
            solara.Warning(t("identical_warning", lang))
    with solara.Div(classes=["km-row"]):
        if both:
            with solara.Div(classes=["km-nets", "kemitraan-networks"]):
                for markup, key, lab in zip(nets, keys, labels, strict=True):
                    with solara.Div(
                        classes=["km-net"],
                        style={"display": "flex", "flex-direction": "column"},
                    ):
                        solara.HTML(
                            tag="div",
                            unsafe_innerHTML=f"<b style='color:{WORLD_COLOURS[key]}'>{lab}</b>",
                        )
                        Svg(
                            markup,
                            classes=[
                                "kemitraan-network",
                                f"kemitraan-network-{key}",
                                "km-fill",
                            ],
                        )
        else:
            Svg(nets[0], classes=["km-net", "kemitraan-network"])
        with solara.Div(classes=["km-charts", "kemitraan-charts"]):
            Svg(chart, classes=["km-index", "kemitraan-index"])
            with solara.Div(classes=["km-tiles"]):
                for title, markup in sparks:
                    with solara.Div(classes=["km-tile"]):
                        solara.HTML(
                            tag="div", unsafe_innerHTML=title, classes=["km-tile-title"]
                        )
                        Svg(markup, classes=["km-spark"])
    solara.HTML(tag="div", unsafe_innerHTML=score, classes=["kemitraan-scoreboard"])
    solara.HTML(tag="div", unsafe_innerHTML=legend_html(lang))


_LOCKS: dict[int, threading.RLock] = {}


def room_lock(room: Classroom) -> threading.RLock:
    """The lock that keeps drawing from reading a classroom while Play steps it."""
    return _LOCKS.setdefault(room.serial, threading.RLock())


def step_room(room: Classroom, both: bool = True) -> bool:
    """One quarter in both worlds (world A alone unless ``both``); False (nothing done) when the run is over."""
    with room_lock(room):
        if not room.a.running:
            return False
        if both:
            room.step()
        else:
            room.step_a()
        return True


def extend_room(room: Classroom, years: float = 5.0) -> None:
    """Give both worlds more quarters, so Step and Play go on past the scenario's end."""
    with room_lock(room):
        room.catch_up()
        for w in room.worlds:
            w.horizon += round(4 * years)
            w.running = True
        room.running = True


@solara.component
def LeverPanel(
    pending: solara.Reactive,
    compare: solara.Reactive,
    replication: solara.Reactive,
    lang: str,
    in_force: Levers,
    contrast_in_force: str,
    replication_in_force: int,
):
    """The levers, each with its value written next to its name; changed ones are marked until Reset."""
    lv: Levers = pending.value

    def set_(**kw):
        pending.set(lv.replace(**kw))

    def label(key: str, value: str, changed: bool) -> str:
        return f"{t(key, lang)}: {value}" + (" *" if changed else "")

    with solara.Div(classes=["km-panel", "kemitraan-levers-panel"]):
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>{t('levers_title', lang)}</b>")
        solara.Select(
            label=label(
                "reward_scheme", "", lv.reward_scheme != in_force.reward_scheme
            ).replace(": ", ""),
            values=choice_labels("reward_scheme", lang),
            value=choice_label("reward_scheme", lv.reward_scheme, lang),
            on_value=lambda v: set_(reward_scheme=_key("reward_scheme", v, lang)),
            dense=True,
        )
        solara.SliderInt(
            label(
                "public_funding",
                f"{lv.public_funding:.0f}%",
                lv.public_funding != in_force.public_funding,
            ),
            value=int(lv.public_funding),
            min=0,
            max=200,
            step=10,
            on_value=lambda v: set_(public_funding=float(v)),
        )
        solara.SliderInt(
            label(
                "trust_fund",
                number(lv.trust_fund, 1, lang),
                lv.trust_fund != in_force.trust_fund,
            ),
            value=round(lv.trust_fund * 10),
            min=0,
            max=10,
            step=1,
            on_value=lambda v: set_(trust_fund=v / 10.0),
            thumb_label=False,
        )
        solara.Select(
            label=t("regulation", lang)
            + (" *" if lv.regulation != in_force.regulation else ""),
            values=choice_labels("regulation", lang),
            value=choice_label("regulation", lv.regulation, lang),
            on_value=lambda v: set_(regulation=_key("regulation", v, lang)),
            dense=True,
        )
        solara.Checkbox(
            label=t("gotong_royong", lang)
            + (" *" if lv.gotong_royong != in_force.gotong_royong else ""),
            value=lv.gotong_royong,
            on_value=lambda v: set_(gotong_royong=bool(v)),
        )
        solara.SliderInt(
            label(
                "information_system",
                number(lv.information_system, 2, lang),
                lv.information_system != in_force.information_system,
            ),
            value=round(lv.information_system * 20),
            min=0,
            max=20,
            step=1,
            on_value=lambda v: set_(information_system=v / 20.0),
            thumb_label=False,
        )
        solara.SliderInt(
            label(
                "capacity_building",
                f"Rp {number(lv.capacity_building, 0, lang)}",
                lv.capacity_building != in_force.capacity_building,
            ),
            value=int(lv.capacity_building),
            min=0,
            max=1000,
            step=50,
            on_value=lambda v: set_(capacity_building=float(v)),
        )
        solara.SliderInt(
            label("agents", number(lv.agents, 0, lang), lv.agents != in_force.agents),
            value=int(lv.agents),
            min=max(AGENTS_MIN, 100),
            max=min(AGENTS_MAX, max(1500, in_force.agents)),
            step=10,
            on_value=lambda v: set_(agents=int(v)),
        )
        solara.Select(
            label=t("compare", lang)
            + (" *" if compare.value != contrast_in_force else ""),
            values=choice_labels("compare", lang),
            value=choice_label("compare", compare.value, lang),
            on_value=lambda v: compare.set(_key("compare", v, lang)),
            dense=True,
        )
        solara.SliderInt(
            label(
                "replication",
                str(replication.value),
                replication.value != replication_in_force,
            ),
            value=replication.value,
            min=0,
            max=19,
            step=1,
            on_value=replication.set,
        )


def _key(group: str, label: str, lang: str) -> str:
    return next(
        k for k, names in CHOICES[group].items() if names[lang] == label or k == label
    )


@solara.component
def KemitraanPage(base: Scenario | None = None, lang: str = "en"):
    """The whole page: the control bar, the lever panel and the pictures."""
    base = base if base is not None else defaults()
    first = solara.use_memo(lambda: initial_model(base), [])
    room: solara.Reactive[Classroom] = solara.use_reactive(first)
    pending = solara.use_reactive(first.levers_a)
    compare = solara.use_reactive(first.contrast.key)
    replication = solara.use_reactive(first.replication)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    big = solara.use_reactive(False)
    panel = solara.use_reactive(True)
    view = solara.use_reactive(0)
    tick = solara.use_reactive(0)
    r = room.value

    def play_loop(cancel: threading.Event) -> None:
        # Steps and redraws in this thread at the chosen speed. When drawing cannot keep up (a slow
        # or busy laptop), up to CATCH_UP quarters are stepped before the next drawing, so the clock
        # keeps the speed; Pause stops after the drawing, so the quarter on screen is the model's.
        if not playing.value:
            return
        period = 1.0 / speed.value
        start, done = time.monotonic(), 0
        for _ in range(100_000):
            if cancel.is_set() or not playing.value:
                return
            owed = 1 + int((time.monotonic() - start) / period) - done
            for _ in range(max(1, min(owed, CATCH_UP))):
                if (
                    cancel.is_set() or not playing.value
                ):  # Pause takes effect before the next quarter, never after it
                    break
                if not step_room(r, view.value == 1):
                    break
                done += 1
            tick.set(tick.value + 1)
            if (
                not r.a.running
            ):  # the last quarter: stop here, so Extend does not find Play still on
                playing.set(False)
                return
            wait = start + done * period - time.monotonic()
            if wait > 0:
                cancel.wait(wait)

    solara.use_thread(
        play_loop,
        dependencies=[playing.value, speed.value, r.serial],
        intrusive_cancel=False,
    )

    def reset() -> None:
        playing.set(False)
        room.set(build_classroom(base, pending.value, compare.value, replication.value))
        tick.set(0)

    def step() -> None:
        if step_room(r, view.value == 1):
            tick.set(tick.value + 1)

    def extend() -> None:
        extend_room(r)
        tick.set(tick.value + 1)

    solara.Style(CSS)
    solara.Title(t("title", lang))
    changed = (
        pending.value != r.levers_a
        or compare.value != r.contrast.key
        or replication.value != r.replication
    )
    with solara.Div(
        classes=["km-root"] + (["km-big"] if big.value else []),
        style={"padding": "4px 8px"},
    ):
        with solara.Div(classes=["km-bar"]):
            Clock(r, lang, tick.value)
            solara.Button(
                t("btn_reset", lang),
                on_click=reset,
                color="primary" if changed else None,
                outlined=not changed,
            )
            RunButtons(r, lang, tick.value, playing, step, extend)
            speeds = [t("per_second", lang, n=n) for n in SPEEDS]
            solara.ToggleButtonsSingle(
                value=speeds[SPEEDS.index(speed.value)],
                values=speeds,
                on_value=lambda v: speed.set(SPEEDS[speeds.index(v)]),
                classes=["kemitraan-speed"],
            )
            views = [t("tab_live", lang), t("tab_compare", lang)]
            solara.ToggleButtonsSingle(
                value=views[view.value],
                values=views,
                on_value=lambda v: view.set(views.index(v)),
                classes=["kemitraan-views"],
            )
            solara.Checkbox(label=t("large_text", lang), value=big)
            solara.Checkbox(label=t("show_levers", lang), value=panel)
        LeversLine(r, lang, tick.value, t("pending", lang) if changed else "")
        with solara.Div(classes=["km-body"]):
            if panel.value:
                LeverPanel(
                    pending,
                    compare,
                    replication,
                    lang,
                    r.levers_a,
                    r.contrast.key,
                    r.replication,
                )
            with solara.Div(classes=["km-main"]):
                WorldView(r, lang, big.value, view.value == 1, tick.value)


# The parts of the bar that change every quarter. The page passes its quarter count ``tick`` (it
# reads it once, so a quarter is one render pass: components that read it themselves would each
# start a pass of their own, which measured four times slower).


@solara.component
def Clock(room: Classroom, lang: str, tick: int):
    """The time of the worlds: "end of 2020 Q2 · step 6 of 64"."""
    with solara.Div(classes=["kemitraan-time", "km-time"]):
        solara.Text(
            t(
                "time",
                lang,
                quarter=time_text(room.a, lang),
                step=room.quarter,
                steps=room.horizon,
            )
        )


@solara.component
def RunButtons(
    room: Classroom,
    lang: str,
    tick: int,
    playing: solara.Reactive,
    step: Callable[[], None],
    extend: Callable[[], None],
):
    """Step, Play or Pause, and Extend at the end of a run (Step and Play give way to it)."""
    over = not room.a.running
    with solara.Div(style={"display": "flex", "gap": "10px", "align-items": "center"}):
        solara.Button(
            t("btn_step", lang), on_click=step, disabled=playing.value or over
        )
        if playing.value:
            solara.Button(
                t("btn_pause", lang),
                on_click=lambda: playing.set(False),
                color="warning",
            )
        else:
            solara.Button(
                t("btn_play", lang),
                on_click=lambda: playing.set(True),
                disabled=over,
                color="success",
            )
        if over:
            solara.Button(t("btn_extend", lang), on_click=extend, color="primary")


@solara.component
def LeversLine(room: Classroom, lang: str, tick: int, note: str):
    """World A's levers in force in one line, after a note when the run is over or a lever waits for Reset."""
    name = t("builtin", lang) if room.base.source == "<defaults>" else room.base.name
    end_note = (
        "" if room.a.running else t("run_over", lang, year=time_text(room.a, lang))
    )
    solara.HTML(
        tag="div",
        classes=["kemitraan-levers", "km-levers-line"],
        unsafe_innerHTML=(
            f"<span class='km-note'>{end_note}{' ' if end_note else ''}{note}</span>"
            f"<b>{t('levers_a', lang)}:</b> {levers_text(room.levers_a, lang, room.replication)} · {t('scenario_is', lang, name=name)}"
        ),
    )


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


def server_command(host: str, port: int, target: str = "sim.app:page") -> list[str]:
    """The solara command that serves ``target`` (production mode: no code reloading, no browser opened)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        target,
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
        "--production",
    ]


def server_env(
    scenario: str | None, lang: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of the server: scenario and language for the page, solara's telemetry and badge off."""
    env = dict(os.environ)
    env[SCENARIO_ENV] = str(Path(scenario).resolve()) if scenario else ""
    env["KEMITRAAN_LANG"] = lang
    env.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    env["SOLARA_THEME_SHOW_BANNER"] = (
        "False"  # solara's corner badge would cover the scoreboard
    )
    env.update(extra or {})
    return env


def port_in_use(host: str, port: int) -> bool:
    """Whether ``port`` on ``host`` is taken (something listens, or binding it fails)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def wait_for_port(
    host: str, port: int, timeout: float, alive: Callable[[], bool] = lambda: True
) -> bool:
    """Whether something accepts connections on host:port within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with socket.create_connection(
                (host if host not in ("0.0.0.0", "::") else "127.0.0.1", port),  # noqa: S104 - a comparison, not a binding
                timeout=1.0,
            ):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def serve(
    scenario: str | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    lang: str = "en",
    out=sys.stdout,
    err=sys.stderr,
    target: str = "sim.app:page",
    extra_env: dict[str, str] | None = None,
    what: str = "Kemitraan classroom",
    ready_lines: Callable[[str], list[str]] | None = None,
) -> int:
    """Serve a page until interrupted; prints its address. Returns the server's exit status (2: the port is taken).

    Listens on 127.0.0.1 unless ``host`` says otherwise; any other host gets a warning,
    because everyone who can reach it can open the page and run the model. A port already
    in use is refused with a one-line error before anything starts.
    """
    if host not in LOCAL_HOSTS:
        print(
            f"kemitraan: warning: serving on {host}, not only on this computer: anyone who can reach it on port "
            f"{port or '(chosen)'} can open the page and run the model. Use this only on a trusted classroom network.",
            file=err,
        )
    probe = host if host not in ("0.0.0.0", "::") else "127.0.0.1"  # noqa: S104 - a comparison, not a binding
    if port and port_in_use(host, port):
        print(
            f"kemitraan: error: --port {port}: already in use on {host} (another kemitraan viz or classroom?); "
            f"allowed: a free port, or --port 0 to pick one",
            file=err,
        )
        return 2
    port = port or free_port(probe)
    if not assets_cached():
        print(
            "kemitraan: note: the page's front-end files are not cached yet; the first load fetches them from the internet "
            "(run `kemitraan viz --fetch-assets` once to prepare a classroom without internet)",
            file=err,
        )
    proc = subprocess.Popen(
        server_command(host, port, target),
        env=server_env(scenario, lang, extra_env),
        stdin=subprocess.DEVNULL,
    )
    print(
        f"{what} ({lang}): {url_for(host, port)}  (Ctrl+C to stop)",
        file=out,
        flush=True,
    )

    def stop(signum, frame):  # a plain kill of this process stops the server too
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, stop)
    try:
        if (
            wait_for_port(host, port, 120.0, alive=lambda: proc.poll() is None)
            and proc.poll() is None
        ):
            shown = (
                url_for("127.0.0.1", port)
                if host in ("0.0.0.0", "::")  # noqa: S104 - a comparison, not a binding
                else url_for(host, port)
            )
            if ready_lines is not None:
                for line in ready_lines(shown):
                    print(line, file=out, flush=True)
            elif host in ("0.0.0.0", "::"):  # noqa: S104 - a comparison, not a binding
                print(
                    f"Ready: open {shown} here, or http://<this computer's address>:{port}/ on other devices",
                    file=out,
                    flush=True,
                )
            else:
                print(f"Ready: open {shown} in a browser", file=out, flush=True)
        elif proc.poll() is not None:
            print(
                f"kemitraan: error: the page's server stopped before it was ready (exit status {proc.returncode})",
                file=err,
            )
            return proc.returncode or 1
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

    sources = [
        Path(solara.server.__file__).parent / "templates" / "solara.html.j2",
        Path(solara.components.__file__).parent / "markdown.py",
    ]
    pattern = r"(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\})/((?:@[\w.-]+/)?[\w.-]+)@(\d[\w.-]*)/"
    found = [
        m
        for src in sources
        if src.is_file()
        for m in re.findall(pattern, src.read_text(encoding="utf-8"))
    ]
    fa = re.match(
        r"/?((?:@[\w.-]+/)?[\w.-]+)@(\d[\w.-]*)/", settings.assets.fontawesome_path
    )
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
        return all(
            (root / f"{name}@{version}" / "package.json").is_file()
            for name, version in cdn_packages()
        )
    except Exception:  # a check only; serving still works with the internet
        return False


def fetch_assets(log=print) -> Path:
    """Put the page's front-end files into solara's cache with npm (``npm pack``), so the page loads offline.

    Packages already cached are skipped. Raises RuntimeError when npm is missing or fails.
    """
    root = assets_dir()
    missing = [
        (n, v)
        for n, v in cdn_packages()
        if not (root / f"{n}@{v}" / "package.json").is_file()
    ]
    if not missing:
        log(f"Front-end files already cached in {root}")
        return root
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            "npm is not installed; install it (e.g. apt-get install npm), or open the page once with internet access"
        )
    with tempfile.TemporaryDirectory() as tmp:
        for name, version in missing:
            spec = f"{name}@{version}"
            done = subprocess.run(
                [npm, "pack", "--silent", spec],
                cwd=tmp,
                capture_output=True,
                text=True,
                stdin=subprocess.DEVNULL,
                check=False,  # a failure is reported below with npm's own message
            )
            lines = done.stdout.strip().splitlines()
            if done.returncode != 0 or not lines:
                raise RuntimeError(
                    f"npm pack {spec} failed: {done.stderr.strip()[-400:]}"
                )
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
