"""Sensitivity analysis: which parameters, over which ranges, and the stages' sweep files."""

from __future__ import annotations

import pandas as pd

from sim.analysis.sensitivity import candidates, select, sensitivity_range, sweep_text
from sim.experiment.design import from_scenario
from sim.parameters import BY_NAME
from sim.scenario import defaults, load_text


def test_candidates_are_numeric_model_parameters():
    names = {p.name for p in candidates()}
    assert (
        "funding.public_scale" in names
        and "dynamics.elasticity_life_expectancy" in names
    )
    assert not any(n.startswith(("scenario.", "start.")) for n in names)
    assert (
        "population.ngos" not in names
        and "rewards.scheme" not in names
        and "gotong_royong.enabled" not in names
    )


def test_ranges_follow_the_rule_and_stay_allowed():
    for p in candidates():
        lo, hi = sensitivity_range(p)
        assert p.low <= lo < hi <= p.high, p.name
    assert sensitivity_range(BY_NAME["funding.central_programmes"]) == (
        500_000.0,
        1_500_000.0,
    )
    assert (
        sensitivity_range(BY_NAME["dynamics.trend_life_expectancy"])[0] < 0
    )  # a falling trend stays ordered
    assert sensitivity_range(BY_NAME["regulation.legal_certainty"]) == (0.35, 1.0)
    assert sensitivity_range(BY_NAME["regulation.tax_deduction"]) == (0.0, 0.5)
    assert sensitivity_range(BY_NAME["formation.max_group_size"]) == (2.0, 6.0)


def test_sweep_text_is_a_valid_sampled_scenario():
    base = load_text('[rewards]\nscheme = "performance"\n', "b.toml")
    text = sweep_text(
        base,
        "morris",
        ["funding.public_scale", "governance.honesty"],
        3,
        1,
        5.0,
        "b_morris",
    )
    s = load_text(text, "b_morris.toml")
    assert (
        s.rewards.scheme == "performance"
        and s.scenario.years == 5.0
        and s.name == "b_morris"
    )
    d = from_scenario(s)
    assert (
        d.type == "morris"
        and len(d.points) == 3 * 3
        and d.ranges["governance.honesty"] == (0.35, 1.0)
    )
    assert {k: v for k, v in s.flat().items() if not k.startswith("scenario.")} == {
        k: v for k, v in base.flat().items() if not k.startswith("scenario.")
    }


def test_select_keeps_the_top_of_each_outcome():
    a = pd.DataFrame({"parameter": ["x", "y", "z"], "mu_star": [3.0, 2.0, 1.0]})
    b = pd.DataFrame({"parameter": ["x", "y", "z"], "mu_star": [0.1, 0.0, 5.0]})
    assert select({"a": a, "b": b}, 1) == ["x", "z"]
    assert select({"a": a}, 2) == ["x", "y"]


def test_defaults_round_trip_through_dumps():
    from sim.scenario import dumps

    s = defaults()
    assert load_text(dumps(s), "d.toml").flat() == s.flat()


def _ishigami_at(n: int) -> dict[str, pd.DataFrame]:
    # Sobol indices of the Ishigami function (SALib's test function), as run_stage returns them.
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    problem = {
        "num_vars": 3,
        "names": ["x1", "x2", "x3"],
        "bounds": [[-3.14159265359, 3.14159265359]] * 3,
    }
    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=1)
    res = sobol_analyze.analyze(
        problem, Ishigami.evaluate(x), calc_second_order=False, seed=1
    )
    return {
        "y": pd.DataFrame(
            {
                "parameter": problem["names"],
                "S1": res["S1"],
                "S1_conf": res["S1_conf"],
                "ST": res["ST"],
                "ST_conf": res["ST_conf"],
            }
        )
    }


def test_sobol_sample_grows_until_the_intervals_are_narrow():
    from sim.analysis.sensitivity import converge

    tables, history, ok = converge(_ishigami_at, 16, 8192, width=0.15)
    assert ok and history[0]["samples"] == 16 and len(history) > 1
    assert history[-1]["y"] <= 0.15 < history[0]["y"]
    st = tables["y"].set_index("parameter")["ST"]
    # Known total-order indices of Ishigami (a=7, b=0.1): 0.558, 0.442, 0.244.
    assert (
        abs(st["x1"] - 0.558) < 0.08
        and abs(st["x2"] - 0.442) < 0.08
        and abs(st["x3"] - 0.244) < 0.08
    )


def test_sobol_stops_at_the_largest_sample_and_says_so():
    from sim.analysis.sensitivity import converge

    _, history, ok = converge(_ishigami_at, 16, 32, width=0.001)
    assert not ok and [h["samples"] for h in history] == [16, 32]


def test_unresolved_indices_are_not_printed_as_numbers():
    from sim.analysis.sensitivity import printable, resolved

    t = pd.DataFrame(
        {
            "parameter": ["a", "b"],
            "S1": [0.5, 0.02],
            "S1_conf": [0.05, 0.1],
            "ST": [0.6, 0.03],
            "ST_conf": [0.05, 0.2],
        }
    )
    assert list(resolved(t)) == [True, False]
    text = printable(t).to_string()
    assert (
        "not resolved" in text
        and "0.600 [0.550, 0.650]" in text
        and "0.030" not in text
    )


def test_extra_ranges_replace_the_rule():
    base = load_text("", "b.toml")
    text = sweep_text(
        base,
        "morris",
        ["funding.public_scale"],
        2,
        1,
        5.0,
        "b_morris",
        {"funding.public_scale": (0.9, 1.1)},
    )
    assert from_scenario(load_text(text, "m.toml")).ranges["funding.public_scale"] == (
        0.9,
        1.1,
    )
