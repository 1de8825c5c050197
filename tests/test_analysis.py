"""Analysis: Kaplan-Meier time to target with censoring, paired comparisons."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.compare import compare, mean_ci
from sim.survival import kaplan_meier


def test_kaplan_meier_matches_hand_computation():
    # Times 2, 3, 3(censored), 5, 8(censored), 9. The run censored at 3 is still at risk at 3,
    # so by hand S(2)=5/6, S(3)=5/6*4/5=2/3, S(5)=2/3*2/3=4/9, S(9)=0: the median is 5.
    years = np.array([2, 3, 3, 5, 8, 9], dtype=float)
    reached = np.array([True, True, False, True, False, True])
    km = kaplan_meier(years, reached)
    assert km["median"] == 5.0
    assert km["share_reached"] == pytest.approx(4 / 6)


def test_kaplan_meier_all_censored_has_no_median():
    km = kaplan_meier(np.array([20.0, 20.0]), np.array([False, False]))
    assert math.isnan(km["median"]) and km["share_reached"] == 0.0


def test_censoring_changes_the_estimate():
    years = np.array([4.0, 6.0, 6.0, 6.0])
    all_reached = kaplan_meier(years, np.array([True] * 4))
    censored = kaplan_meier(years, np.array([True, False, False, False]))
    assert all_reached["median"] == 6.0
    assert math.isnan(
        censored["median"]
    )  # one event in four: S never falls to one half


def test_mean_ci_contains_mean_and_shrinks():
    rng = np.random.default_rng(1)
    small = mean_ci(rng.normal(0, 1, 10))
    large = mean_ci(rng.normal(0, 1, 1000))
    assert small[1] < small[0] < small[2]
    assert (large[2] - large[1]) < (small[2] - small[1])


def test_compare_pairs_by_replication():
    runs = pd.DataFrame(
        {
            "scenario": ["baseline"] * 3 + ["policy"] * 3,
            "replication": [0, 1, 2] * 2,
            "reached": [True] * 6,
            "years_to_target": [10.0, 12.0, 14.0, 9.0, 11.0, 13.0],
            "censored_at_years": [20.0] * 6,
            "final_index": [75.0] * 6,
            "government_share": [0.7] * 3 + [0.6] * 3,
            "partnerships_formed": [10] * 6,
            "mean_active_partnerships": [5.0] * 6,
            "mean_lifespan_years": [2.0] * 6,
            "participation_share": [0.5] * 6,
            "business_participation": [0.5] * 6,
            "cohesion": [0.4] * 6,
        }
    )
    table = compare(runs)
    row = table[
        (table.point_name == "policy") & (table.outcome == "years_to_target_or_horizon")
    ].iloc[0]
    # Every pair differs by exactly -1: the paired interval has zero width although the
    # unpaired spread is large. This is what common random numbers buy.
    assert row["diff"] == pytest.approx(-1.0)
    assert row["diff_low"] == pytest.approx(-1.0) and row["diff_high"] == pytest.approx(
        -1.0
    )
    gov = table[
        (table.point_name == "policy") & (table.outcome == "government_share")
    ].iloc[0]
    assert gov["diff"] == pytest.approx(-0.1)
