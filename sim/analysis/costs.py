"""What each policy costs in rupiah, and what it buys: cost-effectiveness and a ranking.

Money columns (``government_spending`` and ``total_spending`` in the runs table, ``spend_*``
in the time series) are read in one unit, given by :func:`rupiah_per_unit` from the manifest
(``manifest["units"]["money"]``, as rupiah per unit or a name such as ``"Rp"`` or
``"Rp juta"``); results without it are in Rp million (juta) at model scale, the unit the model
has used so far. Amounts are shown as ``Rp 1.2 miliar`` (juta, miliar, triliun = 1e6, 1e9,
1e12). Cost per person needs the population the scenario represents: a ``population`` column
in the runs table (persons); without it per-person cost is left out, with a note.

For each design point, against the reference, over replications paired by seed:

* government spending (APBN, APBD, rewards) over the run, total and per person;
* total spending by source (central, regional, rewards, donors, trust fund, community,
  volunteer labour valued in money);
* cost per IPM point gained: government spending over the run divided by the index gained
  from the start (a point's own ratio of means);
* incremental cost per IPM point: extra government spending per extra index point at the
  horizon, against the reference;
* incremental cost per year of time to target saved: extra government spending per year
  of restricted mean time to target saved (:mod:`sim.analysis.statistics`; a lower bound
  on years saved where the reference is mostly censored).

Ratios get percentile intervals from a paired bootstrap over replications (the same resample
for numerator and denominator); a ratio whose denominator's interval includes zero has no
finite interval and is reported as such (the policy buys no measurable gain).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis import statistics as st
from sim.survival import CONFIDENCE

DEFAULT_RUPIAH_PER_UNIT = (
    1.0  # the model keeps money in rupiah at real scale (docs/geography.md)
)
UNIT_NAMES = {
    "rp": 1.0,
    "rupiah": 1.0,
    "idr": 1.0,
    "rp juta": 1e6,
    "rp million": 1e6,
    "juta": 1e6,
    "rp miliar": 1e9,
    "rp billion": 1e9,
    "miliar": 1e9,
    "rp triliun": 1e12,
    "triliun": 1e12,
}
SOURCES: tuple[tuple[str, str], ...] = (
    ("spend_central", "central government (APBN)"),
    ("spend_regional", "regional government (APBD)"),
    ("spend_rewards", "reward system (government)"),
    ("spend_donors", "donors"),
    ("spend_trust_fund", "Human Development Trust Fund"),
    ("spend_community", "community and business"),
    ("spend_volunteer_labour", "volunteer labour (valued)"),
)
SCALES: tuple[tuple[float, str], ...] = (
    (1e12, "triliun"),
    (1e9, "miliar"),
    (1e6, "juta"),
)


def rupiah_per_unit(manifest: dict[str, Any] | None) -> tuple[float, str]:
    """Rupiah per unit of the money columns, and a note on where that comes from.

    The single place units are read. An explicit ``manifest["units"]["money"]`` (a number of
    rupiah per unit, or a name such as ``"Rp"`` or ``"Rp juta"``) wins; otherwise the model
    version recorded in the manifest decides: results of model version 1 kept money in Rp
    million (juta) at model scale, later versions in rupiah at real scale.

    Args:
        manifest: The results manifest, or None (results of the installed model).

    Returns:
        Rupiah per unit, and a sentence naming the unit and its source.
    """
    units = (manifest or {}).get("units") or {}
    value = units.get("money") if isinstance(units, dict) else None
    if isinstance(value, (int, float)) and value > 0:
        return float(value), f"money columns are in units of Rp {value:g} (manifest)"
    if isinstance(value, str) and value.strip().lower() in UNIT_NAMES:
        return UNIT_NAMES[
            value.strip().lower()
        ], f"money columns are in {value} (manifest)"
    versions = (manifest or {}).get("versions") or {}
    version = (
        str(versions.get("model_version", "")) if isinstance(versions, dict) else ""
    )
    if version == "1":
        return (
            1e6,
            "money columns are in Rp million (juta) at model scale (results of model version 1)",
        )
    source = f"model version {version}" if version else "the installed model"
    return (
        DEFAULT_RUPIAH_PER_UNIT,
        f"money columns are in rupiah at real scale ({source}; docs/geography.md)",
    )


def format_rupiah(x: float, decimals: int = 2) -> str:
    """``Rp 1.23 triliun``, ``Rp 450 juta``, ``Rp 12,500`` (``n/a`` when not finite)."""
    if x is None or not math.isfinite(x):
        return "n/a"
    sign = "-" if x < 0 else ""
    a = abs(x)
    for scale, word in SCALES:
        if a >= scale:
            v = a / scale
            dec = decimals if v < 100 else max(decimals - 2, 0)
            return f"{sign}Rp {v:,.{dec}f} {word}"
    return f"{sign}Rp {a:,.0f}"


def format_rupiah_range(low: float, high: float, decimals: int = 2) -> str:
    """An interval in one unit where both ends share it: ``Rp 16,409 to 16,692 triliun``.

    Args:
        low: Lower end, in rupiah.
        high: Upper end, in rupiah.
        decimals: Decimals as in :func:`format_rupiah`.

    Returns:
        The interval in words (ends written out in full when their scales differ).
    """
    a, b = format_rupiah(low, decimals), format_rupiah(high, decimals)
    wa, wb = a.rsplit(" ", 1), b.rsplit(" ", 1)
    same = (
        len(wa) == 2
        and len(wb) == 2
        and wa[1] == wb[1]
        and wa[1] in {w for _, w in SCALES}
        and not b.startswith("-")
    )
    if same:
        # An interval from below zero to above it says so: "-Rp 22.8 to +5.66 miliar".
        plus = "+" if a.startswith("-") else ""
        return f"{wa[0]} to {plus}{wb[0].removeprefix('Rp ')} {wa[1]}"
    return f"{a} to {b}"


def _boot_ratio(
    num: np.ndarray, den: np.ndarray, confidence: float, n_boot: int, seed: int
) -> tuple[float, float, float]:
    """Ratio of means num/den with a paired percentile bootstrap interval (NaN interval if den's crosses 0)."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    est = float(num.mean() / den.mean()) if den.size and den.mean() != 0 else math.nan
    if num.size < 2:
        return est, math.nan, math.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, num.size, (n_boot, num.size))
    bn, bd = num[idx].mean(axis=1), den[idx].mean(axis=1)
    q = [0.5 - confidence / 2, 0.5 + confidence / 2]
    dlo, dhi = np.quantile(bd, q)
    if dlo <= 0 <= dhi:
        return est, math.nan, math.nan
    lo, hi = np.quantile(bn / bd, q)
    return est, float(lo), float(hi)


def source_totals(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Spending by source summed over each run's quarters (one row per run; money columns' unit)."""
    cols = [c for c, _ in SOURCES if c in timeseries.columns]
    if timeseries.empty or not cols:
        return pd.DataFrame(columns=["run", *cols])
    return timeseries.groupby("run")[cols].sum().reset_index()


def cost_table(
    runs: pd.DataFrame,
    timeseries: pd.DataFrame | None,
    manifest: dict[str, Any] | None,
    reference: str,
    confidence: float = CONFIDENCE,
    *,
    n_boot: int = 2000,
    seed: int = 0,
) -> tuple[pd.DataFrame, list[str]]:
    """Costs and cost-effectiveness of every design point against the reference.

    Args:
        runs: Successful runs with ``point_name``, ``replication``, ``government_spending``,
            ``total_spending``, ``start_index``, ``final_index``, ``reached``,
            ``years_to_target``, ``censored_at_years`` (and ``population`` if known).
        timeseries: The time series (for spending by source), or None.
        manifest: The results manifest (for the money unit).
        reference: The design point compared against.
        confidence: Level of the intervals.
        n_boot: Bootstrap resamples for ratios.
        seed: Seed of the bootstraps.

    Returns:
        A long table (one row per design point and cost outcome: ``estimate``, ``ci_low``,
        ``ci_high``, ``diff``, ``diff_low``, ``diff_high``, ``method``, ``unit``, ``censored``,
        ``note``), amounts in rupiah; and notes for the reader.
    """
    from sim.analysis.compare import with_derived

    rp, unit_note = rupiah_per_unit(manifest)
    notes = [unit_note[0].upper() + unit_note[1:] + "."]
    runs = with_derived(runs)
    has_pop = (
        "population" in runs.columns
        and runs["population"].notna().all()
        and (runs["population"] > 0).all()
    )
    if not has_pop:
        notes.append(
            "Cost per person is not shown: the runs table has no population column (the population the scenario represents)."
        )
    totals = source_totals(timeseries) if timeseries is not None else pd.DataFrame()
    if not totals.empty and "run" in runs.columns:
        runs = runs.merge(totals, on="run", how="left")
    tau = float(runs["censored_at_years"].min())
    base = runs[runs["point_name"] == reference].set_index("replication")
    rows: list[dict[str, Any]] = []

    def add(
        name: str,
        outcome: str,
        label: str,
        est: tuple[float, float, float],
        diff: tuple[float, float, float] | None,
        method: str,
        unit: str = "Rp",
        censored: int = 0,
        note: str = "",
    ) -> None:
        d = diff if diff is not None else (math.nan, math.nan, math.nan)
        rows.append(
            {
                "point_name": name,
                "reference": reference,
                "outcome": outcome,
                "label": label,
                "unit": unit,
                "n": n,
                "estimate": est[0],
                "ci_low": est[1],
                "ci_high": est[2],
                "diff": d[0],
                "diff_low": d[1],
                "diff_high": d[2],
                "method": method,
                "tau": tau if "year" in outcome else math.nan,
                "censored": censored,
                "note": note,
            }
        )

    for k, name in enumerate(dict.fromkeys(runs["point_name"])):
        sub = runs[runs["point_name"] == name].set_index("replication")
        common = sub.index.intersection(base.index)
        n = len(sub)
        a, b = sub.loc[common], base.loc[common]
        is_ref = name == reference
        gov = sub["government_spending"].to_numpy(float) * rp
        dgov = (
            a["government_spending"].to_numpy(float)
            - b["government_spending"].to_numpy(float)
        ) * rp
        mean_m = "mean over replications (t interval)"
        diff_m = st.MEAN_METHOD
        e = st.paired_difference(
            a["government_spending"].to_numpy(float) * rp,
            b["government_spending"].to_numpy(float) * rp,
            confidence,
        )
        add(
            name,
            "government_spending_rp",
            "government spending over the run (APBN, APBD, rewards)",
            _mean(gov, confidence),
            None if is_ref else (e.estimate, e.low, e.high),
            f"{mean_m}; difference: {diff_m}",
        )
        tot = sub["total_spending"].to_numpy(float) * rp
        e = st.paired_difference(
            a["total_spending"].to_numpy(float) * rp,
            b["total_spending"].to_numpy(float) * rp,
            confidence,
        )
        add(
            name,
            "total_spending_rp",
            "total spending over the run, every source",
            _mean(tot, confidence),
            None if is_ref else (e.estimate, e.low, e.high),
            f"{mean_m}; difference: {diff_m}",
        )
        if has_pop:
            pp = gov / sub["population"].to_numpy(float)
            e = st.paired_difference(
                a["government_spending"].to_numpy(float)
                * rp
                / a["population"].to_numpy(float),
                b["government_spending"].to_numpy(float)
                * rp
                / b["population"].to_numpy(float),
                confidence,
            )
            add(
                name,
                "government_spending_per_person_rp",
                "government spending over the run per person",
                _mean(pp, confidence),
                None if is_ref else (e.estimate, e.low, e.high),
                f"{mean_m}; difference: {diff_m}",
            )
            # The unit budgets are set in (docs/geography.md), so the two can be read side by side.
            years = sub["censored_at_years"].to_numpy(float)
            add(
                name,
                "government_spending_per_person_year_rp",
                "government spending per person per year",
                _mean(pp / years, confidence),
                None
                if is_ref
                else (
                    e.estimate / float(years.mean()),
                    e.low / float(years.mean()),
                    e.high / float(years.mean()),
                ),
                f"{mean_m}; difference: {diff_m}; over the run's horizon",
            )
        for col, label in SOURCES:
            if col in sub.columns and sub[col].notna().all():
                add(
                    name,
                    f"{col}_rp",
                    f"spending by source: {label}",
                    _mean(sub[col].to_numpy(float) * rp, confidence),
                    None,
                    mean_m,
                )
        gain = (sub["final_index"] - sub["start_index"]).to_numpy(float)
        r = _boot_ratio(gov, gain, confidence, n_boot, seed + k)
        add(
            name,
            "cost_per_index_point_rp",
            "government spending per index point gained since the start",
            r,
            None,
            "ratio of means, paired percentile bootstrap over replications",
            "Rp per point",
            note=""
            if math.isfinite(r[1])
            else "no finite interval: the index gain is not clearly above zero",
        )
        if is_ref or len(common) == 0:
            continue
        dindex = (a["final_index"] - b["final_index"]).to_numpy(float)
        r = _boot_ratio(dgov, dindex, confidence, n_boot, seed + 1000 + k)
        add(
            name,
            "incremental_cost_per_index_point_rp",
            "extra government spending per extra index point at the horizon",
            r,
            None,
            "ratio of mean paired differences, paired percentile bootstrap",
            "Rp per point",
            note=""
            if math.isfinite(r[1])
            else "no finite interval: the index difference is not clearly away from zero",
        )
        # Years saved = reference's restricted time - this point's; both restricted to tau.
        t_a = np.where(
            a["reached"], np.minimum(a["years_to_target_or_horizon"], tau), tau
        )
        t_b = np.where(
            b["reached"], np.minimum(b["years_to_target_or_horizon"], tau), tau
        )
        saved = t_b - t_a
        cens = int((~a["reached"].astype(bool)).sum())
        ref_cens = int((~b["reached"].astype(bool)).sum())
        note = ""
        if ref_cens * 2 > len(b):
            note = "the reference mostly does not reach the target: years saved are a lower bound, so this cost per year is an upper bound"
        r = _boot_ratio(dgov, saved, confidence, n_boot, seed + 2000 + k)
        if not math.isfinite(r[1]):
            note = "; ".join(
                x
                for x in (
                    note,
                    "no finite interval: the years saved are not clearly away from zero",
                )
                if x
            )
        add(
            name,
            "incremental_cost_per_year_saved_rp",
            f"extra government spending per year of time to target saved (restricted mean up to {tau:g} years)",
            r,
            None,
            "ratio of mean paired differences, paired percentile bootstrap",
            "Rp per year",
            censored=cens,
            note=note,
        )
    return pd.DataFrame(rows), notes


def _mean(x: np.ndarray, confidence: float) -> tuple[float, float, float]:
    from sim.analysis.compare import mean_ci

    return mean_ci(x, confidence)


def _not_worse(a: float, b: float, tol: float) -> bool:
    """``a`` is not worse than ``b`` (lower is better): not higher by the minimum effect or more."""
    return a <= b if tol <= 0 else a - b < tol


def _better(a: float, b: float, tol: float) -> bool:
    """``a`` is better than ``b`` (lower is better) by at least the minimum effect."""
    return a < b if tol <= 0 else b - a >= tol


def ranking(
    compare_table: pd.DataFrame, costs: pd.DataFrame, reference: str | None = None
) -> pd.DataFrame:
    """Policies ranked: fastest (restricted mean time to target) first, with government cost and dominance.

    A point is *dominated* when another point is at least as fast, at least as cheap and reaches
    the target in at least as many runs, and is better on one of the three (by the means);
    differences within the minimum effects (a quarter of a year; 5% of the reference's government
    spending, ``reference`` defaulting to the comparison's) count as ties. The cost-effective
    choices are the others. Ties in restricted mean time (censored runs) are
    broken by the share of runs reaching the target. Each
    row also gives the incremental cost per year saved against the reference.
    """
    t = compare_table[
        compare_table["outcome"] == "years_to_target_or_horizon"
    ].set_index("point_name")
    c = costs.pivot_table(
        index="point_name", columns="outcome", values="estimate", aggfunc="first"
    )
    out = pd.DataFrame(
        {
            "years": t["mean"],
            "share_reached": t["share_reached"],
            "censored": t["censored"],
            "n": t["n"],
            "government_spending_rp": c.get("government_spending_rp"),
        }
    )
    out["cost_per_year_saved_rp"] = c.get("incremental_cost_per_year_saved_rp")
    out["cost_per_index_point_rp"] = c.get("cost_per_index_point_rp")
    out = out.reset_index().rename(columns={"index": "point_name"})
    if (
        reference is None
        and "reference" in compare_table.columns
        and len(compare_table)
    ):
        reference = str(compare_table["reference"].iloc[0])
    # Differences smaller than the minimum effects are ties: a point a few miliar cheaper in a
    # budget of thousands of triliun does not dominate.
    ref_cost = out.loc[out["point_name"] == reference, "government_spending_rp"]
    tol_cost = st.min_effect(
        "government_spending", float(ref_cost.iloc[0]) if len(ref_cost) else math.nan
    )
    tol_cost = tol_cost if math.isfinite(tol_cost) else 0.0
    tol_years = st.min_effect("years_to_target_or_horizon")
    dominated_by: list[str] = []
    dominators: list[list[str]] = []
    for r in out.itertuples(index=False):
        # Restricted means tie where runs are censored, so the share reaching the target is a third criterion.
        by = [
            o.point_name
            for o in out.itertuples(index=False)
            if o.point_name != r.point_name
            and _not_worse(o.years, r.years, tol_years)
            and _not_worse(o.government_spending_rp, r.government_spending_rp, tol_cost)
            and o.share_reached >= r.share_reached
            and (
                _better(o.years, r.years, tol_years)
                or _better(o.government_spending_rp, r.government_spending_rp, tol_cost)
                or o.share_reached > r.share_reached
            )
        ]
        dominated_by.append(", ".join(by[:3]) + (" ..." if len(by) > 3 else ""))
        dominators.append(by)
    out["dominated_by"] = dominated_by
    out["dominators"] = dominators
    out = out.assign(_share=-out["share_reached"]).sort_values(
        ["years", "_share", "government_spending_rp"], kind="stable"
    )
    out = out.drop(columns="_share").reset_index(drop=True)
    out.insert(0, "rank", range(1, len(out) + 1))
    return out
