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
RATES = [k for k in DYNAMICS if k.startswith(("trend_", "rate_"))]
STATUS_QUO = development.status_quo_investment()


def regions(
    n: int = 3, seed: int = 0, method: str = "ipm", spread: float = 0.04
) -> RegionState:
    return development.initial_regions(
        np.random.default_rng(seed), n, START, spread, method
    )


def dynamics(**changes: float) -> dict:
    d = dict(DYNAMICS)
    d.update(changes)
    return d


def components(r: RegionState) -> np.ndarray:
    return np.column_stack(
        [r.life_expectancy, r.expected_schooling, r.mean_schooling, r.income]
    )


class TestDevelopment(MechanismTestCase):
    mechanism = development
    levers = {
        "dynamics.elasticity_life_expectancy": 0.6,
        "dynamics.rate_life_expectancy": 0.01,
        "dynamics.rate_expenditure": 0.01,
    }
    extra_levers = (
        {"population.regional_spread": 0.2},
        {"scenario.index": "hdi", "scenario.target": 0.75},
        {
            "dynamics.trend_life_expectancy": 0.0,
            "dynamics.trend_expected_schooling": 0.0,
            "dynamics.trend_mean_schooling": 0.0,
            "dynamics.trend_expenditure": 0.0,
        },
        {
            "dynamics.rate_expected_schooling": 0.5,
            "dynamics.trend_expected_schooling": 0.5,
            "dynamics.elasticity_expected_schooling": 2.0,
        },
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
        assert model.national_index == pytest.approx(
            float(hdi.human_development_index(*model.regions.national(), model.method))
        )

    # --- the investment pull ---------------------------------------------------------------

    def status_quo_invest(
        self, population: np.ndarray, factor: float = 1.0
    ) -> np.ndarray:
        """Investment per region and activity whose per-person components equal factor x the status quo."""
        # Social activities feed every component equally: put it all there, scaled per component.
        invest = np.zeros((population.shape[0], 4))
        invest[:, 0] = STATUS_QUO[0] * population * factor
        invest[:, 1] = STATUS_QUO[1] * population * factor
        invest[:, 2] = STATUS_QUO[3] * population * factor
        return invest

    def test_status_quo_investment_gives_a_pull_of_one(self) -> None:
        pop = np.array([1e6, 4e6])
        invest = self.status_quo_invest(pop)
        d = dynamics(
            elasticity_mean_schooling=0.0
        )  # MYS shares education with EYS at another level
        pulled = development.pull(invest, pop, d)
        assert np.allclose(pulled[:, [0, 1, 3]], 1.0)

    def test_pull_follows_the_elasticity_and_is_per_person(self) -> None:
        pop = np.array([1e6])
        d = dynamics(elasticity_life_expectancy=0.3)
        double = development.pull(self.status_quo_invest(pop, 2.0), pop, d)[0, 0]
        assert double == pytest.approx(2.0**0.3)
        bigger = development.pull(self.status_quo_invest(2 * pop, 2.0), 2 * pop, d)[
            0, 0
        ]
        assert bigger == pytest.approx(double)
        assert development.pull(np.zeros((1, 4)), pop, d)[0, 0] == 0.0

    def test_component_investment_maps_activities_to_components(self) -> None:
        pop = np.array([1.0])
        health = development.component_investment(np.array([[1.0, 0, 0, 0]]), pop)[0]
        assert health[0] == 1.0 and np.all(health[1:] == 0)
        edu = development.component_investment(np.array([[0, 1.0, 0, 0]]), pop)[0]
        assert edu[0] == 0 and edu[1] == edu[2] == 1.0 and edu[3] == 0
        social = development.component_investment(np.array([[0, 0, 0, 4.0]]), pop)[0]
        assert np.allclose(social, 1.0)  # a quarter of 4 on every component

    # --- advance -------------------------------------------------------------------------

    def test_zero_rate_and_trend_leave_components_unchanged(self) -> None:
        r = regions()
        before = components(r).copy()
        development.advance(
            r, np.full((3, 4), 1e5), dynamics(**dict.fromkeys(RATES, 0.0)), "ipm"
        )
        assert np.array_equal(components(r), before)

    def test_at_the_status_quo_the_model_follows_the_estimated_law(self) -> None:
        r = regions()
        le0, inc0 = r.life_expectancy.copy(), r.income.copy()
        d = dynamics(elasticity_mean_schooling=0.0)
        development.advance(r, self.status_quo_invest(r.population), d, "ipm")
        assert np.allclose(
            r.life_expectancy,
            le0 + d["rate_life_expectancy"] * (85.0 - le0) + d["trend_life_expectancy"],
        )
        gp = hdi.goalposts("ipm")
        law = (
            d["rate_expenditure"] * (np.log(gp.income_max) - np.log(inc0))
            + d["trend_expenditure"]
        )
        assert np.allclose(np.log(r.income), np.log(inc0) + law)

    def test_convergence_lower_areas_gain_more(self) -> None:
        r = RegionState(
            population=np.array([1e6, 1e6]),
            life_expectancy=np.array([60.0, 75.0]),
            expected_schooling=np.array([10.0, 14.0]),
            mean_schooling=np.array([5.0, 10.0]),
            income=np.array([6e6, 1.5e7]),
        )
        before = components(r).copy()
        development.advance(r, self.status_quo_invest(r.population), DYNAMICS, "ipm")
        gain = components(r) - before
        assert gain[0, 0] > gain[1, 0] and gain[0, 1] > gain[1, 1]

    def test_more_investment_more_progress(self) -> None:
        lo, hi = regions(), regions()
        development.advance(
            lo, self.status_quo_invest(lo.population, 0.5), DYNAMICS, "ipm"
        )
        development.advance(
            hi, self.status_quo_invest(hi.population, 2.0), DYNAMICS, "ipm"
        )
        assert np.all(components(hi)[:, [0, 1, 3]] > components(lo)[:, [0, 1, 3]])

    @settings(max_examples=60, deadline=None)
    @given(
        rate=st.floats(0, 0.5),
        trend=st.floats(0, 0.5),
        invest=st.floats(0, 1e9),
        steps=st.integers(1, 30),
        method=st.sampled_from(["ipm", "hdi"]),
    )
    def test_advance_never_passes_the_goalposts(
        self, rate: float, trend: float, invest: float, steps: int, method: str
    ) -> None:
        gp = hdi.goalposts(method)
        r = regions(method=method)
        d = dynamics(**{k: (rate if k.startswith("rate") else trend) for k in RATES})
        for _ in range(steps):
            before = components(r).copy()
            development.advance(r, np.full((3, 4), invest), d, method)
            assert np.all(components(r) >= before - 1e-12)
        assert np.all(r.life_expectancy <= gp.le_max)
        assert np.all(r.expected_schooling <= gp.eys_max)
        assert np.all(r.mean_schooling <= gp.mys_max)
        assert np.all(r.income <= gp.income_max * (1 + 1e-12))

    def test_advance_never_passes_the_goalposts_at_allowed_extremes(self) -> None:
        r = regions()
        development.advance(
            r, np.full((3, 4), 1e9), dynamics(**dict.fromkeys(RATES, 0.9)), "ipm"
        )
        assert np.all(r.life_expectancy <= 85.0)
        assert np.all(r.expected_schooling <= 18.0)

    # --- the starting regions ------------------------------------------------------------

    @pytest.mark.parametrize("n", [1, 3, 10, 34])
    @pytest.mark.parametrize("seed", [0, 1, 2])
    def test_national_components_equal_the_start_values(
        self, n: int, seed: int
    ) -> None:
        r = regions(n, seed)
        le, eys, mys, income = r.national()
        assert le == pytest.approx(START["life_expectancy"], abs=1e-9)
        assert eys == pytest.approx(START["expected_schooling"], abs=1e-9)
        assert mys == pytest.approx(START["mean_schooling"], abs=1e-9)
        assert income == pytest.approx(START["expenditure"], rel=1e-12)
        assert r.population.sum() == pytest.approx(
            1000 * START["population"]
        )  # the parameter is in thousands
        assert (
            round(development.national_index(r, "ipm"), 2) == 71.92
        )  # BPS, Indonesia 2019

    def test_hdi_start_uses_gni_per_capita(self) -> None:
        r = regions(5, 1, "hdi")
        assert r.national()[3] == pytest.approx(START["gni_per_capita"], rel=1e-12)
        assert 0 < development.national_index(r, "hdi") < 1

    def test_regions_differ_with_spread_and_not_without(self) -> None:
        flat = regions(5, 3, spread=0.0)
        assert np.allclose(flat.life_expectancy, START["life_expectancy"])
        spread = regions(5, 3, spread=0.04)
        assert np.std(spread.life_expectancy) > 0.1

    def test_national_components_equal_the_start_values_at_the_largest_spread(
        self,
    ) -> None:
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
        r = RegionState(
            population=np.array([1.0, 3.0]),
            life_expectancy=np.array([60.0, 80.0]),
            expected_schooling=np.array([10.0, 14.0]),
            mean_schooling=np.array([6.0, 10.0]),
            income=np.array([5e6, 2e7]),
        )
        le, eys, mys, inc = r.national()
        assert (le, eys, mys) == pytest.approx((75.0, 13.0, 9.0))
        assert inc == pytest.approx(
            0.25 * 5e6 + 0.75 * 2e7
        )  # a mean per person: arithmetic
        assert development.national_index(r, "ipm") == pytest.approx(
            float(hdi.bps_ipm(75.0, 13.0, 9.0, inc))
        )
        assert np.allclose(
            development.regional_index(r, "ipm"),
            hdi.bps_ipm(
                r.life_expectancy, r.expected_schooling, r.mean_schooling, r.income
            ),
        )

    def test_inequality(self) -> None:
        w = np.array([0.5, 0.5])
        assert development.inequality(np.array([70.0, 70.0]), w) == 0.0
        assert development.inequality(np.array([60.0, 80.0]), w) == pytest.approx(
            10.0 / 70.0
        )
        assert development.inequality(np.array([0.0, 0.0]), w) == 0.0

    def test_frozen_dynamics_freeze_the_index(self, make_model) -> None:
        model = make_model(
            {**{f"dynamics.{k}": 0.0 for k in RATES}, "scenario.history": False},
            run=True,
        )
        ts = model.timeseries()
        assert ts["index"].nunique() == 1

    def test_index_rises_under_the_estimated_law_without_shocks(
        self, make_model
    ) -> None:
        ts = make_model({"scenario.history": False}, run=True).timeseries()
        assert np.all(np.diff(ts["index"].to_numpy()) > 0)
