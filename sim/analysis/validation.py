"""Validation against the stylised facts of DESIGN.md: which hold, under which settings, which fail.

Each fact is a comparison between a reference and a treatment (parameter overrides), an
outcome, and the direction the essay or the literature expects. Nothing in the model is wired
to produce it: every fact comes out of the mechanisms, so under other settings it can fail.
Each fact is tested in several settings (the baseline, and worlds with less money or less
volunteering), with paired differences over common random numbers; the verdict is

* ``holds``: the 95% interval of the paired difference lies on the expected side of zero;
* ``fails``: it lies on the other side;
* ``unclear``: it contains zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.analysis.compare import mean_ci, with_derived
from sim.experiment.run import run_many
from sim.scenario import Scenario


@dataclass(frozen=True)
class Fact:
    """A stylised fact to test.

    Attributes:
        key: Short identifier.
        claim: The claim, in words.
        treatment: Overrides that make the treatment world.
        outcome: Outcome column of the runs table.
        expected: +1 if the treatment should raise the outcome, -1 if lower it.
        reference: Overrides that make the reference world (usually none).
    """

    key: str
    claim: str
    treatment: dict[str, Any]
    outcome: str
    expected: int
    reference: dict[str, Any] = field(default_factory=dict)


FACTS: tuple[Fact, ...] = (
    Fact("funding", "More public funding shortens the time to target", {"funding.public_scale": 1.5}, "years_to_target_or_horizon", -1),
    Fact("cofunding", "More partnership co-funding shortens the time to target",
         {"funding.central_cofunding": 1500.0, "funding.regional_cofunding": 900.0}, "years_to_target_or_horizon", -1),
    Fact("reward_number", "A reward system (performance grants) raises the number of partnerships",
         {"rewards.scheme": "performance"}, "mean_active_partnerships", +1),
    Fact("reward_lifespan", "A reward system (performance grants) lengthens partnerships' lives",
         {"rewards.scheme": "performance"}, "mean_lifespan_years", +1),
    Fact("recognition", "Recognition raises the number of partnerships", {"rewards.scheme": "recognition"}, "mean_active_partnerships", +1),
    Fact("crowding_out", "Cash paid per participant crowds out volunteering (gotong-royong)",
         {"rewards.scheme": "cash_per_participant"}, "mean_volunteering", -1),
    Fact("gotong_royong_speed", "Without gotong-royong progress is slower", {"gotong_royong.enabled": False}, "years_to_target_or_horizon", +1),
    Fact("gotong_royong_burden", "Without gotong-royong the government's share of spending is higher",
         {"gotong_royong.enabled": False}, "government_share", +1),
    Fact("regulation", "Costly, uncertain regulation means fewer partnerships",
         {"regulation.transaction_cost": 20.0, "regulation.legal_certainty": 0.3}, "mean_active_partnerships", -1),
    Fact("tax_deduction", "Tax deductions bring business in", {"regulation.tax_deduction": 0.5}, "business_participation", +1),
    Fact("complementarity", "Partners chosen for complementarity do better than partners chosen for similarity alone",
         {"formation.complementarity_weight": 0.5}, "years_to_target_or_horizon", -1, {"formation.complementarity_weight": 0.0}),
    Fact("government_alone", "Government alone (no partnerships, same public money) is slower than with partnerships",
         {"formation.enabled": False, "funding.central_programmes": 6700.0, "funding.regional_programmes": 4300.0,
          "funding.central_cofunding": 0.0, "funding.regional_cofunding": 0.0, "capacity.budget": 0.0},
         "years_to_target_or_horizon", +1),
)

SETTINGS: dict[str, dict[str, Any]] = {
    "baseline": {},
    "low funding": {"funding.public_scale": 0.6},
    "weak volunteering": {"gotong_royong.volunteer_days": 10.0},
    # Motivation crowding switched off: the crowding-out fact should no longer appear, showing
    # it comes from that mechanism and nothing else.
    "no crowding out": {"rewards.crowding_out": 0.0},
}


def _arms(base: Scenario) -> list[tuple[str, str, str, Scenario]]:
    """(setting, fact, arm, scenario) for every distinct world, references shared where equal."""
    out = []
    for setting, over in SETTINGS.items():
        for fact in FACTS:
            for arm, extra in (("reference", fact.reference), ("treatment", fact.treatment)):
                changes = {**over, **extra}
                out.append((setting, fact.key, arm, base.with_overrides(changes, source=f"validation: {setting}, {fact.key} {arm}")))
    return out


def validate(base: Scenario, replications: int = 20, *, workers: int = 1, executor=None, progress=None) -> pd.DataFrame:
    """Test every fact in every setting.

    Returns:
        One row per setting and fact: the claim, outcome, reference and treatment means,
        the paired difference with its 95% CI, the expected direction and the verdict.
    """
    arms = _arms(base)
    # Identical worlds (e.g. every fact's reference in one setting) run once.
    worlds: dict[str, int] = {}
    scenarios: list[Scenario] = []
    keys: list[tuple[str, str, str, int]] = []
    for setting, fact, arm, scn in arms:
        sig = repr(sorted(scn.flat().items()))
        if sig not in worlds:
            worlds[sig] = len(scenarios)
            scenarios.append(scn)
        keys.append((setting, fact, arm, worlds[sig]))
    tables = run_many(scenarios, replications, workers=workers, executor=executor, progress=progress,
                      names=[f"world-{w}" for w in range(len(scenarios))])
    runs = with_derived(tables["runs"])
    by_world = {w: g.set_index("replication") for w, g in runs.groupby("point")}
    rows = []
    for setting in SETTINGS:
        for fact in FACTS:
            ref_w = next(w for s, f, a, w in keys if s == setting and f == fact.key and a == "reference")
            trt_w = next(w for s, f, a, w in keys if s == setting and f == fact.key and a == "treatment")
            ref, trt = by_world[ref_w][fact.outcome], by_world[trt_w][fact.outcome]
            common = ref.index.intersection(trt.index)
            d, lo, hi = mean_ci((trt.loc[common] - ref.loc[common]).to_numpy())
            rows.append({"setting": setting, "fact": fact.key, "claim": fact.claim, "outcome": fact.outcome,
                         "reference_mean": float(ref.mean()), "treatment_mean": float(trt.mean()), "difference": d,
                         "ci_low": lo, "ci_high": hi, "expected": "higher" if fact.expected > 0 else "lower", "verdict": verdict(fact.expected, lo, hi),
                         "replications": int(len(common))})
    return pd.DataFrame(rows)


def verdict(expected: int, lo: float, hi: float) -> str:
    """``holds`` / ``fails`` when the interval lies on the expected / other side of zero, else ``unclear``."""
    if not (lo == lo and hi == hi):  # NaN: too few replications for an interval
        return "unclear"
    if (expected > 0 and lo > 0) or (expected < 0 and hi < 0):
        return "holds"
    if (expected > 0 and hi < 0) or (expected < 0 and lo > 0):
        return "fails"
    return "unclear"


def markdown(table: pd.DataFrame) -> str:
    """The verdicts as a Markdown table, one row per fact, one column per setting."""
    settings = list(dict.fromkeys(table["setting"]))
    lines = ["| fact | outcome | expected | " + " | ".join(settings) + " |", "|---|---|---|" + "---|" * len(settings)]
    for key, g in table.groupby("fact", sort=False):
        first = g.iloc[0]
        cells = []
        for s in settings:
            r = g[g["setting"] == s].iloc[0]
            cells.append(f"**{r['verdict']}**: {r['difference']:+.3g} [{r['ci_low']:+.3g}, {r['ci_high']:+.3g}]")
        lines.append(f"| {first['claim']} | {first['outcome']} | {first['expected']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
