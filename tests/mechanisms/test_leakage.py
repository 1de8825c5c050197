"""Leakage and elite capture: money lost to weak governance, cut by self-evaluation and audits."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import leakage
from sim.state import NO_MEMBER

from .base import MechanismTestCase, open_hand_partnership, params_with

PARAMS = params_with()
params = params_with


class TestLeakage(MechanismTestCase):
    mechanism = leakage
    levers = {
        "leakage.weak_governance": 0.6,
        "leakage.capture": 1.5,
        "leakage.audit_rate": 0.5,
    }
    extra_levers = (
        {
            "leakage.weak_governance": 1.0,
            "governance.quality": 0.0,
            "leakage.self_evaluation": 0.0,
        },
    )

    def step_checks(self, model) -> None:
        assert model.ledger.leakage >= 0.0

    def test_olken_audits_cut_missing_funds_by_their_effect(self) -> None:
        g, h = np.array([0.3]), np.array([0.5])
        none = leakage.leaked_share(g, h, params(leakage__audit_rate=0.0))
        audited = leakage.leaked_share(g, h, params(leakage__audit_rate=1.0))
        assert none[0] - audited[0] == pytest.approx(PARAMS["leakage"]["audit_effect"])

    def test_weak_governance_and_capture_raise_leakage(self) -> None:
        p = params()
        base = leakage.leaked_share(np.array([0.9, 0.3]), np.array([0.3, 0.3]), p)
        assert base[1] > base[0]
        captured = leakage.leaked_share(np.array([0.3]), np.array([1.0]), p)
        assert captured[0] > base[1]

    def test_can_lose_more_than_a_programme(self) -> None:
        """A badly governed, captured partnership loses more than a programme does (1 - programme_efficiency)."""
        p = params(
            leakage__weak_governance=0.6, leakage__capture=1.0, governance__honesty=0.0
        )
        lost = leakage.leaked_share(np.array([0.0]), np.array([1.0]), p)[0]
        assert lost > 1 - PARAMS["funding"]["programme_efficiency"]

    def test_honest_self_evaluation_cuts_leakage(self) -> None:
        honest = leakage.leaked_share(
            np.array([0.5]), np.array([0.5]), params(governance__honesty=1.0)
        )
        dishonest = leakage.leaked_share(
            np.array([0.5]), np.array([0.5]), params(governance__honesty=0.0)
        )
        assert honest[0] == pytest.approx(
            dishonest[0] * (1 - PARAMS["leakage"]["self_evaluation"])
        )

    def test_concentration_of_contributions(self) -> None:
        members = np.array([[0, 1, NO_MEMBER], [0, 1, 2]])
        c = np.array([[1.0, 1.0, 0.0], [3.0, 0.0, 0.0]])
        assert np.allclose(leakage.concentration(c, members), [0.5, 1.0])

    def test_leaked_money_lowers_output_and_is_recorded(self, make_model) -> None:
        outputs = []
        for weak in (0.0, 0.8):
            m = make_model(
                {"formation.enabled": False, "leakage.weak_governance": weak}
            )
            open_hand_partnership(m, [0, 1])
            m.step()
            outputs.append((m.partnerships.output[0], m.ledger.leakage))
        assert outputs[0][1] == 0.0 and outputs[1][1] > 0.0
        assert outputs[1][0] < outputs[0][0]

    def test_audits_cost_the_government_and_count_as_costs(self, make_model) -> None:
        m = make_model({"leakage.audit_rate": 1.0}, run=True)
        costs = m.ledger.costs_by_source(step=False)
        assert costs["central"] > 0
        assert m.summary()["government_costs"] == pytest.approx(costs["central"])


GOOD = {
    "governance.quality": 0.9,
    "leakage.capture": 0.0,
    "leakage.audit_rate": 0.5,
    "targeting.reach": 0.6,
    "targeting.missed_return": 2.5,
}
WEAK = {
    "governance.quality": 0.1,
    "leakage.weak_governance": 0.6,
    "leakage.capture": 1.5,
    "leakage.self_evaluation": 0.0,
    "targeting.reach": 0.6,
    "targeting.missed_return": 0.7,
}


def test_pathways_can_make_a_partnership_better_or_worse_than_a_programme(
    make_model,
) -> None:
    """Rupiah for rupiah, good governance and targeting beat a programme; capture loses to it."""
    good = make_model(GOOD, seed=11, run=True).ledger.output_per_rupiah()
    weak = make_model(WEAK, seed=11, run=True).ledger.output_per_rupiah()
    assert good["programmes"] == weak["programmes"] > 0
    assert good["partnerships"] > good["programmes"]
    assert weak["partnerships"] < weak["programmes"]
    assert weak["partnerships_with_complementarity"] >= weak["partnerships"]


def test_output_per_rupiah_is_in_the_summary(make_model) -> None:
    s = make_model({}, seed=12, run=True).summary()
    for k in ("partnerships", "partnerships_with_complementarity", "programmes"):
        assert np.isfinite(s[f"output_per_rupiah_{k}"]), k
