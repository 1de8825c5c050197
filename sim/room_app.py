"""The participatory room's pages: the trainer's projector and the participants' phones.

``kemitraan classroom`` serves these routes (``solara run sim.room_app``):

- ``/trainer?key=...``: the projector. The join code and address, the shared world's network
  with the participants' components ringed and named, the national index of the played world
  against the same seed without the class (:attr:`sim.teaching.room.Room.shadow`), the
  difference the class made, the participants and their choices; Step, Play/Pause, "advance
  when everyone has decided", show the world without the class, restart the same seed.
- ``/`` (and ``/join``): a participant gives the code and a name, is given a component, and each
  quarter chooses its money, labour and whether it accepts offers.

One :class:`~sim.teaching.room.Room` lives in the server process and every browser session
shares it; a page notices changes by polling the room's ``version`` four times a second.
The trainer's key (``KEMITRAAN_TRAINER_KEY``) keeps participants away from the controls.
"""

from __future__ import annotations

import os
import threading

import solara

from sim import app
from sim.teaching.classroom import network_layout
from sim.teaching.demo import time_text
from sim.teaching.labels import choice_label, lang_from_env, number, t
from sim.teaching.room import (
    LABOUR_LEVELS,
    MONEY_LEVELS,
    Choice,
    Room,
    RoomError,
    contribution,
)
from sim.teaching.svg import Player, legend_html, network_svg

CODE_ENV = "KEMITRAAN_ROOM_CODE"
KEY_ENV = "KEMITRAAN_TRAINER_KEY"
POLL = 0.25  # seconds between checks for changes made by other sessions
ROOM_SPEEDS = (0.5, 1, 2, 4)

_ROOM: Room | None = None
_LAYOUT = None
_LOCK = threading.Lock()


def the_room() -> Room:
    """The server's one room (built on first use from the environment's scenario and code)."""
    # One room per server process, shared by every page the server renders.
    global _ROOM, _LAYOUT  # noqa: PLW0603 - the server's single room, built once under _LOCK
    with _LOCK:
        if _ROOM is None:
            _ROOM = Room(app.base_scenario(), code=os.environ.get(CODE_ENV) or None)
            _LAYOUT = network_layout(_ROOM.world)
        return _ROOM


def use_room_version(room: Room) -> int:
    """Re-render this session's page whenever the room changes (polled; stops with the page)."""
    version = solara.use_reactive(room.version)

    def watch(cancel: threading.Event) -> None:
        for _ in range(10_000_000):
            if cancel.wait(POLL):
                return
            if room.version != version.value:
                version.set(room.version)

    solara.use_thread(watch, dependencies=[], intrusive_cancel=False)
    return version.value


def _query(router) -> dict[str, str]:
    out = {}
    for part in (router.search or "").split("&"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k] = v
    return out


def component_text(room: Room, row: int, lang: str) -> str:
    """A component's kind and region in words, e.g. "Kelompok masyarakat di W3"."""
    return t(
        "room_component",
        lang,
        kind=choice_label("kind", room.kind_of(row), lang),
        region=t("region", lang, n=room.region_of(row) + 1),
    )


def choice_text(c: Choice, lang: str) -> str:
    """A participant's choice in a few words."""
    return t(
        "room_choice_line",
        lang,
        money=c.money,
        labour=c.labour,
        accept=t("yes" if c.accept else "no", lang),
    )


# --- the projector ---------------------------------------------------------------------------


@solara.component
def Trainer(lang: str):
    """The trainer's projector page."""
    room = the_room()
    use_room_version(room)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(1.0)
    wait_all = solara.use_reactive(True)
    show_shadow = solara.use_reactive(False)
    big = solara.use_reactive(False)

    def loop(cancel: threading.Event) -> None:
        if not playing.value:
            return
        for _ in range(100_000):
            if cancel.is_set() or not playing.value:
                return
            if (
                not wait_all.value or room.all_decided or not room.participants
            ) and not room.step():
                playing.set(False)
                room.set_paused(True)
                return
            if cancel.wait(1.0 / speed.value):
                return

    solara.use_thread(
        loop,
        dependencies=[playing.value, speed.value, wait_all.value],
        intrusive_cancel=False,
    )

    def set_playing(on: bool) -> None:
        playing.set(on)
        room.set_paused(not on)

    def restart() -> None:
        set_playing(False)
        room.restart()

    scale = app.BIG if big.value else 1.0
    world = room.shadow if show_shadow.value else room.world
    with room.lock:
        players = [Player(p.row, p.name) for p in room.participants.values()]
        assert _LAYOUT is not None  # drawn with the room, in the_room()
        net = network_svg(
            world, _LAYOUT, lang, scale=scale, players=players, title=t("network", lang)
        )
        chart = app.index_chart(
            [room.world, room.shadow],
            [t("room_with", lang), t("room_without", lang)],
            ["A", "C"],
            lang,
            scale,
        )
        diff = room.difference()
        people = list(room.participants.values())
        rows = []
        for p in people:
            mine = room.partnerships_of(p.row)
            ok = "✓" if p.decided >= room.quarter else "…"
            rows.append(
                f"<tr><td><b>{p.name}</b></td><td>{component_text(room, p.row, lang)}</td><td>{len(mine)}</td>"
                f"<td>{choice_text(p.choice, lang)}</td><td>{ok}</td></tr>"
            )
        quarter = time_text(room.world, lang)
    head = [
        t("room_name", lang),
        t("room_component_h", lang),
        t("room_partnerships", lang),
        t("room_choice", lang),
        t("room_decided", lang),
    ]
    table = (
        "<table class='km-score kemitraan-participants'><tr>"
        + "".join(f"<th>{h}</th>" for h in head)
        + "</tr>"
        + "".join(rows)
        + "</table>"
    )
    digits = 2 if room.world.method == "ipm" else 3
    diff_text = t(
        "room_difference",
        lang,
        index=("+" if diff["index"] >= 0 else "")
        + number(diff["index"], digits + 1, lang),
        active=("+" if diff["active_partnerships"] >= 0 else "")
        + number(diff["active_partnerships"], 0, lang),
        formed=("+" if diff["formed"] >= 0 else "") + number(diff["formed"], 0, lang),
    )
    solara.Style(app.CSS)
    solara.Title(t("room_title", lang))
    with solara.Div(
        classes=["km-root"] + (["km-big"] if big.value else []),
        style={"padding": "4px 8px"},
    ):
        with solara.Div(classes=["km-bar"]):
            solara.HTML(
                tag="div",
                classes=["km-time", "kemitraan-room-code"],
                unsafe_innerHTML=f"{t('room_code', lang)}: <span style='letter-spacing:.12em'>{room.code}</span>",
            )
            solara.HTML(
                tag="div",
                classes=["kemitraan-time"],
                unsafe_innerHTML=f"<b>{quarter}</b> · {t('room_people', lang, n=len(people))}",
            )
            solara.Button(
                t("btn_step", lang),
                on_click=room.step,
                disabled=playing.value or not room.running,
            )
            if playing.value:
                solara.Button(
                    t("btn_pause", lang),
                    on_click=lambda: set_playing(False),
                    color="warning",
                )
            else:
                solara.Button(
                    t("btn_play", lang),
                    on_click=lambda: set_playing(True),
                    disabled=not room.running,
                    color="success",
                )
            if not room.running:
                solara.Button(
                    t("btn_extend", lang), on_click=room.extend, color="primary"
                )
            speeds = [
                t("per_second", lang, n=number(s, 1 if s < 1 else 0, lang))
                for s in ROOM_SPEEDS
            ]
            solara.ToggleButtonsSingle(
                value=speeds[ROOM_SPEEDS.index(speed.value)],
                values=speeds,
                on_value=lambda v: speed.set(ROOM_SPEEDS[speeds.index(v)]),
            )
            solara.Checkbox(label=t("room_wait_all", lang), value=wait_all)
            solara.Checkbox(label=t("room_show_without", lang), value=show_shadow)
            solara.Checkbox(label=t("large_text", lang), value=big)
            solara.Button(
                t("room_restart", lang),
                on_click=restart,
                outlined=True,
            )
        solara.HTML(
            tag="div",
            classes=["kemitraan-difference"],
            unsafe_innerHTML=f"<b>{diff_text}</b> · {t('room_join_at', lang)}",
        )
        with solara.Div(classes=["km-row"]):
            with solara.Div(
                classes=["km-net"],
                style={"display": "flex", "flex-direction": "column"},
            ):
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=f"<b>{t('room_without', lang) if show_shadow.value else t('room_with', lang)}</b>",
                )
                app.Svg(net, classes=["kemitraan-network", "km-fill"])
            with solara.Div(classes=["km-charts"]):
                app.Svg(chart, classes=["km-index", "kemitraan-index"])
                solara.HTML(tag="div", unsafe_innerHTML=table)
        solara.HTML(tag="div", unsafe_innerHTML=legend_html(lang))


# --- a participant ------------------------------------------------------------------------------


@solara.component
def Participant(lang: str):
    """A participant's page: join, then decide each quarter."""
    room = the_room()
    use_room_version(room)
    pid = solara.use_reactive("")
    code = solara.use_reactive("")
    name = solara.use_reactive("")
    error = solara.use_reactive("")
    money = solara.use_reactive(100)
    labour = solara.use_reactive(100)
    accept = solara.use_reactive(True)
    solara.Style(app.CSS)
    solara.Title(t("room_title", lang))

    def join() -> None:
        try:
            person = room.join(code.value, name.value)
        except RoomError as exc:
            error.set(t("room_error", lang, why=t("room_err_" + _why(str(exc)), lang)))
            return
        error.set("")
        pid.set(person.pid)

    with solara.Div(
        classes=["km-root", "kemitraan-participant"],
        style={"padding": "8px", "max-width": "560px"},
    ):
        if not pid.value or pid.value not in room.participants:
            solara.HTML(tag="h3", unsafe_innerHTML=t("room_join_title", lang))
            solara.InputText(t("room_code", lang), value=code, continuous_update=True)
            solara.InputText(t("room_name", lang), value=name, continuous_update=True)
            solara.Button(
                t("room_join", lang),
                on_click=join,
                color="primary",
                classes=["kemitraan-join"],
            )
            if error.value:
                solara.Error(error.value)
            return
        with room.lock:
            person = room.participants[pid.value]
            mine = room.partnerships_of(person.row)
            quarter = time_text(room.world, lang)
            usual_money, usual_labour = contribution(room.world, person.row)
            decided = person.decided >= room.quarter
            index = number(room.world.national_index, 2, lang)
        solara.HTML(
            tag="div",
            classes=["kemitraan-me"],
            unsafe_innerHTML=(
                f"<b>{person.name}</b> · {component_text(room, person.row, lang)}<br>"
                f"<span class='km-time'>{quarter}</span> · IPM {index}<br>"
                f"{t('room_my_partnerships', lang, n=len(mine))}"
                + "".join(
                    f"<br>– {t('room_partnership_line', lang, activity=t('activity_' + m['activity'], lang), n=len(m['with']))}"
                    for m in mine
                )
                + f"<br>{t('room_usual', lang, money=number(usual_money, 1, lang), labour=number(usual_labour, 1, lang))}"
            ),
        )
        solara.HTML(tag="div", unsafe_innerHTML=f"<b>{t('room_decide_for', lang)}</b>")
        solara.ToggleButtonsSingle(
            value=money.value,
            values=list(MONEY_LEVELS),
            on_value=money.set,
            classes=["kemitraan-money"],
        )
        solara.HTML(tag="div", unsafe_innerHTML=t("room_money", lang, v=money.value))
        solara.ToggleButtonsSingle(
            value=labour.value,
            values=list(LABOUR_LEVELS),
            on_value=labour.set,
            classes=["kemitraan-labour"],
        )
        solara.HTML(tag="div", unsafe_innerHTML=t("room_labour", lang, v=labour.value))
        solara.Checkbox(label=t("room_accept", lang), value=accept)
        solara.Button(
            t("room_send", lang),
            color="success",
            classes=["kemitraan-decide"],
            on_click=lambda: room.decide(
                pid.value,
                Choice(int(money.value), int(labour.value), bool(accept.value)),
            ),
        )
        solara.HTML(
            tag="div",
            classes=["kemitraan-status"],
            unsafe_innerHTML=t("room_waiting", lang)
            if decided
            else t("room_not_yet", lang),
        )


def _why(message: str) -> str:
    return {
        "wrong join code": "code",
        "a name is needed": "name",
        "the room is full": "full",
    }.get(message, "code")


@solara.component
def TrainerGate():
    """The projector, only with the trainer's key in the address."""
    router = solara.use_router()
    lang = lang_from_env()
    key = os.environ.get(KEY_ENV, "")
    if key and _query(router).get("key") != key:
        solara.Error(t("room_need_key", lang))
        return
    Trainer(lang)


@solara.component
def JoinPage():
    """A participant's page in the server's language."""
    Participant(lang_from_env())


@solara.component
def Layout(children=[]):  # noqa: B006 - solara's signature for a module's layout
    """No app bar and no tabs: a participant must not see the trainer's route, and the projector needs the height."""
    solara.Column(children=children, style={"padding": "0"})


# The "/" route's layout wraps its siblings too (solara's routing): no app bar, no tabs.
routes = [
    solara.Route(path="/", component=JoinPage, layout=Layout),
    solara.Route(path="join", component=JoinPage),
    solara.Route(path="trainer", component=TrainerGate),
]
