"""Human development dynamics: components move toward their goalposts with investment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import hdi
from sim.mechanisms import development
from sim.scenario import defaults
from sim.state import RegionState

from .base import MechanismTestCase

START = defaults().values["start"]
DYNAMICS = defaults().values["dynamics"]
RATES = [k for k in DYNAMICS if k.startswith(("trend_", "response_"))]


def regions(n: int = 3, seed: int = 0, method: str = "ipm", spread: float = 0.04) -> RegionState:
    return development.initial_regions(np.random.default_rng(seed), n, START, spread, method)


def dynamics(**changes: float) -> dict:
    d = dict(DYNAMICS)
    d.update(changes)
    return d


def components(r: RegionState) -> np.ndarray:
    return np.column_stack([r.life_expectancy, r.expected_schooling, r.mean_schooling, r.income])


class TestDevelopment(MechanismTestCase):
    mechanism = development
    levers = {"dynamics.saturation": 1000.0, "dynamics.response_life_expectancy": 0.05, "dynamics.response_expenditure": 0.05}
    extra_levers = (
        {"population.regional_spread": 0.2},
        {"scenario.index": "hdi", "scenario.target": 0.75},
        {"dynamics.trend_life_expectancy": 0.0, "dynamics.trend_expected_schooling": 0.0, "dynamics.trend_mean_schooling": 0.0,
         "dynamics.trend_expenditure": 0.0},
        {"dynamics.trend_expected_schooling": 0.5, "dynamics.response_expected_schooling": 0.5, "dynamics.saturation": 1.0},
    )

    def step_checks(self, model) -> None:
        # Components never fall (but for a macro shock in force), and the national index is the
        # index of the national components.
        rs = model.region_series()
        cols = ["life_expectancy", "expected_schooling", "mean_schooling"]
        if model.params["shocks"]["expenditure"] >= 0:
            cols.append("income")
        now = rs.loc[rs["step"] == model.steps, cols].to_numpy()
        before = rs.loc[rs["step"] == model.steps - 1, cols].to_numpy()
        assert np.all(now >= before - 1e-9)
        assert model.national_index == pytest.approx(float(hdi.human_development_index(*model.regions.national(), model.method)))

    # --- intensity -----------------------------------------------------------------------

    def test_component_intensity_in_unit_interval_and_increasing(self) -> None:
        pop = np.array([1000.0, 5000.0])
        prev = np.zeros((2, 4))
        for level in (0.0, 1.0, 10.0, 100.0, 500.0):
            resp = development.component_intensity(np.full((2, 4), level), pop, 0.1)
            assert np.all((resp >= 0) & (resp < 1))
            if level > 0:
                assert np.all(resp > prev)
            prev = resp
        assert np.all(development.component_intensity(np.zeros((2, 4)), pop, 0.1) == 0)
        # far past saturation it rounds to 1.0 in floating point, never beyond
        huge = development.component_intensity(np.full((2, 4), 1e9), pop, 0.1)
        assert np.all(huge <= 1.0) and np.all(huge >= prev)

    def test_component_intensity_maps_activities_to_components(self) -> None:
        pop = np.array([1.0])
        health = development.component_intensity(np.array([[1.0, 0, 0, 0]]), pop, 1.0)[0]
        assert health[0] == pytest.approx(1 - np.exp(-1)) and np.all(health[1:] == 0)
        edu = development.component_intensity(np.array([[0, 1.0, 0, 0]]), pop, 1.0)[0]
        assert edu[0] == 0 and edu[1] == edu[2] == pytest.approx(1 - np.exp(-1)) and edu[3] == 0
        social = development.component_intensity(np.array([[0, 0, 0, 4.0]]), pop, 1.0)[0]
        assert np.allclose(social, 1 - np.exp(-1))  # a quarter of 4 on every component

    @pytest.mark.parametrize("saturation", [0.05, 0.1, 2.0])
    def test_saturation_is_where_the_response_reaches_one_minus_one_over_e(self, saturation: float) -> None:
        pop = np.array([300.0, 1200.0])
        invest = np.zeros((2, 4))
        invest[:, 0] = saturation * pop  # health, at the saturation intensity per thousand people
        invest[:, 2] = 2 * saturation * pop  # livelihood, twice as much
        resp = development.component_intensity(invest, pop, saturation)
        assert np.allclose(resp[:, 0], 1 - np.exp(-1)) and np.allclose(resp[:, 3], 1 - np.exp(-2))
        assert np.all(resp[:, 1:3] == 0)

    def test_component_intensity_is_per_person(self) -> None:
        a = development.component_intensity(np.array([[10.0, 0, 0, 0]]), np.array([100.0]), 0.5)
        b = development.component_intensity(np.array([[20.0, 0, 0, 0]]), np.array([200.0]), 0.5)
        assert np.allclose(a, b)

    # --- advance -------------------------------------------------------------------------

    def test_zero_trend_and_response_leave_components_unchanged(self) -> None:
        r = regions()
        before = components(r).copy()
        development.advance(r, np.full((3, 4), 1e5), dynamics(**dict.fromkeys(RATES, 0.0)), "ipm")
        assert np.array_equal(components(r), before)

    def test_trend_closes_its_share_of_the_gap(self) -> None:
        r = regions()
        le0, inc0 = r.life_expectancy.copy(), r.income.copy()
        d = dynamics(**dict.fromkeys(RATES, 0.0))
        d["trend_life_expectancy"] = 0.1
        d["trend_expenditure"] = 0.2
        development.advance(r, np.zeros((3, 4)), d, "ipm")
        assert np.allclose(r.life_expectancy, le0 + 0.1 * (85.0 - le0))
        gp = hdi.goalposts("ipm")
        assert np.allclose(np.log(r.income), np.log(inc0) + 0.2 * (np.log(gp.income_max) - np.log(inc0)))

    def test_more_investment_more_progress(self) -> None:
        lo, hi = regions(), regions()
        development.advance(lo, np.full((3, 4), 10.0), DYNAMICS, "ipm")
        development.advance(hi, np.full((3, 4), 1000.0), DYNAMICS, "ipm")
        assert np.all(components(hi) > components(lo))

    @settings(max_examples=60, deadline=None)
    @given(trend=st.floats(0, 0.5), response=st.floats(0, 0.5), invest=st.floats(0, 1e9), steps=st.integers(1, 30),
           method=st.sampled_from(["ipm", "hdi"]))
    def test_advance_never_passes_the_goalposts(self, trend: float, response: float, invest: float, steps: int, method: str) -> None:
        gp = hdi.goalposts(method)
        r = regions(method=method)
        d = dynamics(**{k: (trend if k.startswith("trend") else response) for k in RATES})
        for _ in range(steps):
            before = components(r).copy()
            development.advance(r, np.full((3, 4), invest), d, method)
            assert np.all(components(r) >= before)
        assert np.all(r.life_expectancy <= gp.le_max)
        assert np.all(r.expected_schooling <= gp.eys_max)
        assert np.all(r.mean_schooling <= gp.mys_max)
        assert np.all(r.income <= gp.income_max * (1 + 1e-12))

    def test_advance_never_passes_the_goalposts_at_allowed_extremes(self) -> None:
        r = regions()
        development.advance(r, np.full((3, 4), 1e6), dynamics(**dict.fromkeys(RATES, 0.9)), "ipm")
        assert np.all(r.life_expectancy <= 85.0)
        assert np.all(r.expected_schooling <= 18.0)

    # --- the starting regions ------------------------------------------------------------

    @pytest.mark.parametrize("n", [1, 3, 10, 34])
    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_national_components_equal_the_start_values(self, n: int, seed: int) -> None:
        r = regions(n, seed)
        le, eys, mys, income = r.national()
        assert le == pytest.approx(START["life_expectancy"], abs=1e-9)
        assert eys == pytest.approx(START["expected_schooling"], abs=1e-9)
        assert mys == pytest.approx(START["mean_schooling"], abs=1e-9)
        assert income == pytest.approx(START["expenditure"], rel=1e-12)
        assert r.population.sum() == pytest.approx(1000 * START["population"])  # the parameter is in thousands
        assert round(development.national_index(r, "ipm"), 2) == 71.92  # BPS, Indonesia 2019

    def test_hdi_start_uses_gni_per_capita(self) -> None:
        r = regions(5, 1, "hdi")
        assert r.national()[3] == pytest.approx(START["gni_per_capita"], rel=1e-12)
        assert 0 < development.national_index(r, "hdi") < 1

    def test_regions_differ_with_spread_and_not_without(self) -> None:
        flat = regions(5, 3, spread=0.0)
        assert np.allclose(flat.life_expectancy, START["life_expectancy"])
        spread = regions(5, 3, spread=0.04)
        assert np.std(spread.life_expectancy) > 0.1

    def test_national_components_equal_the_start_values_at_the_largest_spread(self) -> None:
        for n, seed in [(3, 2), (3, 14), (10, 0), (10, 1)]:
            le, eys, mys, income = regions(n, seed, spread=0.2).national()
            assert le == pytest.approx(START["life_expectancy"], abs=1e-6)
            assert eys == pytest.approx(START["expected_schooling"], abs=1e-6)
            assert mys == pytest.approx(START["mean_schooling"], abs=1e-6)
            assert income == pytest.approx(START["expenditure"], rel=1e-9)

    def test_hdi_model_by_lever_alone(self, make_model) -> None:
        model = make_model({"scenario.index": "hdi"})
        assert model.target == 0.75

    def test_synthetic_model_starts_at_the_published_2019_ipm(self, make_model) -> None:
        model = make_model({"geography.regions": "synthetic"})
        assert round(model.national_index, 2) == 71.92
        assert round(model.timeseries()["index"].iloc[0], 2) == 71.92

    # --- indices and inequality ----------------------------------------------------------

    def test_national_index_is_computed_from_weighted_components(self) -> None:
        r = RegionState(population=np.array([1.0, 3.0]), life_expectancy=np.array([60.0, 80.0]),
                        expected_schooling=np.array([10.0, 14.0]), mean_schooling=np.array([6.0, 10.0]),
                        income=np.array([5e6, 2e7]))
        le, eys, mys, inc = r.national()
        assert (le, eys, mys) == pytest.approx((75.0, 13.0, 9.0))
        assert inc == pytest.approx(np.exp(0.25 * np.log(5e6) + 0.75 * np.log(2e7)))
        assert development.national_index(r, "ipm") == pytest.approx(float(hdi.bps_ipm(75.0, 13.0, 9.0, inc)))
        assert np.allclose(development.regional_index(r, "ipm"), hdi.bps_ipm(r.life_expectancy, r.expected_schooling,
                                                                              r.mean_schooling, r.income))

    def test_inequality(self) -> None:
        w = np.array([0.5, 0.5])
        assert development.inequality(np.array([70.0, 70.0]), w) == 0.0
        assert development.inequality(np.array([60.0, 80.0]), w) == pytest.approx(10.0 / 70.0)
        assert development.inequality(np.array([0.0, 0.0]), w) == 0.0

    def test_frozen_dynamics_freeze_the_index(self, make_model) -> None:
        model = make_model({k if "." in k else f"dynamics.{k}": 0.0 for k in RATES}, run=True)
        ts = model.timeseries()
        assert ts["index"].nunique() == 1

    def test_index_rises_under_the_calibrated_trend(self, make_model) -> None:
        ts = make_model(run=True).timeseries()
        assert np.all(np.diff(ts["index"].to_numpy()) > 0)
