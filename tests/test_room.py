"""The participatory room (sim.teaching.room): the hook, joining, the shadow world and replay; the command."""

from __future__ import annotations

import numpy as np
import pytest

from sim import room_app
from sim.cli import main
from sim.model import PartnershipModel
from sim.teaching.room import (
    CODE_ALPHABET,
    Choice,
    Room,
    RoomError,
    contribution,
    new_code,
    play_quarter,
)
from tests.conftest import small_scenario


def played(choices_for, quarters: int = 16, scenario=None) -> PartnershipModel:
    model = PartnershipModel(scenario or small_scenario())
    for _ in range(quarters):
        play_quarter(model, choices_for(model))
    return model


def test_usual_choices_are_exactly_the_model():
    """Choices at their defaults leave every number as model.step() makes it."""
    plain = PartnershipModel(small_scenario()).run()
    hooked = played(lambda m: {0: Choice(), 5: Choice(), 90: Choice()})
    assert plain.timeseries().equals(hooked.timeseries())
    assert np.array_equal(plain.community.volunteer, hooked.community.volunteer)
    assert np.array_equal(plain.community.funds, hooked.community.funds)


def test_a_component_that_declines_joins_nothing():
    busy = PartnershipModel(small_scenario()).run()
    t = busy.partnerships
    ever = np.unique(t.members[: t.count][t.members[: t.count] >= 0])
    rows = [
        int(r) for r in ever[:10]
    ]  # components that the model would put in partnerships
    refused = played(lambda m: {r: Choice(accept=False) for r in rows})
    rt = refused.partnerships
    assert not np.isin(rt.members[: rt.count], rows).any()
    assert (refused.community.memberships[rows] == 0).all()
    refused.check_invariants()


def test_money_and_labour_choices_scale_what_a_component_gives_and_are_restored():
    model = PartnershipModel(small_scenario())
    for _ in range(6):
        model.step()
    members = model.community.memberships
    row = int(np.flatnonzero(members > 0)[0])
    funds_before = model.community.funds.copy()
    usual = contribution(model, row)
    assert contribution(model, row, Choice(money=50, labour=0)) == pytest.approx(
        (usual[0] / 2, 0.0)
    )
    spent = []
    for choice in (Choice(), Choice(money=0, labour=0)):
        twin = PartnershipModel(small_scenario())
        for _ in range(6):
            twin.step()
        play_quarter(twin, {row: choice})
        spent.append(twin.timeseries().iloc[-1])
        assert np.array_equal(twin.community.funds, funds_before), (
            "funds are not restored after the quarter"
        )
    assert spent[1]["spend_volunteer_labour"] < spent[0]["spend_volunteer_labour"]
    with pytest.raises(ValueError, match=r"0\.\.200"):
        Choice(money=300)


def test_room_join_decide_step_shadow_and_replay():
    room = Room(small_scenario(), code="abcde")
    assert room.code == "ABCDE"
    with pytest.raises(RoomError, match="wrong join code"):
        room.join("XXXXX", "Ani")
    with pytest.raises(RoomError, match="name"):
        room.join("abcde", "   ")
    people = [room.join("abcde", name) for name in ("Ani", "Budi", "Citra", "Dewi")]
    rows = [p.row for p in people]
    assert len(set(rows)) == 4
    assert len({room.region_of(r) for r in rows}) == 3, (
        "the first joiners are spread over the regions"
    )
    assert not room.all_decided
    for p in people[:2]:
        room.decide(p.pid, Choice(money=0, labour=0, accept=False))
    for p in people[2:]:
        room.decide(p.pid, Choice(money=200, labour=200))
    assert room.all_decided
    version = room.version
    while room.step():
        pass
    assert room.version > version and room.quarter == 16 and not room.all_decided
    assert room.shadow.steps == 16
    plain = PartnershipModel(small_scenario()).run()
    assert room.shadow.timeseries().equals(plain.timeseries()), (
        "the shadow world is the same seed without the class"
    )
    assert room.replay().timeseries().equals(room.world.timeseries()), (
        "the log does not replay the played world"
    )
    assert not room.partnerships_of(rows[0]) and not room.partnerships_of(rows[1])
    assert set(room.difference()) == {
        "index",
        "active_partnerships",
        "formed",
        "cohesion",
    }
    room.extend(1.0)
    assert room.running and room.step() and room.quarter == 17
    room.restart()
    assert room.quarter == 0 and len(room.participants) == 4 and room.log == []


def test_a_full_room_refuses_and_codes_avoid_lookalikes():
    room = Room(small_scenario(), code="ABCDE")
    room._order = room._order[:2]
    room.join("ABCDE", "a")
    room.join("ABCDE", "b")
    with pytest.raises(RoomError, match="full"):
        room.join("ABCDE", "c")
    code = new_code()
    assert (
        len(code) == 5
        and set(code) <= set(CODE_ALPHABET)
        and not set(code) & set("0O1IL")
    )


def test_the_pages_render_and_a_participant_joins(monkeypatch):
    import ipyvuetify as v
    import solara

    monkeypatch.setattr(room_app, "_ROOM", Room(small_scenario(), code="ABCDE"))
    from sim.teaching.classroom import network_layout

    monkeypatch.setattr(room_app, "_LAYOUT", network_layout(room_app._ROOM.world))
    _, rc = solara.render(room_app.Participant("en"), handle_error=False)
    rc.find(v.TextField, label="Join code").widget.v_model = "abcde"
    rc.find(v.TextField, label="Name").widget.v_model = "Ani"
    rc.find(v.Btn, children=["Join"]).widget.click()
    assert len(room_app._ROOM.participants) == 1
    rc.find(v.Btn, children=["Decide"]).widget.click()
    assert room_app._ROOM.all_decided
    _, tr = solara.render(room_app.Trainer("id"), handle_error=False)
    tr.find(v.Btn, children=["Maju"]).widget.click()
    assert room_app._ROOM.quarter == 1


def test_classroom_command_checks_its_arguments(monkeypatch, capsys):
    from sim import app

    calls = []
    monkeypatch.setattr(
        app, "serve", lambda scenario, **kw: calls.append((scenario, kw)) or 0
    )
    assert main(["classroom", "--code", "KMTRN"]) == 0
    scenario, kw = calls[-1]
    assert (
        scenario is None
        and kw["host"] == "127.0.0.1"
        and kw["target"] == "sim.room_app"
    )
    assert (
        kw["extra_env"][room_app.CODE_ENV] == "KMTRN"
        and kw["extra_env"][room_app.KEY_ENV]
    )
    assert "KMTRN" in " ".join(kw["ready_lines"]("http://127.0.0.1:8766/"))
    assert main(["classroom", "--lan"]) == 0 and calls[-1][1]["host"] == "0.0.0.0"
    assert main(["classroom", "--code", "ab0"]) == 2
    assert "--code" in capsys.readouterr().err


def test_the_projector_marks_participants_and_their_partnerships():
    import re

    from sim.teaching.classroom import network_layout
    from sim.teaching.svg import Player, network_svg

    room = Room(small_scenario(), code="ABCDE")
    people = [room.join("ABCDE", name) for name in ("Ani", "Budi")]
    for _ in range(8):
        room.step()
    partners = sum(len(m["with"]) for p in people for m in room.partnerships_of(p.row))
    svg = network_svg(
        room.world,
        network_layout(room.world),
        players=[Player(p.row, p.name) for p in people],
    )
    ties = re.search(r'<path d="([^"]*)"[^>]*class="kemitraan-player-ties"', svg).group(
        1
    )
    assert ties.count("M") == partners
    assert ">Ani</text>" in svg and ">Budi</text>" in svg
