"""Array state the model scans every step: agents, partnerships, ties, regions.

Agents stay Mesa agents (people read them, the app draws them), but the numbers the
mechanisms touch every quarter live here, one row per agent or partnership, so every
mechanism is a handful of array operations rather than a loop over agents or pairs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from sim.parameters import ACTIVITIES, BY_NAME, KINDS, RESOURCES

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

# Python and numpy scalar types that numpy and pandas store as one dtype (float64, int64,
# bool): a column of them has one sure Arrow type (the sweep's tables are made from them).
FLOAT_SCALARS = frozenset({float, np.float64})
INT_SCALARS = frozenset({int, np.int64})
BOOL_SCALARS = frozenset({bool, np.bool_})

NO_MEMBER = -1

# Kind profiles: mean endowment over RESOURCES, Dirichlet concentration of vision over
# ACTIVITIES, mean starting capacity and willingness to volunteer. Businesses bring money,
# community and religious bodies labour and legitimacy, NGOs and universities expertise: the
# essay's "each brings what another lacks". What each kind can give in money is a scenario
# parameter (``[giving]``, rupiah per person per year).
KIND_PROFILES: dict[str, dict[str, tuple[float, ...] | float]] = {
    "community_group": {
        "endowment": (0.10, 0.80, 0.20, 0.60),
        "vision": (2.0, 2.0, 3.0, 2.5),
        "capacity": 0.35,
        "volunteer": 0.80,
    },
    "ngo": {
        "endowment": (0.30, 0.45, 0.70, 0.50),
        "vision": (2.5, 2.5, 2.0, 2.0),
        "capacity": 0.55,
        "volunteer": 0.60,
    },
    "religious_body": {
        "endowment": (0.20, 0.70, 0.20, 0.85),
        "vision": (1.5, 2.5, 1.0, 3.5),
        "capacity": 0.40,
        "volunteer": 0.85,
    },
    "business": {
        "endowment": (0.90, 0.20, 0.40, 0.20),
        "vision": (1.5, 1.5, 4.0, 1.0),
        "capacity": 0.55,
        "volunteer": 0.30,
    },
    "university": {
        "endowment": (0.30, 0.35, 0.90, 0.60),
        "vision": (2.0, 4.0, 1.5, 1.0),
        "capacity": 0.65,
        "volunteer": 0.50,
    },
}
# Spread of funds between agents of one kind and region (s.d. of log funds).
FUNDS_SPREAD = 0.5
MENTOR_KINDS = (KINDS.index("ngo"), KINDS.index("university"))
BUSINESS = KINDS.index("business")


@dataclass
class CommunityState:
    """One row per community agent (CommunityComponent).

    Attributes:
        kind: Index into :data:`sim.parameters.KINDS`.
        region: Home region.
        vision: Priority weights over ACTIVITIES, each row summing to 1 (kesamaan visi).
        endowment: What the agent brings, 0..1 per RESOURCES entry.
        funds: Discretionary funds it can put into partnerships each quarter (Rp).
        capacity: Organisational capacity, 0..1.
        motivation: Motivation to partner, 0..1 (0.5 is the neutral level).
        volunteer: Willingness of its people to volunteer, 0..1 (gotong-royong).
        cap: Most partnerships it can hold at once.
        memberships: Partnerships it holds now.
        experience: Quarters spent in partnerships so far.
        people: People the agent stands for (its region's population over the region's agents).
        organisations: Real organisations the agent stands for (people / people per organisation).
    """

    kind: IntArray
    region: IntArray
    vision: FloatArray
    endowment: FloatArray
    funds: FloatArray
    capacity: FloatArray
    motivation: FloatArray
    volunteer: FloatArray
    volunteer_base: FloatArray
    cap: IntArray
    memberships: IntArray
    experience: FloatArray
    people: FloatArray = None  # type: ignore[assignment]
    organisations: FloatArray = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        """Fill in ``people`` and ``organisations`` when they were left out."""
        # A hand-made community (in a test) may leave out what its agents stand for: one each.
        if self.people is None:
            self.people = np.ones(self.kind.shape[0])
        if self.organisations is None:
            self.organisations = np.ones(self.kind.shape[0])

    @property
    def n(self) -> int:
        """Number of agents."""
        return int(self.kind.shape[0])

    @property
    def need(self) -> FloatArray:
        """What each agent lacks: 1 - endowment (saling membutuhkan)."""
        return 1.0 - self.endowment

    def take(self, rows: IntArray) -> CommunityRows:
        """The agents ``rows`` (repeats allowed) as a community of their own, each per-agent array gathered when first read.

        A per-agent formula (``operation.member_inputs``) applied to the gathered rows gives,
        value for value, what it gives those rows over the whole community: only the rows
        needed are computed, and only the arrays the formula reads are gathered.
        """
        return CommunityRows(self, rows)

    def derived(self, name: str, compute, *sources: np.ndarray):
        """A value computed from ``sources``, kept while every source is frozen and the same array.

        Visions and endowments do not change during a run: :func:`new_community` makes them
        read only, so whatever is computed from them (needs, norms, search features, the
        search tree) is computed once a run. Arrays that can still be written (a table built
        by hand and changed in place) are recomputed on every call, so nothing stale is used.
        Arrays returned from the cache are read only too.
        """
        if any(a.flags.writeable for a in sources):
            return compute()
        cache: dict = self.__dict__.setdefault(
            "_derived", {}
        )  # a cache, not a dataclass field
        hit = cache.get(name)
        if (
            hit is not None
            and len(hit[0]) == len(sources)
            and all(a is b for a, b in zip(hit[0], sources, strict=True))
        ):
            return hit[1]
        value = compute()
        for v in value if isinstance(value, tuple) else (value,):
            if isinstance(v, np.ndarray):
                v.flags.writeable = False
        cache[name] = (sources, value)
        return value


class CommunityRows:
    """Some rows of a :class:`CommunityState`, read like one (``CommunityState.take``).

    Every per-agent array (first axis the number of agents) is gathered for the rows on first
    access and kept; anything else (a count, a method) is the community's own.
    """

    def __init__(self, community: CommunityState, rows: IntArray):
        """A view of rows ``rows`` of ``community``; nothing is gathered yet."""
        self._community = community
        self._rows = rows

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self._rows.shape[0])

    @property
    def need(self) -> FloatArray:
        """What each row lacks: 1 - endowment."""
        return 1.0 - self.endowment

    def __getattr__(self, name: str):
        """The community's attribute ``name``, gathered for the rows if it is per agent."""
        if name.startswith("_"):
            raise AttributeError(name)
        value = getattr(self._community, name)
        if (
            isinstance(value, np.ndarray)
            and value.ndim
            and value.shape[0] == self._community.n
        ):
            value = np.take(value, self._rows, axis=0)
            setattr(self, name, value)
        return value


def allocate_agents(
    counts: dict[str, int], population: FloatArray, min_per_region: int
) -> IntArray:
    """How many agents of each kind each region gets: (regions, kinds), summing to ``counts``.

    Every region first gets ``min_per_region`` agents (or as many as the sample allows), the rest
    go by population (largest remainders). Kinds are spread evenly over the regions: the agents
    of every kind are interleaved in one sequence (the j-th of kind k at position (j + 0.5) /
    count_k) that is cut into the regions' blocks, so each region's mix follows the national one.
    """
    per_kind = np.array([counts[k] for k in KINDS], dtype=np.int64)
    total, n_regions = int(per_kind.sum()), population.shape[0]
    base = min(min_per_region, total // max(n_regions, 1))
    share = (total - base * n_regions) * population / population.sum()
    extra = np.floor(share).astype(np.int64)
    order = np.lexsort((np.arange(n_regions), -(share - extra)))
    extra[order[: total - base * n_regions - int(extra.sum())]] += 1
    per_region = base + extra
    kind = np.concatenate(
        [np.full(c, i, dtype=np.int64) for i, c in enumerate(per_kind)]
    )
    rank = (
        np.concatenate([(np.arange(c) + 0.5) / c for c in per_kind if c > 0])
        if total
        else np.zeros(0)
    )
    sequence = kind[np.lexsort((kind, rank))]
    region = np.repeat(np.arange(n_regions), per_region)
    out = np.zeros((n_regions, len(KINDS)), dtype=np.int64)
    np.add.at(out, (region, sequence), 1)
    return out


def new_community(
    rng: np.random.Generator,
    counts: dict[str, int],
    population: FloatArray,
    cap: int,
    giving: dict[str, float] | None = None,
    min_per_region: int = 0,
    people_per_organisation: float = 1000.0,
) -> CommunityState:
    """Draw the starting community: kinds, regions, visions, endowments, funds and capacities.

    Args:
        rng: The world's random stream.
        counts: Agents of each kind (the sample).
        population: People in each region.
        cap: Most partnerships an agent can hold at once.
        giving: Rupiah per person per year each kind can put into partnerships, by ``[giving]`` key
            (default: the parameter defaults).
        min_per_region: Fewest agents a region gets.
        people_per_organisation: People one real organisation stands for.
    """
    keys = (
        "community_groups",
        "ngos",
        "religious_bodies",
        "businesses",
        "universities",
    )
    giving = (
        giving
        if giving is not None
        else {k: BY_NAME[f"giving.{k}"].default for k in keys}
    )
    table = allocate_agents(counts, population, min_per_region)
    n_regions = population.shape[0]
    region = np.repeat(np.repeat(np.arange(n_regions), len(KINDS)), table.ravel())
    kind = np.repeat(np.tile(np.arange(len(KINDS)), n_regions), table.ravel())
    # Agents are listed kind by kind, as before, so that agent ids group the kinds.
    order = np.lexsort((region, kind))
    region, kind = region[order], kind[order]
    n = kind.shape[0]
    per_region = table.sum(axis=1)
    people = population[region] / np.maximum(per_region[region], 1)
    prof = [KIND_PROFILES[k] for k in KINDS]
    endow_mean = np.array([p["endowment"] for p in prof])[kind]
    endowment = np.clip(
        endow_mean + rng.normal(0.0, 0.12, size=(n, len(RESOURCES))), 0.02, 1.0
    )
    # Dirichlet draws per kind: standard gamma with row-wise concentrations, normalised.
    alpha = np.array([p["vision"] for p in prof])[kind]
    g = rng.standard_gamma(alpha)
    vision = g / g.sum(axis=1, keepdims=True)
    funds = _funds(
        rng, kind, region, table, population, np.array([giving[k] for k in keys])
    )
    capacity = np.clip(
        np.array([p["capacity"] for p in prof])[kind] + rng.normal(0, 0.1, n),
        0.05,
        0.95,
    )
    motivation = np.clip(rng.normal(0.5, 0.1, n), 0.05, 0.95)
    volunteer = np.clip(
        np.array([p["volunteer"] for p in prof])[kind] + rng.normal(0, 0.1, n), 0.0, 1.0
    )
    # Fixed for the whole run: read only, so what is derived from them is computed once (CommunityState.derived).
    vision.flags.writeable = False
    endowment.flags.writeable = False
    region.flags.writeable = False
    organisations = people / people_per_organisation
    people.flags.writeable = False
    organisations.flags.writeable = False
    return CommunityState(
        kind=kind,
        region=region,
        vision=vision,
        endowment=endowment,
        funds=funds,
        capacity=capacity,
        motivation=motivation,
        volunteer=volunteer,
        volunteer_base=volunteer.copy(),
        cap=np.full(n, cap, dtype=np.int64),
        memberships=np.zeros(n, dtype=np.int64),
        experience=np.zeros(n),
        people=people,
        organisations=organisations,
    )


def _funds(
    rng: np.random.Generator,
    kind: IntArray,
    region: IntArray,
    table: IntArray,
    population: FloatArray,
    giving: FloatArray,
) -> FloatArray:
    """Quarterly funds of each agent: its kind's giving in its region, shared unevenly among the kind's agents there.

    The shares are lognormal, normalised within each (region, kind), so a region's money is the
    same whatever the sample size: only how it is split between agents varies.
    """
    draw = rng.lognormal(0.0, FUNDS_SPREAD, size=kind.shape[0])
    cell = region * len(KINDS) + kind
    total = np.bincount(cell, weights=draw, minlength=table.size)
    pool = (giving[None, :] * population[:, None] / 4.0).ravel()
    return pool[cell] * draw / total[cell]


@dataclass
class RegionState:
    """One row per region: its name, population and the index components.

    Attributes:
        population: People (persons).
        life_expectancy: Years (UHH / LE).
        expected_schooling: Years (HLS / EYS).
        mean_schooling: Years (RLS / MYS).
        income: Expenditure (Rp per person per year) for IPM, GNI per capita (PPP $) for HDI.
    """

    population: FloatArray
    life_expectancy: FloatArray
    expected_schooling: FloatArray
    mean_schooling: FloatArray
    income: FloatArray
    names: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        """Name unnamed regions ``Region 1``, ...; provinces default to the names."""
        if not self.names:
            self.names = tuple(
                f"Region {i + 1}" for i in range(self.population.shape[0])
            )
        if not self.provinces:
            self.provinces = self.names

    @property
    def n(self) -> int:
        """Number of regions."""
        return int(self.population.shape[0])

    @property
    def weights(self) -> FloatArray:
        """Population shares."""
        return self.population / self.population.sum()

    def national(self) -> tuple[float, float, float, float]:
        """Population-weighted national components, from which the national index is computed.

        Expenditure (or GNI) per capita is a mean per person, so its national value is the
        population-weighted arithmetic mean of the regions' (BPS's 2019 provinces give 71.87
        this way against the published 71.92; a geometric mean gives 71.75).
        """
        w = self.weights
        return (
            float(w @ self.life_expectancy),
            float(w @ self.expected_schooling),
            float(w @ self.mean_schooling),
            float(w @ self.income),
        )


@dataclass
class PartnershipTable:
    """One row per partnership ever formed; rows are never reused, so row = partnership id.

    Members are padded with NO_MEMBER up to the largest group size.
    """

    width: int
    members: IntArray = field(init=False)
    size: IntArray = field(init=False)
    activity: IntArray = field(init=False)
    region: IntArray = field(init=False)
    formed: IntArray = field(init=False)
    start: IntArray = field(init=False)
    end: IntArray = field(init=False)
    term: IntArray = field(init=False)
    active: BoolArray = field(init=False)
    governance: FloatArray = field(init=False)
    score: FloatArray = field(init=False)
    performance: FloatArray = field(init=False)
    output: FloatArray = field(init=False)
    pooled: FloatArray = field(init=False)
    cofunding: FloatArray = field(init=False)
    cofunding_prev: FloatArray = field(init=False)
    pending: FloatArray = field(init=False)
    net_benefit: FloatArray = field(init=False)
    reason: IntArray = field(init=False)
    count: int = 0
    # (active array, count, ids): what active_ids gave, kept until add or close.
    _active_ids: tuple[BoolArray, int, IntArray] | None = field(
        init=False, default=None, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        """Start with room for 64 partnerships; the table grows as they form."""
        self._allocate(64)

    def _allocate(self, capacity: int) -> None:
        old = (
            {k: getattr(self, k) for k in self._columns()}
            if hasattr(self, "active")
            else None
        )
        shapes = {
            "members": (capacity, self.width),
            "net_benefit": (capacity, self.width),
        }
        fills = {"members": NO_MEMBER, "reason": -1, "end": -1}
        dtypes = {
            "members": np.int64,
            "size": np.int64,
            "activity": np.int64,
            "region": np.int64,
            "formed": np.int64,
            "start": np.int64,
            "end": np.int64,
            "term": np.int64,
            "active": np.bool_,
            "reason": np.int64,
        }
        for name in self._columns():
            shape, dtype = shapes.get(name, (capacity,)), dtypes.get(name, np.float64)
            fill = fills.get(name, 0)
            # Zeros come from the system as untouched pages: room not yet used costs no memory.
            arr: np.ndarray = (
                np.zeros(shape, dtype) if fill == 0 else np.full(shape, fill, dtype)
            )
            if old is not None:
                arr[: self.count] = old[name][: self.count]
            setattr(self, name, arr)
        # Partnerships start and end only through add and close, which renew active_ids.
        self.active.flags.writeable = False

    @staticmethod
    def _columns() -> tuple[str, ...]:
        return (
            "members",
            "size",
            "activity",
            "region",
            "formed",
            "start",
            "end",
            "term",
            "active",
            "governance",
            "score",
            "performance",
            "output",
            "pooled",
            "cofunding",
            "cofunding_prev",
            "pending",
            "net_benefit",
            "reason",
        )

    def add(
        self,
        members: IntArray,
        activity: IntArray,
        region: IntArray,
        start: int,
        term: IntArray,
        governance: FloatArray,
    ) -> IntArray:
        """Append partnerships; ``members`` is (k, width) padded with NO_MEMBER. Returns their ids."""
        k = members.shape[0]
        need = self.count + k
        if need > self.active.shape[0]:
            self._allocate(max(need, 2 * self.active.shape[0]))
        rows = np.arange(self.count, need)
        self.members[rows] = members
        self.size[rows] = (members != NO_MEMBER).sum(axis=1)
        self.activity[rows] = activity
        self.region[rows] = region
        self.formed[rows] = start
        self.start[rows] = start
        self.term[rows] = term
        self._set_active(rows, True)
        self.governance[rows] = governance
        self.count = need
        return rows

    def close(self, ids: IntArray, step: int, reasons: IntArray) -> None:
        """End partnerships ``ids`` at ``step`` with the given reason codes (indices into REASONS)."""
        self._set_active(ids, False)
        self.end[ids] = step
        self.reason[ids] = reasons

    def _set_active(self, rows: IntArray, value: bool) -> None:
        """Write ``active`` (read only between these writes) and forget the active ids."""
        frozen = not self.active.flags.writeable
        self.active.flags.writeable = True
        self.active[rows] = value
        self.active.flags.writeable = not frozen
        self._active_ids = None

    def active_ids(self) -> IntArray:
        """Ids of partnerships active now (read only).

        Most mechanisms read them each quarter, and they change only when partnerships form
        or end: they are kept from one :meth:`add` or :meth:`close` to the next. ``active`` is
        read only in between; an ``active`` array that can be written (one put in its place
        from outside) is read afresh on every call, so nothing stale is used.
        """
        kept = self._active_ids
        if (
            kept is not None
            and kept[0] is self.active
            and kept[1] == self.count
            and not self.active.flags.writeable
        ):
            return kept[2]
        ids = np.flatnonzero(self.active[: self.count])
        ids.flags.writeable = False
        if not self.active.flags.writeable:
            self._active_ids = (self.active, self.count, ids)
        return ids


@dataclass
class TieTable:
    """Ties between community agents with their trust, as sorted pair keys.

    A tie is stored once, as key ``i * n + j`` with ``i < j``. Forum ties (from the
    community-forum network) keep a trust floor of ``trust.initial``; ties made only by
    working together fade away when they are no longer used.

    ``keys``, ``trust`` and ``forum`` are replaced by :meth:`ensure`, :meth:`drop` and the
    mechanisms, never changed in place (``trust`` values excepted): what the table derives
    from them (neighbour lists, endpoint labels) follows :meth:`ensure` and :meth:`drop`, and
    is renewed from scratch when anything else replaced ``keys``.
    """

    n: int
    keys: IntArray
    trust: FloatArray
    forum: BoolArray

    @classmethod
    def from_pairs(
        cls, n: int, a: IntArray, b: IntArray, trust: float, forum: bool
    ) -> TieTable:
        """Build a table from endpoint arrays (duplicates and self-ties removed)."""
        keys = pair_keys(a, b, n)
        keys = np.unique(keys[a != b])
        return cls(
            n,
            keys,
            np.full(keys.shape[0], trust),
            np.full(keys.shape[0], forum, dtype=bool),
        )

    def find(self, keys: IntArray) -> tuple[IntArray, BoolArray]:
        """Positions of ``keys`` in the table (clipped to the last tie), and which of them exist."""
        pos, found = self._places(keys)
        return np.minimum(pos, max(self.keys.shape[0] - 1, 0)), found

    def _places(self, keys: IntArray) -> tuple[IntArray, BoolArray]:
        """Where ``keys`` are in the sorted keys or would be inserted, and which of them exist."""
        pos = np.searchsorted(self.keys, keys)
        if self.keys.shape[0] == 0:
            return pos, np.zeros(pos.shape[0], dtype=bool)
        # A key past the last tie is compared with the last tie, which is smaller: not found.
        found = self.keys[np.minimum(pos, self.keys.shape[0] - 1)] == keys
        return pos, found

    def ensure(self, keys: IntArray, trust: float, unique: bool = False) -> IntArray:
        """Add the ties among ``keys`` that do not exist yet, with the given trust.

        Args:
            keys: Pair keys (:func:`pair_keys`).
            trust: Trust of the ties added.
            unique: The keys are already sorted and distinct.

        Returns:
            Where each of the keys, sorted and distinct, is in the table afterwards.
        """
        keys = keys if unique else sorted_unique(keys)
        pos, found = self._places(keys)
        missing = ~found
        if not missing.any():
            return pos
        new = keys[missing]
        lists = self._current_adjacency()
        labelled = self._current_labels()
        # New keys are distinct and absent: inserting each at its sorted place keeps the order.
        dest, old = _spliced(pos[missing], self.keys.shape[0])
        self.keys = _splice(self.keys, dest, old, new)
        self.trust = _splice(self.trust, dest, old, trust)
        self.forum = _splice(self.forum, dest, old, False)
        if labelled is not None:
            labels, li, lj = labelled
            self._labels: tuple[IntArray, IntArray, np.ndarray, np.ndarray] = (
                self.keys,
                labels,
                _splice(li, dest, old, labels[new // self.n]),
                _splice(lj, dest, old, labels[new % self.n]),
            )
        if lists is not None:
            # A few new ties: placed in the lists kept, rather than the lists laid out again.
            self._adjacency = (
                self.keys,
                *_insert_entries(*lists, new // self.n, new % self.n, self.n),
            )
        # Each key moves on by the new keys placed before it (all of them smaller).
        return pos + np.cumsum(missing) - missing

    def drop(self, mask: BoolArray) -> None:
        """Remove the ties where ``mask`` is true."""
        if not mask.any():
            return  # the same ties: what was derived from them stands
        keep = ~mask
        gone = self.keys[mask]
        lists = self._current_adjacency()
        labelled = self._current_labels()
        self.keys, self.trust, self.forum = (
            self.keys[keep],
            self.trust[keep],
            self.forum[keep],
        )
        if labelled is not None:
            labels, li, lj = labelled
            self._labels = (self.keys, labels, li[keep], lj[keep])
        if lists is not None:
            self._adjacency = (
                self.keys,
                *_remove_entries(*lists, gone // self.n, gone % self.n, self.n),
            )

    def endpoint_labels(self, labels: IntArray) -> tuple[np.ndarray, np.ndarray]:
        """``labels[i]`` and ``labels[j]`` of every tie (i < j), for a per-agent label such as the home region.

        A read-only ``labels`` array (fixed for the run) is gathered once and then follows
        :meth:`ensure` and :meth:`drop` with the ties; one that can still be written is gathered
        on every call, so nothing stale is used.
        """
        cached = getattr(self, "_labels", None)
        if (
            cached is not None
            and cached[0] is self.keys
            and cached[1] is labels
            and not labels.flags.writeable
        ):
            return cached[2], cached[3]
        i, j = self.endpoints()
        # Labels such as regions are few: kept in the smallest integer type that holds them.
        small = labels.size == 0 or (
            int(labels.min()) >= np.iinfo(np.int16).min
            and int(labels.max()) <= np.iinfo(np.int16).max
        )
        li: np.ndarray = labels[i].astype(np.int16) if small else labels[i]
        lj: np.ndarray = labels[j].astype(np.int16) if small else labels[j]
        if not labels.flags.writeable:
            self._labels = (self.keys, labels, li, lj)  # a cache, not a dataclass field
        return li, lj

    def _current_labels(self) -> tuple[IntArray, np.ndarray, np.ndarray] | None:
        """The endpoint labels kept (labels, theirs at i, at j), if still those of the ties now."""
        cached = getattr(self, "_labels", None)
        if cached is None or cached[0] is not self.keys:
            return None
        return cached[1], cached[2], cached[3]

    def _current_adjacency(self) -> tuple[IntArray, IntArray] | None:
        """The lists kept (``indptr``, the entries' keys), if still those of the ties now."""
        cached = getattr(self, "_adjacency", None)
        if cached is None or cached[0] is not self.keys:
            return None
        return cached[1], cached[2]

    def endpoints(self) -> tuple[IntArray, IntArray]:
        """The two agents of every tie (i < j).

        Computed on each call, not kept: the quarterly work reads what is derived from them
        (the neighbour lists, the endpoint labels), which follow the ties' changes.
        """
        return self.keys // self.n, self.keys % self.n

    def adjacency(self) -> tuple[IntArray, IntArray]:
        """CSR neighbour lists: ``indptr`` (n + 1) and ``neighbours`` for every agent.

        Each agent's list holds its higher-numbered neighbours, ascending, then its
        lower-numbered ones, ascending. ``neighbours`` is laid out on each call from what is
        kept (:meth:`list_starts`); the quarter's search reads single entries through
        :meth:`neighbours_at` instead.
        """
        indptr, keys = self._lists()
        return indptr, _entries(keys, self.n)[1]

    def list_starts(self) -> IntArray:
        """Where each agent's neighbour list starts in the lists laid end to end (``indptr``, n + 1; read only)."""
        return self._lists()[0]

    def neighbours_at(self, at: IntArray) -> IntArray:
        """The neighbours at places ``at`` of the lists laid end to end: ``adjacency()[1][at]``, read alone."""
        return _entries(self._lists()[1][at], self.n)[1]

    def _lists(self) -> tuple[IntArray, IntArray]:
        """``indptr`` and the sorted keys of every list entry (:func:`_entry_keys`).

        Laid out once, by one sort of every tie's two entries; after that they follow
        :meth:`ensure` and :meth:`drop`, which place or remove only the ties they change (a few
        thousand a quarter against hundreds of thousands of forum ties that never change). The
        entries' keys are kept rather than the neighbours themselves: they give each entry's
        neighbour by a division, and where a new entry goes by one binary search. A table whose
        keys were replaced from outside gets its lists laid out again.
        """
        kept = self._current_adjacency()
        if kept is not None:
            return kept
        lo, hi = self.endpoints()
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        keys = np.sort(np.concatenate(_entry_keys(lo, hi, self.n)))
        np.cumsum(np.bincount(keys // (2 * self.n), minlength=self.n), out=indptr[1:])
        indptr.flags.writeable = False
        self._adjacency = (self.keys, indptr, keys)  # a cache, not a dataclass field
        return indptr, keys


def _entry_keys(lo: IntArray, hi: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """Where the two neighbour entries of each tie (lo < hi) stand in the lists: ``agent x 2n + list key``.

    An agent's list holds its higher-numbered neighbours, ascending, then its lower-numbered
    ones: the list key of neighbour b is b above the agent and n + b below it. Sorted, the
    keys of every entry give the lists laid end to end, so one binary search over them finds
    where an entry is, or would go.

    Returns:
        The keys of the entries (lo, hi) and of the entries (hi, lo).
    """
    return lo * (2 * n) + hi, hi * (2 * n) + n + lo


def _entries(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """The (agent, neighbour) of entries given by their keys (:func:`_entry_keys`)."""
    agent, key = keys // (2 * n), keys % (2 * n)
    return agent, np.where(key >= n, key - n, key)


def _spliced(at: IntArray, count: int) -> tuple[IntArray, BoolArray]:
    """Where new items inserted before places ``at`` (ascending) of ``count`` old ones go.

    Computed once for several arrays spliced alike (:func:`_splice`), as ``np.insert`` would
    place them: items inserted before the same place keep their order.

    Returns:
        The new items' places in the longer array, and a mask of the old items' places.
    """
    dest = at + np.arange(at.shape[0])
    old = np.ones(count + at.shape[0], dtype=bool)
    old[dest] = False
    return dest, old


def _splice(
    values: np.ndarray, dest: IntArray, old: BoolArray, new: np.ndarray | float
) -> np.ndarray:
    """``values`` with ``new`` inserted at the places :func:`_spliced` gave."""
    out = np.empty(old.shape[0], dtype=values.dtype)
    out[dest] = new
    out[old] = values
    return out


def _insert_entries(
    indptr: IntArray, keys: IntArray, lo: IntArray, hi: IntArray, n: int
) -> tuple[IntArray, IntArray]:
    """``indptr`` and the entries' keys with the new ties (lo < hi, absent from the lists) placed in order."""
    if lo.shape[0] == 0:
        return indptr, keys
    # Entries inserted before the same place go in list order.
    added = np.sort(np.concatenate(_entry_keys(lo, hi, n)))
    dest, old = _spliced(np.searchsorted(keys, added), keys.shape[0])
    return _moved(indptr, added // (2 * n), n, 1), _splice(keys, dest, old, added)


def _remove_entries(
    indptr: IntArray, keys: IntArray, lo: IntArray, hi: IntArray, n: int
) -> tuple[IntArray, IntArray]:
    """``indptr`` and the entries' keys without the ties (lo < hi, present in the lists)."""
    if lo.shape[0] == 0:
        return indptr, keys
    gone = np.concatenate(_entry_keys(lo, hi, n))
    keep = np.ones(keys.shape[0], dtype=bool)
    keep[np.searchsorted(keys, gone)] = False
    return _moved(indptr, gone // (2 * n), n, -1), keys[keep]


def _moved(indptr: IntArray, agent: IntArray, n: int, sign: int) -> IntArray:
    """``indptr`` (read only) after one entry of each of ``agent`` is added (sign 1) or removed (-1)."""
    shift = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(agent, minlength=n), out=shift[1:])
    out = indptr + shift if sign > 0 else indptr - shift
    out.flags.writeable = False
    return out


def pair_keys(a: IntArray, b: IntArray, n: int) -> IntArray:
    """Order-free key of the pair (a, b): ``min * n + max``."""
    lo = np.minimum(a, b).astype(np.int64)
    hi = np.maximum(a, b).astype(np.int64)
    return lo * n + hi


def sorted_unique(values: IntArray) -> IntArray:
    """``np.unique`` of an integer array (sorted distinct values), by one sort: several times faster."""
    s = np.sort(values)
    head = np.ones(s.shape[0], dtype=bool)
    head[1:] = s[1:] != s[:-1]
    return s[head]


def first_occurrences(keys: IntArray) -> IntArray:
    """Ascending positions of the first occurrence of each distinct non-negative key.

    Equal to ``np.sort(np.unique(keys, return_index=True)[1])``, by one sort of
    ``key x len + position`` (unique values, so an unstable sort keeps first occurrences first).
    """
    m = keys.shape[0]
    if m == 0:
        return np.zeros(0, dtype=np.int64)
    if (int(keys.max()) + 1) * m >= 2**62 or int(keys.min()) < 0:
        return np.sort(np.unique(keys, return_index=True)[1])
    code = np.sort(keys.astype(np.int64) * m + np.arange(m))
    head = np.ones(m, dtype=bool)
    head[1:] = code[1:] // m != code[:-1] // m
    return np.sort(code[head] % m)


def row_sums(x: FloatArray) -> FloatArray:
    """``x.sum(axis=1)``, value for value, by column additions (faster on many short rows).

    For rows shorter than 8 numpy adds left to right, as this does; longer rows use numpy.
    """
    if x.ndim != 2 or not 0 < x.shape[1] < 8:
        return x.sum(axis=1)
    out = x[:, 0].copy()
    for j in range(1, x.shape[1]):
        out += x[:, j]
    return out


# From this many groups the group sums and products go column by column; fewer groups are
# gathered whole, where one call costs less than a call per column.
COLUMNS_FROM = 2048


def group_sum(members: IntArray, values: FloatArray) -> FloatArray:
    """Sum over each group's members of a per-agent array (scalars or rows), padding ignored.

    Column by column, left to right, as ``np.where(mask, values[members], 0).sum(axis=1)``
    adds rows this short: the same numbers, without the (groups, width, ...) gather.
    """
    return _group_reduce(members, values, 0.0, np.add)


def group_product(members: IntArray, values: FloatArray) -> FloatArray:
    """Product over each group's members of a per-agent array (scalars or rows), padding ignored.

    Left to right, as ``np.prod(np.where(mask, values[members], 1), axis=1)`` multiplies:
    the same numbers, without the (groups, width, ...) gather.
    """
    return _group_reduce(members, values, 1.0, np.multiply)


def _group_reduce(
    members: IntArray, values: FloatArray, identity: float, op: np.ufunc
) -> FloatArray:
    """``op`` over each group's members, padding counted as ``identity``, left to right."""
    mask = members != NO_MEMBER
    safe = np.maximum(members, 0)
    if members.shape[0] < COLUMNS_FROM:
        where = mask if values.ndim == 1 else mask[..., None]
        whole = np.where(where, np.take(values, safe, axis=0), identity)
        return op.reduce(whole, axis=1)
    out = np.full((members.shape[0], *values.shape[1:]), identity)
    for j in range(members.shape[1]):
        got = np.take(values, safe[:, j], axis=0)
        keep = mask[:, j] if got.ndim == 1 else mask[:, j, None]
        op(out, np.where(keep, got, identity), out=out)
    return out


def member_pairs(members: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Every pair of members within each row of a padded member matrix.

    Returns:
        (row, a, b): for each pair, the row it belongs to and its two members; by row, then
        in the order of ``np.triu_indices`` over the columns.
    """
    ia, ib = _pair_columns(members.shape[1])
    if ia.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    a = members[:, ia]
    b = members[:, ib]
    at = np.flatnonzero((a != NO_MEMBER) & (b != NO_MEMBER))
    return at // ia.shape[0], a.ravel()[at], b.ravel()[at]


@functools.cache
def _pair_columns(width: int) -> tuple[IntArray, IntArray]:
    """Column pairs (i < j) of a member matrix ``width`` wide: made once per width, read only."""
    ia, ib = np.triu_indices(width, k=1)
    ia.flags.writeable = ib.flags.writeable = False
    return ia, ib


ACTIVITY_INDEX = {a: i for i, a in enumerate(ACTIVITIES)}
