"""The teaching app (sim.app) and its classroom (sim.teaching.classroom), without a browser.

As Mesa tests its own example apps, the page is rendered with ``solara.render`` inside
solara's AppLayout (where Mesa's sidebar lives), its Step, Reset and view buttons are
clicked, and what it shows is read back from the widgets.
"""

from __future__ import annotations

import io
import re
import socket

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara

from sim import app
from sim.cli import main
from sim.scenario import defaults
from sim.teaching import labels
from sim.teaching.classroom import (
    CONTRASTS,
    DEMOS,
    Classroom,
    Levers,
    funding_cut_events,
    network_layout,
    scaled_population,
    scenario_for,
)
from tests.conftest import small_scenario


def render(element):
    """Render a page the way solara-server does, in an AppLayout, and return its render context."""
    _, rc = solara.render(solara.AppLayout(children=[element]), handle_error=False)
    return rc


def texts(rc) -> str:
    """Every piece of text and markup on the page, in order (labels, values, HTML, SVG)."""
    out: list[str] = []

    def walk(w) -> None:
        for attr in ("label", "v_model", "unsafe_innerHTML", "template"):
            value = getattr(w, attr, None)
            if isinstance(value, str):
                out.append(value)
        for child in getattr(w, "children", None) or []:
            if isinstance(child, str):
                out.append(child)
            elif isinstance(child, ipywidgets.Widget):
                walk(child)

    walk(rc.container)
    return " ".join(out)


def clock(rc) -> str:
    """The time line at the top of the page."""
    found = re.findall(
        r"((?:start of|end of|awal|Triwulan)[^<>\n]*?· (?:step|langkah) \d+ (?:of|dari) \d+)",
        texts(rc),
    )
    assert found, "no time line on the page"
    return found[0]


def pictures(rc) -> list[str]:
    """The SVG markup of the page's pictures (networks and charts), in order."""
    return re.findall(r"<svg.*?</svg>", texts(rc), flags=re.S)


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).widget.click()


def show_side_by_side(rc, lang: str = "en") -> None:
    """Choose the second view, as a click on its toggle button does in the browser."""
    views = [labels.t("tab_live", lang), labels.t("tab_compare", lang)]
    toggle = next(w for w in rc.find(v.BtnToggle).widgets if w.v_model in views)
    toggle.v_model = views[1]


# --- the page ------------------------------------------------------------------------------


def test_app_page_builds_and_steps_through_its_controls():
    """The module-level page (the baseline) renders, steps, and redraws network and charts as SVG."""
    rc = render(app.page)
    assert clock(rc) == "start of 2019 · step 0 of 64"
    first = pictures(rc)
    assert len(first) == 5, (
        "the one-world view shows a network, the index chart and three small charts"
    )
    click(rc, "Step")
    click(rc, "Step")
    assert clock(rc) == "end of 2019 Q2 · step 2 of 64"
    after = pictures(rc)
    assert after[0] != first[0], "the network did not change after two steps"
    assert after[1] != first[1], "the index chart did not change after two steps"
    assert not rc.find(ipywidgets.Image).widgets, "pictures are live SVG, not images"
    # The side-by-side view: both worlds' networks and the overlaid charts.
    show_side_by_side(rc)
    assert len(pictures(rc)) == 6
    text = texts(rc)
    assert "gotong-royong off" in text and "same seed" in text
    before = pictures(rc)
    click(rc, "Step")
    assert clock(rc) == "end of 2019 Q3 · step 3 of 64"
    assert all(a != b for a, b in zip(before[:3], pictures(rc)[:3], strict=True))


def test_changing_a_lever_shows_at_once_and_reset_rebuilds_both_worlds():
    rc = render(app.KemitraanPage(base=small_scenario(), lang="en"))
    assert "gotong-royong on" in texts(rc)
    box = rc.find(v.Checkbox, label=labels.t("gotong_royong")).widget
    box.v_model = False
    assert "Changed, not yet in force" in texts(rc), (
        "a changed lever is not marked before Reset"
    )
    slider = rc.find(v.Slider, label="Public funding %: 100%").widget
    slider.v_model = 150
    assert rc.find(v.Slider, label="Public funding %: 150% *").widgets, (
        "the slider's new value is not shown"
    )
    compare = rc.find(v.Select, label=labels.t("compare")).widget
    compare.v_model = labels.choice_label("compare", "reward_performance")
    click(rc, "Step")
    click(rc, "Reset")
    assert clock(rc) == "start of 2019 · step 0 of 16"
    text = texts(rc)
    assert "gotong-royong off" in text and "public funding 150%" in text, (
        "world A's levers line does not show the new values"
    )
    assert "Changed, not yet in force" not in text
    show_side_by_side(rc)
    assert "reward: performance-based grants" in texts(rc)


def test_the_end_of_a_run_offers_to_extend_it():
    rc = render(app.KemitraanPage(base=small_scenario(), lang="en"))
    for _ in range(16):
        click(rc, "Step")
    assert clock(rc) == "end of 2022 Q4 · step 16 of 16"
    assert rc.find(v.Btn, children=["Step"]).widget.disabled
    assert "The run has reached its end" in texts(rc)
    click(rc, "Extend 5 years")
    assert not rc.find(v.Btn, children=["Step"]).widget.disabled
    click(rc, "Step")
    assert clock(rc) == "end of 2023 Q1 · step 17 of 36"


def test_play_stops_at_the_end_while_world_b_waits():
    """In the one-world view only world A is stepped; Play must still stop when A's run ends."""
    import time

    rc = render(app.KemitraanPage(base=small_scenario(), lang="en"))
    click(rc, "8 quarters/s")
    click(rc, "Play")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not rc.find(v.Btn, children=["Play"]):
        time.sleep(0.1)
    while time.monotonic() < deadline and "step 16 of 16" not in clock(rc):
        time.sleep(0.1)
    assert clock(rc) == "end of 2022 Q4 · step 16 of 16"
    while time.monotonic() < deadline and not rc.find(v.Btn, children=["Play"]):
        time.sleep(0.1)
    assert rc.find(v.Btn, children=["Play"]).widget.disabled, (
        "Play went on after the end"
    )
    click(rc, "Extend 5 years")
    assert not rc.find(v.Btn, children=["Step"]).widget.disabled
    click(rc, "Step")
    assert clock(rc) == "end of 2023 Q1 · step 17 of 36"


def test_world_b_stepped_later_is_the_same_world():
    together, later = Classroom(small_scenario()), Classroom(small_scenario())
    for _ in range(3):
        together.step()
        later.step_a()
    assert later.a.steps == 3 and later.b.steps == 0
    assert later.catch_up() == 3
    for w1, w2 in zip(together.worlds, later.worlds, strict=True):
        assert w1.timeseries().equals(w2.timeseries())
    later.step()  # a step of both catches B up first
    assert later.a.steps == later.b.steps == 4


def test_page_in_bahasa_indonesia():
    rc = render(app.KemitraanPage(base=small_scenario(), lang="id"))
    assert clock(rc) == "awal 2019 · langkah 0 dari 16"
    text = texts(rc)
    assert "kemitraan" in text and "gotong-royong ada" in text
    assert (
        rc.find(v.Select, label=labels.t("reward_scheme", "id")).widget.v_model
        == "tidak ada"
    )
    buttons = {
        w.children[0]
        for w in rc.find(v.Btn).widgets
        if w.children and isinstance(w.children[0], str)
    }
    assert {"Ulang", "Maju", "Jalankan"} <= buttons and not {
        "Reset",
        "Step",
        "Play",
    } & buttons
    click(rc, "Maju")
    assert clock(rc) == "Triwulan I 2019 · langkah 1 dari 16"
    show_side_by_side(rc, "id")
    text = texts(rc)
    assert "benih acak" not in text and "undian peluang yang sama" in text
    assert "IPM saat ini" in text and "selama simulasi" in text
    cells = re.sub(
        r"<[^>]*>", " ", " ".join(re.findall(r"<table.*?</table>", text, flags=re.S))
    )
    assert re.search(r"\d,\d", cells) and not re.search(r"\d\.\d", cells), (
        "one number format: decimal commas in Bahasa Indonesia"
    )


def test_levers_build_the_classroom_they_show():
    base = defaults()
    room = app.build_classroom(base, Levers.from_scenario(base), "gotong_royong_off", 0)
    assert room.levers_a == Levers.from_scenario(base)
    assert room.contrast.key == "gotong_royong_off"
    changed = app.build_classroom(
        base,
        Levers.from_scenario(base).replace(agents=300, regulation="supportive"),
        "funding_cut",
        2,
    )
    assert (
        changed.levers_a.agents == 300
        and changed.replication == 2
        and changed.contrast.key == "funding_cut"
    )


# --- serving ---------------------------------------------------------------------------------


class FakeServer:
    """Stands in for the solara process: exits at once."""

    instances: list[FakeServer] = []

    def __init__(self, cmd, env, stdin):
        self.cmd, self.env = cmd, env
        FakeServer.instances.append(self)

    returncode = 0

    def poll(self):
        return None  # running

    def wait(self, timeout=None):
        return 0


@pytest.mark.parametrize(("host", "warned"), [("127.0.0.1", False), ("0.0.0.0", True)])
def test_serve_listens_locally_unless_asked_and_warns(monkeypatch, host, warned):
    monkeypatch.setattr(app.subprocess, "Popen", FakeServer)
    monkeypatch.setattr(app, "wait_for_port", lambda *a, **k: True)
    monkeypatch.setattr(app, "port_in_use", lambda *a: False)
    out, err = io.StringIO(), io.StringIO()
    assert (
        app.serve(
            "scenarios/baseline.toml", host=host, port=8123, lang="id", out=out, err=err
        )
        == 0
    )
    server = FakeServer.instances[-1]
    assert server.cmd[server.cmd.index("--host") + 1] == host
    assert server.cmd[server.cmd.index("--port") + 1] == "8123"
    assert "sim.app:page" in server.cmd
    assert server.env["KEMITRAAN_LANG"] == "id"
    assert server.env[app.SCENARIO_ENV].endswith("scenarios/baseline.toml")
    assert f"http://{host}:8123/" in out.getvalue()
    assert ("warning" in err.getvalue()) is warned
    assert "Ready" in out.getvalue()
    assert server.env["SOLARA_THEME_SHOW_BANNER"] == "False"


def test_a_busy_port_is_refused_before_anything_starts(monkeypatch):
    """A second viz on a taken port: one error line, exit status 2, no server started and no "Ready"."""
    started = []
    monkeypatch.setattr(app.subprocess, "Popen", lambda *a, **k: started.append(a))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        assert app.serve(None, port=port, out=out, err=err) == 2
    assert not started and "Ready" not in out.getvalue()
    assert (
        err.getvalue().startswith(f"kemitraan: error: --port {port}: already in use")
        and err.getvalue().count("\n") == 1
    )


def test_viz_command_defaults_to_localhost_and_rejects_a_bad_scenario(
    monkeypatch, tmp_path, capsys
):
    calls = []
    monkeypatch.setattr(
        app,
        "serve",
        lambda scenario, host, port, lang, **kw: (
            calls.append((scenario, host, port, lang)) or 0
        ),
    )
    assert main(["viz"]) == 0
    assert calls[-1] == (None, "127.0.0.1", 8765, "en")
    assert (
        main(["viz", "scenarios/no_gotong_royong.toml", "--lang", "id", "--port", "0"])
        == 0
    )
    assert calls[-1] == ("scenarios/no_gotong_royong.toml", "127.0.0.1", 0, "id")
    bad = tmp_path / "bad.toml"
    bad.write_text("[rewards]\nscheme = 'lottery'\n")
    assert main(["viz", str(bad)]) == 2
    assert "rewards.scheme" in capsys.readouterr().err
    assert len(calls) == 2


def test_the_page_template_packages_are_known():
    names = dict(app.cdn_packages())
    assert "requirejs" in names and any("solara-vuetify" in n for n in names)


# --- the classroom ----------------------------------------------------------------------------


def test_both_worlds_share_seed_and_start_identical():
    room = Classroom(small_scenario(), replication=3)
    assert room.same_seed and room.a.replication == room.b.replication == 3
    assert room.a.root_seed == room.b.root_seed
    for name in ("kind", "region", "vision", "endowment", "funds", "capacity"):
        assert np.array_equal(
            getattr(room.a.community, name), getattr(room.b.community, name)
        ), name
    assert np.array_equal(room.a.ties.keys, room.b.ties.keys)
    assert room.levers_b == room.levers_a.replace(gotong_royong=False)
    assert not room.identical


def test_a_contrast_that_changes_nothing_gives_identical_worlds():
    """Same seed, same levers: the two worlds run step for step the same (the gap is only ever the lever's)."""
    room = Classroom(small_scenario(), compare="gotong_royong_on")
    assert room.identical
    for _ in range(6):
        room.step()
    a, b = room.a.timeseries(), room.b.timeseries()
    assert a.equals(b)


def test_the_lever_makes_the_difference():
    room = Classroom(small_scenario())
    for _ in range(8):
        room.step()
    assert room.quarter == 8 and room.year == 2021.0
    a, b = room.a.timeseries(), room.b.timeseries()
    assert b["spend_volunteer_labour"].sum() == 0.0 < a["spend_volunteer_labour"].sum()
    assert b["active_partnerships"].iloc[-1] < a["active_partnerships"].iloc[-1]


def test_every_contrast_builds_a_world_b():
    base = small_scenario()
    for key, contrast in CONTRASTS.items():
        room = Classroom(base, compare=labels.choice_label("compare", key, "id"))
        assert room.contrast is contrast
        assert room.same_seed
    cut = Classroom(base, compare="funding_cut")
    assert [e.key for e in cut.b_only_events()] == ["funding.public_scale"]
    assert cut.b_only_events()[0].year == 2020.0  # a quarter into a 4-year run
    assert funding_cut_events(defaults())[0].year == 2023.0
    alone = Classroom(base, compare="government_alone")
    assert alone.b.params["formation"]["enabled"] is False
    high = Classroom(base, compare="capacity_high", capacity_building=150.0)
    assert high.levers_b.capacity_building == 450.0


def test_levers_become_scenario_parameters():
    base = defaults()
    lv = Levers.from_scenario(base).replace(
        reward_scheme="tournament",
        public_funding=150.0,
        trust_fund=0.8,
        regulation="restrictive",
        gotong_royong=False,
        information_system=0.5,
        capacity_building=400.0,
        agents=300,
    )
    s = scenario_for(base, lv)
    assert s.get("rewards.scheme") == "tournament"
    assert s.get("funding.public_scale") == pytest.approx(1.5)
    assert s.get("funding.trust_fund_share") == 0.8
    assert s.get("regulation.transaction_cost") == 20.0
    assert s.get("gotong_royong.enabled") is False
    assert s.get("network.information_system") == 0.5
    assert s.get("capacity.budget") == 400.0
    assert sum(scaled_population(base, 300).values()) == 300
    assert scenario_for(base, Levers.from_scenario(base)).values == base.values


def test_layout_is_deterministic_and_separates_regions():
    room = Classroom(small_scenario())
    again = network_layout(room.a)
    assert np.array_equal(room.layout.xy, again.xy)
    lay = room.layout
    for g in range(lay.centres.shape[0]):
        inside = np.hypot(*(lay.xy[room.a.community.region == g] - lay.centres[g]).T)
        assert inside.max() <= lay.radii[g]
    d = np.hypot(
        *(lay.centres[:, None, :] - lay.centres[None, :, :]).transpose(2, 0, 1)
    )
    np.fill_diagonal(d, np.inf)
    assert (d >= (lay.radii[:, None] + lay.radii[None, :])).all(), (
        "region discs overlap"
    )


# --- labels ------------------------------------------------------------------------------------


def test_every_label_exists_in_both_languages():
    for key, texts in labels.TEXT.items():
        assert set(texts) == set(labels.LANGS), key
    for group, choices in labels.CHOICES.items():
        for key, names in choices.items():
            assert set(names) == set(labels.LANGS), (group, key)
            for name in names.values():
                assert labels.choice_key(group, name) == key
    assert set(DEMOS) == set(labels.CHOICES["demo"])
    with pytest.raises(ValueError, match="allowed"):
        labels.choice_key("reward_scheme", "lottery")
    assert labels.quarter_text(2017.75) == "end of 2017 Q3"
    assert labels.quarter_text(2018.0, "id") == "Triwulan IV 2017"
    assert (
        labels.number(1234.5, 1, "id") == "1.234,5"
        and labels.number(1234.5, 1) == "1,234.5"
    )
