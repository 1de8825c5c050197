"""Networks and search: the forum network, who seeks, and the two candidate channels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.mechanisms import network
from sim.state import CommunityState, TieTable, new_community

from .base import MechanismTestCase, hand_ties


def community_of(
    n: int,
    *,
    motivation: float = 0.5,
    memberships: int = 0,
    cap: int = 3,
    seed: int = 0,
) -> CommunityState:
    """A drawn community of n agents, with motivation and memberships set by hand."""
    per = n // 5
    counts = {
        "community_group": n - 4 * per,
        "ngo": per,
        "religious_body": per,
        "business": per,
        "university": per,
    }
    c = new_community(
        np.random.default_rng(seed), counts, np.array([5e6, 3e6, 2e6]), cap
    )
    c.motivation[:] = motivation
    c.memberships[:] = memberships
    return c


def regions_of(sizes: list[int]) -> np.ndarray:
    return np.repeat(np.arange(len(sizes)), sizes).astype(np.int64)


class TestNetwork(MechanismTestCase):
    mechanism = network
    levers = {
        "network.forum_density": 12.0,
        "network.local_share": 0.3,
        "network.information_system": 0.8,
        "network.socialization": 0.6,
        "network.candidates": 3,
    }
    extra_levers = (
        {"network.forum_density": 0.0, "network.information_system": 1.0},
        {
            "network.local_share": 1.0,
            "network.information_system": 0.0,
            "network.candidates": 1,
        },
    )

    def step_checks(self, model) -> None:
        # Forum ties keep at least the initial trust: the forum is their floor.
        forum = model.ties.forum
        assert np.all(
            model.ties.trust[forum] >= model.params["trust"]["initial"] - 1e-12
        )

    # --- forum network -------------------------------------------------------------------

    @pytest.mark.parametrize("density", [2.0, 6.0, 20.0])
    def test_forum_density_realised(self, density: float) -> None:
        region = regions_of([500, 300, 200])
        ties = network.forum_network(
            np.random.default_rng(1), region, density, 0.8, 0.3
        )
        mean_degree = 2 * ties.keys.shape[0] / region.shape[0]
        # Duplicates and self-ties are dropped, so it can only fall a little short.
        assert 0.95 * density <= mean_degree <= density

    def test_forum_ties_have_no_self_ties_or_duplicates(self) -> None:
        region = regions_of([30, 10, 5])  # small regions: many self and duplicate draws
        ties = network.forum_network(np.random.default_rng(2), region, 30.0, 0.9, 0.25)
        i, j = ties.endpoints()
        assert np.all(i < j)
        assert np.unique(ties.keys).shape[0] == ties.keys.shape[0]
        assert np.all(np.diff(ties.keys) > 0)
        assert np.all(ties.forum) and np.all(ties.trust == 0.25)

    def test_local_share_one_keeps_every_tie_in_its_region(self) -> None:
        region = regions_of([400, 350, 250])
        ties = network.forum_network(np.random.default_rng(3), region, 8.0, 1.0, 0.3)
        i, j = ties.endpoints()
        assert ties.keys.shape[0] > 3000
        assert np.all(region[i] == region[j])

    def test_local_share_raises_the_share_of_local_ties(self) -> None:
        region = regions_of([400, 350, 250])
        shares = []
        for ls in (0.0, 0.25, 0.5, 0.75, 1.0):
            ties = network.forum_network(np.random.default_rng(4), region, 8.0, ls, 0.3)
            i, j = ties.endpoints()
            shares.append(np.mean(region[i] == region[j]))
        assert np.all(np.diff(shares) > 0)

    @pytest.mark.parametrize("local_share", [0.0, 0.3, 0.5, 0.8])
    def test_local_share_is_the_share_of_ties_in_the_own_region(
        self, local_share: float
    ) -> None:
        region = regions_of([400, 350, 250])
        ties = network.forum_network(
            np.random.default_rng(6), region, 10.0, local_share, 0.3
        )
        i, j = ties.endpoints()
        assert abs(np.mean(region[i] == region[j]) - local_share) < 0.03

    def test_local_share_zero_gives_no_local_ties(self) -> None:
        region = regions_of([40, 30, 20])
        ties = network.forum_network(np.random.default_rng(7), region, 10.0, 0.0, 0.3)
        i, j = ties.endpoints()
        assert ties.keys.shape[0] > 300 and not np.any(region[i] == region[j])

    def test_a_single_region_keeps_all_ties_local(self) -> None:
        region = regions_of([200])
        ties = network.forum_network(np.random.default_rng(8), region, 6.0, 0.0, 0.3)
        assert 2 * ties.keys.shape[0] / 200 >= 0.95 * 6.0

    def test_non_local_ends_are_spread_over_the_other_regions(self) -> None:
        region = regions_of([500, 300, 200])
        ties = network.forum_network(np.random.default_rng(9), region, 20.0, 0.0, 0.3)
        i, j = ties.endpoints()
        a0 = np.concatenate(
            [j[region[i] == 0], i[region[j] == 0]]
        )  # far ends of region 0's ties
        share1 = np.mean(region[a0] == 1)
        assert abs(share1 - 0.6) < 0.04  # 300 of the 500 agents outside region 0

    def test_forum_network_empty_when_no_ties_possible(self) -> None:
        assert (
            network.forum_network(
                np.random.default_rng(0), regions_of([1]), 6.0, 0.8, 0.3
            ).keys.shape[0]
            == 0
        )
        assert (
            network.forum_network(
                np.random.default_rng(0), regions_of([50]), 0.0, 0.8, 0.3
            ).keys.shape[0]
            == 0
        )

    # --- seekers -------------------------------------------------------------------------

    @pytest.mark.parametrize("socialization", [0.1, 0.25, 0.6])
    def test_seeker_share_equals_socialization_at_neutral_motivation(
        self, socialization: float
    ) -> None:
        c = community_of(20_000, motivation=0.5)
        who = network.seekers(np.random.default_rng(7), c, socialization)
        sd = np.sqrt(socialization * (1 - socialization) / c.n)
        assert abs(who.shape[0] / c.n - socialization) < 4 * sd

    def test_no_seekers_without_socialization(self) -> None:
        c = community_of(2000, motivation=0.95)
        assert network.seekers(np.random.default_rng(8), c, 0.0).shape[0] == 0

    def test_motivation_scales_the_chance_to_seek(self) -> None:
        c = community_of(20_000, motivation=0.25)
        share = network.seekers(np.random.default_rng(9), c, 0.4).shape[0] / c.n
        assert abs(share - 0.2) < 0.015  # 0.4 x 0.25 / 0.5
        c.motivation[:] = 1.0
        assert (
            network.seekers(np.random.default_rng(9), c, 0.6).shape[0] == c.n
        )  # 0.6 x 2 clipped to 1

    def test_agents_at_their_cap_never_seek(self) -> None:
        c = community_of(3000, motivation=0.95, cap=2)
        c.memberships[: c.n // 2] = 2
        who = network.seekers(np.random.default_rng(10), c, 1.0)
        assert who.shape[0] == c.n - c.n // 2
        assert np.all(c.memberships[who] < c.cap[who])

    # --- candidates ----------------------------------------------------------------------

    def test_network_candidates_are_actual_neighbours(self) -> None:
        n = 60
        region = regions_of([30, 20, 10])
        ties = network.forum_network(np.random.default_rng(11), region, 3.0, 0.7, 0.3)
        who = np.arange(n)
        s, c = network.network_candidates(np.random.default_rng(12), ties, who, 4)
        keys = np.minimum(s, c) * n + np.maximum(s, c)
        assert np.all(np.isin(keys, ties.keys))
        degree = np.bincount(np.concatenate(ties.endpoints()), minlength=n)
        # Every seeker with ties gets exactly k candidates, seekers without ties none.
        assert np.array_equal(np.bincount(s, minlength=n), np.where(degree > 0, 4, 0))

    def test_network_candidates_hand_example(self) -> None:
        ties = hand_ties(5, [(0, 1), (0, 2), (3, 4)], [0.3, 0.3, 0.3], [True] * 3)
        s, c = network.network_candidates(
            np.random.default_rng(0), ties, np.array([0, 1, 2]), 50
        )
        assert set(c[s == 0].tolist()) == {1, 2}
        assert set(c[s == 1].tolist()) == {0}
        assert set(c[s == 2].tolist()) == {0}
        s, c = network.network_candidates(
            np.random.default_rng(0), ties, np.array([], dtype=np.int64), 3
        )
        assert s.shape[0] == c.shape[0] == 0

    def test_isolated_seekers_get_no_network_candidates(self) -> None:
        ties = TieTable.from_pairs(4, np.array([0]), np.array([1]), 0.3, True)
        s, _ = network.network_candidates(
            np.random.default_rng(0), ties, np.array([2, 3]), 5
        )
        assert s.shape[0] == 0

    def test_information_candidates_nothing_at_reach_zero(self) -> None:
        rng = np.random.default_rng(13)
        pts, q = rng.random((50, 8)), rng.random((50, 8))
        s, c = network.information_candidates(rng, pts, q, np.arange(50), 5, 0.0)
        assert s.shape[0] == c.shape[0] == 0

    def test_information_candidates_are_true_nearest_neighbours_at_reach_one(
        self,
    ) -> None:
        rng = np.random.default_rng(14)
        pts, q = rng.random((50, 8)), rng.random((50, 8))
        who = np.arange(0, 50, 2)
        k = 4
        s, c = network.information_candidates(rng, pts, q, who, k, 1.0)
        d = ((q[:, None, :] - pts[None, :, :]) ** 2).sum(axis=2)
        for i in who:
            brute = [int(j) for j in np.argsort(d[i]) if j != i][:k]
            assert sorted(c[s == i].tolist()) == sorted(brute)
            # no candidate is farther than any non-candidate (other than the seeker itself)
            others = np.setdiff1d(np.arange(50), np.append(c[s == i], i))
            assert d[i, c[s == i]].max() <= d[i, others].min()
        assert not np.any(s == c)

    def test_information_channel_gives_at_most_k_candidates(self) -> None:
        rng = np.random.default_rng(15)
        pts, q = rng.random((50, 8)), rng.random((50, 8))
        s, c = network.information_candidates(rng, pts, q, np.arange(50), 3, 1.0)
        assert np.array_equal(np.bincount(s, minlength=50), np.full(50, 3))
        # the seeker's own point is its nearest when it queries its own features
        s, c = network.information_candidates(rng, pts, pts, np.arange(50), 3, 1.0)
        assert np.array_equal(
            np.bincount(s, minlength=50), np.full(50, 3)
        ) and not np.any(s == c)

    def test_information_reach_is_the_visible_share(self) -> None:
        rng = np.random.default_rng(16)
        pts, q = rng.random((2000, 8)), rng.random((2000, 8))
        s_all, _ = network.information_candidates(
            np.random.default_rng(1), pts, q, np.arange(2000), 5, 1.0
        )
        s_half, _ = network.information_candidates(
            np.random.default_rng(1), pts, q, np.arange(2000), 5, 0.5
        )
        assert abs(s_half.shape[0] / s_all.shape[0] - 0.5) < 0.03

    def test_search_features_distance_is_the_documented_mix(self) -> None:
        c = community_of(10, seed=3)
        w = 0.3
        points, queries = network.search_features(c, w)
        for i, j in [(0, 1), (2, 7), (5, 5)]:
            d2 = float(((queries[i] - points[j]) ** 2).sum())
            want = (1 - w) * float(
                ((c.vision[i] - c.vision[j]) ** 2).sum()
            ) + w * float(((c.need[i] - c.endowment[j]) ** 2).sum())
            assert d2 == pytest.approx(want, rel=1e-12, abs=1e-14)

    def test_find_candidates_drops_self_pairs_and_full_candidates(self) -> None:
        c = community_of(40, seed=4, cap=2)
        full = np.arange(0, 40, 3)
        c.memberships[full] = 2
        ties = network.forum_network(np.random.default_rng(17), c.region, 8.0, 0.5, 0.3)
        who = np.setdiff1d(np.arange(40), full)
        s, cand = network.find_candidates(
            np.random.default_rng(18), c, ties, who, 5, 1.0, 0.5
        )
        assert s.shape[0] > 0
        assert not np.any(s == cand)
        assert not np.any(np.isin(cand, full))

    @settings(max_examples=40, deadline=None)
    @given(
        n=st.integers(2, 80),
        density=st.floats(0.0, 15.0),
        local=st.floats(0.0, 1.0),
        n_regions=st.integers(1, 5),
        seed=st.integers(0, 2**32 - 1),
    )
    def test_forum_network_is_always_a_simple_graph(
        self, n: int, density: float, local: float, n_regions: int, seed: int
    ) -> None:
        rng = np.random.default_rng(seed)
        region = rng.integers(0, n_regions, n)
        ties = network.forum_network(rng, region, density, local, 0.3)
        i, j = ties.endpoints()
        assert np.all(i < j) and np.all(j < n)
        assert np.all(np.diff(ties.keys) > 0)
        assert ties.keys.shape[0] <= round(n * density / 2)

    # --- in the model --------------------------------------------------------------------

    def test_no_socialization_means_no_partnerships(self, make_model) -> None:
        model = make_model({"network.socialization": 0.0}, run=True)
        assert model.totals["formed"] == 0 and model.totals["members_added"] == 0

    def test_no_forum_and_no_information_means_no_partnerships(
        self, make_model
    ) -> None:
        model = make_model(
            {"network.forum_density": 0.0, "network.information_system": 0.0}, run=True
        )
        assert model.ties.keys.shape[0] == 0
        assert model.totals["formed"] == 0

    def test_more_socialization_more_partnerships(self, make_model) -> None:
        low = sum(
            make_model({"network.socialization": 0.05}, seed=s, run=True).totals[
                "formed"
            ]
            for s in (1, 2, 3)
        )
        high = sum(
            make_model({"network.socialization": 0.8}, seed=s, run=True).totals[
                "formed"
            ]
            for s in (1, 2, 3)
        )
        assert high > low
