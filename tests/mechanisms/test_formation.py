"""Formation: shared vision, mutual need, one-round mutual best choice, an agreement that pays."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.mechanisms import formation
from sim.mechanisms.operation import coverage, deduction, member_inputs
from sim.state import NO_MEMBER, CommunityState

from .base import MechanismTestCase, cosine


def hand_community(
    vision, endowment, *, kind=None, funds=None, memberships=None
) -> CommunityState:
    vision = np.asarray(vision, float)
    endowment = np.asarray(endowment, float)
    n = vision.shape[0]
    return CommunityState(
        kind=np.zeros(n, np.int64) if kind is None else np.asarray(kind, np.int64),
        region=np.zeros(n, np.int64),
        vision=vision,
        endowment=endowment,
        funds=np.full(n, 10.0) if funds is None else np.asarray(funds, float),
        capacity=np.full(n, 0.5),
        motivation=np.full(n, 0.5),
        volunteer=np.full(n, 0.5),
        volunteer_base=np.full(n, 0.5),
        cap=np.full(n, 3, np.int64),
        memberships=np.zeros(n, np.int64)
        if memberships is None
        else np.asarray(memberships, np.int64),
        experience=np.zeros(n),
    )


def formed_founders(model) -> np.ndarray:
    t = model.partnerships
    return t.members[: t.count, :2]


class TestFormation(MechanismTestCase):
    mechanism = formation
    levers = {
        "formation.vision_threshold": 0.8,
        "formation.complementarity_weight": 0.9,
        "formation.max_group_size": 6,
        "regulation.transaction_cost": 1.0,
    }
    extra_levers = (
        {"formation.max_group_size": 2, "formation.complementarity_weight": 0.0},
        {"formation.enabled": False},
        {
            "formation.term": 2,
            "formation.impact_value": 10.0,
            "regulation.transaction_cost": 0.0,
        },
    )

    def step_checks(self, model) -> None:
        # Each agent takes part in at most one new partnership (formed or joined) a quarter.
        ev = model.events()
        now = ev[(ev["step"] == model.steps) & (ev["event"] == "formed")]
        agents = [int(x) for m in now["members"] for x in m.split(";")]
        joined = ev[(ev["step"] == model.steps) & (ev["event"] == "joined")]
        agents += [int(r.split(":")[1]) for r in joined["reason"]]
        assert len(agents) == len(set(agents))
        assert np.all(
            model.partnerships.size[: model.partnerships.count]
            <= max(model.params["formation"]["max_group_size"], 2)
        )

    # --- pair scores ---------------------------------------------------------------------

    def test_identical_visions_have_similarity_one(self) -> None:
        v = [[0.4, 0.3, 0.2, 0.1], [0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]]
        c = hand_community(v, np.full((3, 4), 0.5))
        sim, _, _ = formation.pair_scores(c, np.array([0, 0]), np.array([1, 2]), 0.5)
        assert sim[0] == pytest.approx(1.0)
        assert sim[1] == pytest.approx(cosine(np.array(v[0]), np.array(v[2])))
        assert sim[1] < 1.0

    def test_orthogonal_visions_have_similarity_zero(self) -> None:
        c = hand_community([[1, 0, 0, 0], [0, 1, 0, 0]], np.full((2, 4), 0.5))
        sim, _, _ = formation.pair_scores(c, np.array([0]), np.array([1]), 0.0)
        assert sim[0] == pytest.approx(0.0)

    def test_complementarity_is_one_when_each_covers_the_others_need(self) -> None:
        e = [[0.9, 0.2, 0.1, 0.6], [0.2, 0.9, 0.95, 0.5], [0.9, 0.2, 0.1, 0.6]]
        c = hand_community(np.full((3, 4), 0.25), e)
        _, comp, _ = formation.pair_scores(c, np.array([0, 0]), np.array([1, 2]), 0.5)
        # needs of 0 (0.1, 0.8, 0.9, 0.4) are covered by 1, needs of 1 (0.8, 0.1, 0.05, 0.5) by 0
        assert comp[0] == pytest.approx(1.0)
        # look-alikes cover min(need, e) = (0.1, 0.2, 0.1, 0.4) of each other's need 2.2
        assert comp[1] == pytest.approx(0.8 / 2.2)

    def test_complementarity_is_mutual_need(self) -> None:
        # 1 brings everything 0 lacks; 0 brings nothing, so 1's own needs stay uncovered
        c = hand_community(
            np.full((2, 4), 0.25), [[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.5]]
        )
        _, comp, _ = formation.pair_scores(c, np.array([0]), np.array([1]), 0.5)
        assert comp[0] == pytest.approx(0.5 * (3.5 / 4.0 + 0.0))
        nothing = hand_community(np.full((2, 4), 0.25), np.zeros((2, 4)))
        assert (
            formation.pair_scores(nothing, np.array([0]), np.array([1]), 0.5)[1][0]
            == 0.0
        )

    def test_pair_scores_are_symmetric(self) -> None:
        rng = np.random.default_rng(3)
        c = hand_community(rng.dirichlet(np.ones(4), 8), rng.random((8, 4)))
        s, t = np.array([0, 1, 2, 3, 4]), np.array([5, 6, 7, 0, 1])
        for a, b in zip(
            formation.pair_scores(c, s, t, 0.4),
            formation.pair_scores(c, t, s, 0.4),
            strict=True,
        ):
            assert np.allclose(a, b)

    def test_covered_share(self) -> None:
        need = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
        endow = np.array([[0.25, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]])
        assert formation.covered(need, endow) == pytest.approx([0.75, 0.0])

    @pytest.mark.parametrize("w", [0.0, 0.3, 1.0])
    def test_score_is_the_weighted_mix(self, w: float) -> None:
        rng = np.random.default_rng(1)
        v = rng.dirichlet(np.ones(4), 6)
        c = hand_community(v, rng.random((6, 4)))
        s, t = np.array([0, 1, 2, 3]), np.array([4, 5, 0, 1])
        sim, comp, score = formation.pair_scores(c, s, t, w)
        assert np.allclose(score, (1 - w) * sim + w * comp)
        assert np.all(
            (sim >= 0) & (sim <= 1 + 1e-12) & (comp >= 0) & (comp <= 1 + 1e-12)
        )

    # --- mutual best ---------------------------------------------------------------------

    def test_mutual_best_hand_example(self) -> None:
        a = np.array([0, 0, 2, 1])
        b = np.array([1, 2, 3, 3])
        score = np.array([0.9, 0.5, 0.8, 0.95])
        # agent 1 prefers proposal 3 (0.95) to 0 (0.9); agent 3 too: only proposal 3 is mutual.
        assert formation.mutual_best(a, b, score).tolist() == [
            False,
            False,
            False,
            True,
        ]

    def test_mutual_best_breaks_ties_by_proposal_order(self) -> None:
        a, b = np.array([0, 0, 1]), np.array([1, 2, 2])
        assert formation.mutual_best(a, b, np.full(3, 0.5)).tolist() == [
            True,
            False,
            False,
        ]

    def test_mutual_best_keeps_disjoint_pairs(self) -> None:
        a, b = np.array([0, 2, 4]), np.array([1, 3, 5])
        assert formation.mutual_best(a, b, np.array([0.1, 0.2, 0.3])).all()
        assert formation.mutual_best(
            np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        ).shape == (0,)

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 12), st.integers(0, 12), st.floats(0, 1)),
            min_size=1,
            max_size=40,
        )
    )
    def test_mutual_best_never_picks_an_agent_twice(self, proposals) -> None:
        proposals = [(x, y, sc) for x, y, sc in proposals if x != y]
        if not proposals:
            return
        a = np.array([p[0] for p in proposals])
        b = np.array([p[1] for p in proposals])
        score = np.array([p[2] for p in proposals])
        keep = formation.mutual_best(a, b, score)
        picked = np.concatenate([a[keep], b[keep]])
        assert np.unique(picked).shape[0] == picked.shape[0]
        # the best proposal overall (first among equals) is always kept
        top = int(np.lexsort((np.arange(score.shape[0]), -score))[0])
        assert keep[top]
        # every kept proposal is the best one each of its agents has
        for k in np.flatnonzero(keep):
            for agent in (a[k], b[k]):
                mine = (a == agent) | (b == agent)
                assert score[k] >= score[mine].max()

    @settings(max_examples=150, deadline=None)
    @given(
        st.lists(
            st.tuples(
                st.integers(0, 9),
                st.integers(0, 9),
                st.sampled_from([0.1, 0.5, 0.5, 0.9, 0.3]),
            ),
            min_size=1,
            max_size=30,
        )
    )
    def test_mutual_best_same_with_and_without_a_nan_score_elsewhere(
        self, proposals
    ) -> None:
        """A NaN score (on agents no other proposal involves) must not change anyone else's choice."""
        a = np.array([p[0] for p in proposals])
        b = np.array([p[1] for p in proposals])
        score = np.array([p[2] for p in proposals])
        plain = formation.mutual_best(a, b, score)
        with_nan = formation.mutual_best(
            np.append(a, 100), np.append(b, 101), np.append(score, np.nan)
        )
        assert np.array_equal(plain, with_nan[:-1])

    # --- the agreement -------------------------------------------------------------------

    def test_expected_net_benefit_without_impact_is_what_members_give(
        self, make_model
    ) -> None:
        model = make_model(
            {
                "formation.impact_value": 0.0,
                "regulation.tax_deduction": 0.5,
                "gotong_royong.warm_glow": 0.4,
            }
        )
        c, p = model.community, model.params
        business = int(np.flatnonzero(c.kind == 3)[0])
        members = np.array(
            [[0, business, NO_MEMBER, NO_MEMBER][: model.partnerships.width]]
        )
        new = members != NO_MEMBER
        nb = formation.expected_net_benefit(
            model, members, np.array([1]), np.array([0.7]), new
        )
        funds, labour = member_inputs(c, p, c.memberships + 1)
        saved = deduction(c.kind[[0, business]], p, funds[[0, business]])
        want = -(funds[[0, business]] - saved) + (0.4 - 1.0) * labour[[0, business]]
        assert np.allclose(nb[0, :2], want)
        assert np.all(nb[0, 2:] == 0.0)
        assert saved[1] > 0 and saved[0] == 0  # only the business deducts

    def test_expected_net_benefit_rises_with_impact_value(self, make_model) -> None:
        lo = make_model({"formation.impact_value": 1.0})
        hi = make_model({"formation.impact_value": 8.0})
        members = np.full((1, lo.partnerships.width), NO_MEMBER)
        members[0, :2] = [3, 97]
        args = (members, np.array([0]), np.array([0.7]), members != NO_MEMBER)
        assert np.all(
            formation.expected_net_benefit(hi, *args)[0, :2]
            > formation.expected_net_benefit(lo, *args)[0, :2]
        )

    @pytest.mark.parametrize(
        "levers",
        [
            {},
            {
                "formation.impact_value": 0.0,
                "gotong_royong.warm_glow": 5.0,
                "regulation.transaction_cost": 0.0,
            },
        ],
        ids=["defaults", "labour-only"],
    )
    @pytest.mark.parametrize("seed", [1, 2, 3])
    def test_every_founder_expects_to_gain_more_than_the_transaction_cost(
        self, make_model, levers, seed: int
    ) -> None:
        model = make_model({"network.socialization": 1.0, **levers}, seed=seed)
        before = model.community.memberships.copy()
        new = formation.form(model)
        assert new.shape[0] > 0
        t = model.partnerships
        members = t.members[new]
        after = model.community.memberships.copy()
        model.community.memberships[:] = before  # as the agreement saw them
        nb = formation.expected_net_benefit(
            model, members, t.activity[new], t.governance[new], members != NO_MEMBER
        )
        model.community.memberships[:] = after
        tc = model.params["regulation"]["transaction_cost"]
        assert np.all(t.term[new][:, None] * nb[:, :2] - tc > 0)
        if levers:
            # no output value: only members whose warm glow outweighs the money they give can agree
            c, p = model.community, model.params
            funds, labour = member_inputs(c, p, before + 1)
            founders = members[:, :2].ravel()
            saved = deduction(c.kind[founders], p, funds[founders])
            assert np.all(4.0 * labour[founders] - (funds[founders] - saved) > 0)

    # --- formation in the model ----------------------------------------------------------

    @pytest.mark.parametrize(
        "levers",
        [
            {"regulation.transaction_cost": 1e10},
            {"formation.enabled": False},
            {"formation.vision_threshold": 1.0},
        ],
        ids=["huge-cost", "disabled", "threshold-1"],
    )
    def test_nothing_forms(self, make_model, levers) -> None:
        model = make_model(levers, run=True)
        assert model.totals["formed"] == 0 and model.partnerships.count == 0
        assert model.timeseries()["active_partnerships"].eq(0).all()
        assert model.ledger.spent[("community", "transaction_costs")] == 0.0

    def test_partnerships_form_at_defaults(self, make_model) -> None:
        model = make_model(run=True)
        assert model.totals["formed"] > 20

    def test_transaction_cost_lowers_formation(self, make_model) -> None:
        cheap = sum(
            make_model({"regulation.transaction_cost": 0.0}, seed=s, run=True).totals[
                "formed"
            ]
            for s in (1, 2)
        )
        dear = sum(
            make_model(
                {"regulation.transaction_cost": 60_000_000.0}, seed=s, run=True
            ).totals["formed"]
            for s in (1, 2)
        )
        assert dear < cheap

    def test_transaction_costs_are_paid_per_membership_and_organisation(
        self, make_model
    ) -> None:
        model = make_model({"regulation.transaction_cost": 3.0}, run=True)
        ev = model.events()
        joined = (
            ev[ev["event"] == "joined"]["reason"]
            .str.removeprefix("joined:")
            .astype(int)
            .to_numpy()
        )
        founders = np.concatenate(
            [
                np.array(m.split(";"), dtype=int)
                for m in ev[ev["event"] == "formed"]["members"]
            ]
        )
        orgs = model.community.organisations
        expected = 3.0 * (orgs[founders].sum() + orgs[joined].sum())
        assert model.ledger.spent[("community", "transaction_costs")] == pytest.approx(
            expected
        )
        # A cost, never development spending.
        assert (
            model.ledger.costs_by_source(step=False)["community"]
            >= model.ledger.spent[("community", "transaction_costs")]
        )

    @pytest.mark.parametrize("threshold", [0.6, 0.85])
    def test_every_formed_pair_meets_the_vision_threshold(
        self, make_model, threshold: float
    ) -> None:
        model = make_model({"formation.vision_threshold": threshold}, run=True)
        v = model.community.vision
        pairs = formed_founders(model)
        assert pairs.shape[0] > 0
        sims = [cosine(v[x], v[y]) for x, y in pairs]
        assert min(sims) >= threshold - 1e-12

    def test_recruits_share_the_group_vision(self, make_model) -> None:
        model = make_model(
            {"formation.vision_threshold": 0.7, "formation.max_group_size": 5}, run=True
        )
        t, v = model.partnerships, model.community.vision
        checked = 0
        for pid in range(t.count):
            for col in range(2, t.size[pid]):
                group = v[t.members[pid, :col]].sum(axis=0)
                assert (
                    cosine(group / group.sum(), v[t.members[pid, col]]) >= 0.7 - 1e-12
                )
                checked += 1
        assert checked > 0

    def test_complementarity_weight_raises_coverage(self, make_model) -> None:
        def mean_coverage(w: float) -> float:
            covs = []
            for s in (1, 2, 3):
                model = make_model(
                    {"formation.complementarity_weight": w}, seed=s, run=True
                )
                covs.append(coverage(formed_founders(model), model.community.endowment))
            return float(np.concatenate(covs).mean())

        assert mean_coverage(1.0) > mean_coverage(0.0) + 0.03

    def test_groups_grow_beyond_two_but_never_past_the_cap(self, make_model) -> None:
        model = make_model(
            {"formation.max_group_size": 4, "network.socialization": 0.6}, run=True
        )
        sizes = model.partnerships.size[: model.partnerships.count]
        assert sizes.max() > 2
        assert sizes.max() <= 4
        assert model.totals["members_added"] == int((sizes - 2).sum())

    def test_pairs_only_when_max_group_size_is_two(self, make_model) -> None:
        model = make_model(
            {"formation.max_group_size": 2, "network.socialization": 0.6}, run=True
        )
        t = model.partnerships
        assert t.count > 0 and np.all(t.size[: t.count] == 2)
        assert model.totals["members_added"] == 0
        assert not (model.events()["event"] == "joined").any()

    def test_activity_is_the_pair_shared_priority(self, make_model) -> None:
        model = make_model(run=True)
        t, v = model.partnerships, model.community.vision
        pairs = formed_founders(model)
        assert np.array_equal(
            t.activity[: t.count], np.argmax(v[pairs[:, 0]] + v[pairs[:, 1]], axis=1)
        )

    def test_without_information_system_partnerships_target_home(
        self, make_model
    ) -> None:
        model = make_model({"network.information_system": 0.0}, run=True)
        t = model.partnerships
        assert t.count > 0
        assert np.array_equal(
            t.region[: t.count], model.community.region[t.members[: t.count, 0]]
        )

    def test_full_information_spreads_partnerships_toward_needier_regions(
        self, make_model
    ) -> None:
        """Not all to the single neediest region (the old artefact), but more where the need is greater."""
        model = make_model({"network.information_system": 1.0}, run=True)
        t = model.partnerships
        assert t.count > 0
        targets = np.bincount(t.region[: t.count], minlength=model.regions.n)
        assert (targets > 0).sum() > 1
        start = (
            model.region_series()
            .query("step == 0")
            .sort_values("region")["index"]
            .to_numpy()
        )
        assert targets[np.argmin(start)] >= targets[np.argmax(start)]

    def test_terms_around_the_agreed_mean(self, make_model) -> None:
        model = make_model({"formation.term": 10}, run=True)
        term = model.partnerships.term[: model.partnerships.count]
        assert term.min() >= 5 and term.max() <= 15
