"""Sensitivity analysis: which parameters, over which ranges, and the stages' sweep files."""

from __future__ import annotations

import pandas as pd

from sim.experiment.design import from_scenario
from sim.parameters import BY_NAME
from sim.scenario import defaults, load_text
from sim.analysis.sensitivity import candidates, select, sensitivity_range, sweep_text


def test_candidates_are_numeric_model_parameters():
    names = {p.name for p in candidates()}
    assert "funding.public_scale" in names and "dynamics.saturation" in names
    assert not any(n.startswith(("scenario.", "start.")) for n in names)
    assert "population.ngos" not in names and "rewards.scheme" not in names and "gotong_royong.enabled" not in names


def test_ranges_follow_the_rule_and_stay_allowed():
    for p in candidates():
        lo, hi = sensitivity_range(p)
        assert p.low <= lo < hi <= p.high, p.name
    assert sensitivity_range(BY_NAME["funding.central_programmes"]) == (3000.0, 9000.0)
    assert sensitivity_range(BY_NAME["regulation.legal_certainty"]) == (0.35, 1.0)
    assert sensitivity_range(BY_NAME["regulation.tax_deduction"]) == (0.0, 0.5)
    assert sensitivity_range(BY_NAME["formation.max_group_size"]) == (2.0, 6.0)


def test_sweep_text_is_a_valid_sampled_scenario():
    base = load_text('[rewards]\nscheme = "performance"\n', "b.toml")
    text = sweep_text(base, "morris", ["funding.public_scale", "governance.honesty"], 3, 1, 5.0, "b_morris")
    s = load_text(text, "b_morris.toml")
    assert s.rewards.scheme == "performance" and s.scenario.years == 5.0 and s.name == "b_morris"
    d = from_scenario(s)
    assert d.type == "morris" and len(d.points) == 3 * 3 and d.ranges["governance.honesty"] == (0.35, 1.0)
    assert {k: v for k, v in s.flat().items() if not k.startswith("scenario.")} == \
        {k: v for k, v in base.flat().items() if not k.startswith("scenario.")}


def test_select_keeps_the_top_of_each_outcome():
    a = pd.DataFrame({"parameter": ["x", "y", "z"], "mu_star": [3.0, 2.0, 1.0]})
    b = pd.DataFrame({"parameter": ["x", "y", "z"], "mu_star": [0.1, 0.0, 5.0]})
    assert select({"a": a, "b": b}, 1) == ["x", "z"]
    assert select({"a": a}, 2) == ["x", "y"]


def test_defaults_round_trip_through_dumps():
    from sim.scenario import dumps

    s = defaults()
    assert load_text(dumps(s), "d.toml").flat() == s.flat()
