"""Scenario discovery recovers a planted box on synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.discovery import boxes_table, discover, failures, markdown


def test_prim_recovers_a_planted_box():
    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(0, 1, (600, 4)), columns=["a", "b", "c", "d"])
    failed = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    d = discover(x, failed, goal="synthetic", seed=1)
    assert d.boxes, d.notes
    box = d.boxes[0]
    lim = box.limits.set_index("parameter")
    assert set(lim.index) == {"a", "b"}
    assert (
        abs(lim.loc["a", "low"] - 0.6) < 0.05 and abs(lim.loc["b", "high"] - 0.3) < 0.05
    )
    assert box.coverage > 0.85 and box.density > 0.85
    top = list(d.scores.sort_values("score", ascending=False)["parameter"][:2])
    assert set(top) == {"a", "b"}
    assert "Coverage" in markdown(d) and set(boxes_table(d)["parameter"]) == {"a", "b"}


def test_failures_read_the_goal_from_a_runs_table():
    design = {
        "varied": ["p"],
        "points": [
            {"id": 0, "overrides": {"p": 0.1}},
            {"id": 1, "overrides": {"p": 0.9}},
        ],
    }
    runs = pd.DataFrame(
        {
            "run": [0, 1, 2, 3],
            "point": [0, 0, 1, 1],
            "status": "ok",
            "target": 75.0,
            "reached": [True, True, False, True],
            "year_reached": [2024.0, 2029.0, np.nan, 2032.0],
            "start_year": 2015,
            "steps": 80,
        }
    )
    x, failed = failures(runs, design, level=75.0, by_year=2030)
    assert list(x["p"]) == [0.1, 0.1, 0.9, 0.9]
    assert list(failed) == [False, False, True, True]
    # A horizon ending before the goal's year cannot tell whether an unreached run fails: left out.
    short = runs.assign(steps=40)
    x, failed = failures(short, design, level=75.0, by_year=2030)
    assert len(x) == 2 and not failed.any()


def test_discovery_appears_in_the_report_section(tmp_path):
    import json

    from sim.analysis.discovery import summary
    from sim.analysis.report.answers import discovery_section, load_discovery

    rng = np.random.default_rng(3)
    x = pd.DataFrame(rng.uniform(0, 1, (400, 3)), columns=["a", "b", "c"])
    failed = ((x["a"] > 0.6) & (x["b"] < 0.3)).to_numpy()
    d = discover(x, failed, goal="IPM 75 reached by 2030", seed=1)
    (tmp_path / "discovery").mkdir()
    (tmp_path / "discovery" / "discovery.json").write_text(json.dumps(summary(d, 0.8)))
    d.scores.to_csv(tmp_path / "discovery" / "scores.csv", index=False)
    loaded = load_discovery(tmp_path)
    assert loaded is not None and loaded["n_failed"] == int(failed.sum())
    html = discovery_section(loaded)
    assert 'id="discovery"' in html and "IPM 75 reached by 2030" in html
    assert f"{100 * d.boxes[0].coverage:.0f}%" in html  # coverage
    assert f"{100 * d.boxes[0].density:.0f}%" in html  # density
    assert "<code>a</code>" in html and "Feature score" in html
    assert load_discovery(tmp_path / "nowhere") is None
