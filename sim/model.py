"""The partnership model: community partnerships for human development, on Mesa.

Each step is one quarter of a year. Its schedule, in order (docs/ODD.md, "Process overview"):

1. policy: a new year draws the public-budget shock (political will); scheduled policy
   events fire from Mesa's event list before the step;
2. formation: seekers search (network + information system) and pairs agree;
3. recruitment: partnerships with room take in another member;
4. operation: members pool money and volunteer labour, co-funding and grants arrive,
   output is invested; government programmes invest;
5. human development: regional components move, macro shocks (history) apply, the index is computed;
6. trust and cohesion;
7. dissolution;
8. evaluation and rewards (of the partnerships that carry on): self-evaluation, the reward
   scheme, motivation, crowding out;
9. capacity building and mentoring;
10. data collection.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from mesa import Model
from mesa.datacollection import DataCollector

from sim import allocator
from sim.agents import CommunityComponent, Donor, Government, Partnership, TrustFund
from sim.hdi import Method
from sim.ledger import Ledger
from sim.mechanisms import (
    capacity,
    development,
    dissolution,
    formation,
    network,
    operation,
    policy,
    rewards,
    shocks,
    trust,
)
from sim.mechanisms.dissolution import REASONS
from sim.parameters import ACTIVITIES, BY_NAME, KINDS
from sim.scenario import Scenario, defaults

# run_fingerprint stays importable from here: a run's seed is part of the model's interface.
from sim.seeds import run_fingerprint, run_seed  # noqa: F401
from sim.state import (
    BOOL_SCALARS,
    BUSINESS,
    FLOAT_SCALARS,
    INT_SCALARS,
    NO_MEMBER,
    IntArray,
    PartnershipTable,
    new_community,
)
from sim.survival import restricted_mean

# Independent random streams, one per source of chance, derived in this fixed order from
# the run's seed. Worlds with the same seed start identical whatever their levers, and a
# lever that changes one mechanism's draws leaves the others' streams untouched: sharper
# common random numbers between scenarios.
STREAMS: tuple[str, ...] = (
    "world",
    "search",
    "formation",
    "rewards",
    "dissolution",
    "policy",
)

SOCIAL = ACTIVITIES.index("social")
_UNSET = object()

METRICS: tuple[str, ...] = (
    "year",
    "index",
    "life_expectancy",
    "expected_schooling",
    "mean_schooling",
    "income",
    "index_min",
    "index_max",
    "inequality",
    "active_partnerships",
    "formed",
    "dissolved",
    "members_added",
    "participation_share",
    "business_participation",
    "cross_sector_share",
    "cohesion",
    "mean_capacity",
    "mean_motivation",
    "mean_volunteering",
    "spend_central",
    "spend_regional",
    "spend_rewards",
    "spend_donors",
    "spend_trust_fund",
    "spend_community",
    "spend_volunteer_labour",
    "spend_total",
    "government_share",
    "budget_shock",
)


def root_seed_from(rng: object) -> int:
    """The root seed that a value of Mesa's ``rng`` argument stands for.

    Args:
        rng: An integer (the seed itself), None (a fresh seed from the operating system), a
            numpy ``Generator`` or ``SeedSequence`` (a seed drawn from it, so a fixed one gives
            the same seed every time).

    Returns:
        A non-negative integer below 2**53, so that it survives JSON readers, R and
        spreadsheets exactly; integers given by the user are kept as they are.

    Raises:
        TypeError: ``rng`` is none of these.
    """
    if rng is None:
        rng = np.random.SeedSequence()
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, np.uint64)[0] >> np.uint64(11))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**53))
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return int(rng)
    raise TypeError(
        f"rng={rng!r}: allowed: an integer seed, None, a numpy Generator or SeedSequence"
    )


# The columns of a region row as the model records it each quarter (``_region_rows``).
REGION_ROW: tuple[str, ...] = (
    "step",
    "region",
    "index",
    "life_expectancy",
    "expected_schooling",
    "mean_schooling",
    "income",
)


def crossing_time(step: int, before: float, after: float, target: float) -> float:
    """Years from the start at which the index crossed the target during quarter ``step``.

    The index moved from ``before`` (end of quarter ``step - 1``) to ``after`` (end of
    quarter ``step``); the crossing is placed by linear interpolation, so that two policies
    reaching the target in the same quarter still differ by how far into it they did. A quarter
    that starts at or above the target (e.g. after a shock pushed the index back) counts whole.
    """
    rise = after - before
    share = (target - before) / rise if rise > 0 and before < target else 1.0
    return (step - 1 + min(max(share, 0.0), 1.0)) / 4.0


class PartnershipModel(Model[CommunityComponent, Scenario]):
    """Community partnerships (kemitraan) forming, working and dissolving, and the HDI they move.

    Args:
        scenario: A validated scenario (default: every parameter at its default).
        replication: Replication number; with the root seed it fixes every draw.
        checked: Assert the model's invariants after every step (money conserved, no
            negative balance, membership rules, index bounds).
        rng: The root seed, Mesa's one seeding argument (what ``mesa.batch_run`` passes):
            omitted, the scenario's ``scenario.seed``; an integer, that seed; None, a fresh
            seed (``iterations=`` passes None); a numpy Generator or SeedSequence, a seed
            drawn from it. The seed used is kept in ``root_seed`` and reported by the
            datacollector as ``root_seed``, so every batch_run row says how to repeat it.
        **levers: Parameters by their key, e.g. ``rewards__scheme="performance"`` (double
            underscore for the dot), so that ``mesa.batch_run`` can vary them.

    Attributes:
        params: The levers in force (policy events change them during a run).
        community: Array state of the community agents.
        regions: Array state of the regions.
        partnerships: Table of every partnership formed.
        ties: Forum and working ties with their trust.
        ledger: Money accounts.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        replication: int = 0,
        checked: bool = False,
        rng: Any = _UNSET,
        **levers,
    ):
        """Build the world of ``scenario`` (with ``levers`` applied) and its random streams."""
        scenario = scenario if scenario is not None else defaults()
        if levers:
            scenario = scenario.with_overrides(
                {k.replace("__", "."): v for k, v in levers.items()},
                source="model arguments",
            )
        root = int(scenario.scenario.seed) if rng is _UNSET else root_seed_from(rng)
        children = run_seed(root, replication).spawn(1 + len(STREAMS))
        super().__init__(rng=np.random.default_rng(children[0]))
        self.scenario = scenario
        self.root_seed = root
        self.replication = replication
        self.checked = checked
        self.streams = {
            name: np.random.default_rng(c)
            for name, c in zip(STREAMS, children[1:], strict=True)
        }
        self.params: dict[str, dict] = {s: dict(v) for s, v in scenario.values.items()}
        if self.params["dynamics"]["ensemble"]:
            # Parameter uncertainty: replication r runs with the ensemble's set r (modulo its size).
            from sim.scenario import ensemble_sets

            sets = ensemble_sets(scenario.values, scenario.source)
            for key, value in sets[replication % len(sets)].items():
                section, name = key.split(".", 1)
                # A pathway key the scenario itself sets (e.g. a sweep's lever) keeps the
                # scenario's value; the set supplies the uncertainties left at their defaults.
                if (
                    section == "dynamics"
                    or self.params[section][name] == BY_NAME[key].default
                ):
                    self.params[section][name] = value
        self.method: Method = scenario.scenario.index
        self.index_scale = 100.0 if self.method == "ipm" else 1.0
        self.start_year = int(scenario.scenario.start_year)
        self.target = float(scenario.scenario.target)
        self.horizon = scenario.steps

        world = self.streams["world"]
        pop = self.params["population"]
        if self.params["geography"]["regions"] == "synthetic":
            self.regions = development.initial_regions(
                world,
                pop["regions"],
                self.params["start"],
                pop["regional_spread"],
                self.method,
            )
        else:
            self.regions = development.regions_from(scenario.regions())
        counts = {
            "community_group": pop["community_groups"],
            "ngo": pop["ngos"],
            "religious_body": pop["religious_bodies"],
            "business": pop["businesses"],
            "university": pop["universities"],
        }
        # A large community makes and frees big arrays every quarter: keep freed memory for reuse.
        allocator.keep_freed_memory(sum(counts.values()))
        self.community = new_community(
            world,
            counts,
            self.regions.population,
            pop["max_partnerships"],
            self.params["giving"],
            pop["min_agents_per_region"],
            pop["people_per_organisation"],
        )
        self.ties = network.forum_network(
            world,
            self.community.region,
            self.params["network"]["forum_density"],
            self.params["network"]["local_share"],
            self.params["trust"]["initial"],
        )
        network.prepare_search(
            self.community, self.params
        )  # every agent's best matches, once a run
        self.partnerships = PartnershipTable(
            width=max(int(self.params["formation"]["max_group_size"]), 2)
        )
        self.ledger = Ledger()
        self.budget_shock = 1.0
        self.expect = {
            "cofunding_fill": 1.0,
            "grant_ratio": 0.0,
            "cash_per_participant": 0.0,
        }
        self.fired_events: list = []
        self.investment = np.zeros((self.regions.n, len(ACTIVITIES)))

        self.community_agents = [
            CommunityComponent(self, row) for row in range(self.community.n)
        ]
        self.governments = [Government(self, "central")] + [
            Government(self, "regional", r) for r in range(self.regions.n)
        ]
        self.donors = [Donor(self, "international"), Donor(self, "philanthropy")]
        self.trust_fund = TrustFund(self)
        self.partnership_agents: dict[int, Partnership] = {}
        self._event_handlers = policy.schedule(self)

        self.region_index = development.regional_index(self.regions, self.method)
        self.national_index = development.national_index(self.regions, self.method)
        self.start_index = self.national_index
        self.step_of_target: int | None = (
            0 if self.national_index >= self.target else None
        )
        # Years from the start to the crossing, interpolated within the quarter it happened in.
        self.time_of_target: float | None = 0.0 if self.step_of_target == 0 else None
        # Quarter at which each region first reached the target (-1: not yet).
        self.region_step_of_target = np.where(
            self.region_index >= self.target, 0, -1
        ).astype(np.int64)
        self.totals = {"formed": 0, "dissolved": 0, "members_added": 0}
        self._step_counts = {"formed": 0, "dissolved": 0, "members_added": 0}
        self._event_log: list[
            dict
        ] = []  # batches of events as arrays (see _log_events)
        self.datacollector = DataCollector(
            model_reporters={
                **{m: partial(_metric, name=m) for m in METRICS},
                # For mesa.batch_run's rows only; timeseries() leaves it out.
                "root_seed": lambda m: m.root_seed,
            }
        )
        self.metrics: dict[str, float] = {}
        self._region_rows: list[np.ndarray] = []
        self._record()

    # Mesa's Model keeps its own experimental Scenario under this name; ours is the
    # validated scenario file, so the property holds whatever the model set last.
    @property
    def scenario(self) -> Scenario:
        """The scenario this model runs."""
        return self._kemitraan_scenario

    @scenario.setter
    def scenario(self, value) -> None:
        self._kemitraan_scenario = value

    @property
    def public_factor(self) -> float:
        """Multiplier on public budgets this quarter: the political-will shock x ``funding.public_scale``."""
        return self.budget_shock * self.params["funding"]["public_scale"]

    # --- the schedule ------------------------------------------------------------------

    def step(self) -> None:
        """Advance one quarter."""
        self.ledger.new_step()
        self._step_counts = {"formed": 0, "dissolved": 0, "members_added": 0}
        if (self.steps - 1) % 4 == 0:
            self.budget_shock = policy.budget_shock(
                self.streams["policy"], self.params["funding"]["political_will"]
            )
        new = formation.form(self)
        busy = self.partnerships.members[new].ravel()
        formation.recruit(self, busy[busy != NO_MEMBER])
        invest = operation.operate(self)
        self.investment = invest
        development.advance(self.regions, invest, self.params["dynamics"], self.method)
        shocks.apply(self.regions, self.params["shocks"], self.method)
        self.region_index = development.regional_index(self.regions, self.method)
        before = self.national_index
        self.national_index = development.national_index(self.regions, self.method)
        if self.step_of_target is None and self.national_index >= self.target:
            self.step_of_target = self.steps
            self.time_of_target = crossing_time(
                self.steps, before, self.national_index, self.target
            )
        newly = (self.region_step_of_target < 0) & (self.region_index >= self.target)
        self.region_step_of_target[newly] = self.steps
        trust.update(self, invest[:, SOCIAL])
        dissolution.dissolve(self)
        # Rewards go to the partnerships that carry on, so no grant is paid into one that has ended.
        rewards.evaluate_and_reward(self)
        capacity.build_capacity(self)
        if self.checked:
            self.check_invariants()
        self._record()
        if self.steps >= self.horizon:
            self.running = False

    def run(self) -> PartnershipModel:
        """Run to the scenario's horizon; returns the model."""
        while self.running and self.steps < self.horizon:
            self.step()
        return self

    # --- partnership bookkeeping (used by the formation and dissolution mechanisms) -------

    def open_partnerships(
        self,
        members: IntArray,
        activity: IntArray,
        region: IntArray,
        term: IntArray,
        governance: np.ndarray,
        transaction_cost: float,
    ) -> IntArray:
        """Create partnerships: table rows, Mesa agents, ties, memberships, transaction costs."""
        ids = self.partnerships.add(
            members, activity, region, self.steps, term, governance
        )
        mask = members != NO_MEMBER
        np.add.at(self.community.memberships, members[mask], 1)
        self._pay_transaction_cost(members[mask], transaction_cost)
        for pid in ids.tolist():
            self.partnership_agents[pid] = Partnership(self, pid)
        self._log_events(ids, "formed", None)
        self._step_counts["formed"] += ids.shape[0]
        self.totals["formed"] += ids.shape[0]
        return ids

    def add_members(
        self, ids: IntArray, agents: IntArray, transaction_cost: float
    ) -> None:
        """Add one new member to each of the partnerships ``ids``."""
        t = self.partnerships
        t.members[ids, t.size[ids]] = agents
        t.net_benefit[ids, t.size[ids]] = 0.0
        t.size[ids] += 1
        np.add.at(self.community.memberships, agents, 1)
        self._pay_transaction_cost(agents, transaction_cost)
        self._log_events(ids, "joined", None, joined=agents)
        self._step_counts["members_added"] += agents.shape[0]
        self.totals["members_added"] += agents.shape[0]

    def close_partnerships(self, ids: IntArray, reasons: IntArray) -> None:
        """End partnerships with the given reason codes (indices into REASONS)."""
        if ids.shape[0] == 0:
            return
        t = self.partnerships
        t.close(ids, self.steps, reasons)
        m = t.members[ids]
        np.subtract.at(self.community.memberships, m[m != NO_MEMBER], 1)
        self._log_events(ids, "dissolved", reasons)
        for pid in ids.tolist():
            self.partnership_agents.pop(pid).remove()
        self._step_counts["dissolved"] += ids.shape[0]
        self.totals["dissolved"] += ids.shape[0]

    def _pay_transaction_cost(self, agents: IntArray, cost: float) -> None:
        """Each new member pays ``cost`` for every real organisation it stands for (a cost, not spending)."""
        amount = float(self.community.organisations[agents].sum()) * cost
        self.ledger.credit("community", amount)
        self.ledger.spend("community", "transaction_costs", amount)

    def _log_events(
        self,
        ids: IntArray,
        event: str,
        reasons: IntArray | None,
        joined: IntArray | None = None,
    ) -> None:
        """Keep one batch of events as arrays (copies of the table rows now); :meth:`events` makes the table."""
        if ids.shape[0] == 0:
            return
        t = self.partnerships
        self._event_log.append(
            {
                "step": self.steps,
                "event": event,
                "partnership": ids.astype(np.int64),
                "members": t.members[ids],
                "activity": t.activity[ids],
                "region": t.region[ids],
                "formed": t.formed[ids],
                "reason": None
                if reasons is None
                else np.asarray(reasons, dtype=np.int64).copy(),
                "joined": None
                if joined is None
                else np.asarray(joined, dtype=np.int64).copy(),
            }
        )

    # --- invariants ----------------------------------------------------------------------

    def check_invariants(self) -> None:
        """Assert money conservation, balances, membership rules and index bounds."""
        self.ledger.check()
        t = self.partnerships
        ids = t.active_ids()
        m = t.members[ids]
        assert np.all(t.size[ids] >= 2), "a partnership has fewer than two members"
        assert np.all((m != NO_MEMBER).sum(axis=1) == t.size[ids]), (
            "member padding disagrees with size"
        )
        counts = np.bincount(m[m != NO_MEMBER], minlength=self.community.n)
        assert np.array_equal(counts, self.community.memberships), (
            "membership counts disagree"
        )
        assert np.all(self.community.memberships <= self.community.cap), (
            "an agent exceeds its cap"
        )
        for row in m:
            real = row[row != NO_MEMBER]
            assert np.unique(real).shape[0] == real.shape[0], (
                "an agent appears twice in one partnership"
            )
        assert 0.0 <= self.national_index <= self.index_scale, "index out of bounds"
        assert np.all(
            (self.region_index >= 0) & (self.region_index <= self.index_scale)
        ), "regional index out of bounds"
        for name in ("capacity", "motivation", "volunteer"):
            v = getattr(self.community, name)
            assert np.all((v >= 0) & (v <= 1)), f"{name} out of [0, 1]"
        assert np.all((self.ties.trust >= 0) & (self.ties.trust <= 1)), (
            "trust out of [0, 1]"
        )
        assert len(self.partnership_agents) == ids.shape[0], (
            "Mesa agents disagree with the table"
        )

    # --- data ----------------------------------------------------------------------------

    def _record(self) -> None:
        t = self.partnerships
        ids = t.active_ids()
        le, eys, mys, income = self.regions.national()
        by = self.ledger.spending_by_source(step=True)
        total = sum(by.values())
        kinds = self.community.kind
        m = t.members[ids]
        mixed = 0.0
        if ids.shape[0]:
            k = np.where(m != NO_MEMBER, kinds[np.maximum(m, 0)], -1)
            first = k[:, :1]
            mixed = float(np.mean(np.any((k != first) & (k >= 0), axis=1)))
        n = max(self.community.n, 1)
        self.metrics = {
            "year": self.start_year + self.steps / 4.0,
            "index": self.national_index,
            "life_expectancy": le,
            "expected_schooling": eys,
            "mean_schooling": mys,
            "income": income,
            "index_min": float(self.region_index.min()),
            "index_max": float(self.region_index.max()),
            "inequality": development.inequality(
                self.region_index, self.regions.weights
            ),
            "active_partnerships": int(ids.shape[0]),
            "formed": self._step_counts["formed"],
            "dissolved": self._step_counts["dissolved"],
            "members_added": self._step_counts["members_added"],
            "participation_share": float(
                np.count_nonzero(self.community.memberships) / n
            ),
            "business_participation": _share_in_partnerships(self.community, BUSINESS),
            "cross_sector_share": mixed,
            "cohesion": trust.cohesion(self),
            "mean_capacity": float(self.community.capacity.mean())
            if self.community.n
            else 0.0,
            "mean_motivation": float(self.community.motivation.mean())
            if self.community.n
            else 0.0,
            "mean_volunteering": float(self.community.volunteer.mean())
            if self.community.n
            else 0.0,
            "spend_central": by["central"],
            "spend_regional": by["regional"],
            "spend_rewards": by["rewards"],
            "spend_donors": by["donors"],
            "spend_trust_fund": by["trust_fund"],
            "spend_community": by["community"],
            "spend_volunteer_labour": by["volunteer_labour"],
            "spend_total": total,
            "government_share": self.ledger.government_share(step=True),
            "budget_shock": self.budget_shock,
        }
        self.datacollector.collect(self)
        self._region_rows.append(
            np.column_stack(
                [
                    np.full(self.regions.n, self.steps),
                    np.arange(self.regions.n),
                    self.region_index,
                    self.regions.life_expectancy,
                    self.regions.expected_schooling,
                    self.regions.mean_schooling,
                    self.regions.income,
                ]
            )
        )

    def timeseries(self) -> pd.DataFrame:
        """One row per step (step 0 is the start) with every metric."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(names="step")
        return df.drop(columns="root_seed")

    def region_series(self) -> pd.DataFrame:
        """One row per step and region: the region's name, index and components."""
        df = pd.DataFrame(np.vstack(self._region_rows), columns=list(REGION_ROW))
        df["step"] = df["step"].astype(np.int64)
        df["region"] = df["region"].astype(np.int64)
        df.insert(1, "year", self.start_year + df["step"] / 4.0)
        df.insert(
            3,
            "region_name",
            np.asarray(self.regions.names, dtype=object)[df["region"].to_numpy()],
        )
        return df

    def events(self) -> pd.DataFrame:
        """The partnership event table: formed, joined and dissolved, with reasons."""
        cols = [
            "step",
            "year",
            "partnership",
            "event",
            "members",
            "kinds",
            "size",
            "activity",
            "region",
            "reason",
            "lifespan_years",
        ]
        log = self._event_log
        if not log:
            return pd.DataFrame([], columns=cols)
        counts = [b["partnership"].shape[0] for b in log]
        step = np.repeat(np.array([b["step"] for b in log], dtype=np.int64), counts)
        members = np.concatenate([b["members"] for b in log])
        mask = members != NO_MEMBER
        member_text, kind_text = _joined_members(members, mask, self.community.kind)
        reason = _event_reasons(log)
        dissolved = np.repeat(
            np.array([b["event"] == "dissolved" for b in log]), counts
        )
        formed = np.concatenate([b["formed"] for b in log])
        return pd.DataFrame(
            {
                "step": step,
                "year": self.start_year + step / 4.0,
                "partnership": np.concatenate([b["partnership"] for b in log]),
                "event": np.repeat(
                    np.array([b["event"] for b in log], dtype=object), counts
                ).tolist(),
                "members": member_text,
                "kinds": kind_text,
                "size": mask.sum(axis=1).astype(np.int64),
                "activity": np.array(ACTIVITIES, dtype=object)[
                    np.concatenate([b["activity"] for b in log])
                ].tolist(),
                "region": np.concatenate([b["region"] for b in log]).astype(np.int64),
                "reason": reason,
                "lifespan_years": np.where(dissolved, (step - formed) / 4.0, np.nan),
            },
            columns=cols,
        )

    # --- the same tables as Arrow, for a sweep's chunks ------------------------------------
    #
    # A sweep stores Arrow, not pandas: making each table as a DataFrame and converting it
    # (the event lists joined into text only to be split again) cost about a tenth of a
    # baseline run. These make the Arrow table that ``pa.Table.from_pandas`` gives for the
    # DataFrame method of the same name (same types, NaN as null, same bytes when encoded);
    # where that cannot be promised they return None and the caller converts the DataFrame.

    def timeseries_arrow(self) -> pa.Table | None:
        """:meth:`timeseries` as an Arrow table, or None where only the DataFrame's conversion is sure."""
        vars_ = self.datacollector.model_vars
        n = len(next(iter(vars_.values()), []))
        columns: dict[str, pa.Array] = {"step": pa.array(np.arange(n, dtype=np.int64))}
        for name, values in vars_.items():
            if name == "root_seed":
                continue
            column = _plain_column(values)
            if column is None or len(values) != n:
                return None
            columns[name] = column
        return pa.table(columns)

    def region_arrow(self) -> pa.Table:
        """:meth:`region_series` as an Arrow table."""
        arr = np.vstack(self._region_rows)
        step = arr[:, 0].astype(np.int64)
        region = arr[:, 1].astype(np.int64)
        names = pa.array(list(self.regions.names), pa.large_string())
        columns = {
            "step": pa.array(step),
            "year": pa.array(self.start_year + step / 4.0, from_pandas=True),
            "region": pa.array(region),
            "region_name": names.take(pa.array(region)),
        }
        for i, name in enumerate(REGION_ROW[2:], start=2):
            columns[name] = pa.array(np.ascontiguousarray(arr[:, i]), from_pandas=True)
        return pa.table(columns)

    def events_arrow(self) -> pa.Table | None:
        """:meth:`events` as an Arrow table with ``members`` and ``kinds`` as lists, or None.

        The lists are what the sweep stores (``sim.experiment.run.as_lists`` of the text
        columns), made here from the member arrays without joining them into text. None when
        there is no event or a row has no member (the text path decides those lists' type).
        """
        log = self._event_log
        if not log:
            return None
        counts = [b["partnership"].shape[0] for b in log]
        step = np.repeat(np.array([b["step"] for b in log], dtype=np.int64), counts)
        members = np.concatenate([b["members"] for b in log])
        mask = members != NO_MEMBER
        size = mask.sum(axis=1).astype(np.int64)
        if not size.all():
            return None
        offsets = np.zeros(members.shape[0] + 1, dtype=np.int32)
        np.cumsum(size, out=offsets[1:])
        real = members[mask].astype(np.int64)
        offsets_arr = pa.array(offsets)
        kind_names = pa.array(list(KINDS), pa.string()).take(
            pa.array(self.community.kind[real])
        )
        event_names = [b["event"] for b in log]
        dissolved = np.repeat(np.array([e == "dissolved" for e in event_names]), counts)
        reason = _event_reasons_arrow(log, counts)
        if reason is None:
            reason = pa.array(_event_reasons(log), pa.large_string())
        formed = np.concatenate([b["formed"] for b in log])
        activity = np.concatenate([b["activity"] for b in log]).astype(np.int64)
        return pa.table(
            {
                "step": pa.array(step),
                "year": pa.array(self.start_year + step / 4.0, from_pandas=True),
                "partnership": pa.array(
                    np.concatenate([b["partnership"] for b in log])
                ),
                "event": _repeated_text(event_names, counts),
                "members": pa.ListArray.from_arrays(offsets_arr, pa.array(real)),
                "kinds": pa.ListArray.from_arrays(offsets_arr, kind_names),
                "size": pa.array(size),
                "activity": pa.array(list(ACTIVITIES), pa.large_string()).take(
                    pa.array(activity)
                ),
                "region": pa.array(
                    np.concatenate([b["region"] for b in log]).astype(np.int64)
                ),
                "reason": reason,
                "lifespan_years": pa.array(
                    np.where(dissolved, (step - formed) / 4.0, np.nan), from_pandas=True
                ),
            }
        )

    def summary(self) -> dict[str, float | int | bool | str]:
        """One-row outcome summary of the run (time to target is censored when not reached)."""
        t = self.partnerships
        # Partnerships still active at the end are censored, not ended: Kaplan-Meier restricted mean.
        lifespans = (
            np.where(t.active[: t.count], self.steps, t.end[: t.count])
            - t.formed[: t.count]
        ) / 4.0
        reached = self.step_of_target is not None
        by = self.ledger.spending_by_source(step=False)
        return {
            "scenario": self.scenario.name,
            "replication": self.replication,
            "root_seed": self.root_seed,
            "steps": int(self.steps),
            "start_year": self.start_year,
            "index_method": self.method,
            "target": self.target,
            "start_index": self.start_index,
            "final_index": self.national_index,
            "reached": reached,
            "years_to_target": self.time_of_target if reached else float("nan"),
            "year_reached": self.start_year + self.time_of_target
            if reached and self.time_of_target is not None
            else float("nan"),
            "censored_at_years": self.steps / 4.0,
            "government_share": self.ledger.government_share(step=False),
            "government_spending": by["central"] + by["regional"] + by["rewards"],
            "total_spending": float(sum(by.values())),
            "costs": float(sum(self.ledger.costs_by_source(step=False).values())),
            "government_costs": float(
                self.ledger.costs_by_source(step=False)["central"]
            ),
            "leakage": float(self.ledger.leakage),
            # Effective output per rupiah: what the pathways make of partnership money, beside
            # the programmes' (docs/ODD.md 7.4a).
            **{
                f"output_per_rupiah_{k}": v
                for k, v in self.ledger.output_per_rupiah().items()
            },
            "population": float(self.regions.population.sum()),
            "regions": int(self.regions.n),
            "regions_reached": int(np.count_nonzero(self.region_step_of_target >= 0)),
            "index_spread": float(self.region_index.max() - self.region_index.min()),
            "partnerships_formed": self.totals["formed"],
            "partnerships_dissolved": self.totals["dissolved"],
            "members_added": self.totals["members_added"],
            "active_partnerships": int(t.active_ids().shape[0]),
            "mean_active_partnerships": float(
                np.mean(self.datacollector.model_vars["active_partnerships"])
            ),
            "mean_lifespan_years": restricted_mean(lifespans, ~t.active[: t.count])
            if t.count
            else float("nan"),
            "participation_share": self.metrics["participation_share"],
            "business_participation": self.metrics["business_participation"],
            "cross_sector_share": self.metrics["cross_sector_share"],
            "cohesion": self.metrics["cohesion"],
            "mean_volunteering": self.metrics["mean_volunteering"],
            "inequality": self.metrics["inequality"],
        }


# pandas' default text dtype (Arrow-backed in pandas 3): what a column of Python strings becomes.
_TEXT_TYPES = {pa.string(): pd.Series(["x"]).dtype}


def _joined_members(
    members: IntArray, mask: np.ndarray, kinds: IntArray
) -> tuple[pd.Series, pd.Series]:
    """Each event row's real members and their kinds as ``;``-joined text (Arrow's string kernels).

    Args:
        members: Member ids, one row per event, padded with ``NO_MEMBER``.
        mask: Where ``members`` holds a real member.
        kinds: Every community agent's kind code.

    Returns:
        The rows' member ids (``"3;17"``) and kind names (``"ngo;business"``), in member order.
    """
    # Arrow's int-to-string cast and list join give exactly str() and ";".join(), in compiled code
    # (the Python loop they replace was about a tenth of a baseline run's cost in a sweep).
    real = members[mask]
    offsets = np.zeros(members.shape[0] + 1, dtype=np.int64)
    np.cumsum(mask.sum(axis=1), out=offsets[1:])
    offsets_arr = pa.array(offsets)
    ids = pa.ListArray.from_arrays(offsets_arr, pa.array(real).cast(pa.string()))
    names = pa.array(list(KINDS), pa.string()).take(pa.array(kinds[real]))
    kind_lists = pa.ListArray.from_arrays(offsets_arr, names)
    return (
        _text_column(pc.binary_join(ids, ";")),
        _text_column(pc.binary_join(kind_lists, ";")),
    )


def _text_column(values: pa.Array) -> pd.Series:
    """Arrow strings as the pandas column a list of the same Python strings would become."""
    return values.to_pandas(types_mapper=_TEXT_TYPES.get)


def _event_reasons(log: list[dict]) -> list[str]:
    """The reason column of the event batches: a dissolution's reason, ``joined:<agent>``, or empty."""
    reason_names = np.array(REASONS, dtype=object)
    reason: list[str] = []
    for b in log:
        if b["reason"] is not None:
            reason.extend(reason_names[b["reason"]].tolist())
        elif b["joined"] is not None:
            reason.extend(f"joined:{a}" for a in b["joined"].tolist())
        else:
            reason.extend([""] * b["partnership"].shape[0])
    return reason


def _plain_column(values: list) -> pa.Array | None:
    """A list of numbers as the Arrow column its DataFrame column converts to, or None if unsure.

    Only lists of all floats, all integers or all booleans (Python's or numpy's), which pandas
    and numpy both store as float64, int64 or bool; NaN becomes null as in ``from_pandas``.
    """
    kinds = {type(v) for v in values}
    if not values or not (
        kinds <= FLOAT_SCALARS or kinds <= INT_SCALARS or kinds <= BOOL_SCALARS
    ):
        return None
    try:
        arr = np.asarray(values)
    except (
        OverflowError
    ):  # an integer beyond int64: pandas keeps such a column as objects
        return None
    if arr.dtype not in (np.float64, np.int64, np.bool_):
        return None
    return pa.array(arr, from_pandas=True)


def _repeated_text(values: list[str], counts: list[int]) -> pa.Array:
    """Each of ``values`` repeated its count of times, as Arrow text (a take from the distinct values)."""
    distinct = list(dict.fromkeys(values))
    index = np.repeat(np.array([distinct.index(v) for v in values], np.int64), counts)
    return pa.array(distinct, pa.large_string()).take(pa.array(index))


def _event_reasons_arrow(log: list[dict], counts: list[int]) -> pa.Array | None:
    """:func:`_event_reasons` as an Arrow text column made by Arrow's kernels, or None.

    A dissolution's reason name is taken from a small dictionary and ``joined:<agent>`` is the
    agent cast to text (what ``str()`` writes) after its prefix. None when a reason code is
    outside the names (the Python path then decides).
    """
    blank, joined_code = len(REASONS), len(REASONS) + 1
    # Each batch is one kind of event: its rows' code is the batch's until the reasons and
    # joiners, gathered batch by batch, are put in their rows.
    kind = np.array(
        [
            0 if b["reason"] is not None else 1 if b["joined"] is not None else 2
            for b in log
        ]
    )
    rows = np.repeat(kind, counts)
    code = np.where(rows == 1, joined_code, blank).astype(np.int64)
    dissolved = rows == 0
    if dissolved.any():
        code[dissolved] = np.concatenate(
            [b["reason"] for b in log if b["reason"] is not None]
        )
    if code.shape[0] and (code.min() < 0 or code.max() > joined_code):
        return None
    prefix = pa.array([*REASONS, "", "joined:"], pa.large_string()).take(pa.array(code))
    joined = rows == 1
    if not joined.any():
        return prefix
    agents = np.zeros(code.shape[0], dtype=np.int64)
    agents[joined] = np.concatenate(
        [b["joined"] for b in log if b["reason"] is None and b["joined"] is not None]
    )
    suffix = pc.if_else(
        pa.array(joined),
        pa.array(agents).cast(pa.large_string()),
        pa.scalar("", pa.large_string()),
    )
    return pc.binary_join_element_wise(prefix, suffix, pa.scalar("", pa.large_string()))


def _share_in_partnerships(community, kind: int) -> float:
    """Share of the agents of one kind that belong to at least one partnership."""
    of_kind = community.kind == kind
    total = int(of_kind.sum())
    return (
        float(np.count_nonzero(community.memberships[of_kind]) / total)
        if total
        else 0.0
    )


def _metric(model: PartnershipModel, name: str) -> float:
    """Model reporter: one metric computed in ``PartnershipModel._record`` (picklable via partial)."""
    return model.metrics[name]
