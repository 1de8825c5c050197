"""Analysis of run tables: time to target as survival, paired comparisons between scenarios.

A run that ends before reaching its target is censored, not dropped: the time to target is
estimated with Kaplan-Meier (``scipy.stats.ecdf`` on ``CensoredData``). Scenarios are
compared with paired differences over common random numbers: replication r of every
scenario shares its seed, so the difference of the pair removes most of the chance.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.survival import kaplan_meier

# Outcomes compared between scenarios: column, label, whether larger is better for the essay's aims.
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("years_to_target_or_horizon", "years to target (censored at horizon)"),
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
    runs["years_to_target_or_horizon"] = np.where(runs["reached"], runs["years_to_target"], runs["censored_at_years"])
    return runs


def group_column(runs: pd.DataFrame) -> str:
    """The column naming design points: ``point_name`` in sweep tables, ``scenario`` otherwise."""
    return "point_name" if "point_name" in runs.columns else "scenario"


def compare(runs: pd.DataFrame, reference: str | None = None, confidence: float = 0.95) -> pd.DataFrame:
    """Every design point against a reference, outcome by outcome, with paired differences.

    Args:
        runs: The runs table (a ``point_name`` or ``scenario`` column, ``replication`` and the
            outcomes); failed runs (``status`` other than ``ok``) are left out.
        reference: Point compared against (default ``baseline`` if present, else the first).
        confidence: Confidence level of the intervals.

    Returns:
        One row per point and outcome: mean with CI, paired difference from the reference
        with CI, and for time to target the Kaplan-Meier median with CI and share reached.
    """
    if "status" in runs.columns:
        runs = runs[runs["status"] == "ok"]
    runs = with_derived(runs)
    col_name = group_column(runs)
    order = list(dict.fromkeys(runs[col_name]))
    ref = reference or ("baseline" if "baseline" in order else order[0])
    if ref not in order:
        raise ValueError(f"reference {ref!r} is not among the design points {order[:10]}")
    base = runs[runs[col_name] == ref].set_index("replication")
    rows = []
    for name in order:
        sub = runs[runs[col_name] == name].set_index("replication")
        common = sub.index.intersection(base.index)
        for col, label in OUTCOMES:
            m, lo, hi = mean_ci(sub[col].to_numpy(), confidence)
            d, dlo, dhi = mean_ci((sub.loc[common, col] - base.loc[common, col]).to_numpy(), confidence)
            row = {"point_name": name, "outcome": col, "label": label, "n": int(sub.shape[0]), "mean": m, "ci_low": lo, "ci_high": hi,
                   "diff": d if name != ref else 0.0, "diff_low": dlo if name != ref else 0.0, "diff_high": dhi if name != ref else 0.0,
                   "reference": ref}
            if col == "years_to_target_or_horizon":
                km = kaplan_meier(sub["years_to_target_or_horizon"].to_numpy(), sub["reached"].to_numpy(), confidence)
                row.update({"km_median": km["median"], "km_low": km["ci_low"], "km_high": km["ci_high"], "share_reached": km["share_reached"]})
            rows.append(row)
    return pd.DataFrame(rows)


def sensitivity(runs: pd.DataFrame, design: dict, outcome: str = "years_to_target_or_horizon", seed: int = 0) -> pd.DataFrame:
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
        raise ValueError(f"sensitivity needs a sampled design (sobol, morris or lhs), not {kind!r}")
    runs = with_derived(runs[runs["status"] == "ok"] if "status" in runs.columns else runs)
    y = runs.groupby("point")[outcome].mean().reindex(range(len(design["points"])))
    if y.isna().any():
        raise ValueError(f"{int(y.isna().sum())} design points have no successful run; sensitivity needs all of them")
    names = design["varied"]
    problem = {"num_vars": len(names), "names": names, "bounds": [design["ranges"][n] for n in names]}
    x = np.array([[float(p["overrides"][n]) for n in names] for p in design["points"]])
    yv = y.to_numpy(dtype=float)
    if kind == "sobol":
        from SALib.analyze import sobol as sobol_analyze

        res = sobol_analyze.analyze(problem, yv, calc_second_order=False, seed=seed)
        return pd.DataFrame({"parameter": names, "S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"], "ST_conf": res["ST_conf"]})
    if kind == "morris":
        from SALib.analyze import morris as morris_analyze

        res = morris_analyze.analyze(problem, x, yv, num_levels=design.get("levels", 4), seed=seed)
        return pd.DataFrame({"parameter": names, "mu": res["mu"], "mu_star": res["mu_star"], "sigma": res["sigma"],
                             "mu_star_conf": res["mu_star_conf"]})
    rows = []
    for i, n in enumerate(names):
        rho, p = stats.spearmanr(x[:, i], yv)
        rows.append({"parameter": n, "spearman_rho": float(rho), "p_value": float(p)})
    return pd.DataFrame(rows)


def comparison_markdown(table: pd.DataFrame, outcomes: tuple[str, ...] = ("years_to_target_or_horizon", "government_share", "mean_active_partnerships", "mean_lifespan_years", "cohesion")) -> str:
    """A compact Markdown table: per scenario, each outcome's mean and paired difference with CI."""
    def fmt(x: float, pct: bool = False) -> str:
        if not np.isfinite(x):
            return "n/a"
        return f"{100 * x:.1f}%" if pct else (f"{x:.2f}" if abs(x) < 1000 else f"{x:.0f}")

    labels = dict(OUTCOMES)
    head = "| design point | " + " | ".join(labels[o] for o in outcomes) + " |"
    sep = "|---|" + "---|" * len(outcomes)
    lines = [head, sep]
    for name, sub in table.groupby("point_name", sort=False):
        cells = []
        for o in outcomes:
            r = sub[sub["outcome"] == o].iloc[0]
            pct = o in ("government_share", "participation_share")
            cell = fmt(r["mean"], pct)
            if name != r["reference"]:
                sign = "+" if r["diff"] >= 0 else ""
                cell += f" ({sign}{fmt(r['diff'], pct)} [{fmt(r['diff_low'], pct)}, {fmt(r['diff_high'], pct)}])"
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
