"""Operation: pooled money and volunteer labour, co-funding, grants, quality and duplication."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.mechanisms import operation
from sim.state import NO_MEMBER

from .base import MechanismTestCase, open_hand_partnership

X = NO_MEMBER


class TestOperation(MechanismTestCase):
    mechanism = operation
    levers = {
        "gotong_royong.enabled": False,
        "funding.cofunding_match": 3.0,
        "funding.trust_fund_share": 0.6,
        "funding.trust_fund_rule": "performance",
        "institutions.coordination": 0.0,
        "institutions.duplication_loss": 1.0,
    }
    extra_levers = (
        {
            "funding.regional_cofunding": 0.0,
            "funding.central_cofunding": 0.0,
            "funding.international_donors": 0.0,
            "funding.philanthropy": 0.0,
        },
        {
            "funding.trust_fund_share": 1.0,
            "funding.trust_fund_rule": "need",
            "regulation.tax_deduction": 1.0,
        },
        {
            "funding.cofunding_match": 10.0,
            "gotong_royong.volunteer_days": 92.0,
            "funding.political_will": 0.0,
        },
    )

    def step_checks(self, model) -> None:
        f, spent, shock = (
            model.params["funding"],
            model.ledger.step_spent,
            model.public_factor,
        )
        quarter = model.regions.population.sum() / 4  # budgets are per person per year
        tol = 1e-6 * quarter
        assert (
            spent[("central", "cofunding")]
            <= f["central_cofunding"] * shock * quarter + tol
        )
        assert (
            spent[("regional", "cofunding")]
            <= f["regional_cofunding"] * shock * quarter + tol
        )
        assert (
            spent[("donors", "grants")] + spent[("donors", "overhead")]
            <= (f["international_donors"] + f["philanthropy"]) * quarter + tol
        )
        assert spent[("central", "programmes")] == pytest.approx(
            f["central_programmes"] * shock * quarter
        )
        assert spent[("central", "village_fund")] == pytest.approx(
            f["village_fund"] * shock * quarter
        )
        assert spent[("regional", "programmes")] == pytest.approx(
            f["regional_programmes"] * shock * quarter
        )
        t = model.partnerships
        ids = t.active_ids()
        assert np.all((t.performance[ids] >= 0) & (t.performance[ids] <= 1))
        assert np.all(t.output[ids] >= 0) and np.all(t.pooled[ids] >= 0)
        if not model.params["gotong_royong"]["enabled"]:
            assert model.ledger.step_volunteer_value == 0.0

    # --- coverage and quality ------------------------------------------------------------

    def test_complementary_endowments_cover_more_than_identical_ones(self) -> None:
        e = np.array([[0.9, 0.1, 0.9, 0.1], [0.1, 0.9, 0.1, 0.9], [0.9, 0.1, 0.9, 0.1]])
        members = np.array([[0, 1], [0, 2]])
        cov = operation.coverage(members, e)
        assert cov[0] == pytest.approx(0.91)  # 1 - 0.1 x 0.9 on every resource
        assert cov[1] == pytest.approx(np.sqrt(0.99 * 0.19))
        assert cov[0] > cov[1]

    def test_coverage_ignores_padding_and_of_one_member_is_its_geometric_mean(
        self,
    ) -> None:
        e = np.array([[0.2, 0.5, 0.8, 0.4], [1.0, 1.0, 1.0, 1.0]])
        cov = operation.coverage(np.array([[0, X, X]]), e)
        assert cov[0] == pytest.approx(float(np.prod(e[0]) ** 0.25))
        assert operation.coverage(np.array([[0, 1, X]]), e)[0] == pytest.approx(1.0)

    def test_coverage_grows_with_each_member(self) -> None:
        rng = np.random.default_rng(2)
        e = rng.uniform(0.05, 0.9, (5, 4))
        covs = [
            operation.coverage(np.array([list(range(k)) + [X] * (5 - k)]), e)[0]
            for k in range(1, 6)
        ]
        assert np.all(np.diff(covs) > 0)

    def test_quality_formula_and_bounds(self) -> None:
        from sim.state import CommunityState

        n = 3
        c = CommunityState(
            kind=np.zeros(n, np.int64),
            region=np.zeros(n, np.int64),
            vision=np.full((n, 4), 0.25),
            endowment=np.array([[1.0] * 4, [1.0] * 4, [0.5] * 4]),
            funds=np.ones(n),
            capacity=np.array([1.0, 1.0, 0.2]),
            motivation=np.full(n, 0.5),
            volunteer=np.full(n, 0.5),
            volunteer_base=np.full(n, 0.5),
            cap=np.full(n, 3, np.int64),
            memberships=np.zeros(n, np.int64),
            experience=np.zeros(n),
        )
        q = operation.quality(np.array([[0, 1], [0, 2]]), c, np.array([1.0, 0.0]))
        assert q[0] == pytest.approx(
            operation.MAX_QUALITY
        )  # full coverage, capacity, governance
        assert q[1] == pytest.approx(1.0 * (0.5 + 0.6) * 0.5)

    # --- duplication ---------------------------------------------------------------------

    def test_duplication_factor_formula(self) -> None:
        region = np.array([0, 0, 0, 1, 0])
        activity = np.array([2, 2, 2, 2, 1])
        count = np.array(
            [10.0, 20.0, 30.0, 5.0, 1.0]
        )  # real partnerships each stands for
        population = np.array([2e6, 1e6])
        d = operation.duplication_factor(
            region, activity, count, population, loss=0.3, coordination=0.0, half=1.0
        )
        dense = 60.0 / 20.0  # 60 real partnerships per 100,000 of 2 million people
        assert np.allclose(d[:3], 1 - 0.3 * dense / (dense + 1.0))
        assert d[3] == pytest.approx(1 - 0.3 * 0.5 / 1.5) and d[4] == pytest.approx(
            1 - 0.3 * 0.05 / 1.05
        )
        d = operation.duplication_factor(
            region, activity, count, population, loss=0.3, coordination=0.5, half=1.0
        )
        assert np.allclose(d[:3], 1 - 0.3 * 0.5 * dense / (dense + 1.0))

    def test_duplication_factor_does_not_depend_on_the_sample(self) -> None:
        """Twice the model partnerships, each standing for half as many: the same factor."""
        one = operation.duplication_factor(
            np.array([0]),
            np.array([1]),
            np.array([40.0]),
            np.array([1e6]),
            0.3,
            0.2,
            1.0,
        )
        two = operation.duplication_factor(
            np.array([0, 0]),
            np.array([1, 1]),
            np.array([20.0, 20.0]),
            np.array([1e6]),
            0.3,
            0.2,
            1.0,
        )
        assert np.allclose(two, one[0])

    @settings(max_examples=60, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=30
        ),
        st.floats(0, 1),
        st.floats(0, 1),
    )
    def test_duplication_factor_bounds(
        self, cells, loss: float, coordination: float
    ) -> None:
        region = np.array([c[0] for c in cells])
        activity = np.array([c[1] for c in cells])
        count, pop = np.full(len(cells), 50.0), np.full(4, 1e6)
        d = operation.duplication_factor(
            region, activity, count, pop, loss, coordination, 1.0
        )
        assert np.all((d >= 1 - loss - 1e-12) & (d <= 1.0 + 1e-12))
        assert np.all(
            operation.duplication_factor(region, activity, count, pop, loss, 1.0, 1.0)
            == 1.0
        )
        assert np.all(
            operation.duplication_factor(
                region, activity, count, pop, 0.0, coordination, 1.0
            )
            == 1.0
        )

    def test_duplication_factor_empty(self) -> None:
        z = np.zeros(0, np.int64)
        assert operation.duplication_factor(
            z, z, np.zeros(0), np.ones(3), 0.3, 0.3, 1.0
        ).shape == (0,)

    # --- members' inputs and benefit ------------------------------------------------------

    def test_net_benefit_arithmetic(self) -> None:
        nb = operation.net_benefit(
            3.0,
            np.array([0.4, 0.1]),
            np.array([10.0, 10.0]),
            np.array([2.0, 5.0]),
            np.array([1.0, 0.0]),
            np.array([0.0, 1.0]),
            0.5,
            0.25,
        )
        # 3 x 0.4 x 10 + 0.5 x 1 + 0.25 - (2 - 0) - 1  and  3 x 0.1 x 10 + 0 + 0.25 - (5 - 1) - 0
        assert np.allclose(nb, [12.0 + 0.5 + 0.25 - 2.0 - 1.0, 3.0 + 0.25 - 4.0])

    def test_member_inputs_split_over_memberships(self, blank_model) -> None:
        c, p = blank_model.community, blank_model.params
        f1, l1 = operation.member_inputs(c, p, np.ones(c.n, np.int64))
        f3, l3 = operation.member_inputs(c, p, np.full(c.n, 3))
        f0, _ = operation.member_inputs(c, p, np.zeros(c.n, np.int64))
        assert np.allclose(f1, p["formation"]["contribution_rate"] * c.funds)
        assert np.allclose(f3, f1 / 3) and np.allclose(l3, l1 / 3)
        assert np.array_equal(f0, f1)  # no partnership yet: no split
        gr = p["gotong_royong"]
        days = (
            gr["volunteer_days"]
            * c.people
            * c.endowment[:, 1]
            * c.volunteer
            * (0.5 + c.motivation)
        )
        assert np.allclose(l1, days * gr["shadow_wage"])

    def test_no_volunteer_labour_without_gotong_royong(self, blank_model) -> None:
        blank_model.params["gotong_royong"]["enabled"] = False
        _, labour = operation.member_inputs(
            blank_model.community, blank_model.params, blank_model.community.memberships
        )
        assert np.all(labour == 0.0)

    def test_deduction_only_for_businesses(self) -> None:
        params = {"regulation": {"tax_deduction": 0.5, "tax_rate": 0.2}}
        saved = operation.deduction(
            np.array([0, 3, 1, 3]), params, np.array([10.0, 10.0, 10.0, 4.0])
        )
        assert np.allclose(saved, [0.0, 1.0, 0.0, 0.4])

    # --- allocation ----------------------------------------------------------------------

    @settings(max_examples=80, deadline=None)
    @given(
        st.lists(
            st.tuples(st.integers(0, 3), st.one_of(st.just(0.0), st.floats(1e-6, 100))),
            min_size=1,
            max_size=30,
        ),
        st.lists(st.floats(0, 200), min_size=4, max_size=4),
    )
    def test_allocation_never_exceeds_demand_or_budget(self, demands, budgets) -> None:
        group = np.array([d[0] for d in demands])
        demand = np.array([d[1] for d in demands])
        b = np.array(budgets)
        got = operation._allocate_by_group(demand, group, b)
        assert np.all(got <= demand + 1e-9) and np.all(got >= 0)
        per = np.bincount(group, weights=got, minlength=4)
        assert np.all(per <= b + 1e-9)
        total = float(b.sum())
        one = operation._allocate(demand, total)
        assert one.sum() <= total + 1e-9 and np.all(one <= demand + 1e-9)
        if demand.sum() <= total:
            assert np.allclose(one, demand)

    # --- a hand-made partnership at work ----------------------------------------------------

    def test_a_partnership_pools_inputs_cofunding_and_grants(self, make_model) -> None:
        m = make_model({"formation.enabled": False})
        alone = make_model(
            {"formation.enabled": False}
        )  # the same world without the partnership
        m.params["funding"]["trust_fund_share"] = 0.0
        pid = open_hand_partnership(m, [0, 1], activity=1, region=0)
        m.ledger.new_step()
        invest = operation.operate(m)
        t, c, f = m.partnerships, m.community, m.params["funding"]
        funds, labour = operation.member_inputs(c, m.params, c.memberships)
        base = funds[0] + funds[1] + labour[0] + labour[1]
        quarter = m.public_factor * m.regions.population / 4
        cofund = min(
            f["cofunding_match"] * base,
            f["regional_cofunding"] * quarter[0]
            + f["central_cofunding"] * quarter.sum(),
        )
        people = m.regions.population.sum() / 4
        grants = min(base, f["international_donors"] * people) + min(
            base, f["philanthropy"] * people
        )
        grants *= 1 - f["donor_overhead"]  # both donors fund education
        assert t.pooled[pid] == pytest.approx(base + cofund + grants)
        assert t.cofunding[pid] == pytest.approx(cofund + grants)
        # Output: the additional input, less leakage, at the partnership's quality, duplication and targeting.
        from sim.mechanisms import leakage, mobilisation, targeting

        members = t.members[[pid]]
        new = (
            mobilisation.additional_input(
                funds[0] + funds[1], labour[0] + labour[1], m.params
            )
            + cofund
            + grants
        )
        given = np.zeros(members.shape)
        given[0, :2] = [funds[0] + labour[0], funds[1] + labour[1]]
        lost = leakage.leaked_share(
            t.governance[[pid]], leakage.concentration(given, members), m.params
        )[0]
        real = operation.represented(members, c.organisations)
        dup = operation.duplication_factor(
            np.array([0]), np.array([1]), real, m.regions.population, 0.3, 0.3, 1.0
        )[0]
        expected = (
            new
            * (1 - lost)
            * operation.quality(members, c, t.governance[[pid]])[0]
            * dup
            * targeting.return_multiplier(m.params)
        )
        assert t.output[pid] == pytest.approx(expected)
        assert m.ledger.step_volunteer_value == pytest.approx(labour[0] + labour[1])
        assert m.ledger.step_spent[("community", "contributions")] == pytest.approx(
            funds[0] + funds[1]
        )
        programmes = operation.operate(alone)
        extra = invest - programmes
        # The output lands in its region and activity, beside the programmes (which it lifts there).
        assert extra[0, 1] >= t.output[pid] * (1 - 1e-9)
        extra[0, 1] = 0.0
        assert np.allclose(extra, 0.0)
        m.ledger.check()

    def test_international_donors_skip_livelihood_and_social(self, blank_model) -> None:
        m = blank_model
        m.params["funding"]["philanthropy"] = 0.0
        pid = open_hand_partnership(m, [0, 1], activity=2)
        m.ledger.new_step()
        operation.operate(m)
        assert m.ledger.step_spent[("donors", "grants")] == 0.0
        assert m.partnerships.cofunding[pid] > 0  # public co-funding still arrives

    def test_pending_reward_money_is_pooled_once(self, blank_model) -> None:
        m = blank_model
        pid = open_hand_partnership(m, [0, 1])
        m.ledger.new_step()
        operation.operate(m)
        before = m.partnerships.pooled[pid]
        m.partnerships.pending[pid] = 50.0
        m.ledger.new_step()
        operation.operate(m)
        assert m.partnerships.pending[pid] == 0.0
        assert m.partnerships.pooled[pid] == pytest.approx(before + 50.0, rel=1e-9)

    # --- in the model --------------------------------------------------------------------

    def test_no_volunteer_value_without_gotong_royong(self, make_model) -> None:
        off = make_model({"gotong_royong.enabled": False}, run=True)
        on = make_model({"gotong_royong.enabled": True}, run=True)
        assert off.totals["formed"] > 0
        assert off.ledger.volunteer_value == 0.0
        assert off.timeseries()["spend_volunteer_labour"].eq(0.0).all()
        assert on.ledger.volunteer_value > 0.0

    @pytest.mark.parametrize("donors", [0.0, 300.0])
    def test_government_share_is_one_when_nothing_forms(
        self, make_model, donors: float
    ) -> None:
        model = make_model(
            {
                "formation.enabled": False,
                "funding.international_donors": donors,
                "funding.philanthropy": donors,
            },
            run=True,
        )
        ts = model.timeseries()
        assert np.allclose(ts["government_share"].iloc[1:], 1.0)
        assert model.summary()["government_share"] == pytest.approx(1.0)
        assert ts["spend_donors"].eq(0.0).all() and ts["spend_community"].eq(0.0).all()

    def test_government_share_below_one_with_partnerships(self, make_model) -> None:
        model = make_model(
            {"funding.international_donors": 0.0, "funding.philanthropy": 0.0}, run=True
        )
        assert model.totals["formed"] > 0
        assert 0.0 < model.summary()["government_share"] < 1.0

    def test_government_share_higher_without_gotong_royong(self, make_model) -> None:
        on = make_model({"gotong_royong.enabled": True}, run=True).summary()[
            "government_share"
        ]
        off = make_model({"gotong_royong.enabled": False}, run=True).summary()[
            "government_share"
        ]
        assert off > on

    def test_full_trust_fund_pooling_replaces_direct_grants(self, make_model) -> None:
        model = make_model({"funding.trust_fund_share": 1.0}, run=True)
        assert model.ledger.spent[("donors", "grants")] == 0.0
        assert model.ledger.spent[("trust_fund", "grants")] > 0.0
        inflow = model.ledger.inflow["donors"]
        assert model.ledger.transfers_in["trust_fund"] == pytest.approx(inflow)

    def test_more_cofunding_more_investment(self, make_model) -> None:
        lo = make_model(
            {"funding.central_cofunding": 0.0, "funding.regional_cofunding": 0.0},
            run=True,
        )
        hi = make_model(
            {"funding.central_cofunding": 5000.0, "funding.regional_cofunding": 3000.0},
            run=True,
        )
        assert hi.national_index > lo.national_index


def test_member_constants_follow_new_and_grown_partnerships(make_model) -> None:
    """Kept coverage and represented equal fresh ones every quarter, as partnerships form and grow."""
    model = make_model()
    table, community = model.partnerships, model.community
    grown = 0
    for _ in range(12):
        before = table.size[: table.count].copy()
        model.step()
        grown += int((table.size[: before.shape[0]] > before).sum())
        ids = table.active_ids()
        cover, real = operation.member_constants(table, community, ids)
        members = table.members[ids]
        assert np.array_equal(cover, operation.coverage(members, community.endowment))
        assert np.array_equal(
            real, operation.represented(members, community.organisations)
        )
    assert (
        grown > 0
    )  # some partnerships took in a member, so kept rows had to be renewed
    assert "_member_constants" in table.__dict__  # fixed arrays: kept, not recomputed


def test_member_constants_start_afresh_for_other_arrays(blank_model) -> None:
    """Another organisations array (or a writable one) is never answered from what was kept."""
    model = blank_model
    pid = open_hand_partnership(model, [0, 1])
    ids = np.array([pid])
    table, community = model.partnerships, model.community
    _, real = operation.member_constants(table, community, ids)
    community.organisations = np.full(community.n, 7.0)
    assert operation.member_constants(table, community, ids)[1][0] == 7.0 != real[0]
    fixed = np.full(community.n, 3.0)
    fixed.flags.writeable = False
    community.organisations = fixed
    assert operation.member_constants(table, community, ids)[1][0] == 3.0
