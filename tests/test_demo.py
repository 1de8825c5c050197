"""The offline demo: figures and animation for slides, written without a browser."""

from __future__ import annotations

import json
import shutil

import pytest
from PIL import Image

from sim.cli import main
from sim.teaching import demo
from sim.teaching.classroom import demo_classroom
from tests.conftest import small_scenario

# A small world for speed: 100 community agents in 3 regions, 1 year (4 quarters).
SMALL = {"agents": 100, "years": 1.0}


def test_demo_writes_figure_animation_and_manifest(tmp_path):
    files = demo.write_demo(
        "funding-cut",
        tmp_path,
        small_scenario(),
        fps=2,
        dpi=40,
        frame_dpi=20,
        every=1,
        **SMALL,
    )
    expected = {"png", "svg", "gif", "json"} | (
        {"mp4"} if shutil.which("ffmpeg") else set()
    )
    assert set(files) == expected
    for path in files.values():
        assert path.is_file() and path.stat().st_size > 0, path
    assert files["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in files["svg"].read_bytes()[:2000]
    with Image.open(files["gif"]) as gif:
        # every=1: one frame per quarter (the start and 4 quarters); the last is held 1 s (Pillow merges the repeats).
        assert gif.n_frames == 5
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
        assert sum(durations) == (5 + 2) * 500
    manifest = json.loads(files["json"].read_text())
    a, b = manifest["worlds"]["A"], manifest["worlds"]["B"]
    assert manifest["same_seed"] is True
    assert (
        a["root_seed"] == b["root_seed"] and a["replication"] == b["replication"] == 0
    )
    assert a["levers"] == b["levers"] and a["levers"]["agents"] == 100
    own = [
        [e for e in w["events"] if "history:" not in e] for w in (a, b)
    ]  # both carry the recorded history
    assert own[0] == [] and own[1] == [
        "2019.25: funding.public_scale x 0.5 (public budgets -50%)"
    ]
    assert a["summary"]["steps"] == b["summary"]["steps"] == 4


def test_without_ffmpeg_the_animation_is_a_gif_only(tmp_path, monkeypatch):
    monkeypatch.setattr(demo.shutil, "which", lambda name: None)
    files = demo.write_demo(
        "gotong-royong",
        tmp_path,
        small_scenario(),
        fps=1,
        dpi=30,
        frame_dpi=20,
        agents=60,
        years=0.5,
    )
    assert "mp4" not in files and files["gif"].is_file()
    assert not list(tmp_path.glob("*.mp4"))


@pytest.mark.parametrize("name", ["gotong-royong", "reward"])
def test_demo_figures_without_animation(tmp_path, name):
    files = demo.write_demo(
        name, tmp_path, small_scenario(), lang="id", animation=False, dpi=40, **SMALL
    )
    assert sorted(files) == ["json", "png", "svg"]
    manifest = json.loads(files["json"].read_text())
    assert manifest["same_seed"] is True and manifest["demo"] == name


def test_worlds_differ_only_in_the_demo_lever():
    room = demo_classroom("gotong-royong", small_scenario(), **SMALL)
    assert room.levers_a.gotong_royong and not room.levers_b.gotong_royong
    assert room.levers_b == room.levers_a.replace(gotong_royong=False)
    room = demo_classroom("reward", small_scenario(), **SMALL)
    assert (room.levers_a.reward_scheme, room.levers_b.reward_scheme) == (
        "none",
        "performance",
    )
    room = demo_classroom("funding-cut", small_scenario(), **SMALL)
    assert room.levers_a == room.levers_b
    assert all(e.label.startswith("history") for e in room.a.scenario.events)
    [cut] = room.b_only_events()
    assert cut.key == "funding.public_scale" and cut.multiply == 0.5
    while room.running:
        room.step()
    assert (
        room.b.params["funding"]["public_scale"] == 0.5
        and room.a.params["funding"]["public_scale"] == 1.0
    )
    # Before the cut the worlds are the same world; after it they part.
    ta, tb = room.a.timeseries(), room.b.timeseries()
    before = ta["year"] < cut.year
    assert ta[before].equals(tb[before])
    assert (ta["spend_central"] != tb["spend_central"]).any()


def test_funding_cut_shows_on_the_timeline():
    room = demo_classroom("funding-cut", small_scenario(), **SMALL)
    fig = demo.side_by_side_figure(
        room, "id", title="t", label_a=demo.demo_label_a("funding-cut", "id")
    )
    texts = [t.get_text() for ax in fig.get_axes() for t in ax.texts]
    assert any("anggaran pemerintah -50%" in x for x in texts), texts
    lines = [
        ln
        for ax in fig.get_axes()
        for ln in ax.get_lines()
        if list(ln.get_xdata()) == [2019.25, 2019.25]
    ]
    assert len(lines) == 4, "the cut is a vertical line on each of the four charts"
    # In Bahasa Indonesia the axes use decimal commas, as the live page does.
    demo.render_png(fig, 20)
    ticks = [t.get_text() for ax in fig.get_axes() for t in ax.get_yticklabels()]
    assert any("," in x for x in ticks) and not any("." in x for x in ticks), ticks


def test_demo_command(tmp_path, capsys):
    out = tmp_path / "slides"
    assert (
        main(
            [
                "demo",
                "reward",
                "--out",
                str(out),
                "--agents",
                "100",
                "--years",
                "1",
                "--no-animation",
                "--lang",
                "id",
            ]
        )
        == 0
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "reward.json",
        "reward.png",
        "reward.svg",
    ]
    assert "share seed" in capsys.readouterr().out
    manifest = json.loads((out / "reward.json").read_text())
    assert manifest["language"] == "id" and manifest["worlds"]["B"]["label"].startswith(
        "B: apresiasi"
    )
    assert main(["demo", "reward", "--out", str(out), "--years", "0"]) == 2
    assert "--years" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["demo", "lottery", "--out", str(out)])


def test_a_refreshed_frame_is_the_picture_a_fresh_figure_draws():
    """The animation keeps its axes and replaces only the data: the frame must equal a figure drawn anew."""
    import io

    import numpy as np
    from matplotlib.figure import Figure

    from sim.teaching.classroom import demo_classroom

    room = demo_classroom("funding-cut", small_scenario())
    kept = Figure(figsize=(8, 4.5))
    handles = demo.draw_side_by_side(kept, room, "en", "A", title="t")
    for _ in range(3):
        room.step()
    demo.refresh_side_by_side(handles, room, "en", "A")
    fresh = Figure(figsize=(8, 4.5))
    demo.draw_side_by_side(fresh, room, "en", "A", title="t")
    a, b = (
        np.asarray(Image.open(io.BytesIO(demo.render_png(f, 40))))
        for f in (kept, fresh)
    )
    assert a.shape == b.shape and np.array_equal(a, b)


def test_an_animation_frame_is_the_still_it_ends_on():
    """Frames are blitted over a background drawn once; the last must look like the still at the same resolution."""
    import io

    import numpy as np
    from matplotlib.figure import Figure

    room = demo_classroom("funding-cut", small_scenario(), **SMALL)
    while room.running:
        room.step()
    fig = Figure(figsize=(8, 4.5))
    handles = demo.draw_side_by_side(fig, room, "en", "A", title="t")
    [frame] = demo.blit_frames(fig, handles, [demo.frame_of(room, "en", "A")], "en", 40)
    for art in handles["artists"]:  # the frames leave the regions' labels out
        for label in art.labels:
            label.set_visible(False)
    still = np.asarray(Image.open(io.BytesIO(demo.render_png(fig, 40))).convert("RGB"))
    assert frame.shape == still.shape
    # Blitting draws the changing artists over the rest, so a pixel may differ where a line
    # crosses a grid or target line; the picture is the same.
    differ = np.any(frame != still, axis=2).mean()
    assert differ < 0.01, differ
    # An early frame shows the lines cut at its quarter: it differs from the end.
    room0 = demo_classroom("funding-cut", small_scenario(), **SMALL)
    [early] = demo.blit_frames(
        fig, handles, [demo.frame_of(room0, "en", "A")], "en", 40
    )
    assert np.any(early != frame, axis=2).mean() > 0.005
