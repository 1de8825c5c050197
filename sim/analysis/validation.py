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

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim.analysis import statistics as st
from sim.analysis.compare import with_derived
from sim.experiment.run import run_many
from sim.scenario import Scenario


@dataclass(frozen=True)
class OwnSetting:
    """A setting in which one fact is tested beside the common ones.

    Attributes:
        role: ``"for"`` (the mechanism has room to show the claim) or ``"against"`` (the
            mechanism says the claim should fail or vanish).
        name: Short name of the setting.
        overrides: Parameter overrides applied to both worlds.
        why: How the mechanisms explain what should happen there.
    """

    role: str
    name: str
    overrides: dict[str, Any]
    why: str

    @property
    def label(self) -> str:
        """The setting's name in the results table."""
        return f"{self.role}: {self.name}"


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
        own: The fact's own settings (overrides of both worlds): where its mechanism has
            room to show the claim (``for``) and where the mechanism says it should fail or
            vanish (``against``), each with how the mechanisms explain it.
    """

    key: str
    claim: str
    treatment: dict[str, Any] | Callable[[Scenario], dict[str, Any]]
    outcome: str
    expected: int
    reference: dict[str, Any] = field(default_factory=dict)
    own: tuple[OwnSetting, ...] = ()

    def treatment_for(self, base: Scenario) -> dict[str, Any]:
        """The treatment's overrides for this base scenario."""
        return self.treatment(base) if callable(self.treatment) else self.treatment


def same_public_money_without_partnerships(base: Scenario) -> dict[str, Any]:
    """Government alone: no partnerships, the co-funding and capacity budgets moved into programmes.

    Public money stays the base scenario's, so the comparison isolates what partnerships do
    with it (``scenarios/government_only.toml`` does the same for the defaults).
    """
    f, cap = base.values["funding"], base.values["capacity"]
    return {
        "formation.enabled": False,
        "funding.central_programmes": f["central_programmes"]
        + f["central_cofunding"]
        + cap["budget"],
        "funding.regional_programmes": f["regional_programmes"]
        + f["regional_cofunding"],
        "funding.central_cofunding": 0.0,
        "funding.regional_cofunding": 0.0,
        "capacity.budget": 0.0,
    }


# Settings the facts' own tests draw on (overrides of both worlds).
_COMPONENTS = ("life_expectancy", "expected_schooling", "mean_schooling", "expenditure")
STRONG_PULL = {f"dynamics.elasticity_{c}": 0.6 for c in _COMPONENTS}
NO_PULL = {f"dynamics.elasticity_{c}": 0.0 for c in _COMPONENTS}
GOOD_GOVERNANCE = {
    "governance.quality": 0.9,
    "leakage.capture": 0.0,
    "leakage.audit_rate": 0.5,
    "targeting.reach": 0.6,
    "targeting.missed_return": 2.5,
}
WEAK_GOVERNANCE = {
    "governance.quality": 0.1,
    "leakage.weak_governance": 0.6,
    "leakage.capture": 1.5,
    "leakage.self_evaluation": 0.0,
    "targeting.reach": 0.6,
    "targeting.missed_return": 0.7,
}
LARGE_REWARDS = {"rewards.budget": 10_000.0}
FREE_FORMING = {"regulation.transaction_cost": 0.0}
RICH_COFUNDING = {
    "funding.central_cofunding": 50_000.0,
    "funding.regional_cofunding": 50_000.0,
}
_PULL_WHY = (
    "investment pulls progress with elasticity 0.6 (top of the prior), and good governance "
    "and targeting make a partnership rupiah worth more than a programme's"
)

# Where a partnership rupiah is worth most: the "for" setting of the speed claims.
FOR_STRONG_PULL = OwnSetting(
    "for", "strong pull, good governance", {**STRONG_PULL, **GOOD_GOVERNANCE}, _PULL_WHY
)

FACTS: tuple[Fact, ...] = (
    Fact(
        "funding",
        "More public funding shortens the time to target",
        {"funding.public_scale": 1.5},
        "years_to_target_or_horizon",
        -1,
        own=(
            OwnSetting(
                "for",
                "strong investment pull",
                STRONG_PULL,
                "every rupiah of programmes raises effective investment, and progress rises "
                "with it at elasticity 0.6",
            ),
            OwnSetting(
                "against",
                "no investment pull",
                NO_PULL,
                "with elasticity 0 progress is the estimated law's convergence and trend "
                "alone (development.py): money changes nothing",
            ),
        ),
    ),
    Fact(
        "cofunding",
        "More partnership co-funding shortens the time to target",
        {"funding.central_cofunding": 30_000.0, "funding.regional_cofunding": 30_000.0},
        "years_to_target_or_horizon",
        -1,
        own=(
            FOR_STRONG_PULL,
            OwnSetting(
                "against",
                "weak governance and capture",
                WEAK_GOVERNANCE,
                "most pooled money goes missing (leakage.py: weak governance plus elite "
                "capture) and what is left is steered away from the groups programmes miss "
                "(targeting.py: return below 1), so co-funding buys almost nothing",
            ),
        ),
    ),
    Fact(
        "reward_number",
        "A reward system (performance grants) raises the number of partnerships",
        {"rewards.scheme": "performance"},
        "mean_active_partnerships",
        +1,
        own=(
            OwnSetting(
                "for",
                "large reward budget",
                LARGE_REWARDS,
                "grants of Rp 10,000 per person a year (top of the range) raise expected net "
                "benefit enough to tip agreements",
            ),
            OwnSetting(
                "against",
                "free forming",
                FREE_FORMING,
                "with no transaction cost nearly every agreement already pays (formation.py), "
                "so a grant tips none",
            ),
        ),
    ),
    Fact(
        "reward_lifespan",
        "A reward system (performance grants) lengthens partnerships' lives",
        {"rewards.scheme": "performance"},
        "mean_lifespan_years",
        +1,
        own=(
            OwnSetting(
                "for",
                "large reward budget",
                LARGE_REWARDS,
                "grants paid to the partnerships that perform keep their net benefit above "
                "the exit threshold (dissolution.py)",
            ),
            OwnSetting(
                "against",
                "full legal certainty",
                {"regulation.legal_certainty": 1.0},
                "with no legal hazard partnerships end only at their term or when they fail, "
                "and a grant changes neither",
            ),
        ),
    ),
    Fact(
        "recognition",
        "Recognition raises the number of partnerships",
        {"rewards.scheme": "recognition"},
        "mean_active_partnerships",
        +1,
        own=(
            OwnSetting(
                "for",
                "large reward budget",
                LARGE_REWARDS,
                "recognition of the best raises members' motivation, hence labour and benefit "
                "(rewards.py)",
            ),
            OwnSetting(
                "against",
                "free forming",
                FREE_FORMING,
                "with no transaction cost agreements pay without it",
            ),
        ),
    ),
    Fact(
        "crowding_out",
        "Cash paid per participant crowds out volunteering (gotong-royong)",
        {"rewards.scheme": "cash_per_participant"},
        "mean_volunteering",
        -1,
        own=(
            OwnSetting(
                "for",
                "large reward budget",
                LARGE_REWARDS,
                "more cash per participant, more displaced willingness (rewards.crowding_out)",
            ),
            OwnSetting(
                "against",
                "no motivation crowding",
                {"rewards.crowding_out": 0.0},
                "the crowding-out fact comes from that one mechanism: switched off, cash "
                "leaves volunteering where it was",
            ),
        ),
    ),
    Fact(
        "gotong_royong_speed",
        "Without gotong-royong progress is slower",
        {"gotong_royong.enabled": False},
        "years_to_target_or_horizon",
        +1,
        own=(
            OwnSetting(
                "for",
                "strong pull, good governance",
                {**STRONG_PULL, **GOOD_GOVERNANCE},
                "volunteer labour is a large part of partnership input, and input counts",
            ),
            OwnSetting(
                "against",
                "labour not additional",
                {"mobilisation.labour_additionality": 0.0},
                "volunteer labour that would have been given anyway adds no new input "
                "(mobilisation.py), so losing it loses no development",
            ),
        ),
    ),
    Fact(
        "gotong_royong_burden",
        "Without gotong-royong the government's share of spending is higher",
        {"gotong_royong.enabled": False},
        "government_share",
        +1,
        own=(
            OwnSetting(
                "for",
                "strong volunteering",
                {"gotong_royong.volunteer_days": 4.0},
                "four volunteer days per person a quarter (top of the range) are a large "
                "non-government share to lose",
            ),
            OwnSetting(
                "against",
                "no volunteering left",
                {"gotong_royong.volunteer_days": 0.0},
                "where gotong-royong has already died out there is nothing to switch off",
            ),
        ),
    ),
    Fact(
        "regulation",
        "Costly, uncertain regulation means fewer partnerships",
        {
            "regulation.transaction_cost": 16_000_000.0,
            "regulation.legal_certainty": 0.3,
        },
        "mean_active_partnerships",
        -1,
        own=(
            OwnSetting(
                "for",
                "no public co-funding",
                {"funding.central_cofunding": 0.0, "funding.regional_cofunding": 0.0},
                "partnerships live on members' own money, so every rupiah of transaction "
                "cost weighs on the agreement (formation.py)",
            ),
            OwnSetting(
                "against",
                "rich co-funding",
                RICH_COFUNDING,
                "generous co-funding makes agreements pay despite the cost",
            ),
        ),
    ),
    Fact(
        "tax_deduction",
        "Tax deductions bring business in",
        {"regulation.tax_deduction": 0.5},
        "business_participation",
        +1,
        own=(
            OwnSetting(
                "for",
                "higher corporate tax",
                {"regulation.tax_rate": 0.3},
                "a deduction is worth the tax it saves (operation.deduction)",
            ),
            OwnSetting(
                "against",
                "no corporate income tax",
                {"regulation.tax_rate": 0.0},
                "firms on a final turnover tax (PP 23/2018 for small firms) save nothing by "
                "deducting",
            ),
        ),
    ),
    Fact(
        "complementarity",
        "Partners chosen for complementarity do better than partners chosen for similarity alone",
        {"formation.complementarity_weight": 0.5},
        "years_to_target_or_horizon",
        -1,
        {"formation.complementarity_weight": 0.0},
        own=(
            OwnSetting(
                "for",
                "strong pull, good governance",
                {**STRONG_PULL, **GOOD_GOVERNANCE},
                "complementary partners cover more of each other's needs, so their quality "
                "and output are higher (operation.quality), and output counts",
            ),
            OwnSetting(
                "against",
                "weak governance and capture",
                WEAK_GOVERNANCE,
                "output is mostly lost whoever the partners are, while similar partners "
                "trust each other and last longer (trust.py)",
            ),
        ),
    ),
    Fact(
        "government_alone",
        "Government alone (no partnerships, same public money) is slower than with partnerships",
        same_public_money_without_partnerships,
        "years_to_target_or_horizon",
        +1,
        own=(
            FOR_STRONG_PULL,
            OwnSetting(
                "against",
                "strong pull, weak governance, rich co-funding",
                {**STRONG_PULL, **WEAK_GOVERNANCE, **RICH_COFUNDING},
                "a partnership rupiah is worth less than a programme's (output per rupiah "
                "0.02 against 0.60), so moving co-funding into programmes is faster",
            ),
        ),
    ),
)

SETTINGS: dict[str, dict[str, Any]] = {
    "baseline": {},
    "low funding": {"funding.public_scale": 0.6},
    "weak volunteering": {"gotong_royong.volunteer_days": 0.5},
    # Motivation crowding switched off: the crowding-out fact should no longer appear, showing
    # it comes from that mechanism and nothing else.
    "no crowding out": {"rewards.crowding_out": 0.0},
}


def fact_settings(fact: Fact) -> list[tuple[str, dict[str, Any]]]:
    """The settings a fact is tested in: the common ones, then its own (for, then against)."""
    return list(SETTINGS.items()) + [(o.label, o.overrides) for o in fact.own]


def _arms(base: Scenario) -> list[tuple[str, str, str, Scenario]]:
    """(setting, fact, arm, scenario) for every world; identical worlds are run once later."""
    out = []
    for fact in FACTS:
        for setting, over in fact_settings(fact):
            world = base.with_overrides(over, source=f"validation: {setting}")
            for arm, extra in (
                ("reference", fact.reference),
                ("treatment", fact.treatment_for(world)),
            ):
                out.append(
                    (
                        setting,
                        fact.key,
                        arm,
                        base.with_overrides(
                            {**over, **extra},
                            source=f"validation: {setting}, {fact.key} {arm}",
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
    runs_path=None,
) -> pd.DataFrame:
    """Test every fact in every common setting and in its own settings for and against it.

    Args:
        base: The scenario every world starts from.
        replications: Runs per world (paired by seed across worlds).
        workers: Local worker processes.
        executor: A Dask client or executor, instead of local processes.
        progress: Called with (done, total) as runs finish.
        runs_path: If given, the runs table of every world is saved there (Parquet), so
            that the verdicts can be recomputed without rerunning.

    Returns:
        One row per setting and fact: the claim, outcome, reference and treatment means,
        the paired difference with its 95% CI, the expected direction and the verdict;
        ``role`` is ``common`` for the common settings, ``for`` or ``against`` for the fact's own.
    """
    arms = _arms(base)
    # Identical worlds (e.g. every fact's reference in one setting) run once.
    worlds: dict[str, int] = {}
    scenarios: list[Scenario] = []
    keys: list[tuple[str, str, str, int]] = []
    for setting, key, arm, scn in arms:
        sig = repr(sorted(scn.flat().items()))
        if sig not in worlds:
            worlds[sig] = len(scenarios)
            scenarios.append(scn)
        keys.append((setting, key, arm, worlds[sig]))
    tables = run_many(
        scenarios,
        replications,
        workers=workers,
        executor=executor,
        progress=progress,
        names=[f"world-{w}" for w in range(len(scenarios))],
    )
    runs = with_derived(tables["runs"])
    if runs_path is not None:
        runs.to_parquet(runs_path, index=False)
    by_world = {w: g.set_index("replication") for w, g in runs.groupby("point")}
    world_of = {(s, f, a): w for s, f, a, w in keys}
    rows = []
    for fact in FACTS:
        for setting, _ in fact_settings(fact):
            row = _test(
                setting,
                fact,
                by_world[world_of[(setting, fact.key, "reference")]],
                by_world[world_of[(setting, fact.key, "treatment")]],
            )
            role = next((o.role for o in fact.own if o.label == setting), "common")
            rows.append({**row, "role": role})
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


def _cell(r: pd.Series) -> str:
    cen = ""
    if r.get("censored_treatment", 0) or r.get("censored_reference", 0):
        cen = f"; censored {int(r['censored_treatment'])}/{int(r['censored_reference'])} of {int(r['replications'])}"
    return (
        f"**{r['verdict']}**: {r['difference']:+.3g} [{r['ci_low']:+.3g}, {r['ci_high']:+.3g}]"
        f" (p<sub>Holm</sub> {min(r['p_holds_holm'], r['p_fails_holm']):.2g}{cen})"
    )


def markdown(table: pd.DataFrame) -> str:
    """The verdicts as Markdown: one row per fact, a column per common setting and per role of its own settings.

    A second table names each fact's own settings, their overrides and how the mechanisms
    explain what happens there.
    """
    role = (
        table["role"]
        if "role" in table.columns
        else pd.Series("common", index=table.index)
    )
    settings = list(dict.fromkeys(table.loc[role == "common", "setting"]))
    roles = [r for r in ("for", "against") if (role == r).any()]
    titles = {"for": "where its mechanism has room", "against": "against its mechanism"}
    tests = (
        int(table["tests"].iloc[0]) if "tests" in table.columns and len(table) else 0
    )
    lines = [
        (
            f"Verdicts: one-sided tests against the minimum effect, Holm-corrected over {tests} "
            "tests (every claim, both directions, every setting), alpha 0.05. Cells: verdict, "
            "paired difference treatment - reference [95% CI]; years to target are restricted "
            "means up to the horizon."
        ),
        "",
        "| fact | outcome | expected | minimum effect | "
        + " | ".join(settings + [titles[r] for r in roles])
        + " |",
        "|---|---|---|---|" + "---|" * (len(settings) + len(roles)),
    ]
    for _, g in table.groupby("fact", sort=False):
        first = g.iloc[0]
        cells = [_cell(g[g["setting"] == s].iloc[0]) for s in settings]
        for r in roles:
            own = g[role.loc[g.index] == r]
            cells.append(
                "<br>".join(
                    f"*{o['setting'].split(': ', 1)[1]}*: {_cell(o)}"
                    for _, o in own.iterrows()
                )
                or "-"
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
    shown = set(table["fact"])
    own_rows = [(f, o) for f in FACTS if f.key in shown for o in f.own]
    if own_rows:
        lines += [
            "",
            "Each fact's own settings, and how its mechanisms explain what happens there:",
            "",
            "| fact | role | setting | overrides (both worlds) | why |",
            "|---|---|---|---|---|",
        ]
        for f, o in own_rows:
            over = ", ".join(f"`{k} = {v}`" for k, v in o.overrides.items())
            lines.append(f"| {f.key} | {o.role} | {o.name} | {over} | {o.why} |")
    return "\n".join(lines)
