"""Censoring-aware differences, minimum effects and the Holm correction, on data with known answers."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import statistics as st
from sim.analysis.compare import compare


def test_rmst_matches_hand_computation():
    # S = 1 on [0, 2), 2/3 on [2, 4), 1/3 on [4, 6]: area 2 + 4/3 + 2/3 = 4.
    assert st.rmst([2.0, 4.0, 10.0], [True, True, False], 6.0) == pytest.approx(4.0)
    # Censoring before the restriction: times 1 (reached), 2 (censored), 3 (reached), tau 4.
    # S = 1 on [0, 1), 2/3 on [1, 3), 0 after 3: area 1 + 4/3 = 7/3.
    assert st.rmst([1.0, 2.0, 3.0], [True, False, True], 4.0) == pytest.approx(7 / 3)


def test_rmst_difference_with_every_run_censored_on_one_side():
    # The treatment never reaches the target within 10 years; the reference does at 2, 4, 6, 8.
    eff = st.rmst_difference(
        [10.0] * 4, [False] * 4, [2.0, 4.0, 6.0, 8.0], [True] * 4, tau=10.0
    )
    assert eff.estimate == pytest.approx(
        10.0 - 5.0
    )  # RMST 10 (all beyond tau) minus mean 5
    assert eff.low < 5.0 < eff.high
    assert (eff.censored, eff.censored_ref, eff.tau) == (4, 0, 10.0)
    assert "restricted mean" in eff.method and "10 years" in eff.method
    note = st.censoring_note(eff.censored, eff.n, "IPM 80", 10.0)
    assert note.startswith("not reached")


def test_rmst_difference_both_sides_censored_is_zero_and_negligible():
    eff = st.rmst_difference([20.0] * 5, [False] * 5, [20.0] * 5, [False] * 5, tau=20.0)
    assert eff.estimate == 0.0 and eff.low == 0.0 and eff.high == 0.0
    v = st.verdict(
        eff, +1, 0.25, st.p_beyond(eff, +1, 0.25), st.p_beyond(eff, -1, 0.25)
    )
    assert v == "negligible"


def test_rmst_difference_is_not_the_horizon_substitute_when_censoring_is_early():
    # Censoring before tau (a run lost at 2 years): the Kaplan-Meier RMST, from a paired bootstrap.
    trt_d, trt_o = np.array([1.0, 2.0, 3.0, 3.0]), np.array([True, False, True, True])
    ref_d, ref_o = np.array([1.0, 1.0, 2.0, 2.0]), np.array([True, True, True, True])
    eff = st.rmst_difference(trt_d, trt_o, ref_d, ref_o, tau=4.0, n_boot=400)
    expected = st.rmst(trt_d, trt_o, 4.0) - 1.5
    assert eff.estimate == pytest.approx(expected)
    assert "bootstrap" in eff.method
    assert eff.low <= eff.estimate <= eff.high


def test_holm_on_known_p_values():
    # Sorted 0.01, 0.03, 0.04 times 3, 2, 1 = 0.03, 0.06, 0.04; made monotone: 0.03, 0.06, 0.06.
    assert st.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    out = st.holm([0.2, math.nan, 0.01])
    assert (
        math.isnan(out[1])
        and out[0] == pytest.approx(0.2)
        and out[2] == pytest.approx(0.02)
    )


def test_minimum_effect_decides_the_verdict():
    # A difference that is certainly positive but smaller than the minimum effect is not "holds".
    eff = st.paired_difference([1.1, 1.12, 1.09, 1.11, 1.1], [1.0, 1.0, 1.0, 1.0, 1.0])
    assert eff.low > 0
    small = st.verdict(
        eff, +1, 0.5, st.p_beyond(eff, +1, 0.5), st.p_beyond(eff, -1, 0.5)
    )
    assert small == "negligible"
    large = st.verdict(
        eff, +1, 0.01, st.p_beyond(eff, +1, 0.01), st.p_beyond(eff, -1, 0.01)
    )
    assert large == "holds"
    assert (
        st.verdict(
            eff, -1, 0.01, st.p_beyond(eff, -1, 0.01), st.p_beyond(eff, +1, 0.01)
        )
        == "fails"
    )


def _runs(times_ref, times_trt, horizon):
    n = len(times_ref)
    t = np.array(list(times_ref) + list(times_trt), dtype=float)
    return pd.DataFrame(
        {
            "scenario": ["baseline"] * n + ["policy"] * n,
            "replication": list(range(n)) * 2,
            "reached": t < horizon,
            "years_to_target": np.where(t < horizon, t, np.nan),
            "censored_at_years": horizon,
            "target": 80.0,
            "final_index": 75.0,
            "government_share": 0.7,
        }
    )


def test_compare_says_not_reached_and_gives_a_lower_bound():
    table = compare(
        _runs([15.0, 16.0, 17.0, 18.0], [99.0] * 4, 20.0),
        outcomes=(("years_to_target_or_horizon", "t"),),
    )
    row = table[table.point_name == "policy"].iloc[0]
    assert row["diff"] == pytest.approx(20.0 - 16.5)
    assert row["censored"] == 4 and row["censored_ref"] == 0 and row["tau"] == 20.0
    assert row["note"].startswith("not reached") and "lower bound" in row["note"]
    assert row["verdict"] == "higher"
    assert table["tests"].iloc[0] == 2


def test_funding_low_at_target_80_is_a_year_slower_or_reported_not_reached():
    # The bar: at IPM 80 over 20 years funding_low rarely or never reaches the target, and
    # putting the horizon in place of its time made it read as weeks slower than the baseline.
    from sim.analysis.compare import comparison_markdown
    from sim.experiment.run import run_many
    from sim.scenario import load

    over = {"scenario.target": 80.0, "scenario.years": 20.0}
    scenarios = [
        load(f"scenarios/{n}.toml").with_overrides(over, source=n)
        for n in ("baseline", "funding_low")
    ]
    runs = run_many(scenarios, 4, names=["baseline", "funding_low"])["runs"]
    table = compare(runs, "baseline")
    row = table[
        (table.point_name == "funding_low")
        & (table.outcome == "years_to_target_or_horizon")
    ].iloc[0]
    assert row["diff"] >= 1.0 or row["note"].startswith(
        ("not reached", "mostly censored")
    )
    if row["censored"] * 2 > row["n"]:
        assert "not reached" in comparison_markdown(table)
        # Reported as not reached, and the delay is still measured: the index gap at the
        # horizon at the reference's pace puts funding_low at least a year behind.
        base = runs[runs.point_name == "baseline"].set_index("replication")
        low = runs[runs.point_name == "funding_low"].set_index("replication")
        delay, pace = st.years_behind(
            low["final_index"], base["final_index"], base["start_index"], 20.0
        )
        assert pace > 0 and delay.estimate >= 1.0
        assert "years behind" in row["note"]


def test_years_behind_is_the_index_gap_over_the_reference_pace():
    # The reference gains 10 points in 20 years (0.5 a year); the point ends 1 and 2 points
    # lower in its two replications: 2 and 4 years behind, mean 3.
    delay, pace = st.years_behind([69.0, 68.0], [70.0, 70.0], [60.0, 60.0], 20.0)
    assert pace == pytest.approx(0.5)
    assert delay.estimate == pytest.approx(3.0) and delay.low < 3.0 < delay.high
    table = compare(
        _runs([99.0] * 4, [99.0] * 4, 20.0).assign(
            start_index=70.0, final_index=[79.0] * 4 + [78.0] * 4
        ),
        outcomes=(("years_to_target_or_horizon", "t"),),
    )
    note = table[table.point_name == "policy"].iloc[0]["note"]
    # 1 point at 9/20 = 0.45 points a year: 2.2 years, with no spread.
    assert "1.00 [1.00, 1.00] points below" in note and "about 2.2 " in note
    flat, _ = st.years_behind([70.0], [70.0], [70.0], 10.0)
    assert math.isnan(flat.estimate)  # no pace, no delay


def test_a_bound_is_never_called_negligible():
    # Both sides reach the target only at (or after) the horizon: the restricted means are equal,
    # but that says nothing about the gap beyond the horizon.
    table = compare(
        _runs([20.0] * 4, [99.0] * 4, 20.0),
        outcomes=(("years_to_target_or_horizon", "t"),),
    )
    assert table[table.point_name == "policy"].iloc[0]["verdict"] == "neither reaches"
    table = compare(
        _runs([19.75, 19.5, 19.75, 19.75], [99.0] * 4, 20.0),
        outcomes=(("years_to_target_or_horizon", "t"),),
    )
    assert table[table.point_name == "policy"].iloc[0]["verdict"] in (
        "higher",
        "not reached",
    )
    assert st.censored_verdict("negligible", 4, 0, 4) == "not reached"
    assert (
        st.censored_verdict("higher", 0, 4, 4) == "unclear"
        and st.censored_verdict("lower", 0, 4, 4) == "lower"
    )
