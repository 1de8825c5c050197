"""The base class every mechanism test class inherits (Axelrod-style).

A subclass names its mechanism module and declares ``levers``: the overrides that
exercise that mechanism (and optionally ``extra_levers``, more such settings). Every
subclass then gets, for free:

* reproducibility: the same seed gives the same world, partnership table, ties, ledger,
  time series and event table, bit for bit, after a full run;
* independence: different replications (and different root seeds) give different draws;
* common random numbers: the mechanism's levers do not change the starting world;
* invariants every step, over several seeds and for each lever setting: the model's own
  ``check_invariants`` (``checked=True``) plus the structural checks below and the
  subclass's ``step_checks`` hook for its mechanism's own rule.

Helpers for hand-made situations (a partnership opened on purpose, a snapshot of the
whole state) live here too.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sim import hdi
from sim.model import PartnershipModel
from sim.scenario import Scenario
from sim.state import NO_MEMBER, TieTable

# --- helpers ---------------------------------------------------------------------------------


def snapshot(model: PartnershipModel) -> dict[str, Any]:
    """Every piece of state a run produces, copied, keyed by a readable name."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(model.community):
        out[f"community.{f.name}"] = np.array(
            getattr(model.community, f.name), copy=True
        )
    for f in dataclasses.fields(model.regions):
        out[f"regions.{f.name}"] = np.array(getattr(model.regions, f.name), copy=True)
    t = model.partnerships
    out["partnerships.count"] = t.count
    for col in t._columns():
        out[f"partnerships.{col}"] = np.array(getattr(t, col)[: t.count], copy=True)
    out["ties.keys"] = model.ties.keys.copy()
    out["ties.trust"] = model.ties.trust.copy()
    out["ties.forum"] = model.ties.forum.copy()
    led = model.ledger
    for name in ("balance", "inflow", "lapsed", "transfers_in", "transfers_out"):
        out[f"ledger.{name}"] = dict(getattr(led, name))
    out["ledger.spent"] = dict(led.spent)
    out["ledger.volunteer_value"] = led.volunteer_value
    out["ledger.tax_expenditure"] = led.tax_expenditure
    out["national_index"] = model.national_index
    out["step_of_target"] = model.step_of_target
    out["timeseries"] = model.timeseries()
    out["region_series"] = model.region_series()
    out["events"] = model.events()
    return out


def assert_same(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Two snapshots are identical, bit for bit."""
    assert a.keys() == b.keys()
    for key, x in a.items():
        y = b[key]
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True, obj=key)
        elif isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and x.shape == y.shape, key
            assert np.array_equal(x, y, equal_nan=x.dtype.kind == "f"), key
        else:
            assert x == y, key


def differs(a: Any, b: Any) -> bool:
    """True when two arrays or frames are not identical."""
    if isinstance(a, pd.DataFrame):
        return a.shape != b.shape or not a.equals(b)
    a, b = np.asarray(a), np.asarray(b)
    return a.shape != b.shape or not np.array_equal(a, b)


def open_hand_partnership(
    model: PartnershipModel,
    members: list[int],
    *,
    activity: int = 0,
    region: int | None = None,
    term: int = 12,
    governance: float = 0.7,
    transaction_cost: float = 0.0,
) -> int:
    """Open one partnership among the given agent rows; returns its id."""
    width = model.partnerships.width
    assert len(members) <= width
    row = np.full((1, width), NO_MEMBER, dtype=np.int64)
    row[0, : len(members)] = members
    reg = int(model.community.region[members[0]]) if region is None else region
    ids = model.open_partnerships(
        row,
        np.array([activity]),
        np.array([reg]),
        np.array([term]),
        np.array([governance]),
        transaction_cost=transaction_cost,
    )
    return int(ids[0])


def hand_ties(
    n: int, pairs: list[tuple[int, int]], trust: list[float], forum: list[bool]
) -> TieTable:
    """A tie table with given pairs, trust and forum flags (pairs in any order)."""
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    keys = np.minimum(a, b) * n + np.maximum(a, b)
    order = np.argsort(keys)
    return TieTable(
        n, keys[order], np.asarray(trust, float)[order], np.asarray(forum, bool)[order]
    )


def cosine(u: np.ndarray, v: np.ndarray) -> float:
    """Cosine similarity of two vectors."""
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))


def label(setting: dict[str, Any]) -> str:
    """Short test id for a lever setting."""
    if not setting:
        return "defaults"
    return ",".join(f"{k.split('.', 1)[1]}={v}" for k, v in setting.items())


# --- the base class ----------------------------------------------------------------------------


class MechanismTestCase:
    """Checks shared by every mechanism; subclasses set ``mechanism`` and ``levers``.

    Attributes:
        mechanism: The module under test (``sim.mechanisms.<name>``).
        levers: Overrides that exercise the mechanism (dotted keys).
        extra_levers: Further settings to run the shared invariant checks under.
        seeds: Root seeds for the invariant checks.
    """

    mechanism: ModuleType | None = None
    levers: dict[str, Any] = {}
    extra_levers: tuple[dict[str, Any], ...] = ()
    seeds: tuple[int, ...] = (101, 202, 303)

    # Parametrises ``lever_setting`` and ``invariant_seed`` from the subclass's declarations (pytest calls
    # this method of a test class for each of its test functions).
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "lever_setting" in metafunc.fixturenames:
            settings = [{}, dict(self.levers), *map(dict, self.extra_levers)]
            metafunc.parametrize(
                "lever_setting", settings, ids=[label(s) for s in settings]
            )
        if "invariant_seed" in metafunc.fixturenames:
            metafunc.parametrize("invariant_seed", list(self.seeds))

    def step_checks(self, model: PartnershipModel) -> None:
        """The mechanism's own rule, checked after every step (subclasses override)."""

    # --- shared checks ---------------------------------------------------------------

    def test_declares_mechanism_and_levers(self) -> None:
        assert isinstance(
            self.mechanism, ModuleType
        ) and self.mechanism.__name__.startswith("sim.mechanisms.")
        assert self.levers, "a mechanism test must declare the levers that exercise it"

    def test_levers_are_valid_scenario_keys(self, small: Scenario) -> None:
        for setting in (self.levers, *self.extra_levers):
            scn = small.with_overrides(setting)
            for key, value in setting.items():
                assert scn.get(key) == value

    def test_same_seed_same_state(self, make_model) -> None:
        a = snapshot(make_model(self.levers, seed=7, run=True))
        b = snapshot(make_model(self.levers, seed=7, run=True))
        assert_same(a, b)

    def test_step_by_step_equals_run(self, make_model) -> None:
        a = make_model(self.levers, seed=8, run=True)
        b = make_model(self.levers, seed=8)
        while b.running:
            b.step()
        assert b.steps == a.steps == b.horizon
        assert_same(snapshot(a), snapshot(b))

    def test_replications_differ(self, make_model) -> None:
        a = snapshot(make_model(self.levers, seed=7, replication=0, run=True))
        b = snapshot(make_model(self.levers, seed=7, replication=1, run=True))
        assert differs(a["community.vision"], b["community.vision"])
        assert differs(a["ties.keys"], b["ties.keys"])
        assert differs(a["timeseries"], b["timeseries"])

    def test_root_seeds_differ(self, make_model) -> None:
        a = snapshot(make_model(self.levers, seed=7, run=True))
        b = snapshot(make_model(self.levers, seed=8, run=True))
        assert differs(a["community.endowment"], b["community.endowment"])
        assert differs(a["timeseries"], b["timeseries"])

    def test_levers_keep_the_starting_world(self, make_model) -> None:
        """Common random numbers: the same replication starts from the same world."""
        if any(k.startswith("population.") for k in self.levers):
            pytest.skip("these levers change the population itself")
        a = snapshot(make_model({}, seed=9))
        b = snapshot(make_model(self.levers, seed=9))
        for key in a:
            if key.startswith(("community.", "regions.")):
                assert np.array_equal(a[key], b[key]), key
        if not any(
            k.startswith(("network.forum_density", "network.local_share"))
            for k in self.levers
        ):
            assert np.array_equal(a["ties.keys"], b["ties.keys"])

    def test_invariants_every_step(
        self, make_model, lever_setting: dict[str, Any], invariant_seed: int
    ) -> None:
        model = make_model(lever_setting, seed=invariant_seed, checked=True)
        gp = hdi.goalposts(model.method)
        while model.running:
            model.step()  # checked=True: model.check_invariants() after every step
            t = model.partnerships
            ids = t.active_ids()
            assert np.all(
                t.size[ids] <= max(model.params["formation"]["max_group_size"], 2)
            )
            m = t.members[: t.count]
            assert np.all((m == NO_MEMBER) | ((m >= 0) & (m < model.community.n)))
            assert np.all(np.diff(model.ties.keys) > 0), (
                "tie keys must stay sorted and unique"
            )
            i, j = model.ties.endpoints()
            assert np.all(i < j)
            assert np.all(model.regions.life_expectancy <= gp.le_max + 1e-9)
            assert np.all(model.regions.expected_schooling <= gp.eys_max + 1e-9)
            assert np.all(model.regions.mean_schooling <= gp.mys_max + 1e-9)
            assert np.all(np.isfinite(model.region_index))
            assert all(v >= -1e-9 for v in model.ledger.balance.values())
            self.step_checks(model)
        assert model.steps == model.horizon
        ts = model.timeseries()
        assert len(ts) == model.horizon + 1
        assert not ts.drop(columns=["government_share"]).isna().any().any()


def budget_for(model: PartnershipModel, rupiah_this_quarter: float) -> float:
    """The per-person-per-year budget that gives ``rupiah_this_quarter`` in the model's current quarter."""
    return rupiah_this_quarter / (
        model.public_factor * float(model.regions.population.sum()) / 4.0
    )


def one_organisation_each(model: PartnershipModel) -> None:
    """Make every agent stand for one organisation, so hand-made sums read as per organisation."""
    # A new array: the community's own is read only (fixed for a run).
    model.community.organisations = np.ones(model.community.n)


def params_with(**changes: Any) -> dict[str, dict[str, Any]]:
    """The default levers as ``model.params``, with changes given as ``section__key=value``."""
    from sim.scenario import defaults

    p = {s: dict(v) for s, v in defaults().values.items()}
    for key, value in changes.items():
        section, name = key.split("__")
        p[section][name] = value
    return p
