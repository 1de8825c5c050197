"""Dissolution: the five rules, in order, and the reason recorded for each ending."""

from __future__ import annotations

import numpy as np

from sim.mechanisms import dissolution
from sim.mechanisms.dissolution import REASONS

from .base import MechanismTestCase, hand_ties, open_hand_partnership


def reasons_of(model) -> list[str]:
    ev = model.events()
    return ev.loc[ev["event"] == "dissolved", "reason"].tolist()


class TestDissolution(MechanismTestCase):
    mechanism = dissolution
    levers = {
        "regulation.legal_certainty": 0.0,
        "regulation.base_hazard": 0.5,
        "formation.term": 3,
        "trust.dissolve_below": 0.32,
    }
    extra_levers = (
        {"trust.dissolve_below": 1.0},
        {
            "regulation.legal_certainty": 1.0,
            "formation.term": 400,
            "trust.dissolve_below": 0.0,
        },
    )

    def step_checks(self, model) -> None:
        t = model.partnerships
        ended = np.flatnonzero(~t.active[: t.count])
        assert np.all(t.end[ended] >= t.formed[ended])
        assert np.all((t.reason[ended] >= 0) & (t.reason[ended] < len(REASONS)))
        assert np.all(t.reason[t.active_ids()] == -1) and np.all(
            t.end[t.active_ids()] == -1
        )
        assert set(reasons_of(model)) <= set(REASONS)
        if model.params["regulation"]["legal_certainty"] == 1.0:
            assert "legal_uncertainty" not in reasons_of(model)

    # --- hand-made situations ----------------------------------------------------------

    def stage(self, blank_model):
        m = blank_model
        m.params["regulation"].update(base_hazard=0.0)
        m.params["trust"]["dissolve_below"] = 0.2
        n = m.community.n
        m.ties = hand_ties(
            n, [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)], [0.6] * 5, [True] * 5
        )
        return m

    def test_each_rule_gives_its_reason(self, blank_model) -> None:
        m = self.stage(blank_model)
        t = m.partnerships
        ok = open_hand_partnership(m, [0, 1], term=20)
        cut = open_hand_partnership(m, [2, 3], term=20)
        t.cofunding_prev[cut], t.cofunding[cut], t.pooled[cut] = 100.0, 10.0, 150.0
        low = open_hand_partnership(m, [4, 5], term=20)
        m.ties.trust[m.ties.find(np.array([4 * m.community.n + 5]))[0]] = 0.1
        losing = open_hand_partnership(m, [6, 7], term=20)
        t.net_benefit[losing, 1] = -0.5
        over = open_hand_partnership(m, [8, 9], term=2)
        m.ties.trust[m.ties.find(np.array([8 * m.community.n + 9]))[0]] = (
            0.2  # renews with probability 0.2
        )
        m.steps = 2  # every partnership is 2 quarters old
        gone = dissolution.dissolve(m)
        got = {int(p): REASONS[t.reason[p]] for p in gone}
        assert got[cut] == "funding_cut"
        assert got[low] == "low_trust"
        assert got[losing] == "net_benefit"
        assert ok not in got
        assert over not in got or got[over] == "term_ended"

    def test_term_ends_without_trust_and_renews_with_full_trust(
        self, blank_model
    ) -> None:
        m = self.stage(blank_model)
        m.params["trust"]["dissolve_below"] = 0.0
        m.ties = hand_ties(m.community.n, [(0, 1), (2, 3)], [0.0, 1.0], [True, True])
        a = open_hand_partnership(m, [0, 1], term=3)
        b = open_hand_partnership(m, [2, 3], term=3)
        m.steps = 2
        assert dissolution.dissolve(m).shape[0] == 0  # not over yet
        m.steps = 3
        gone = dissolution.dissolve(m)
        assert gone.tolist() == [a]
        assert REASONS[m.partnerships.reason[a]] == "term_ended"
        assert (
            m.partnerships.active[b] and m.partnerships.start[b] == 3
        )  # renewed: the term restarts
        assert m.partnerships.end[a] == 3

    def test_grace_covers_renewal_too(self, blank_model) -> None:
        m = self.stage(blank_model)
        m.ties = hand_ties(m.community.n, [(0, 1)], [1.0], [True])
        a = open_hand_partnership(m, [0, 1], term=1)
        m.partnerships.net_benefit[a, 0] = -1.0
        m.steps = 1  # over its term but younger than the grace period: a losing member does not block renewal
        assert dissolution.dissolve(m).shape[0] == 0
        assert m.partnerships.start[a] == 1
        m.steps = (
            1 + dissolution.GRACE_QUARTERS
        )  # over again and past grace: it ends for its net benefit
        assert dissolution.dissolve(m).tolist() == [a]
        assert REASONS[m.partnerships.reason[a]] == "net_benefit"

    def test_young_partnerships_are_spared_the_net_benefit_rule(
        self, blank_model
    ) -> None:
        m = self.stage(blank_model)
        a = open_hand_partnership(m, [0, 1], term=50)
        m.partnerships.net_benefit[a, 0] = -1.0
        m.steps = dissolution.GRACE_QUARTERS - 1
        assert dissolution.dissolve(m).shape[0] == 0
        m.steps = dissolution.GRACE_QUARTERS
        assert dissolution.dissolve(m).tolist() == [a]

    def test_first_rule_wins(self, blank_model) -> None:
        m = self.stage(blank_model)
        t = m.partnerships
        a = open_hand_partnership(m, [0, 1], term=1)
        t.cofunding_prev[a], t.cofunding[a], t.pooled[a] = 100.0, 0.0, 100.0
        m.ties.trust[:] = 0.0
        t.net_benefit[a, :2] = -1.0
        m.steps = 5
        dissolution.dissolve(m)
        assert REASONS[t.reason[a]] == "funding_cut"

    def test_small_cuts_or_small_cofunding_do_not_end_partnerships(
        self, blank_model
    ) -> None:
        m = self.stage(blank_model)
        t = m.partnerships
        a = open_hand_partnership(m, [0, 1], term=20)
        b = open_hand_partnership(m, [2, 3], term=20)
        t.cofunding_prev[a], t.cofunding[a], t.pooled[a] = (
            100.0,
            60.0,
            150.0,
        )  # fell by less than half
        t.cofunding_prev[b], t.cofunding[b], t.pooled[b] = (
            10.0,
            0.0,
            150.0,
        )  # under a third of pooled money
        m.steps = 1
        assert dissolution.dissolve(m).shape[0] == 0

    def test_dissolving_decrements_memberships(self, blank_model) -> None:
        m = self.stage(blank_model)
        m.params["trust"]["dissolve_below"] = 1.0  # every partnership is below it
        a = open_hand_partnership(m, [0, 1, 2])
        b = open_hand_partnership(m, [1, 2])
        assert m.community.memberships[[0, 1, 2]].tolist() == [1, 2, 2]
        m.steps = 1
        gone = dissolution.dissolve(m)
        assert sorted(gone.tolist()) == [a, b]
        assert m.community.memberships.sum() == 0
        assert len(m.partnership_agents) == 0
        m.check_invariants()

    def test_legal_hazard_rate(self, blank_model) -> None:
        m = self.stage(blank_model)
        m.params["regulation"].update(base_hazard=0.5, legal_certainty=0.2)
        m.params["trust"]["dissolve_below"] = 0.0
        initial = m.params["trust"]["initial"]
        pairs = [(2 * k, 2 * k + 1) for k in range(70)]
        m.ties = hand_ties(
            m.community.n, pairs, [initial] * 70, [True] * 70
        )  # every region's cohesion = initial
        for pair in pairs:
            open_hand_partnership(m, list(pair), term=100)
        m.steps = 1
        gone = dissolution.dissolve(m)
        hazard = 0.5 * 0.8 * (1 - m.params["trust"]["initial"])
        assert abs(gone.shape[0] / 70 - hazard) < 3 * np.sqrt(
            hazard * (1 - hazard) / 70
        )
        assert {REASONS[r] for r in m.partnerships.reason[gone]} == {
            "legal_uncertainty"
        }

    def test_nothing_to_dissolve(self, blank_model) -> None:
        assert dissolution.dissolve(blank_model).shape[0] == 0

    def test_dissolve_with_an_empty_tie_table(self, blank_model) -> None:
        m = self.stage(blank_model)
        m.ties = hand_ties(m.community.n, [], [], [])
        open_hand_partnership(m, [0, 1], term=100)
        m.steps = 1
        assert dissolution.dissolve(m).shape[0] == 0

    # --- in the model --------------------------------------------------------------------

    def test_legal_certainty_one_means_no_legal_dissolutions(self, make_model) -> None:
        for seed in (1, 2):
            model = make_model(
                {"regulation.legal_certainty": 1.0, "regulation.base_hazard": 1.0},
                seed=seed,
                run=True,
            )
            assert model.totals["dissolved"] > 0
            assert "legal_uncertainty" not in reasons_of(model)

    def test_legal_uncertainty_ends_partnerships(self, make_model) -> None:
        model = make_model(
            {"regulation.legal_certainty": 0.0, "regulation.base_hazard": 1.0}, run=True
        )
        assert reasons_of(model).count("legal_uncertainty") > 10

    def test_dissolve_below_one_ends_everything_for_low_trust(self, make_model) -> None:
        model = make_model({"trust.dissolve_below": 1.0}, run=True)
        assert model.totals["formed"] > 0
        assert set(reasons_of(model)) == {"low_trust"}
        assert model.totals["dissolved"] == model.totals["formed"]
        assert model.timeseries()["active_partnerships"].eq(0).all()
        assert model.community.memberships.sum() == 0

    def test_lifespans_are_recorded(self, make_model) -> None:
        model = make_model(run=True)
        ev = model.events()
        ended = ev[ev["event"] == "dissolved"]
        t = model.partnerships
        assert np.allclose(
            ended["lifespan_years"],
            (t.end[ended["partnership"]] - t.formed[ended["partnership"]]) / 4.0,
        )
        assert ended["reason"].isin(REASONS).all()

    def test_legal_certainty_lengthens_lifespans(self, make_model) -> None:
        def dissolved(lc: float) -> int:
            return sum(
                make_model(
                    {"regulation.legal_certainty": lc, "regulation.base_hazard": 0.5},
                    seed=s,
                    run=True,
                ).totals["dissolved"]
                for s in (1, 2)
            )

        assert dissolved(1.0) < dissolved(0.0)
