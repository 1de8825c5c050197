"""Macro shocks: history (COVID-19 in 2020) moves every region while the shock is in force."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import shocks
from sim.state import RegionState

from .base import MechanismTestCase


def regions() -> RegionState:
    return RegionState(
        population=np.array([1.0, 2.0]),
        life_expectancy=np.array([65.0, 84.9]),
        expected_schooling=np.array([12.0, 13.0]),
        mean_schooling=np.array([8.0, 9.0]),
        income=np.array([9e6, 2.6e7]),
    )


class TestShocks(MechanismTestCase):
    mechanism = shocks
    levers = {"shocks.expenditure": -0.1, "shocks.life_expectancy": -0.5}

    def test_a_year_of_shock_moves_expenditure_by_its_log_amount(self) -> None:
        r = regions()
        for _ in range(4):
            shocks.apply(r, {"expenditure": -0.047, "life_expectancy": 0.0}, "ipm")
        assert np.allclose(np.log(r.income / regions().income), [-0.047, -0.047])

    def test_life_expectancy_stays_within_goalposts(self) -> None:
        r = regions()
        shocks.apply(r, {"expenditure": 0.0, "life_expectancy": 2.0}, "ipm")
        assert r.life_expectancy[1] == 85.0 and r.life_expectancy[0] == pytest.approx(
            65.5
        )

    def test_history_dips_the_national_expenditure_in_2020(self, make_model) -> None:
        with_history = make_model({"scenario.years": 3.0}, run=True).timeseries()
        without = make_model(
            {"scenario.years": 3.0, "scenario.history": False}, run=True
        ).timeseries()
        y2020 = (with_history["year"] == 2020.0) | (with_history["year"] == 2021.0)
        dip = (
            with_history.loc[y2020, "income"].to_numpy()
            - without.loc[y2020, "income"].to_numpy()
        )
        assert dip[1] < 0  # a year of the shock lowers 2021's starting expenditure
