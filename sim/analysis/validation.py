"""Validation against the stylised facts of DESIGN.md: which hold, under which settings, which fail.

Each fact is a comparison between a reference and a treatment (parameter overrides), an
outcome, and the direction the essay or the literature expects. Nothing in the model is wired
to produce it: every fact comes out of the mechanisms, so under other settings it can fail.
Each fact is tested in several settings (the baseline, and worlds with less money or less
volunteering), with paired differences over common random numbers (for time to target, the
difference in restricted mean time to target up to the horizon, so that runs never reaching
the target are censored, not given the horizon). Each claim is tested against a stated
minimum effect, and the verdicts are Holm-corrected across every claim tested in every
setting (:mod:`sim.analysis.statistics`):

* ``holds``: the effect exceeds the minimum effect in the expected direction;
* ``fails``: it exceeds the minimum effect the other way;
* ``negligible``: the 95% interval lies within plus or minus the minimum effect;
* ``unclear``: none of these;
* for time to target, where most runs of a side never reach the target the difference is a
  bound, so only the bounded direction can be concluded: otherwise ``not reached`` (the
  treatment mostly censored), ``unclear`` (the reference) or ``neither reaches`` (both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.analysis import statistics as st
from sim.analysis.compare import with_derived
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
    Fact(
        "funding",
        "More public funding shortens the time to target",
        {"funding.public_scale": 1.5},
        "years_to_target_or_horizon",
        -1,
    ),
    Fact(
        "cofunding",
        "More partnership co-funding shortens the time to target",
        {"funding.central_cofunding": 1500.0, "funding.regional_cofunding": 900.0},
        "years_to_target_or_horizon",
        -1,
    ),
    Fact(
        "reward_number",
        "A reward system (performance grants) raises the number of partnerships",
        {"rewards.scheme": "performance"},
        "mean_active_partnerships",
        +1,
    ),
    Fact(
        "reward_lifespan",
        "A reward system (performance grants) lengthens partnerships' lives",
        {"rewards.scheme": "performance"},
        "mean_lifespan_years",
        +1,
    ),
    Fact(
        "recognition",
        "Recognition raises the number of partnerships",
        {"rewards.scheme": "recognition"},
        "mean_active_partnerships",
        +1,
    ),
    Fact(
        "crowding_out",
        "Cash paid per participant crowds out volunteering (gotong-royong)",
        {"rewards.scheme": "cash_per_participant"},
        "mean_volunteering",
        -1,
    ),
    Fact(
        "gotong_royong_speed",
        "Without gotong-royong progress is slower",
        {"gotong_royong.enabled": False},
        "years_to_target_or_horizon",
        +1,
    ),
    Fact(
        "gotong_royong_burden",
        "Without gotong-royong the government's share of spending is higher",
        {"gotong_royong.enabled": False},
        "government_share",
        +1,
    ),
    Fact(
        "regulation",
        "Costly, uncertain regulation means fewer partnerships",
        {"regulation.transaction_cost": 20.0, "regulation.legal_certainty": 0.3},
        "mean_active_partnerships",
        -1,
    ),
    Fact(
        "tax_deduction",
        "Tax deductions bring business in",
        {"regulation.tax_deduction": 0.5},
        "business_participation",
        +1,
    ),
    Fact(
        "complementarity",
        "Partners chosen for complementarity do better than partners chosen for similarity alone",
        {"formation.complementarity_weight": 0.5},
        "years_to_target_or_horizon",
        -1,
        {"formation.complementarity_weight": 0.0},
    ),
    Fact(
        "government_alone",
        "Government alone (no partnerships, same public money) is slower than with partnerships",
        {
            "formation.enabled": False,
            "funding.central_programmes": 6700.0,
            "funding.regional_programmes": 4300.0,
            "funding.central_cofunding": 0.0,
            "funding.regional_cofunding": 0.0,
            "capacity.budget": 0.0,
        },
        "years_to_target_or_horizon",
        +1,
    ),
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
            for arm, extra in (
                ("reference", fact.reference),
                ("treatment", fact.treatment),
            ):
                changes = {**over, **extra}
                out.append(
                    (
                        setting,
                        fact.key,
                        arm,
                        base.with_overrides(
                            changes, source=f"validation: {setting}, {fact.key} {arm}"
                        ),
                    )
                )
    return out


def validate(
    base: Scenario,
    replications: int = 20,
    *,
    workers: int = 1,
    executor=None,
    progress=None,
) -> pd.DataFrame:
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
    for setting, fact_key, arm, scn in arms:
        sig = repr(sorted(scn.flat().items()))
        if sig not in worlds:
            worlds[sig] = len(scenarios)
            scenarios.append(scn)
        keys.append((setting, fact_key, arm, worlds[sig]))
    tables = run_many(
        scenarios,
        replications,
        workers=workers,
        executor=executor,
        progress=progress,
        names=[f"world-{w}" for w in range(len(scenarios))],
    )
    runs = with_derived(tables["runs"])
    by_world = {w: g.set_index("replication") for w, g in runs.groupby("point")}
    rows = []
    for setting in SETTINGS:
        for fact in FACTS:
            ref_w = next(
                w
                for s, f, a, w in keys
                if s == setting and f == fact.key and a == "reference"
            )
            trt_w = next(
                w
                for s, f, a, w in keys
                if s == setting and f == fact.key and a == "treatment"
            )
            rows.append(_test(setting, fact, by_world[ref_w], by_world[trt_w]))
    return _correct(pd.DataFrame(rows))


def _test(
    setting: str, fact: Fact, ref_runs: pd.DataFrame, trt_runs: pd.DataFrame
) -> dict[str, Any]:
    """One fact in one setting: the paired effect and its one-sided p-values against the minimum effect."""
    common = ref_runs.index.intersection(trt_runs.index)
    ref, trt = ref_runs.loc[common], trt_runs.loc[common]
    if fact.outcome == "years_to_target_or_horizon":
        tau = float(min(ref["censored_at_years"].min(), trt["censored_at_years"].min()))
        eff = st.rmst_difference(
            trt[fact.outcome].to_numpy(),
            trt["reached"].to_numpy(bool),
            ref[fact.outcome].to_numpy(),
            ref["reached"].to_numpy(bool),
            tau,
        )
    else:
        eff = st.paired_difference(
            trt[fact.outcome].to_numpy(), ref[fact.outcome].to_numpy()
        )
    margin = st.min_effect(fact.outcome, float(ref[fact.outcome].mean()))
    return {
        "setting": setting,
        "fact": fact.key,
        "claim": fact.claim,
        "outcome": fact.outcome,
        "reference_mean": float(ref[fact.outcome].mean()),
        "treatment_mean": float(trt[fact.outcome].mean()),
        "difference": eff.estimate,
        "ci_low": eff.low,
        "ci_high": eff.high,
        "method": eff.method,
        "censored_reference": eff.censored_ref,
        "censored_treatment": eff.censored,
        "expected": "higher" if fact.expected > 0 else "lower",
        "min_effect": margin,
        "p_holds": st.p_beyond(eff, fact.expected, margin),
        "p_fails": st.p_beyond(eff, -fact.expected, margin),
        "se": eff.se,
        "df": eff.df,
        "replications": len(common),
    }


def _correct(table: pd.DataFrame, alpha: float = st.ALPHA) -> pd.DataFrame:
    """Holm-correct both one-sided p-values of every claim in every setting, as one family, and name the verdicts."""
    k = len(table)
    adj = st.holm(list(table["p_holds"]) + list(table["p_fails"]), alpha)
    table["p_holds_holm"], table["p_fails_holm"] = adj[:k], adj[k:]
    table["tests"] = int(
        sum(1 for p in list(table["p_holds"]) + list(table["p_fails"]) if p == p)
    )
    verdicts = []
    for r in table.itertuples(index=False):
        eff = st.Effect(
            r.difference, r.ci_low, r.ci_high, r.se, r.df, r.replications, r.method
        )
        sign = 1 if r.expected == "higher" else -1
        v = st.verdict(eff, sign, r.min_effect, r.p_holds_holm, r.p_fails_holm, alpha)
        if r.outcome == "years_to_target_or_horizon":
            # A mostly censored side makes the difference a bound: only the bounded direction can be concluded.
            up, down = ("holds", "fails") if sign > 0 else ("fails", "holds")
            v = st.censored_verdict(
                v,
                int(r.censored_treatment),
                int(r.censored_reference),
                int(r.replications),
                higher=up,
                lower=down,
            )
        verdicts.append(v)
    table["verdict"] = verdicts
    return table


def verdict(expected: int, lo: float, hi: float, margin: float = 0.0) -> str:
    """The verdict from an interval alone (no p-value): beyond ``margin`` on the expected / other side, else ``unclear``.

    Kept for callers holding only an interval; :func:`validate` uses the Holm-corrected tests.
    """
    if not (lo == lo and hi == hi):  # NaN: too few replications for an interval
        return "unclear"
    if (expected > 0 and lo > margin) or (expected < 0 and hi < -margin):
        return "holds"
    if (expected > 0 and hi < -margin) or (expected < 0 and lo > margin):
        return "fails"
    if -margin < lo and hi < margin:
        return "negligible"
    return "unclear"


def markdown(table: pd.DataFrame) -> str:
    """The verdicts as a Markdown table, one row per fact, one column per setting, with the minimum effect and correction."""
    settings = list(dict.fromkeys(table["setting"]))
    tests = (
        int(table["tests"].iloc[0]) if "tests" in table.columns and len(table) else 0
    )
    lines = [
        (
            f"Verdicts: one-sided tests against the minimum effect, Holm-corrected over {tests} tests (every claim, both directions, "
            "every setting), alpha 0.05. Cells: verdict, paired difference treatment - reference [95% CI]; years to target are "
            "restricted means up to the horizon."
        ),
        "",
        "| fact | outcome | expected | minimum effect | " + " | ".join(settings) + " |",
        "|---|---|---|---|" + "---|" * len(settings),
    ]
    for _, g in table.groupby("fact", sort=False):
        first = g.iloc[0]
        cells = []
        for s in settings:
            r = g[g["setting"] == s].iloc[0]
            cen = ""
            if r.get("censored_treatment", 0) or r.get("censored_reference", 0):
                cen = f"; censored {int(r['censored_treatment'])}/{int(r['censored_reference'])} of {int(r['replications'])}"
            cells.append(
                f"**{r['verdict']}**: {r['difference']:+.3g} [{r['ci_low']:+.3g}, {r['ci_high']:+.3g}]"
                f" (p<sub>Holm</sub> {min(r['p_holds_holm'], r['p_fails_holm']):.2g}{cen})"
            )
        margins = g["min_effect"]
        margin = (
            f"{margins.iloc[0]:.3g}"
            if margins.nunique() == 1
            else f"{margins.min():.3g} to {margins.max():.3g}"
        )
        lines.append(
            f"| {first['claim']} | {first['outcome']} | {first['expected']} | {margin} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)
