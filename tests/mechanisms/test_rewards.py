"""Evaluation and rewards: self-scores, the five reward schemes, motivation and crowding out."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.mechanisms import rewards
from sim.parameters import REWARD_SCHEMES

from .base import (
    MechanismTestCase,
    budget_for,
    one_organisation_each,
    open_hand_partnership,
)

TWENTY_STEPS = {"scenario.years": 5.0}


class TestRewards(MechanismTestCase):
    mechanism = rewards
    levers = {
        "rewards.scheme": "performance",
        "rewards.budget": 2000.0,
        "governance.honesty": 0.2,
        "rewards.performance_threshold": 0.3,
    }
    extra_levers = (
        {
            "rewards.scheme": "recognition",
            "rewards.winners_share": 0.5,
            "rewards.award_cost": 50.0,
        },
        {
            "rewards.scheme": "cash_per_participant",
            "rewards.crowding_out": 1.0,
            "rewards.budget": 5000.0,
        },
        {
            "rewards.scheme": "tournament",
            "rewards.winners_share": 0.2,
            "funding.political_will": 0.0,
        },
    )

    def step_checks(self, model) -> None:
        rp = model.params["rewards"]
        spent = model.ledger.step_spent[("rewards", "rewards")]
        if rp["scheme"] == "none":
            assert spent == 0.0 and model.ledger.inflow["rewards"] == 0.0
        elif rp["scheme"] != "tournament":
            quarter = (
                rp["budget"] * model.public_factor * model.regions.population.sum() / 4
            )
            assert spent <= quarter * (1 + 1e-9) + 1e-6
            assert model.ledger.balance["rewards"] == 0.0  # the rest lapses
        else:
            assert (
                model.ledger.spent[("rewards", "rewards")]
                <= model.ledger.inflow["rewards"] * (1 + 1e-9) + 1e-6
            )
            if model.steps % 4:
                assert spent == 0.0
        t = model.partnerships
        ids = t.active_ids()
        assert np.all((t.score[ids] >= 0) & (t.score[ids] <= 1))
        if model.params["governance"]["honesty"] == 1.0:
            assert np.array_equal(t.score[ids], np.clip(t.performance[ids], 0, 1))

    # --- self-evaluation -----------------------------------------------------------------

    def test_self_score_is_performance_when_honest(self) -> None:
        perf = np.linspace(0, 1, 101)
        assert np.array_equal(
            rewards.self_score(np.random.default_rng(0), perf, 1.0), perf
        )

    def test_dishonest_scores_are_inflated(self) -> None:
        perf = np.full(20_000, 0.3)
        scores = rewards.self_score(np.random.default_rng(1), perf, 0.0)
        assert scores.mean() == pytest.approx(0.3 + rewards.SELF_BIAS * 0.7, abs=0.02)
        half = rewards.self_score(np.random.default_rng(1), perf, 0.5)
        assert 0.3 < half.mean() < scores.mean()
        assert scores.std() > half.std() > 0

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(st.floats(0, 1), min_size=1, max_size=50),
        st.floats(0, 1),
        st.integers(0, 2**32 - 1),
    )
    def test_self_scores_stay_in_unit_interval(
        self, perf, honesty: float, seed: int
    ) -> None:
        s = rewards.self_score(np.random.default_rng(seed), np.array(perf), honesty)
        assert np.all((s >= 0) & (s <= 1))

    # --- top share -----------------------------------------------------------------------

    def test_top_share_hand_example(self) -> None:
        score = np.array([0.2, 0.9, 0.5, 0.9, 0.1])
        assert rewards.top_share(score, 0.4).tolist() == [1, 3]  # ties by position
        assert rewards.top_share(score, 0.01).tolist() == [1]  # at least one
        assert rewards.top_share(score, 0.0).tolist() == []
        assert rewards.top_share(score, 1.0).tolist() == [1, 3, 2, 0, 4]
        assert rewards.top_share(score, 0.6, limit=1).tolist() == [1]
        assert rewards.top_share(np.zeros(0), 0.5).tolist() == []

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.floats(0, 1), min_size=1, max_size=40), st.floats(0, 1))
    def test_top_share_picks_the_best(self, scores, share: float) -> None:
        score = np.array(scores)
        win = rewards.top_share(score, share)
        assert win.shape[0] == int(np.ceil(share * score.shape[0]))
        if 0 < win.shape[0] < score.shape[0]:
            rest = np.setdiff1d(np.arange(score.shape[0]), win)
            assert score[win].min() >= score[rest].max()

    # --- schemes on a hand-made partnership ------------------------------------------------

    def test_recognition_boosts_the_winners_members(self, blank_model) -> None:
        m = blank_model
        one_organisation_each(m)
        m.params["rewards"].update(
            scheme="recognition",
            winners_share=0.5,
            budget=budget_for(m, 100.0),
            award_cost=10.0,
            recognition_boost=0.5,
        )
        m.params["governance"]["honesty"] = 1.0
        good = open_hand_partnership(m, [0, 1])
        bad = open_hand_partnership(m, [2, 3])
        m.partnerships.performance[[good, bad]] = [0.9, 0.1]
        before = m.community.motivation.copy()
        m.ledger.new_step()
        rewards.evaluate_and_reward(m)
        after = m.community.motivation
        drift = lambda x: x + rewards.MOTIVATION_DRIFT * (0.5 - x)  # noqa: E731
        won = (
            before[[0, 1]] + 0.5 * (1 - before[[0, 1]]) + rewards.SUCCESS_LEARNING * 0.4
        )
        lost = before[[2, 3]] + rewards.SUCCESS_LEARNING * -0.4
        assert np.allclose(after[[0, 1]], np.clip(drift(won), 0, 1))
        assert np.allclose(after[[2, 3]], np.clip(drift(lost), 0, 1))
        assert m.ledger.step_spent[("rewards", "rewards")] == pytest.approx(10.0)
        assert m.ledger.lapsed["rewards"] == pytest.approx(90.0)
        m.ledger.check()

    def test_recognition_limited_by_budget(self, blank_model) -> None:
        m = blank_model
        one_organisation_each(m)
        m.params["rewards"].update(
            scheme="recognition",
            winners_share=1.0,
            budget=budget_for(m, 25.0),
            award_cost=10.0,
        )
        for k in range(5):
            open_hand_partnership(m, [2 * k, 2 * k + 1])
        m.ledger.new_step()
        rewards.evaluate_and_reward(m)
        assert m.ledger.step_spent[("rewards", "rewards")] == pytest.approx(
            20.0
        )  # two affordable awards

    def test_performance_grants_go_to_partnerships_above_threshold(
        self, blank_model
    ) -> None:
        m = blank_model
        one_organisation_each(m)
        m.params["rewards"].update(
            scheme="performance", budget=budget_for(m, 90.0), performance_threshold=0.5
        )
        m.params["governance"]["honesty"] = 1.0
        ids = [
            open_hand_partnership(m, [0, 1]),
            open_hand_partnership(m, [2, 3, 4]),
            open_hand_partnership(m, [5, 6]),
        ]
        m.partnerships.performance[ids] = [0.6, 0.8, 0.4]
        m.ledger.new_step()
        rewards.evaluate_and_reward(m)
        # pro rata to score x size: 0.6 x 2 = 1.2 and 0.8 x 3 = 2.4 of 3.6
        assert np.allclose(m.partnerships.pending[ids], [30.0, 60.0, 0.0])
        assert m.ledger.step_spent[("rewards", "rewards")] == pytest.approx(90.0)

    def test_cash_per_participant_pays_everyone_equally_and_crowds_out(
        self, blank_model
    ) -> None:
        m = blank_model
        one_organisation_each(m)
        m.params["rewards"].update(
            scheme="cash_per_participant", budget=budget_for(m, 40.0), crowding_out=1.0
        )
        open_hand_partnership(m, [0, 1])
        open_hand_partnership(m, [1, 2])
        vol = m.community.volunteer.copy()
        m.ledger.new_step()
        rewards.evaluate_and_reward(m)
        assert m.expect["cash_per_participant"] == pytest.approx(
            40.0 / 3
        )  # three participants
        assert np.all(m.community.volunteer[[0, 1, 2]] < vol[[0, 1, 2]])
        assert np.allclose(
            m.community.volunteer[3:], vol[3:]
        )  # at base already: recovery keeps it
        assert m.ledger.step_spent[("rewards", "rewards")] == pytest.approx(40.0)

    def test_tournament_saves_the_budget_for_the_year_end(self, blank_model) -> None:
        m = blank_model
        one_organisation_each(m)
        m.params["rewards"].update(
            scheme="tournament", budget=budget_for(m, 100.0), winners_share=0.5
        )
        ids = [open_hand_partnership(m, [0, 1]), open_hand_partnership(m, [2, 3])]
        m.partnerships.performance[ids] = [0.9, 0.1]
        m.params["governance"]["honesty"] = 1.0
        for step in (1, 2, 3):
            m.steps = step
            m.ledger.new_step()
            rewards.evaluate_and_reward(m)
            assert m.ledger.balance["rewards"] == pytest.approx(
                100.0 * step
            )  # the shock is 1 in the blank world
        m.steps = 4
        rewards.evaluate_and_reward(m)
        assert m.partnerships.pending[ids].tolist() == pytest.approx([400.0, 0.0])
        assert m.ledger.balance["rewards"] == pytest.approx(0.0)
        m.ledger.check()

    def test_motivation_drifts_back_to_neutral(self, blank_model) -> None:
        m = blank_model
        m.community.motivation[:] = 0.9
        for _ in range(200):
            rewards.evaluate_and_reward(m)
        assert np.allclose(m.community.motivation, 0.5, atol=0.01)

    # --- schemes in the model ------------------------------------------------------------

    @pytest.mark.parametrize("scheme", REWARD_SCHEMES)
    def test_rewards_spending_within_budget(self, make_model, scheme: str) -> None:
        model = make_model({"rewards.scheme": scheme, **TWENTY_STEPS}, run=True)
        spent = model.ledger.spent[("rewards", "rewards")]
        assert spent <= model.ledger.inflow["rewards"] * (1 + 1e-9) + 1e-6
        assert model.ledger.inflow["rewards"] == pytest.approx(
            0.0
            if scheme == "none"
            else model.timeseries()["budget_shock"].iloc[1:].sum()
            * model.params["rewards"]["budget"]
            * model.regions.population.sum()
            / 4
        )
        assert (spent > 0) == (scheme != "none")

    def test_cash_per_participant_lowers_volunteering(self, make_model) -> None:
        # Cash at the scale of village cash-for-work wages (Rp 200,000 a person a year), not a token budget.
        none = make_model(
            {"rewards.scheme": "none", "rewards.budget": 200_000.0, **TWENTY_STEPS},
            seed=5,
            run=True,
        ).timeseries()
        cash = make_model(
            {
                "rewards.scheme": "cash_per_participant",
                "rewards.budget": 200_000.0,
                **TWENTY_STEPS,
            },
            seed=5,
            run=True,
        ).timeseries()
        assert (
            cash["mean_volunteering"].iloc[-1]
            < none["mean_volunteering"].iloc[-1] - 0.1
        )
        assert cash["mean_volunteering"].iloc[0] == none["mean_volunteering"].iloc[0]

    def test_no_crowding_out_keeps_volunteering(self, make_model) -> None:
        none = make_model({**TWENTY_STEPS}, seed=5, run=True).timeseries()
        cash = make_model(
            {
                "rewards.scheme": "cash_per_participant",
                "rewards.crowding_out": 0.0,
                **TWENTY_STEPS,
            },
            seed=5,
            run=True,
        ).timeseries()
        assert np.allclose(cash["mean_volunteering"], none["mean_volunteering"])

    def test_recognition_raises_motivation(self, make_model) -> None:
        none = make_model(
            {"rewards.scheme": "none", **TWENTY_STEPS}, seed=5, run=True
        ).timeseries()
        rec = make_model(
            {"rewards.scheme": "recognition", **TWENTY_STEPS}, seed=5, run=True
        ).timeseries()
        assert rec["mean_motivation"].iloc[-1] > none["mean_motivation"].iloc[-1] + 0.05

    def test_honesty_one_scores_equal_performance_in_the_model(
        self, make_model
    ) -> None:
        model = make_model({"governance.honesty": 1.0}, run=True)
        t = model.partnerships
        ids = t.active_ids()
        assert ids.shape[0] > 0
        assert np.array_equal(t.score[ids], t.performance[ids])

    def test_reward_money_reaches_an_activity(self, make_model) -> None:
        model = make_model(
            {"rewards.scheme": "performance", **TWENTY_STEPS}, seed=1, run=True
        )
        t = model.partnerships
        dead = ~t.active[: t.count]
        assert t.pending[: t.count][dead].sum() == 0.0
