"""Trust and cohesion: trust grows by working together, fades without it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.mechanisms import trust
from sim.state import pair_keys

from .base import MechanismTestCase, hand_ties, open_hand_partnership


def tie_trust(model, a: int, b: int) -> float | None:
    pos, found = model.ties.find(pair_keys(np.array([a]), np.array([b]), model.ties.n))
    return float(model.ties.trust[pos[0]]) if found[0] else None


class TestTrust(MechanismTestCase):
    mechanism = trust
    levers = {
        "trust.growth": 0.5,
        "trust.decay": 0.3,
        "trust.initial": 0.5,
        "trust.social_effect": 5.0,
    }
    extra_levers = (
        {"trust.initial": 0.0, "trust.dissolve_below": 0.0},
        {"trust.growth": 0.0, "trust.decay": 1.0},
    )

    def step_checks(self, model) -> None:
        t = model.partnerships
        ids = t.active_ids()
        # every pair working together has a tie; cohesion is a mean trust
        if ids.shape[0]:
            from sim.state import member_pairs

            _, a, b = member_pairs(t.members[ids])
            assert np.all(model.ties.find(pair_keys(a, b, model.ties.n))[1])
        assert 0.0 <= trust.cohesion(model) <= 1.0
        rc = trust.regional_cohesion(model)
        assert rc.shape == (model.regions.n,) and np.all((rc >= 0) & (rc <= 1))
        pt = trust.partnership_trust(model, ids)
        assert np.all((pt >= 0) & (pt <= 1))

    # --- update on hand-made ties ---------------------------------------------------------

    def make_stage(self, blank_model, ties):
        m = blank_model
        m.ties = ties
        m.params["trust"].update(initial=0.3, growth=0.1, decay=0.2, social_effect=0.0)
        return m

    def test_working_pairs_grow_and_idle_ties_decay_to_their_floor(
        self, blank_model
    ) -> None:
        n = blank_model.community.n
        m = self.make_stage(
            blank_model,
            hand_ties(
                n, [(0, 1), (2, 3), (4, 5)], [0.5, 0.8, 0.5], [True, True, False]
            ),
        )
        open_hand_partnership(m, [0, 1, 6])
        trust.update(m, np.zeros(m.regions.n))
        assert tie_trust(m, 0, 1) == pytest.approx(0.5 + 0.1 * 0.5)  # worked together
        assert tie_trust(m, 0, 6) == pytest.approx(
            0.3 + 0.1 * 0.7
        )  # new working tie starts at initial
        assert tie_trust(m, 1, 6) == pytest.approx(0.3 + 0.1 * 0.7)
        assert tie_trust(m, 2, 3) == pytest.approx(
            0.8 - 0.2 * (0.8 - 0.3)
        )  # forum floor 0.3
        assert tie_trust(m, 4, 5) == pytest.approx(
            0.5 - 0.2 * 0.5
        )  # working-only tie: floor 0
        for _ in range(200):
            trust.update(m, np.zeros(m.regions.n))
        assert tie_trust(m, 2, 3) == pytest.approx(0.3, abs=1e-9)
        assert tie_trust(m, 4, 5) is None  # faded below DROP_BELOW and dropped
        assert tie_trust(m, 0, 1) == pytest.approx(1.0, abs=1e-6)

    def test_forum_ties_below_the_floor_do_not_decay(self, blank_model) -> None:
        n = blank_model.community.n
        m = self.make_stage(blank_model, hand_ties(n, [(0, 1)], [0.1], [True]))
        trust.update(m, np.zeros(m.regions.n))
        assert tie_trust(m, 0, 1) == pytest.approx(0.1)

    def test_social_activities_lift_forum_ties_only(self, blank_model) -> None:
        m = blank_model
        n = m.community.n
        r0 = np.flatnonzero(m.community.region == 0)[:4]
        m.ties = hand_ties(
            n, [(r0[0], r0[1]), (r0[2], r0[3])], [0.3, 0.3], [True, False]
        )
        m.params["trust"].update(initial=0.3, growth=0.1, decay=0.0, social_effect=0.5)
        social = np.zeros(m.regions.n)
        social[0] = 0.4e6 * m.regions.population[0]  # Rp 0.4 million per person
        trust.update(m, social)
        assert tie_trust(m, r0[0], r0[1]) == pytest.approx(0.3 + 0.2 * 0.7)
        assert tie_trust(m, r0[2], r0[3]) == pytest.approx(0.3)

    def test_trust_stays_in_unit_interval_at_extreme_levers(self, blank_model) -> None:
        n = blank_model.community.n
        m = self.make_stage(
            blank_model, hand_ties(n, [(0, 1), (2, 3)], [1.0, 0.0], [True, False])
        )
        m.params["trust"].update(growth=1.0, decay=1.0, social_effect=10.0)
        open_hand_partnership(m, [0, 1])
        for _ in range(5):
            trust.update(m, np.full(m.regions.n, 1e9))
            assert np.all((m.ties.trust >= 0) & (m.ties.trust <= 1))

    # --- partnership trust and cohesion ------------------------------------------------

    def test_partnership_trust_hand_example(self, blank_model) -> None:
        m = blank_model
        n = m.community.n
        m.params["trust"]["initial"] = 0.3
        m.ties = hand_ties(
            n, [(0, 1), (1, 2), (3, 4)], [0.2, 0.5, 0.9], [True, True, True]
        )
        a = open_hand_partnership(
            m, [0, 1, 2]
        )  # pairs 0-1 (0.2), 0-2 (no tie: initial), 1-2 (0.5)
        b = open_hand_partnership(m, [3, 4])
        got = trust.partnership_trust(m, np.array([a, b]))
        assert got == pytest.approx([(0.2 + 0.3 + 0.5) / 3, 0.9])
        assert trust.partnership_trust(m, np.zeros(0, np.int64)).shape == (0,)

    def test_remembered_pairs_follow_a_member_change(self, blank_model) -> None:
        """Pairs remembered for the trust update are made again when a member row changes in place."""
        m = blank_model
        n = m.community.n
        m.ties = hand_ties(n, [(0, 1), (2, 3)], [0.2, 0.8], [True, True])
        a = open_hand_partnership(m, [0, 1])
        ids = np.array([a])
        assert trust.partnership_trust(m, ids) == pytest.approx([0.2])
        m.partnerships.members[a, :2] = [2, 3]  # changed in place, same ids
        assert trust.partnership_trust(m, ids) == pytest.approx([0.8])
        rows, keys = trust.working_pairs(m.partnerships, ids, n)
        assert rows.tolist() == [0] and keys.tolist() == [2 * n + 3]

    def test_cohesion_is_mean_trust(self, blank_model) -> None:
        m = blank_model
        m.ties = hand_ties(m.community.n, [(0, 1), (1, 2)], [0.2, 0.6], [True, False])
        assert trust.cohesion(m) == pytest.approx(0.4)
        m.ties = hand_ties(m.community.n, [], [], [])
        assert trust.cohesion(m) == m.params["trust"]["initial"]
        assert np.all(trust.regional_cohesion(m) == m.params["trust"]["initial"])

    def test_regional_cohesion_within_regions(self, blank_model) -> None:
        m = blank_model
        reg = m.community.region
        r0, r1 = np.flatnonzero(reg == 0)[:4], np.flatnonzero(reg == 1)[:2]
        m.ties = hand_ties(
            m.community.n,
            [(r0[0], r0[1]), (r0[2], r0[3]), (r1[0], r1[1])],
            [0.2, 0.4, 0.9],
            [True] * 3,
        )
        rc = trust.regional_cohesion(m)
        assert rc[0] == pytest.approx(0.3) and rc[1] == pytest.approx(0.9)
        assert rc[2] == m.params["trust"]["initial"]  # no ties: initial trust

    def test_regional_cohesion_counts_cross_region_ties_for_both_regions(
        self, blank_model
    ) -> None:
        m = blank_model
        reg = m.community.region
        a = int(np.flatnonzero(reg == 0)[0])
        b, c, d = (
            int(x)
            for x in np.flatnonzero((reg == 1) & (np.arange(reg.shape[0]) > a))[:3]
        )
        m.ties = hand_ties(m.community.n, [(a, b), (c, d)], [0.9, 0.1], [True, True])
        rc = trust.regional_cohesion(m)
        assert rc[0] == pytest.approx(0.9)
        # region 1's agents b, c and d hold ties of trust 0.9, 0.1 and 0.1: the cross-region tie counts for both
        assert rc[1] == pytest.approx((0.9 + 0.1 + 0.1) / 3)

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(data=st.data())
    def test_regional_cohesion_adds_as_one_count_over_both_ends(
        self, blank_model, data
    ) -> None:
        """Bit for bit the mean over both ends' regions counted in one pass, ends i then j."""
        m = blank_model
        n = m.community.n
        pairs = data.draw(
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(
                    lambda p: p[0] != p[1]
                ),
                max_size=60,
                unique_by=lambda p: (min(p), max(p)),
            )
        )
        values = data.draw(
            st.lists(st.floats(0.0, 1.0), min_size=len(pairs), max_size=len(pairs))
        )
        m.ties = hand_ties(n, pairs, values, [True] * len(pairs))
        if not pairs:
            return
        ri, rj = m.ties.endpoint_labels(m.community.region)
        r = np.concatenate([ri, rj]).astype(np.int64)
        t = np.concatenate([m.ties.trust, m.ties.trust])
        total = np.bincount(r, weights=t, minlength=m.regions.n)
        count = np.bincount(r, minlength=m.regions.n)
        expected = np.where(
            count > 0, total / np.maximum(count, 1), m.params["trust"]["initial"]
        )
        assert np.array_equal(trust.regional_cohesion(m), expected)

    # --- in the model --------------------------------------------------------------------

    def test_working_together_raises_cohesion(self, make_model) -> None:
        on = make_model(run=True).timeseries()["cohesion"]
        off = make_model(
            {"formation.enabled": False, "trust.social_effect": 0.0}, run=True
        ).timeseries()["cohesion"]
        assert np.allclose(
            off, off.iloc[0]
        )  # nobody works together: forum trust stays at its floor
        assert on.iloc[-1] > off.iloc[-1]

    def test_no_growth_keeps_working_ties_at_initial(self, make_model) -> None:
        model = make_model({"trust.growth": 0.0, "trust.social_effect": 0.0}, run=True)
        assert np.allclose(
            model.ties.trust[model.ties.forum], model.params["trust"]["initial"]
        )
        assert np.all(model.ties.trust <= model.params["trust"]["initial"] + 1e-12)
