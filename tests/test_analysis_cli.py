"""The analysis commands end to end on a tiny world: discover, optimise, compare's reference and folder, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.cli import main

WORLD = """
[scenario]
name = "{name}"
years = 4
target = 70.5

[population]
community_groups = 40
ngos = 8
religious_bodies = 8
businesses = 12
universities = 2
regions = 3
"""

LHS = """
[design]
type = "lhs"
samples = 16
replications = 1

[design.ranges]
"funding.public_scale" = [0.3, 1.5]
"gotong_royong.volunteer_days" = [0.0, 60.0]
"""


def test_discover_writes_boxes_and_scores(tmp_path, capsys):
    f = tmp_path / "lhs.toml"
    f.write_text(WORLD.format(name="tiny_lhs") + LHS)
    assert (
        main(
            [
                "run",
                str(f),
                "--out",
                str(tmp_path / "lhs"),
                "--no-report",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(["discover", str(tmp_path / "lhs"), "--level", "71.7", "--by", "2019"])
        == 0
    )
    out = capsys.readouterr().out
    assert "Goal: IPM 71.7 reached by 2019" in out and "runs fail it" in out
    assert (tmp_path / "lhs" / "discovery" / "scores.csv").is_file() and (
        tmp_path / "lhs" / "discovery" / "boxes.csv"
    ).is_file()
    scores = pd.read_csv(tmp_path / "lhs" / "discovery" / "scores.csv")
    assert set(scores["parameter"]) <= {
        "funding.public_scale",
        "gotong_royong.volunteer_days",
    }


def test_optimise_writes_a_rerunnable_front(tmp_path, capsys):
    f = tmp_path / "base.toml"
    f.write_text(WORLD.format(name="tiny"))
    assert (
        main(
            [
                "optimise",
                str(f),
                "--lever",
                "funding.public_scale=0.5:1.5",
                "--trials",
                "4",
                "--population",
                "2",
                "--replications",
                "2",
                "--probability",
                "0.5",
                "--out",
                str(tmp_path / "opt"),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "NSGA-II" in out
    trials = pd.read_csv(tmp_path / "opt" / "trials.csv")
    assert len(trials) == 4 and {
        "cost",
        "years",
        "inequality",
        "probability",
        "feasible",
    } <= set(trials.columns)
    assert (tmp_path / "opt" / "front.png").is_file()
    fronts = sorted((tmp_path / "opt").glob("front_*.toml"))
    if fronts:  # every front point reruns as an ordinary scenario file
        assert main(["check", str(fronts[0])]) == 0


def test_optimise_rejects_an_unknown_lever(tmp_path, capsys):
    assert main(["optimise", "--lever", "funding.nonsense=0:1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--lever" in err and "funding.nonsense" in err


def test_sensitivity_rejects_a_bad_range(capsys):
    assert main(["sensitivity", "--range", "funding.public_scale=2:1"]) == 2
    assert "--range" in capsys.readouterr().err


@pytest.mark.parametrize("text", [None, "a,b\n1,2\n"], ids=["missing", "no parameters"])
def test_sensitivity_rejects_a_file_that_is_no_posterior(tmp_path, text, capsys):
    path = tmp_path / "ensemble.csv"
    if text is not None:
        path.write_text(text)
    assert main(["sensitivity", "--posterior", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--posterior" in err and "ensemble.csv" in err


@pytest.mark.parametrize("key", ["scenario.name", "gotong_royong.enabled"])
def test_a_range_over_a_key_without_bounds_is_one_line(key, capsys):
    # A text or true/false key has no range; it used to raise TypeError comparing None.
    assert main(["sensitivity", "--range", f"{key}=0:1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--range" in err and key in err


def test_compare_names_its_reference_and_writes_results_name(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    for name in ("baseline", "other"):
        (tmp_path / f"{name}.toml").write_text(
            WORLD.format(name=name)
            + ("[funding]\npublic_scale = 0.5\n" if name == "other" else "")
        )
    assert (
        main(
            [
                "compare",
                "baseline.toml",
                "other.toml",
                "--replications",
                "2",
                "--workers",
                "1",
                "--no-report",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Reference: 'baseline'" in out
    folders = [p for p in (tmp_path / "results").iterdir() if p.is_dir()]
    assert len(folders) == 1 and (folders[0] / "manifest.json").is_file()
    assert folders[0].name == "experiment" and "results/experiment" in out
