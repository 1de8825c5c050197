"""Every shipped scenario loads, runs with its invariants checked, and says what it changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import geography
from sim.model import PartnershipModel
from sim.scenario import load

SCENARIOS = sorted(
    (Path(__file__).resolve().parent.parent / "scenarios").glob("*.toml")
)
REQUIRED = {
    "baseline",
    "provinces",
    "districts",
    "government_only",
    "no_gotong_royong",
    "reward_recognition",
    "reward_cash",
    "reward_performance",
    "reward_tournament",
    "regulation_supportive",
    "regulation_restrictive",
    "funding_low",
    "funding_high",
    "trust_fund",
}


def test_required_scenarios_are_shipped():
    assert {p.stem for p in SCENARIOS} >= REQUIRED


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_runs_checked(path):
    s = load(path)
    assert s.name == path.stem and s.values["scenario"]["description"]
    assert (
        s.scenario.seed == load(SCENARIOS[0].parent / "baseline.toml").scenario.seed
    )  # common random numbers
    # Districts are checked on one province's districts: the whole country is slow to check every step.
    short = {"scenario.years": 6.0} | (
        {"geography.province": "BALI"} if path.stem == "districts" else {}
    )
    m = PartnershipModel(s.with_overrides(short), checked=True).run()
    assert m.steps == 24


def test_baseline_follows_bps_2019_to_2022_within_half_a_point():
    """The status quo tracks BPS's national IPM over the fit years and the held-out 2022."""
    m = PartnershipModel(
        load(SCENARIOS[0].parent / "baseline.toml").with_overrides(
            {"scenario.years": 3.0}
        )
    ).run()
    ts = m.timeseries().set_index("year")["index"]
    published = geography.national_series().set_index("year")["published_ipm"]
    for year in (2019, 2020, 2021, 2022):
        assert abs(ts[float(year)] - published[year]) < 0.5, year


SWEEPS = sorted(
    (Path(__file__).resolve().parent.parent / "scenarios" / "sweeps").glob("*.toml")
)


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.stem)
def test_sweep_files_expand(path):
    from sim.experiment.design import from_scenario

    d = from_scenario(load(path))
    assert d.type in ("factorial", "variants", "sobol") and d.size >= 100
    assert d.reference in {p.name for p in d.points}


def test_sweeps_answer_the_essays_questions():
    from sim.experiment.design import from_scenario

    designs = {p.stem: from_scenario(load(p)) for p in SWEEPS}
    schemes = {p.overrides.get("rewards.scheme") for p in designs["rewards"].points}
    assert schemes == {
        "none",
        "recognition",
        "cash_per_participant",
        "performance",
        "tournament",
    }
    fg = designs["funding_gotong_royong"]
    assert len({p.overrides["funding.public_scale"] for p in fg.points}) >= 5
    assert {p.overrides["gotong_royong.enabled"] for p in fg.points} == {True, False}
    assert (
        len(
            {
                p.overrides["regulation.tax_deduction"]
                for p in designs["regulation_tax"].points
            }
        )
        >= 3
    )
    assert designs["sobol_levers"].type == "sobol"
