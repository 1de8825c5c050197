"""Political will (budget shocks) and scheduled policy events."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.mechanisms import policy
from sim.parameters import BY_NAME
from sim.scenario import PolicyEvent, ScenarioError

from .base import MechanismTestCase

START = 2019
HALVE_REGIONAL = {
    "year": START + 1,
    "set": "funding.regional_programmes",
    "multiply": 0.5,
}


class TestPolicy(MechanismTestCase):
    mechanism = policy
    levers = {"funding.political_will": 0.0}
    extra_levers = (
        {"funding.political_will": 1.0},
        {"funding.political_will": 0.5, "rewards.scheme": "tournament"},
    )

    def step_checks(self, model) -> None:
        ts = model.timeseries()
        shock = ts["budget_shock"].to_numpy()[1:]
        # one shock a year: quarters 1-4, 5-8, ... share it
        for year in range(0, shock.shape[0], 4):
            assert np.all(shock[year : year + 4] == shock[year])
        if model.params["funding"]["political_will"] == 1.0:
            assert np.all(shock == 1.0)
        f = model.params["funding"]
        quarter = model.public_factor * model.regions.population.sum() / 4
        assert model.ledger.step_spent[("central", "programmes")] == pytest.approx(
            f["central_programmes"] * quarter
        )

    # --- budget shocks -------------------------------------------------------------------

    def test_budget_shock_exactly_one_with_full_political_will(self) -> None:
        rng = np.random.default_rng(0)
        assert all(policy.budget_shock(rng, 1.0) == 1.0 for _ in range(100))

    @pytest.mark.parametrize("will", [0.0, 0.5, 0.8])
    def test_budget_shock_has_mean_one_and_the_documented_spread(
        self, will: float
    ) -> None:
        rng = np.random.default_rng(1)
        draws = np.array([policy.budget_shock(rng, will) for _ in range(20_000)])
        sigma = policy.SHOCK_SCALE * (1 - will)
        assert np.all(draws > 0)
        assert (
            abs(draws.mean() - 1.0)
            < 4 * np.sqrt(np.exp(sigma**2) - 1) / np.sqrt(draws.shape[0]) + 1e-12
        )
        assert np.log(draws).std() == pytest.approx(sigma, rel=0.03)

    def test_less_political_will_more_volatile_budgets(self, make_model) -> None:
        def spread(will: float) -> float:
            return float(
                np.std(
                    np.concatenate(
                        [
                            make_model(
                                {"funding.political_will": will, "scenario.years": 8.0},
                                seed=s,
                                run=True,
                            )
                            .timeseries()["budget_shock"]
                            .iloc[1::4]
                            for s in (1, 2, 3)
                        ]
                    )
                )
            )

        assert spread(0.0) > spread(0.9) > 0 == spread(1.0)

    # --- event timing --------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("year", "time"),
        [
            (2019, 0.5),
            (2019.25, 1.5),
            (2019.3, 1.5),
            (2020, 4.5),
            (2020.75, 7.5),
            (2019.999, 3.5),
            (2038.5, 78.5),
        ],
    )
    def test_event_time(self, year: float, time: float) -> None:
        assert (
            policy.event_time(PolicyEvent(year, "funding.philanthropy", 0.0), START)
            == time
        )

    @given(st.integers(0, 400))
    def test_quarter_starts_map_to_their_quarter(self, quarter: int) -> None:
        ev = PolicyEvent(START + quarter / 4.0, "funding.philanthropy", 0.0)
        assert policy.event_time(ev, START) == quarter + 0.5

    def test_event_apply(self) -> None:
        assert (
            PolicyEvent(2016, "funding.philanthropy", multiply=0.5).apply(300.0)
            == 150.0
        )
        assert (
            PolicyEvent(2016, "rewards.scheme", "recognition").apply("none")
            == "recognition"
        )
        assert PolicyEvent(2016, "formation.term", multiply=0.5).apply(12) == 6
        assert PolicyEvent(2016, "formation.enabled", False).apply(True) is False

    # --- events in the model -------------------------------------------------------------

    def test_multiply_event_changes_params_from_its_quarter_on(
        self, make_model
    ) -> None:
        model = make_model({"scenario.history": False}, events=[HALVE_REGIONAL])
        full = model.scenario.get("funding.regional_programmes")
        seen, spent = [], []
        while model.running:
            model.step()
            seen.append(model.params["funding"]["regional_programmes"])
            spent.append(
                model.ledger.step_spent[("regional", "programmes")]
                / model.public_factor
                / (model.regions.population.sum() / 4)
            )
        assert seen[:4] == [full] * 4 and seen[4:] == [full / 2] * (
            len(seen) - 4
        )  # steps 1-4, then 5 on
        assert np.allclose(spent[:4], full) and np.allclose(spent[4:], full / 2)
        assert [(s, e.key) for s, e in model.fired_events] == [
            (4, "funding.regional_programmes")
        ]
        assert (
            model.scenario.get("funding.regional_programmes") == full
        )  # the scenario itself is untouched

    def test_event_changes_the_spending_series(self, make_model) -> None:
        base = make_model(seed=3, run=True).timeseries()
        cut = make_model(seed=3, events=[HALVE_REGIONAL], run=True).timeseries()
        assert np.array_equal(
            base["spend_regional"].iloc[:5], cut["spend_regional"].iloc[:5]
        )
        assert np.all(
            cut["spend_regional"].iloc[5:].to_numpy()
            < base["spend_regional"].iloc[5:].to_numpy()
        )

    def test_value_event_switches_the_reward_scheme(self, make_model) -> None:
        model = make_model(
            events=[
                {"year": START + 2, "set": "rewards.scheme", "value": "recognition"}
            ],
            run=True,
        )
        ts = model.timeseries()
        assert ts["spend_rewards"].iloc[:9].eq(0.0).all()
        assert ts["spend_rewards"].iloc[9:].gt(0.0).any()

    def test_events_in_one_quarter_apply_in_file_order(self, make_model) -> None:
        events = [
            {"year": START + 1, "set": "funding.philanthropy", "value": 100.0},
            {"year": START + 1, "set": "funding.philanthropy", "multiply": 3.0},
        ]
        model = make_model(events=events, run=True)
        assert model.params["funding"]["philanthropy"] == 300.0

    def test_an_event_is_identical_to_a_lever_from_the_start(self, make_model) -> None:
        at_start = make_model(
            {"funding.regional_programmes": 2000.0}, seed=4, run=True
        ).timeseries()
        by_event = make_model(
            seed=4,
            events=[
                {"year": START, "set": "funding.regional_programmes", "value": 2000.0}
            ],
            run=True,
        ).timeseries()
        cols = [c for c in at_start.columns if c != "step"]
        assert np.allclose(
            at_start[cols].to_numpy(float), by_event[cols].to_numpy(float)
        )

    @pytest.mark.parametrize(
        "key",
        [
            "formation.max_group_size",
            "network.local_share",
            "population.regions",
            "start.life_expectancy",
        ],
    )
    def test_starting_world_cannot_change_mid_run(self, make_model, key: str) -> None:
        # formation.max_group_size sets the partnership table's width: raising it mid-run would overflow it
        with pytest.raises(ScenarioError, match=key):
            make_model(events=[{"year": START + 1, "set": key, "multiply": 2.0}])

    def test_events_must_fire_before_the_end(self, make_model) -> None:
        with pytest.raises(ScenarioError, match="year"):
            make_model(
                events=[
                    {"year": START + 4, "set": "funding.philanthropy", "value": 0.0}
                ]
            )

    def test_multiply_events_keep_levers_in_range(self, make_model) -> None:
        try:
            model = make_model(
                events=[
                    {
                        "year": START + 1,
                        "set": "regulation.legal_certainty",
                        "multiply": 2.0,
                    }
                ],
                run=True,
            )
        except ScenarioError:
            return  # rejected up front: fine
        p = BY_NAME["regulation.legal_certainty"]
        assert p.low <= model.params["regulation"]["legal_certainty"] <= p.high
