"""Analysis of run tables: time to target as survival, paired comparisons between scenarios.

A run that ends before reaching its target is censored, not dropped: the median time to target
is estimated with Kaplan-Meier (``scipy.stats.ecdf`` on ``CensoredData``), and differences in
time to target are differences in *restricted mean* time to target up to the horizon
(:func:`sim.analysis.statistics.rmst_difference`), the restriction stated in every row.
Scenarios are compared with paired differences over common random numbers: replication r of
every scenario shares its seed, so the difference of the pair removes most of the chance.
Each difference carries a verdict against a stated minimum effect, Holm-corrected across
every comparison in the table (:mod:`sim.analysis.statistics`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis import statistics as st
from sim.survival import kaplan_meier

# Outcomes compared between scenarios: column, label, whether larger is better for the essay's aims.
OUTCOMES: tuple[tuple[str, str], ...] = (
    (
        "years_to_target_or_horizon",
        "years to target (restricted mean up to the horizon)",
    ),
    ("final_index", "index at the horizon"),
    ("government_share", "government share of spending"),
    ("partnerships_formed", "partnerships formed"),
    ("mean_active_partnerships", "active partnerships (mean over the run)"),
    ("mean_lifespan_years", "partnership lifespan (years, restricted mean)"),
    ("participation_share", "participation share"),
    ("business_participation", "share of businesses in partnerships"),
    ("cohesion", "cohesion (kerukunan)"),
)


def mean_ci(x: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and its t-based confidence interval (NaN interval for fewer than two values)."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size < 2:
        return m, math.nan, math.nan
    se = float(x.std(ddof=1) / math.sqrt(x.size))
    h = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1)) * se
    return m, m - h, m + h


def with_derived(runs: pd.DataFrame) -> pd.DataFrame:
    """Add ``years_to_target_or_horizon``: years to target, or the horizon for censored runs."""
    runs = runs.copy()
    runs["years_to_target_or_horizon"] = np.where(
        runs["reached"], runs["years_to_target"], runs["censored_at_years"]
    )
    return runs


def group_column(runs: pd.DataFrame) -> str:
    """The column naming design points: ``point_name`` in sweep tables, ``scenario`` otherwise."""
    return "point_name" if "point_name" in runs.columns else "scenario"


def compare(
    runs: pd.DataFrame,
    reference: str | None = None,
    confidence: float = 0.95,
    *,
    alpha: float = st.ALPHA,
    outcomes: tuple[tuple[str, str], ...] = OUTCOMES,
) -> pd.DataFrame:
    """Every design point against a reference, outcome by outcome, with paired differences.

    Args:
        runs: The runs table (a ``point_name`` or ``scenario`` column, ``replication`` and the
            outcomes); failed runs (``status`` other than ``ok``) are left out.
        reference: Point compared against (default ``baseline`` if present, else the first).
        confidence: Confidence level of the intervals.
        alpha: Level of the Holm-corrected verdicts.
        outcomes: (column, label) pairs compared.

    Returns:
        One row per point and outcome: mean with CI; paired difference from the reference with
        CI, the method (for time to target the restricted mean up to the horizon, ``tau``), the
        runs censored on each side, the minimum effect, Holm-corrected one-sided p-values and a
        verdict (``higher``, ``lower``, ``negligible``, ``unclear``); for time to target also the
        Kaplan-Meier median with CI, the share reached and a note where most runs are censored.
    """
    if "status" in runs.columns:
        runs = runs[runs["status"] == "ok"]
    runs = with_derived(runs)
    col_name = group_column(runs)
    order = list(dict.fromkeys(runs[col_name]))
    ref = reference or ("baseline" if "baseline" in order else order[0])
    if ref not in order:
        raise ValueError(
            f"reference {ref!r} is not among the design points {order[:10]}"
        )
    base = runs[runs[col_name] == ref].set_index("replication")
    tau = (
        float(runs["censored_at_years"].min())
        if "censored_at_years" in runs.columns
        else math.nan
    )
    target = (
        float(runs["target"].iloc[0])
        if "target" in runs.columns and len(runs)
        else math.nan
    )
    target_text = f"the target {target:g}" if math.isfinite(target) else "the target"
    rows = []
    for name in order:
        sub = runs[runs[col_name] == name].set_index("replication")
        common = sub.index.intersection(base.index)
        for col, label in outcomes:
            if col not in sub.columns:
                continue
            m, lo, hi = mean_ci(sub[col].to_numpy(), confidence)
            ref_mean = float(base[col].mean())
            is_time = col == "years_to_target_or_horizon"
            if is_time:
                eff = st.rmst_difference(
                    sub.loc[common, "years_to_target_or_horizon"].to_numpy(),
                    sub.loc[common, "reached"].to_numpy(bool),
                    base.loc[common, "years_to_target_or_horizon"].to_numpy(),
                    base.loc[common, "reached"].to_numpy(bool),
                    tau,
                    confidence,
                )
            else:
                eff = st.paired_difference(
                    sub.loc[common, col].to_numpy(),
                    base.loc[common, col].to_numpy(),
                    confidence,
                )
            is_ref = name == ref
            margin = st.min_effect(col, ref_mean)
            row = {
                "point_name": name,
                "outcome": col,
                "label": label,
                "n": int(sub.shape[0]),
                "mean": m,
                "ci_low": lo,
                "ci_high": hi,
                "diff": 0.0 if is_ref else eff.estimate,
                "diff_low": 0.0 if is_ref else eff.low,
                "diff_high": 0.0 if is_ref else eff.high,
                "reference": ref,
                "method": eff.method,
                "tau": tau if is_time else math.nan,
                "censored": int((~sub["reached"].astype(bool)).sum()) if is_time else 0,
                "censored_ref": int((~base["reached"].astype(bool)).sum())
                if is_time
                else 0,
                "min_effect": margin,
                "p_higher": math.nan if is_ref else st.p_beyond(eff, +1, margin),
                "p_lower": math.nan if is_ref else st.p_beyond(eff, -1, margin),
                "se": eff.se,
                "df": eff.df,
                "note": "",
            }
            if is_time:
                km = kaplan_meier(
                    sub["years_to_target_or_horizon"].to_numpy(),
                    sub["reached"].to_numpy(),
                    confidence,
                )
                row.update(
                    {
                        "km_median": km["median"],
                        "km_low": km["ci_low"],
                        "km_high": km["ci_high"],
                        "share_reached": km["share_reached"],
                    }
                )
                row["note"] = st.censoring_note(
                    row["censored"], row["n"], target_text, tau
                )
                if (
                    not is_ref
                    and row["censored"] * 2 > row["n"]
                    and row["censored_ref"] * 2 <= len(base)
                ):
                    row["note"] += "; the difference is a lower bound on the delay"
                if not is_ref and row["censored"] * 2 > row["n"]:
                    row["note"] += _behind_words(
                        sub.loc[common], base.loc[common], tau, confidence
                    )
            rows.append(row)
    table = pd.DataFrame(rows)
    return _verdicts(table, alpha)


def _behind_words(
    sub: pd.DataFrame, base: pd.DataFrame, tau: float, confidence: float
) -> str:
    """For a mostly censored point: its index gap at the horizon, and the delay it means at the reference's pace."""
    if not {"final_index", "start_index"} <= set(sub.columns) or not math.isfinite(tau):
        return ""
    gap = st.paired_difference(
        sub["final_index"].to_numpy(float), base["final_index"].to_numpy(float)
    )
    delay, pace = st.years_behind(
        sub["final_index"].to_numpy(float),
        base["final_index"].to_numpy(float),
        base["start_index"].to_numpy(float),
        tau,
        confidence,
    )
    if not (math.isfinite(gap.estimate) and math.isfinite(delay.estimate)):
        return ""
    if gap.estimate >= 0:
        return (
            f"; at the horizon its index is {gap.estimate:+.2f} [{gap.low:+.2f}, {gap.high:+.2f}] points from the "
            "reference's, not behind it"
        )
    return (
        f"; at the horizon its index is {-gap.estimate:.2f} [{-gap.high:.2f}, {-gap.low:.2f}] points below the "
        f"reference's, about {delay.estimate:.1f} [{delay.low:.1f}, {delay.high:.1f}] years behind at the reference's "
        f"mean pace of {pace:.2f} points a year (an extrapolation beyond the horizon)"
    )


def _verdicts(table: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Holm-correct the one-sided p-values over every comparison in the table, and name each verdict."""
    others = table["point_name"] != table["reference"]
    # Both directions of every comparison form one family: 2 x points x outcomes tests.
    p = np.concatenate(
        [
            table.loc[others, "p_higher"].to_numpy(float),
            table.loc[others, "p_lower"].to_numpy(float),
        ]
    )
    adj = st.holm(p, alpha)
    k = int(others.sum())
    table["p_higher_holm"] = np.nan
    table["p_lower_holm"] = np.nan
    table.loc[others, "p_higher_holm"] = adj[:k]
    table.loc[others, "p_lower_holm"] = adj[k:]
    table["tests"] = int(np.isfinite(p).sum())
    verdicts = []
    for r in table.itertuples(index=False):
        if r.point_name == r.reference:
            verdicts.append("reference")
            continue
        eff = st.Effect(r.diff, r.diff_low, r.diff_high, r.se, r.df, r.n, r.method)
        v = st.direction_verdict(
            eff, r.min_effect, r.p_higher_holm, r.p_lower_holm, alpha
        )
        if r.outcome == "years_to_target_or_horizon":
            v = st.censored_verdict(v, int(r.censored), int(r.censored_ref), int(r.n))
        verdicts.append(v)
    table["verdict"] = verdicts
    return table


CSV_COLUMNS = (
    "point_name",
    "reference",
    "outcome",
    "label",
    "n",
    "mean",
    "ci_low",
    "ci_high",
    "diff",
    "diff_low",
    "diff_high",
    "method",
    "tau",
    "censored",
    "censored_ref",
    "km_median",
    "km_low",
    "km_high",
    "share_reached",
    "min_effect",
    "p_higher_holm",
    "p_lower_holm",
    "tests",
    "verdict",
    "note",
)


# Bootstrap resamples behind a Sobol index's 95% interval. SALib's default of 100 leaves the
# interval's own width noisy by several per cent, enough to flip a convergence verdict near the
# stated width; 1,000 costs well under a second at the sizes used here.
BOOTSTRAP_RESAMPLES = 1000


def _salib_seed(seed: int) -> int:
    """A seed SALib honours, derived from ``seed``; never 0.

    SALib treats a seed of 0 as no seed (``if seed:``), which made the intervals differ from one
    analysis of the same runs to the next.
    """
    return int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1


def sensitivity(
    runs: pd.DataFrame,
    design: dict,
    outcome: str = "years_to_target_or_horizon",
    seed: int = 0,
) -> pd.DataFrame:
    """Which varied parameters drive an outcome, for a sampled design.

    The outcome is averaged over each point's replications first. Sobol designs give first-
    and total-order indices with confidence intervals (SALib); Morris designs give mu*,
    sigma and mu*'s confidence interval (SALib); Latin hypercubes give Spearman rank
    correlations with their p-values.

    Args:
        runs: The runs table of the sweep.
        design: The design as stored in the manifest (``Design.to_dict()``).
        outcome: Outcome column (``years_to_target_or_horizon`` is derived here).
        seed: Seed of the bootstrap behind SALib's confidence intervals.
    """
    kind = design["type"]
    if kind not in ("sobol", "morris", "lhs"):
        raise ValueError(
            f"sensitivity needs a sampled design (sobol, morris or lhs), not {kind!r}"
        )
    runs = with_derived(
        runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    )
    y = runs.groupby("point")[outcome].mean().reindex(range(len(design["points"])))
    if y.isna().any():
        raise ValueError(
            f"{int(y.isna().sum())} design points have no successful run; sensitivity needs all of them"
        )
    names = design["varied"]
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [design["ranges"][n] for n in names],
    }
    x = np.array([[float(p["overrides"][n]) for n in names] for p in design["points"]])
    yv = y.to_numpy(dtype=float)
    if kind == "sobol":
        from SALib.analyze import sobol as sobol_analyze

        res = sobol_analyze.analyze(
            problem,
            yv,
            calc_second_order=False,
            num_resamples=BOOTSTRAP_RESAMPLES,
            seed=_salib_seed(seed),
        )
        return pd.DataFrame(
            {
                "parameter": names,
                "S1": res["S1"],
                "S1_conf": res["S1_conf"],
                "ST": res["ST"],
                "ST_conf": res["ST_conf"],
            }
        )
    if kind == "morris":
        from SALib.analyze import morris as morris_analyze

        res = morris_analyze.analyze(
            problem, x, yv, num_levels=design.get("levels", 4), seed=_salib_seed(seed)
        )
        return pd.DataFrame(
            {
                "parameter": names,
                "mu": res["mu"],
                "mu_star": res["mu_star"],
                "sigma": res["sigma"],
                "mu_star_conf": res["mu_star_conf"],
            }
        )
    rows = []
    for i, n in enumerate(names):
        rho, p = stats.spearmanr(x[:, i], yv)
        rows.append({"parameter": n, "spearman_rho": float(rho), "p_value": float(p)})
    return pd.DataFrame(rows)


def comparison_markdown(
    table: pd.DataFrame,
    outcomes: tuple[str, ...] = (
        "years_to_target_or_horizon",
        "government_share",
        "mean_active_partnerships",
        "mean_lifespan_years",
        "cohesion",
    ),
) -> str:
    """A compact Markdown table: per point, each outcome's mean and paired difference with CI and verdict.

    The first line names the reference; times to target are restricted means up to the
    horizon, and a point whose runs mostly never reach the target says so instead of a mean.
    """

    def fmt(x: float, pct: bool = False) -> str:
        if not np.isfinite(x):
            return "n/a"
        return (
            f"{100 * x:.1f}%" if pct else (f"{x:.2f}" if abs(x) < 1000 else f"{x:.0f}")
        )

    labels = dict(OUTCOMES)
    ref = str(table["reference"].iloc[0])
    time_rows = table[table["outcome"] == "years_to_target_or_horizon"]
    tau = float(time_rows["tau"].iloc[0]) if not time_rows.empty else math.nan
    tests = int(table["tests"].iloc[0]) if "tests" in table.columns else 0
    intro = [
        (
            f"Reference: {ref!r}. Cells: mean (paired difference from {ref!r} [95% CI], verdict against the minimum effect, "
            f"Holm-corrected over {tests} one-sided tests)."
        )
    ]
    if np.isfinite(tau):
        intro.append(
            f"Years to target: restricted mean up to the {tau:g}-year horizon (runs not reaching the target are censored, "
            "not given the horizon as their time)."
        )
    head = "| design point | " + " | ".join(labels[o] for o in outcomes) + " |"
    sep = "|---|" + "---|" * len(outcomes)
    lines = [*intro, "", head, sep]
    for name, sub in table.groupby("point_name", sort=False):
        cells = []
        for o in outcomes:
            r = sub[sub["outcome"] == o].iloc[0]
            pct = o in ("government_share", "participation_share")
            cell = fmt(r["mean"], pct)
            if o == "years_to_target_or_horizon" and r["censored"] * 2 > r["n"]:
                cell = f"not reached in {int(r['censored'])}/{int(r['n'])} runs"
            if name != r["reference"]:
                sign = "+" if r["diff"] >= 0 else ""
                least = (
                    "at least "
                    if o == "years_to_target_or_horizon"
                    and "lower bound" in str(r.get("note", ""))
                    else ""
                )
                cell += f" ({least}{sign}{fmt(r['diff'], pct)} [{fmt(r['diff_low'], pct)}, {fmt(r['diff_high'], pct)}], {r['verdict']})"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    notes = [
        f"- {r['point_name']}: {r['note']}."
        for _, r in time_rows.iterrows()
        if r["point_name"] != r["reference"] and str(r.get("note", "") or "")
    ]
    if notes:
        lines += ["", "Time to target where most runs never reach it:", *notes]
    return "\n".join(lines)
