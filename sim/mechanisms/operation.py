"""Operation: what partnerships and government programmes put into human development.

Each quarter members pool money and volunteer labour (gotong-royong); government, donors
and the Human Development Trust Fund co-fund by their rules; the pooled input becomes
output through the partnership's quality, which rises with complementary resources
(each member brings what another lacks), members' capacity and governance; coordination
(the institutions lever) limits the effort lost when partnerships overlap in one region
and activity. Government's own programmes invest beside them.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import complementarity, leakage, mobilisation, targeting
from sim.parameters import ACTIVITIES
from sim.state import (
    BUSINESS,
    NO_MEMBER,
    CommunityRows,
    CommunityState,
    FloatArray,
    IntArray,
    PartnershipTable,
    group_product,
    group_sum,
    row_sums,
)
from sim.world import World

# Shares of government programme spending by activity (health, education, livelihood, social).
PROGRAMME_SHARES = np.array([0.3, 0.4, 0.3, 0.0])
# Shares of village funds by activity: mostly village infrastructure and economy, then health
# (posyandu, stunting), education (PAUD) and community activities, after the ministry of
# villages' yearly priorities (Permendes PDTT on Dana Desa priorities, 2019-2022).
VILLAGE_FUND_SHARES = np.array([0.15, 0.10, 0.60, 0.15])
# Quarters in a year: budgets and giving are set per person per year.
QUARTERS = 4.0
# Donor preferences: international donors fund health and education, philanthropy anything.
INTERNATIONAL_ACTIVITIES = np.array([True, True, False, False])
# Share of its balance the trust fund disburses each quarter (it smooths grants over time).
TRUST_FUND_DISBURSEMENT = 0.5
# Highest quality a partnership can reach: full coverage, full capacity, perfect governance.
MAX_QUALITY = 1.5
SOCIAL = ACTIVITIES.index("social")


def member_inputs(
    community: CommunityState | CommunityRows, params: dict, memberships: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Money and volunteer labour value each agent puts into each of its partnerships per quarter.

    Args:
        community: Agent arrays.
        params: Current levers (``model.params``).
        memberships: Number of partnerships to split over (current, or current + 1 for a prospect).

    Returns:
        (funds, labour_value) per agent, in Rp per partnership.
    """
    split = np.maximum(memberships, 1)
    funds = params["formation"]["contribution_rate"] * community.funds / split
    gr = params["gotong_royong"]
    if not gr["enabled"]:
        return funds, np.zeros_like(funds)
    return funds, labour_value(community, gr) * (0.5 + community.motivation) / split


def labour_value(
    community: CommunityState | CommunityRows, gotong_royong: dict
) -> FloatArray:
    """Value of the volunteer labour each agent's people give in a quarter at neutral motivation (Rp).

    Volunteer days per person x people the agent stands for x its labour endowment x its
    willingness x the shadow wage.
    """
    days = (
        gotong_royong["volunteer_days"]
        * community.people
        * community.endowment[:, 1]
        * community.volunteer
    )
    return days * gotong_royong["shadow_wage"]


def represented(members: IntArray, organisations: FloatArray) -> FloatArray:
    """Real partnerships each model partnership stands for: the mean of its members' organisations."""
    return group_mean(members, organisations)


def deduction(kind: IntArray, params: dict, funds: FloatArray) -> FloatArray:
    """Tax a contributor saves on ``funds`` (businesses only); shapes of ``kind`` and ``funds`` match."""
    r = params["regulation"]
    return np.where(kind == BUSINESS, r["tax_deduction"] * r["tax_rate"] * funds, 0.0)


def coverage(members: IntArray, endowment: FloatArray) -> FloatArray:
    """Geometric mean over resources of ``1 - prod(1 - e)`` across each group's members.

    A group whose members each cover what the others lack scores high; a group of
    look-alikes leaves the same gaps open.
    """
    cov = 1.0 - group_product(members, 1.0 - endowment)
    # np.mean and np.clip, value for value, without their wrappers' cost on small groups.
    logs = np.log(np.minimum(np.maximum(cov, 1e-9), 1.0))
    return np.exp(np.add.reduce(logs, axis=1) / logs.shape[1])


def group_mean(members: IntArray, values: FloatArray) -> FloatArray:
    """Mean of a per-agent value over each group's members."""
    count = (members != NO_MEMBER).sum(axis=1)
    return group_sum(members, values) / np.maximum(count, 1)


def quality(
    members: IntArray,
    community: CommunityState,
    governance: FloatArray,
    cover: FloatArray | None = None,
) -> FloatArray:
    """Output per rupiah of input: coverage x (0.5 + mean capacity) x (0.5 + governance / 2).

    ``cover``: the groups' coverage, if already known (:func:`member_constants`).
    """
    if cover is None:
        cover = coverage(members, community.endowment)
    return (
        cover
        * (0.5 + group_mean(members, community.capacity))
        * (0.5 + 0.5 * governance)
    )


class MemberConstants:
    """Coverage and real partnerships represented, per partnership, kept while its members stay.

    Both depend only on who the members are and on their endowments and organisations, which
    are fixed for a run. A partnership's members change only when it forms or takes one more
    member (they never leave before it ends), so its size tells whether what was kept is
    still its own. Kept on the partnership table; nothing is kept for a community whose
    arrays can still be written.
    """

    def __init__(self, community: CommunityState):
        """Nothing known yet."""
        self.community = community
        # The arrays it was computed from: another array put in their place starts afresh.
        self.sources = (community.endowment, community.organisations)
        self.size = np.zeros(0, dtype=np.int64)  # members when computed; 0: never
        self.coverage = np.zeros(0)
        self.represented = np.zeros(0)

    def get(
        self, table: PartnershipTable, ids: IntArray
    ) -> tuple[FloatArray, FloatArray]:
        """(coverage, represented) of partnerships ``ids``, computed for the rows whose members changed."""
        if self.size.shape[0] < table.count:
            grow = max(table.count, 2 * self.size.shape[0]) - self.size.shape[0]
            self.size = np.concatenate([self.size, np.zeros(grow, dtype=np.int64)])
            self.coverage = np.concatenate([self.coverage, np.zeros(grow)])
            self.represented = np.concatenate([self.represented, np.zeros(grow)])
        size = table.size[ids]
        changed = self.size[ids] != size
        if changed.any():
            stale = ids[changed]
            members = table.members[stale]
            self.coverage[stale] = coverage(members, self.community.endowment)
            self.represented[stale] = represented(members, self.community.organisations)
            self.size[stale] = size[changed]
        return self.coverage[ids], self.represented[ids]


def member_constants(
    table: PartnershipTable, community: CommunityState, ids: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Coverage and real partnerships represented of partnerships ``ids`` (see :class:`MemberConstants`)."""
    if community.endowment.flags.writeable or community.organisations.flags.writeable:
        members = table.members[ids]
        return coverage(members, community.endowment), represented(
            members, community.organisations
        )
    memo = table.__dict__.get("_member_constants")
    if (
        memo is None
        or memo.community is not community
        or memo.sources[0] is not community.endowment
        or memo.sources[1] is not community.organisations
    ):
        memo = MemberConstants(community)
        table.__dict__["_member_constants"] = memo  # a cache, not a dataclass field
    return memo.get(table, ids)


def duplication_factor(
    region: IntArray,
    activity: IntArray,
    count: FloatArray,
    population: FloatArray,
    loss: float,
    coordination: float,
    half: float,
) -> FloatArray:
    """Share of output kept when partnerships crowd the same region and activity.

    ``1 - loss x (1 - coordination) x d / (d + half)``, where ``d`` is the density of real
    partnerships in the cell (per 100,000 people): a sparse cell keeps nearly everything, and
    the measure does not depend on how many agents the sample has.

    Args:
        region: Target region of each partnership.
        activity: Activity of each partnership.
        count: Real partnerships each model partnership stands for.
        population: People per region.
        loss: Largest share of output lost.
        coordination: Share of the loss that coordination removes.
        half: Density at which half the largest loss applies.
    """
    if region.shape[0] == 0:
        return np.zeros(0)
    cell = region * len(ACTIVITIES) + activity
    real = np.bincount(
        cell, weights=count, minlength=population.shape[0] * len(ACTIVITIES)
    )[cell]
    density = real / (population[region] / 1e5)
    return 1.0 - loss * (1.0 - coordination) * density / (density + half)


def net_benefit(
    impact_value: float,
    vision_weight: FloatArray,
    output_share: FloatArray,
    funds: FloatArray,
    labour: FloatArray,
    tax_saved: FloatArray,
    warm_glow: float,
    cash: float | FloatArray,
) -> FloatArray:
    """A member's net benefit per quarter (Rp equivalent).

    The value it puts on its share of the output in an activity it cares about, plus the
    warm glow of volunteering and any cash reward, less what it gives.
    """
    return (
        impact_value * vision_weight * output_share
        + warm_glow * labour
        + cash
        - (funds - tax_saved)
        - labour
    )


def _allocate(demand: FloatArray, budget: float) -> FloatArray:
    """Grant demands in full if the budget allows, otherwise pro rata."""
    total = demand.sum()
    if total <= 0 or budget <= 0:
        return np.zeros_like(demand)
    return demand * min(1.0, budget / total)


def _allocate_by_group(
    demand: FloatArray, group: IntArray, budgets: FloatArray
) -> FloatArray:
    """Pro-rata allocation within each group (e.g. region) against that group's budget."""
    total = np.bincount(group, weights=demand, minlength=budgets.shape[0])
    fill = np.divide(budgets, total, out=np.ones_like(budgets), where=total > 0)
    return demand * np.minimum(fill, 1.0)[group]


def operate(model: World) -> FloatArray:
    """Run one quarter of every active partnership and every government programme.

    Returns:
        Effective investment per region and activity, shape (regions, activities), Rp.
    """
    p = model.params
    f, community, table, ledger = (
        p["funding"],
        model.community,
        model.partnerships,
        model.ledger,
    )
    regions = model.regions
    shock = model.public_factor
    weights = regions.weights
    # Every budget is set per person per year: this quarter's sum for the whole population.
    people = float(regions.population.sum()) / QUARTERS
    invest = np.zeros((regions.n, len(ACTIVITIES)))

    ids = table.active_ids()
    members = table.members[ids]
    if ids.shape[0]:
        funds_i, labour_i = member_inputs(community, p, community.memberships)
        mask = members != NO_MEMBER
        idx = np.maximum(members, 0)
        funds_m = np.where(mask, funds_i[idx], 0.0)
        labour_m = np.where(mask, labour_i[idx], 0.0)
        saved_m = np.where(mask, deduction(community.kind[idx], p, funds_m), 0.0)
        funds, labour = row_sums(funds_m), row_sums(labour_m)
        ledger.credit("community", funds.sum())
        ledger.spend("community", "contributions", funds.sum())
        ledger.record_volunteer_value(labour.sum())
        ledger.record_tax_expenditure(saved_m.sum())
        base = funds + labour
        region, activity = table.region[ids], table.activity[ids]

        # Public co-funding: the target region's APBD first, then APBN for what is left.
        demand = f["cofunding_match"] * base
        reg_budget = f["regional_cofunding"] * shock * regions.population / QUARTERS
        ledger.credit("regional", reg_budget.sum())
        from_region = _allocate_by_group(demand, region, reg_budget)
        ledger.spend("regional", "cofunding", from_region.sum())
        ledger.lapse("regional")
        ledger.credit("central", f["central_cofunding"] * shock * people)
        from_centre = _allocate(
            demand - from_region, f["central_cofunding"] * shock * people
        )
        ledger.spend("central", "cofunding", from_centre.sum())
        ledger.lapse("central")
        cofund = from_region + from_centre

        # Donors: part pooled in the trust fund, the rest granted directly (with overhead).
        pooled_share = f["trust_fund_share"]
        grants = np.zeros(ids.shape[0])
        for budget, eligible in (
            (f["international_donors"] * people, INTERNATIONAL_ACTIVITIES[activity]),
            (f["philanthropy"] * people, np.ones(ids.shape[0], bool)),
        ):
            ledger.credit("donors", budget)
            ledger.transfer("donors", "trust_fund", budget * pooled_share)
            g = _allocate(np.where(eligible, base, 0.0), budget * (1.0 - pooled_share))
            ledger.spend("donors", "grants", g.sum() * (1.0 - f["donor_overhead"]))
            ledger.spend("donors", "overhead", g.sum() * f["donor_overhead"])
            ledger.lapse("donors")
            grants += g * (1.0 - f["donor_overhead"])
        if ledger.balance["trust_fund"] > 0:
            if f["trust_fund_rule"] == "need":
                need = 1.0 - model.region_index / model.index_scale
                rule = need[region] * base
            else:
                rule = (
                    np.where(
                        table.score[ids] >= p["rewards"]["performance_threshold"],
                        table.score[ids],
                        0.0,
                    )
                    * base
                )
            g = np.minimum(
                _allocate(rule, ledger.balance["trust_fund"] * TRUST_FUND_DISBURSEMENT),
                base,
            )
            ledger.spend(
                "trust_fund", "grants", g.sum() * (1.0 - f["trust_fund_overhead"])
            )
            ledger.spend("trust_fund", "overhead", g.sum() * f["trust_fund_overhead"])
            grants += g * (1.0 - f["trust_fund_overhead"])

        # Pathways (each its own mechanism): only the additional part of members' inputs is new
        # (mobilisation); part of what is pooled goes missing (leakage, capture, audits); what
        # remains works at the partnership's quality, less duplication, and reaches groups the
        # programmes miss (targeting).
        pending = table.pending[ids]
        table.pending[ids] = 0.0
        pooled = base + cofund + grants + pending
        new_input = (
            mobilisation.additional_input(funds, labour, p) + cofund + grants + pending
        )
        lost = leakage.leaked_share(
            table.governance[ids], leakage.concentration(funds_m + labour_m, members), p
        )
        ledger.record_leakage(float((lost * pooled).sum()))
        cover, real = member_constants(table, community, ids)
        _audit(model, real)
        q = quality(members, community, table.governance[ids], cover)
        inst = p["institutions"]
        dup = duplication_factor(
            region,
            activity,
            real,
            regions.population,
            inst["duplication_loss"],
            inst["coordination"],
            inst["overlap_half"],
        )
        output = new_input * (1.0 - lost) * q * dup * targeting.return_multiplier(p)
        np.add.at(invest, (region, activity), output)
        ledger.record_pathway("pooled", float(pooled.sum()))
        ledger.record_pathway("new_input", float(new_input.sum()))
        ledger.record_pathway("output", float(output.sum()))

        table.cofunding_prev[ids] = table.cofunding[ids]
        table.cofunding[ids] = cofund + grants
        table.pooled[ids] = pooled
        table.output[ids] = output
        table.performance[ids] = np.clip(q * dup / MAX_QUALITY, 0.0, 1.0)

        # Members' realised net benefit, smoothed so one bad quarter does not end a partnership.
        size = np.maximum(table.size[ids], 1)
        vis = np.where(mask, community.vision[idx, activity[:, None]], 0.0)
        nb = net_benefit(
            p["formation"]["impact_value"],
            vis,
            (output / size)[:, None],
            funds_m,
            labour_m,
            saved_m,
            p["gotong_royong"]["warm_glow"],
            model.expect["cash_per_participant"]
            * community.organisations[idx]
            / np.maximum(community.memberships[idx], 1),
        )
        fresh = (model.steps - table.start[ids]) <= 1
        old = table.net_benefit[ids]
        table.net_benefit[ids] = np.where(
            mask, np.where(fresh[:, None], nb, 0.5 * old + 0.5 * nb), 0.0
        )
        # Every agent in an active partnership gains a quarter of experience: the agents with a
        # membership (the counts agree with the table, see check_invariants), no sort needed.
        community.experience += community.memberships > 0

        total_base = base.sum()
        model.expect["cofunding_fill"] = (
            float(cofund.sum() / max(demand.sum(), 1e-12)) if demand.sum() > 0 else 1.0
        )
        model.expect["grant_ratio"] = (
            float(grants.sum() / total_base) if total_base > 0 else 0.0
        )
    else:
        # Nobody to co-fund: the appropriations lapse, donor money still reaches the trust fund.
        ledger.credit("regional", f["regional_cofunding"] * shock * people)
        ledger.lapse("regional")
        ledger.credit("central", f["central_cofunding"] * shock * people)
        ledger.lapse("central")
        for budget in (f["international_donors"] * people, f["philanthropy"] * people):
            ledger.credit("donors", budget)
            ledger.transfer("donors", "trust_fund", budget * f["trust_fund_share"])
            ledger.lapse("donors")

    # Government's own programmes: APBN by population (tilted toward need by baseline data), APBD
    # by population, and village funds (APBN money that village governments spend) by population.
    info = p["network"]["information_system"]
    need = 1.0 - model.region_index / model.index_scale
    tilt = weights * (1.0 + info * (need / max(float(weights @ need), 1e-12) - 1.0))
    tilt = tilt / tilt.sum()
    central = f["central_programmes"] * shock * people
    regional = f["regional_programmes"] * shock * people
    village = f["village_fund"] * shock * people
    ledger.credit("central", central + village)
    ledger.spend("central", "programmes", central)
    ledger.spend("central", "village_fund", village)
    ledger.credit("regional", regional)
    ledger.spend("regional", "programmes", regional)
    programmes = (central * tilt + regional * weights)[:, None] * PROGRAMME_SHARES[
        None, :
    ]
    villages = (village * weights)[:, None] * VILLAGE_FUND_SHARES[None, :]
    # Complementarity: partnership work in a region and activity raises what programmes achieve there.
    public = programmes + villages
    lift = complementarity.lift(invest, regions.population, p)
    invest += f["programme_efficiency"] * public * lift
    ledger.record_pathway("programmes", float(public.sum()))
    ledger.record_pathway(
        "programme_output", float(f["programme_efficiency"] * public.sum())
    )
    ledger.record_pathway(
        "complementarity",
        float((f["programme_efficiency"] * public * (lift - 1.0)).sum()),
    )
    return invest


def _audit(model: World, real: FloatArray) -> None:
    """Government pays for auditing ``leakage.audit_rate`` of the real partnerships (a cost)."""
    lp = model.params["leakage"]
    cost = lp["audit_rate"] * lp["audit_cost"] * float(real.sum())
    if cost > 0:
        model.ledger.credit("central", cost)
        model.ledger.spend("central", "audits", cost)
