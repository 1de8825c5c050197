"""Capacity building: training, mentoring, learning by doing, decay."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.mechanisms import capacity
from sim.parameters import KINDS

from .base import MechanismTestCase, open_hand_partnership

NGO = KINDS.index("ngo")
UNIVERSITY = KINDS.index("university")
GROUP = KINDS.index("community_group")


def rows_of(model, kind: int, k: int) -> list[int]:
    return [int(x) for x in np.flatnonzero(model.community.kind == kind)[:k]]


def quiet(model, **levers) -> None:
    """Every capacity force off, then the given ones on."""
    model.params["capacity"].update(
        budget=0.0, training_effect=0.0, mentoring=0.0, learning=0.0, decay=0.0
    )
    model.params["capacity"].update(levers)


class TestCapacity(MechanismTestCase):
    mechanism = capacity
    levers = {
        "capacity.budget": 20_000.0,
        "capacity.training_effect": 1.0,
        "capacity.mentoring": 0.5,
        "capacity.learning": 0.2,
        "capacity.decay": 0.1,
    }
    extra_levers = (
        {
            "capacity.budget": 0.0,
            "capacity.mentoring": 0.0,
            "capacity.learning": 0.0,
            "capacity.decay": 1.0,
        },
        {
            "capacity.budget": 1e7,
            "capacity.training_effect": 10.0,
            "capacity.mentoring": 1.0,
            "capacity.learning": 1.0,
        },
    )

    def step_checks(self, model) -> None:
        cp = model.params["capacity"]
        quarter = (
            cp["budget"] * model.public_factor * model.regions.population.sum() / 4
        )
        assert (
            model.ledger.step_spent[("central", "capacity")]
            <= quarter * (1 + 1e-9) + 1e-9
        )
        assert np.all((model.community.capacity >= 0) & (model.community.capacity <= 1))

    def test_zero_budget_does_nothing_beyond_decay(self, blank_model) -> None:
        m = blank_model
        quiet(m, decay=0.05, training_effect=1.0)
        before = m.community.capacity.copy()
        capacity.build_capacity(m)
        assert np.allclose(m.community.capacity, before * 0.95)
        assert m.ledger.spent[("central", "capacity")] == 0.0
        m.ledger.check()

    def test_training_closes_gaps_and_spends_the_budget(self, blank_model) -> None:
        m = blank_model
        quiet(m, budget=3000.0, training_effect=0.2)
        m.budget_shock = 0.5
        before = m.community.capacity.copy()
        capacity.build_capacity(m)
        gap = 1 - before
        orgs = m.community.organisations
        quarter = (
            3000.0 * 0.5 * m.regions.population.sum() / 4
        )  # Rp per person per year, for everyone, a quarter
        spend = quarter * gap * orgs / (gap * orgs).sum()
        assert np.allclose(
            m.community.capacity, before + gap * (1 - np.exp(-0.2 * spend / 1e6 / orgs))
        )
        assert m.ledger.spent[("central", "capacity")] == pytest.approx(quarter)
        assert np.all(m.community.capacity > before)

    def test_mentoring_raises_members_toward_the_best_mentor(self, blank_model) -> None:
        m = blank_model
        quiet(m, mentoring=0.5)
        ngo, uni = rows_of(m, NGO, 1)[0], rows_of(m, UNIVERSITY, 1)[0]
        g1, g2, g3, g4 = rows_of(m, GROUP, 4)
        cap = m.community.capacity
        cap[[ngo, uni, g1, g2, g3, g4]] = [0.9, 0.7, 0.3, 0.8, 0.2, 0.4]
        open_hand_partnership(m, [ngo, uni, g1])
        open_hand_partnership(m, [g2, ngo])  # a strong member still below the mentor
        open_hand_partnership(m, [g3, g4])  # no mentor: nobody learns from anybody
        capacity.build_capacity(m)
        got = m.community.capacity
        assert got[ngo] == pytest.approx(0.9)  # the best mentor does not mentor itself
        assert got[uni] == pytest.approx(
            0.7 + 0.5 * 0.2
        )  # a weaker mentor learns from the better one
        assert got[g1] == pytest.approx(0.3 + 0.5 * 0.6)
        assert got[g2] == pytest.approx(0.8 + 0.5 * 0.1)
        assert got[[g3, g4]] == pytest.approx([0.2, 0.4])

    def test_mentoring_never_lowers_a_member_above_the_mentor(
        self, blank_model
    ) -> None:
        m = blank_model
        quiet(m, mentoring=0.5)
        ngo, g = rows_of(m, NGO, 1)[0], rows_of(m, GROUP, 1)[0]
        m.community.capacity[[ngo, g]] = [0.4, 0.9]
        open_hand_partnership(m, [ngo, g])
        capacity.build_capacity(m)
        assert m.community.capacity[[ngo, g]] == pytest.approx([0.4, 0.9])

    def test_mentoring_takes_the_best_lesson_not_the_sum(self, blank_model) -> None:
        m = blank_model
        quiet(m, mentoring=0.5)
        n1, n2 = rows_of(m, NGO, 2)
        g = rows_of(m, GROUP, 1)[0]
        m.community.capacity[[n1, n2, g]] = [0.9, 0.6, 0.2]
        open_hand_partnership(m, [n1, g])
        open_hand_partnership(m, [n2, g])
        capacity.build_capacity(m)
        assert m.community.capacity[g] == pytest.approx(0.2 + 0.5 * 0.7)

    def test_learning_by_doing_only_for_members(self, blank_model) -> None:
        m = blank_model
        quiet(m, learning=0.1)
        g1, g2, g3 = rows_of(m, GROUP, 3)
        before = m.community.capacity.copy()
        open_hand_partnership(m, [g1, g2])
        open_hand_partnership(m, [g1, g2])  # two partnerships: one lesson
        capacity.build_capacity(m)
        after = m.community.capacity
        assert after[[g1, g2]] == pytest.approx(
            before[[g1, g2]] + 0.1 * (1 - before[[g1, g2]])
        )
        assert after[g3] == before[g3]

    # the model is only a stage: every example resets the levers and capacities it reads
    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        budget=st.floats(0, 1e9),
        effect=st.floats(0, 10),
        mentoring=st.floats(0, 1),
        learning=st.floats(0, 1),
        decay=st.floats(0, 1),
        start=st.floats(0, 1),
    )
    def test_capacity_stays_in_unit_interval(
        self, blank_model, budget, effect, mentoring, learning, decay, start
    ) -> None:
        m = blank_model
        m.params["capacity"].update(
            budget=budget,
            training_effect=effect,
            mentoring=mentoring,
            learning=learning,
            decay=decay,
        )
        m.community.capacity[:] = start
        if m.partnerships.count == 0:
            open_hand_partnership(m, rows_of(m, NGO, 1) + rows_of(m, GROUP, 2))
        for _ in range(3):
            capacity.build_capacity(m)
            assert np.all((m.community.capacity >= 0) & (m.community.capacity <= 1))

    # --- in the model --------------------------------------------------------------------

    def test_capacity_budget_raises_mean_capacity(self, make_model) -> None:
        none = make_model({"capacity.budget": 0.0}, run=True).timeseries()[
            "mean_capacity"
        ]
        lots = make_model({"capacity.budget": 2000.0}, run=True).timeseries()[
            "mean_capacity"
        ]
        assert none.iloc[0] == lots.iloc[0]
        assert lots.iloc[-1] > none.iloc[-1]

    def test_partnering_raises_capacity(self, make_model) -> None:
        off = make_model(
            {"formation.enabled": False, "capacity.budget": 0.0}, run=True
        ).timeseries()["mean_capacity"]
        on = make_model({"capacity.budget": 0.0}, run=True).timeseries()[
            "mean_capacity"
        ]
        assert on.iloc[-1] > off.iloc[-1]
