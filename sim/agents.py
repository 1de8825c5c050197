"""The model's Mesa agents.

Agents are what people read and what the app draws; their numeric state lives in the
model's arrays (:mod:`sim.state`), one row per agent, so the properties below are views
into those arrays and every mechanism stays a batched array operation.
"""

from __future__ import annotations

import mesa

from sim.parameters import ACTIVITIES, KINDS, RESOURCES
from sim.state import NO_MEMBER
from sim.world import World


class CommunityComponent(mesa.Agent):
    """A community group, NGO, religious or customary body, business or university.

    Attributes:
        row: Row of this agent in ``model.community``.
    """

    model: World

    def __init__(self, model: World, row: int):
        """Register the agent with ``model`` as a view of row ``row`` of its community arrays.

        Args:
            model: The model the agent belongs to.
            row: Row of this agent in ``model.community``.
        """
        super().__init__(model)
        self.row = row

    @property
    def kind(self) -> str:
        """One of :data:`sim.parameters.KINDS`."""
        return KINDS[int(self.model.community.kind[self.row])]

    @property
    def region(self) -> int:
        """Home region."""
        return int(self.model.community.region[self.row])

    @property
    def vision(self) -> dict[str, float]:
        """Priority weights over activities (sum to 1)."""
        return dict(
            zip(ACTIVITIES, self.model.community.vision[self.row].tolist(), strict=True)
        )

    @property
    def endowment(self) -> dict[str, float]:
        """What it brings, 0..1 per resource."""
        return dict(
            zip(
                RESOURCES,
                self.model.community.endowment[self.row].tolist(),
                strict=True,
            )
        )

    @property
    def needs(self) -> dict[str, float]:
        """What it lacks, 0..1 per resource."""
        return dict(
            zip(RESOURCES, self.model.community.need[self.row].tolist(), strict=True)
        )

    @property
    def capacity(self) -> float:
        """Organisational capacity, 0..1."""
        return float(self.model.community.capacity[self.row])

    @property
    def motivation(self) -> float:
        """Motivation to partner, 0..1."""
        return float(self.model.community.motivation[self.row])

    @property
    def funds(self) -> float:
        """Discretionary funds per quarter, Rp."""
        return float(self.model.community.funds[self.row])

    @property
    def experience(self) -> float:
        """Quarters spent in partnerships so far (summed over its partnerships)."""
        return float(self.model.community.experience[self.row])

    @property
    def max_partnerships(self) -> int:
        """Cap on concurrent partnerships."""
        return int(self.model.community.cap[self.row])

    @property
    def partnerships(self) -> list[Partnership]:
        """Partnerships this agent belongs to now."""
        return [
            p
            for p in self.model.agents_by_type.get(Partnership, [])
            if self.row in p.member_rows
        ]


class Government(mesa.Agent):
    """Central government (APBN) or one regional government (APBD).

    Budgets and regulation levers are read from the model's current parameters, so a
    policy event changes them for every reader at once.
    """

    def __init__(self, model: World, level: str, region: int | None = None):
        """Register the government with ``model``.

        Args:
            model: The model the agent belongs to.
            level: ``"central"`` (APBN) or ``"regional"`` (APBD).
            region: Row of the region a regional government governs; None for the centre.
        """
        super().__init__(model)
        self.level = level
        self.region = region

    @property
    def programme_budget(self) -> float:
        """Own-programme budget this quarter, Rp (a regional government's population share)."""
        f = self.model.params["funding"]
        if self.level == "central":
            return (
                (f["central_programmes"] + f["village_fund"])
                * self.model.public_factor
                * self._people()
            )
        return f["regional_programmes"] * self.model.public_factor * self._people()

    @property
    def cofunding_budget(self) -> float:
        """Partnership co-funding budget this quarter, Rp."""
        f = self.model.params["funding"]
        if self.level == "central":
            return f["central_cofunding"] * self.model.public_factor * self._people()
        return f["regional_cofunding"] * self.model.public_factor * self._people()

    def _people(self) -> float:
        """People this government serves, over the four quarters its yearly per-person budget spans."""
        pop = self.model.regions.population
        return float(pop.sum() if self.level == "central" else pop[self.region]) / 4.0

    @property
    def regulation(self) -> dict[str, float]:
        """The regulation levers in force."""
        return dict(self.model.params["regulation"])


class Donor(mesa.Agent):
    """An international donor or a philanthropy/CSR donor (off-budget)."""

    def __init__(self, model: World, kind: str):
        """Register the donor with ``model``.

        Args:
            model: The model the agent belongs to.
            kind: ``"international"`` (a donor agency) or ``"philanthropy"`` (CSR, off-budget).
        """
        super().__init__(model)
        self.kind = kind

    @property
    def budget(self) -> float:
        """Grant budget per quarter, Rp."""
        key = "international_donors" if self.kind == "international" else "philanthropy"
        return (
            float(self.model.params["funding"][key])
            * float(self.model.regions.population.sum())
            / 4.0
        )


class TrustFund(mesa.Agent):
    """The Human Development Trust Fund: pools off-budget money and grants it by rule."""

    @property
    def balance(self) -> float:
        """Money held now, Rp."""
        return float(self.model.ledger.balance["trust_fund"])

    @property
    def rule(self) -> str:
        """Granting rule: ``need`` or ``performance``."""
        return str(self.model.params["funding"]["trust_fund_rule"])


class Partnership(mesa.Agent):
    """A partnership node (simpul kemitraan): members, activity, target region, money, governance.

    Attributes:
        pid: Row of this partnership in ``model.partnerships`` (its id in the event table).
    """

    model: World

    def __init__(self, model: World, pid: int):
        """Register the partnership with ``model`` as a view of its table row.

        Args:
            model: The model the agent belongs to.
            pid: Row of this partnership in ``model.partnerships``.
        """
        super().__init__(model)
        self.pid = pid

    @property
    def member_rows(self) -> list[int]:
        """Rows of the member agents."""
        m = self.model.partnerships.members[self.pid]
        return [int(x) for x in m if x != NO_MEMBER]

    @property
    def members(self) -> list[CommunityComponent]:
        """The member agents."""
        return [self.model.community_agents[r] for r in self.member_rows]

    @property
    def activity(self) -> str:
        """Health, education, livelihood or social."""
        return ACTIVITIES[int(self.model.partnerships.activity[self.pid])]

    @property
    def region(self) -> int:
        """Target region."""
        return int(self.model.partnerships.region[self.pid])

    @property
    def age(self) -> int:
        """Quarters since it formed or last renewed."""
        return int(self.model.steps - self.model.partnerships.start[self.pid])

    @property
    def term(self) -> int:
        """Agreed term, quarters."""
        return int(self.model.partnerships.term[self.pid])

    @property
    def governance(self) -> float:
        """Governance quality, 0..1."""
        return float(self.model.partnerships.governance[self.pid])

    @property
    def score(self) -> float:
        """Last self-evaluated score, 0..1."""
        return float(self.model.partnerships.score[self.pid])

    @property
    def pooled(self) -> float:
        """Money and volunteer value pooled last quarter, Rp."""
        return float(self.model.partnerships.pooled[self.pid])
