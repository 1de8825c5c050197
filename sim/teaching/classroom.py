"""The classroom: two worlds with the same seed, identical except for one lever.

A trainer wants a class to *see* what a lever does. :class:`Classroom` is a Mesa model that
holds two :class:`~sim.model.PartnershipModel` worlds built from the same scenario, the same
root seed and the same replication, so they start with the same agents, regions and forum
network and draw the same chance wherever the lever does not reach (the model's common
random numbers, one stream per mechanism). World A takes the levers the trainer set;
world B takes the same levers and one contrast (default: gotong-royong off). Both advance
together, one quarter per :meth:`Classroom.step`, so any gap between them is the lever's.

The levers are the ones a class talks about (:class:`Levers`), each translated into
scenario parameters by :func:`scenario_for`:

=====================  ======================================================================
lever                  scenario parameters
=====================  ======================================================================
reward_scheme          ``rewards.scheme``
public_funding         ``funding.public_scale`` (every public budget) as % of the file's
trust_fund             ``funding.trust_fund_share``
regulation             ``regulation.{transaction_cost,legal_certainty,tax_deduction}`` presets
gotong_royong          ``gotong_royong.enabled``
information_system     ``network.information_system``
capacity_building      ``capacity.budget``
agents                 ``population.*`` scaled to this total, in the file's proportions
=====================  ======================================================================
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np

from sim.model import PartnershipModel
from sim.parameters import BY_NAME, KINDS
from sim.scenario import PolicyEvent, Scenario, defaults
from sim.teaching.labels import CHOICES, choice_key, choice_label

# Population keys, in the order of sim.parameters.KINDS.
POPULATION_KEYS: tuple[str, ...] = (
    "community_groups",
    "ngos",
    "religious_bodies",
    "businesses",
    "universities",
)
assert len(POPULATION_KEYS) == len(KINDS)

# Regulation presets, the same values as scenarios/regulation_{restrictive,supportive}.toml.
REGULATION: dict[str, dict[str, float]] = {
    "restrictive": {
        "regulation.transaction_cost": 20.0,
        "regulation.legal_certainty": 0.3,
        "regulation.tax_deduction": 0.0,
    },
    "supportive": {
        "regulation.transaction_cost": 1.0,
        "regulation.legal_certainty": 0.95,
        "regulation.tax_deduction": 0.5,
    },
}

# How far into the run the "funding cut" contrast strikes (years after the start), and by how much.
FUNDING_CUT_AFTER_YEARS = 5.0
FUNDING_CUT_FACTOR = 0.5

AGENTS_MIN, AGENTS_MAX = 50, 2000
_SERIALS = itertools.count(1)


@dataclass(frozen=True)
class Levers:
    """The levers a trainer moves, in a class's terms.

    Attributes:
        reward_scheme: One of ``sim.parameters.REWARD_SCHEMES``.
        public_funding: Every public budget (APBN, APBD: programmes, co-funding, rewards, capacity building)
            in % of the scenario's (``funding.public_scale``).
        trust_fund: Share of donor money pooled in the Human Development Trust Fund, 0..1.
        regulation: ``"scenario"`` (as the file says), ``"restrictive"`` or ``"supportive"``.
        gotong_royong: Whether members give volunteer labour.
        information_system: Reach of the information system, 0..1.
        capacity_building: Capacity-building budget, Rp million per quarter.
        agents: Number of community components (kinds in the scenario's proportions).
    """

    reward_scheme: str = "none"
    public_funding: float = 100.0
    trust_fund: float = 0.0
    regulation: str = "scenario"
    gotong_royong: bool = True
    information_system: float = 0.2
    capacity_building: float = 200.0
    agents: int = 770

    @classmethod
    def from_scenario(cls, base: Scenario) -> Levers:
        """The levers as a scenario file sets them (what the app shows before anyone moves a control)."""
        return cls(
            reward_scheme=base.get("rewards.scheme"),
            public_funding=100.0,
            trust_fund=float(base.get("funding.trust_fund_share")),
            regulation="scenario",
            gotong_royong=bool(base.get("gotong_royong.enabled")),
            information_system=float(base.get("network.information_system")),
            capacity_building=float(base.get("capacity.budget")),
            agents=population_total(base),
        )

    def replace(self, **changes: Any) -> Levers:
        """A copy with some levers changed."""
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class Contrast:
    """What makes world B differ from world A: lever values, raw parameters or policy events.

    Attributes:
        key: Name of the contrast (a key of ``sim.teaching.labels.CHOICES["compare"]``).
        levers: Lever values world B takes instead of world A's.
        overrides: Scenario parameters world B takes on top (dotted names).
        funding_cut: Whether world B suffers a mid-run cut of its public budgets (a policy event).
    """

    key: str
    levers: Mapping[str, Any] = field(default_factory=dict)
    overrides: Mapping[str, Any] = field(default_factory=dict)
    funding_cut: bool = False


CONTRASTS: dict[str, Contrast] = {
    c.key: c
    for c in (
        Contrast("gotong_royong_off", levers={"gotong_royong": False}),
        Contrast("gotong_royong_on", levers={"gotong_royong": True}),
        Contrast("reward_none", levers={"reward_scheme": "none"}),
        Contrast("reward_recognition", levers={"reward_scheme": "recognition"}),
        Contrast(
            "reward_cash_per_participant",
            levers={"reward_scheme": "cash_per_participant"},
        ),
        Contrast("reward_performance", levers={"reward_scheme": "performance"}),
        Contrast("reward_tournament", levers={"reward_scheme": "tournament"}),
        Contrast("funding_cut", funding_cut=True),
        Contrast("funding_low", levers={"public_funding": 60.0}),
        Contrast("funding_high", levers={"public_funding": 150.0}),
        Contrast("trust_fund_none", levers={"trust_fund": 0.0}),
        Contrast("trust_fund_high", levers={"trust_fund": 0.8}),
        Contrast("regulation_restrictive", levers={"regulation": "restrictive"}),
        Contrast("regulation_supportive", levers={"regulation": "supportive"}),
        Contrast("information_none", levers={"information_system": 0.0}),
        Contrast("information_high", levers={"information_system": 0.8}),
        Contrast("capacity_none", levers={"capacity_building": 0.0}),
        Contrast(
            "capacity_high", levers={"capacity_building": None}
        ),  # three times world A's budget
        Contrast("government_alone", overrides={"formation.enabled": False}),
    )
}
assert set(CONTRASTS) == set(CHOICES["compare"]), (
    "every contrast needs its labels in sim.teaching.labels"
)
DEFAULT_CONTRAST = "gotong_royong_off"


def population_total(scenario: Scenario) -> int:
    """Number of community components in a scenario."""
    return int(sum(scenario.get(f"population.{k}") for k in POPULATION_KEYS))


def scaled_population(scenario: Scenario, total: int) -> dict[str, int]:
    """Population counts summing to ``total`` in the scenario's proportions (largest remainder)."""
    counts = np.array(
        [scenario.get(f"population.{k}") for k in POPULATION_KEYS], dtype=float
    )
    if int(counts.sum()) == total:
        return {
            f"population.{k}": int(c)
            for k, c in zip(POPULATION_KEYS, counts, strict=True)
        }
    shares = (
        counts / counts.sum()
        if counts.sum()
        else np.full(len(counts), 1.0 / len(counts))
    )
    exact = shares * total
    whole = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - whole), kind="stable")[: total - int(whole.sum())]:
        whole[i] += 1
    return {
        f"population.{k}": int(c) for k, c in zip(POPULATION_KEYS, whole, strict=True)
    }


def funding_cut_events(
    scenario: Scenario, factor: float = FUNDING_CUT_FACTOR
) -> list[PolicyEvent]:
    """A mid-run cut of every public budget (``funding.public_scale``): after 5 years, or a quarter into a shorter run."""
    years = float(scenario.get("scenario.years"))
    after = round(min(FUNDING_CUT_AFTER_YEARS, years / 4.0) * 4.0) / 4.0
    year = float(scenario.get("scenario.start_year")) + max(after, 0.25)
    pct = round((1.0 - factor) * 100)
    return [
        PolicyEvent(
            year, "funding.public_scale", None, factor, f"public budgets -{pct}%"
        )
    ]


def with_events(
    scenario: Scenario, events: Sequence[PolicyEvent], source: str = "classroom"
) -> Scenario:
    """The scenario with more policy events, validated like ``[[events]]`` in a file."""
    return scenario.with_events(events, source)


def scenario_for(
    base: Scenario,
    levers: Levers,
    overrides: Mapping[str, Any] | None = None,
    events: Sequence[PolicyEvent] = (),
) -> Scenario:
    """The scenario of one world: the base file with the levers (and any extra parameters and events) applied."""
    ov: dict[str, Any] = {
        "rewards.scheme": levers.reward_scheme,
        "funding.trust_fund_share": float(levers.trust_fund),
        "gotong_royong.enabled": bool(levers.gotong_royong),
        "network.information_system": float(levers.information_system),
        "capacity.budget": float(levers.capacity_building),
    }
    share = float(levers.public_funding) / 100.0
    if not math.isclose(share, 1.0):
        ov["funding.public_scale"] = float(base.get("funding.public_scale")) * share
    if levers.regulation != "scenario":
        ov.update(REGULATION[levers.regulation])
    ov.update(scaled_population(base, int(levers.agents)))
    ov.update(overrides or {})
    return with_events(base.with_overrides(ov, source="classroom"), events)


def world_b_levers(a: Levers, contrast: Contrast) -> Levers:
    """World A's levers with the contrast's lever values."""
    changes = dict(contrast.levers)
    if "capacity_building" in changes and changes["capacity_building"] is None:
        budget_high = BY_NAME["capacity.budget"].high
        assert budget_high is not None  # capacity.budget is a bounded number
        changes["capacity_building"] = min(
            3.0 * a.capacity_building, float(budget_high)
        )
    return a.replace(**changes) if changes else a


class Classroom(mesa.Model):
    """Two worlds, A and B, with the same seed and replication, stepped together.

    Args:
        base: The scenario both worlds start from (default: every parameter at its default).
        reward_scheme, public_funding, trust_fund, regulation, gotong_royong, information_system,
            capacity_building, agents: World A's levers (see :class:`Levers`); None keeps the
            scenario's value. Choices may be given by key or by their label in any language.
        compare: The contrast that makes world B (a key of :data:`CONTRASTS`, or its label).
        replication: Replication number; both worlds use it with the scenario's seed.
        seed: Root seed overriding the scenario's, for both worlds.

    Attributes:
        a, b: The two :class:`~sim.model.PartnershipModel` worlds.
        levers_a, levers_b: Their levers.
        contrast: What world B differs by.
        layout: Deterministic drawing positions of the community agents (shared by both worlds).
        serial: A number no other classroom in this process has (the app keys its pictures on it).
    """

    def __init__(
        self,
        base: Scenario | None = None,
        *,
        reward_scheme: str | None = None,
        public_funding: float = 100.0,
        trust_fund: float | None = None,
        regulation: str = "scenario",
        gotong_royong: bool | None = None,
        information_system: float | None = None,
        capacity_building: float | None = None,
        agents: int | None = None,
        compare: str = DEFAULT_CONTRAST,
        replication: int = 0,
        seed: int | None = None,
    ):
        """Build world A from ``base`` with the levers given, and world B differing by ``compare``."""
        super().__init__(rng=0)
        base = base if base is not None else defaults()
        start = Levers.from_scenario(base)
        given = {
            "reward_scheme": None
            if reward_scheme is None
            else choice_key("reward_scheme", reward_scheme),
            "public_funding": None if public_funding is None else float(public_funding),
            "trust_fund": None if trust_fund is None else float(trust_fund),
            "regulation": None
            if regulation is None
            else choice_key("regulation", regulation),
            "gotong_royong": None if gotong_royong is None else bool(gotong_royong),
            "information_system": None
            if information_system is None
            else float(information_system),
            "capacity_building": None
            if capacity_building is None
            else float(capacity_building),
            "agents": None
            if agents is None
            else int(min(max(int(agents), AGENTS_MIN), AGENTS_MAX)),
        }
        self.base = base
        self.levers_a = start.replace(
            **{k: v for k, v in given.items() if v is not None}
        )
        self.contrast = CONTRASTS[choice_key("compare", compare)]
        self.levers_b = world_b_levers(self.levers_a, self.contrast)
        self.replication = int(replication)
        scenario_a = scenario_for(base, self.levers_a)
        scenario_b = scenario_for(
            base,
            self.levers_b,
            self.contrast.overrides,
            funding_cut_events(scenario_a) if self.contrast.funding_cut else (),
        )
        self.a, self.b = (
            PartnershipModel(s, replication=self.replication)  # the scenario's seed
            if seed is None
            else PartnershipModel(s, replication=self.replication, rng=seed)
            for s in (scenario_a, scenario_b)
        )
        self.worlds: tuple[PartnershipModel, PartnershipModel] = (self.a, self.b)
        self.identical = (
            scenario_a.values == scenario_b.values
            and scenario_a.events == scenario_b.events
        )
        self.layout = network_layout(self.a)
        self.serial = next(_SERIALS)

    def step(self) -> None:
        """Advance both worlds by one quarter (world B first caught up, if :meth:`step_a` left it behind)."""
        self.catch_up()
        for world in self.worlds:
            if world.running:
                world.step()
        self.running = any(w.running for w in self.worlds)

    def step_a(self) -> None:
        """Advance world A alone by one quarter; :meth:`catch_up` later brings world B level.

        The live page does this while it shows one world, so a quarter costs half as much; world B
        depends on nothing in world A, so stepping it later gives the same world.
        """
        if self.a.running:
            self.a.step()
        self.running = any(w.running for w in self.worlds)

    def catch_up(self) -> int:
        """Step world B until it is at world A's quarter; returns the quarters stepped."""
        done = 0
        while self.b.running and self.b.steps < self.a.steps:
            self.b.step()
            done += 1
        self.running = any(w.running for w in self.worlds)
        return done

    @property
    def quarter(self) -> int:
        """Quarters simulated so far (the worlds' step)."""
        return int(self.a.steps)

    @property
    def horizon(self) -> int:
        """Quarters in a full run."""
        return int(self.a.horizon)

    @property
    def year(self) -> float:
        """Calendar time of the worlds' state, e.g. 2017.75 after three quarters of 2017."""
        return float(self.a.metrics["year"])

    @property
    def same_seed(self) -> bool:
        """Whether both worlds draw from the same root seed and replication."""
        return (
            self.a.root_seed == self.b.root_seed
            and self.a.replication == self.b.replication
        )

    def contrast_label(self, lang: str = "en") -> str:
        """What world B differs by, in words."""
        return choice_label("compare", self.contrast.key, lang)

    def b_only_events(self) -> list[PolicyEvent]:
        """Policy events in world B that world A does not have."""
        return [e for e in self.b.scenario.events if e not in self.a.scenario.events]


@dataclass(frozen=True)
class Layout:
    """Where to draw each community agent: clustered by region, ringed by kind.

    Attributes:
        xy: (n, 2) positions, one row per community agent.
        centres: (regions, 2) centre of each region's cluster.
        radii: Radius of each region's cluster.
    """

    xy: np.ndarray
    centres: np.ndarray
    radii: np.ndarray


GOLDEN_ANGLE = math.pi * (3.0 - math.sqrt(5.0))


def network_layout(model: PartnershipModel) -> Layout:
    """Deterministic positions: one sunflower disc per region, agents sorted by kind inside it.

    Regions sit on a ring (a grid when there are many); within a region the agents of one kind
    share a band of the disc, so the colours group. It depends only on the agents' regions and
    kinds, so it is computed once per world and never jumps.
    """
    region = np.asarray(model.community.region)
    kind = np.asarray(model.community.kind)
    n_regions = int(model.regions.n)
    n = region.shape[0]
    xy = np.zeros((n, 2))
    counts = np.bincount(region, minlength=n_regions)
    radii = np.sqrt(np.maximum(counts, 1)) + 0.8
    pad = 2.0
    if n_regions == 1:
        centres = np.zeros((1, 2))
    elif n_regions <= 16:
        # Discs packed around a ring, each taking an arc in proportion to its width.
        widths = 2 * (radii + pad)
        ring = max(widths.sum() / (2 * math.pi), radii.max() + pad)
        mid = np.cumsum(widths) - widths / 2
        angles = math.pi / 2 - 2 * math.pi * mid / widths.sum()
        centres = ring * np.column_stack([np.cos(angles), np.sin(angles)])
    else:
        cols = math.ceil(math.sqrt(n_regions))
        step = 2 * (radii.max() + pad)
        r = np.arange(n_regions)
        # Columns further apart than rows: each region's label (a province's short name and its
        # index) is wider than its disc.
        centres = np.column_stack([(r % cols) * step * 1.35, -(r // cols) * step])
    for g in range(n_regions):
        rows = np.flatnonzero(region == g)
        rows = rows[np.lexsort((rows, kind[rows]))]
        k = np.arange(rows.shape[0])
        rad = np.sqrt(k + 0.5)
        ang = k * GOLDEN_ANGLE
        xy[rows, 0] = centres[g, 0] + rad * np.cos(ang)
        xy[rows, 1] = centres[g, 1] + rad * np.sin(ang)
    return Layout(xy=xy, centres=centres, radii=radii)


# --- offline demos: the three ready comparisons ------------------------------------------


@dataclass(frozen=True)
class Demo:
    """A ready comparison for slides: world A's levers and the contrast that makes world B."""

    name: str
    compare: str
    levers: Mapping[str, Any] = field(default_factory=dict)


DEMOS: dict[str, Demo] = {
    d.name: d
    for d in (
        Demo("gotong-royong", "gotong_royong_off", {"gotong_royong": True}),
        Demo("reward", "reward_performance", {"reward_scheme": "none"}),
        Demo("funding-cut", "funding_cut"),
    )
}


def demo_classroom(
    name: str,
    base: Scenario | None = None,
    *,
    replication: int = 0,
    agents: int | None = None,
    years: float | None = None,
) -> Classroom:
    """The classroom of one of :data:`DEMOS`, optionally on a smaller world or a shorter run."""
    demo = DEMOS[name]
    base = base if base is not None else defaults()
    if years is not None:
        base = base.with_overrides({"scenario.years": float(years)}, source="demo")
    return Classroom(
        base,
        compare=demo.compare,
        replication=replication,
        agents=agents,
        **dict(demo.levers),
    )
