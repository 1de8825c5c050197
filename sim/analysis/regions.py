"""Results for a place: each region's index and time to target, read from a regions table.

Works on the ``regions`` table a run or a sweep writes (one row per run, step and region, with
``region_name``), so running and analysing stay apart. A region's time to target is the first
step at which its index reaches the target; a region that never does is censored at the
horizon, never given the horizon as its time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# A region gaining more than this many index points a year, over this many years, is
# implausible: Indonesia's fastest provinces gained about 1 IPM point a year in 2019-2022
# and its fastest districts about 2 (BPS), so a mis-scaled scenario shows up at once.
PLAUSIBLE_GAIN = 2.0
PLAUSIBLE_YEARS = 3


def region_outcomes(
    regions: pd.DataFrame, target: float, start_year: float
) -> pd.DataFrame:
    """One row per region (averaged over runs): start and final index, and time to target.

    Args:
        regions: The regions table (columns step, year, region, region_name, index; optionally run).
        target: The index target.
        start_year: Calendar year of step 0.

    Returns:
        Columns region, region_name, start_index, final_index, gain_per_year, runs, reached_share,
        median_years_to_target (NaN when fewer than half the runs reach it), year_reached
        (median), rank (1 = highest final index), sorted by final index, highest first.
    """
    df = regions if "run" in regions.columns else regions.assign(run=0)
    steps = df["step"].max()
    first = df[df["index"] >= target].groupby(["run", "region"])["step"].min()
    runs = (
        df[["run", "region", "region_name"]]
        .drop_duplicates(["run", "region"])
        .set_index(["run", "region"])
    )
    runs["reached_step"] = first
    per_region = runs.groupby("region").agg(
        region_name=("region_name", "first"),
        runs=("reached_step", "size"),
        reached=("reached_step", "count"),
    )
    # The median over runs, with censored runs counted as later than the horizon.
    median = runs["reached_step"].fillna(np.inf).groupby(level="region").median()
    start = df[df["step"] == 0].groupby("region")["index"].mean()
    final = df[df["step"] == steps].groupby("region")["index"].mean()
    out = pd.DataFrame(
        {
            "region": per_region.index,
            "region_name": per_region["region_name"].to_numpy(),
            "start_index": start.reindex(per_region.index).to_numpy(),
            "final_index": final.reindex(per_region.index).to_numpy(),
        }
    )
    out["gain_per_year"] = (out["final_index"] - out["start_index"]) / (steps / 4.0)
    out["runs"] = per_region["runs"].to_numpy()
    out["reached_share"] = (per_region["reached"] / per_region["runs"]).to_numpy()
    med = median.reindex(per_region.index).to_numpy() / 4.0
    out["median_years_to_target"] = np.where(np.isfinite(med), med, np.nan)
    out["year_reached"] = start_year + out["median_years_to_target"]
    out = out.sort_values(
        ["final_index", "region"], ascending=[False, True]
    ).reset_index(drop=True)
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def reached_by_year(
    regions: pd.DataFrame, target: float, start_year: float
) -> pd.DataFrame:
    """How many regions have reached the target by each year (mean over runs)."""
    df = regions if "run" in regions.columns else regions.assign(run=0)
    yearly = df[df["step"] % 4 == 0]
    count = (
        (yearly["index"] >= target)
        .groupby([yearly["run"], yearly["step"]])
        .sum()
        .groupby(level="step")
        .mean()
    )
    return pd.DataFrame(
        {
            "year": start_year + count.index.to_numpy() / 4.0,
            "regions_reached": count.to_numpy(),
            "regions": df["region"].nunique(),
        }
    )


def spread(regions: pd.DataFrame) -> pd.DataFrame:
    """Highest, lowest and the gap between them, per step (mean over runs)."""
    df = regions if "run" in regions.columns else regions.assign(run=0)
    g = df.groupby(["run", "step"])["index"].agg(["max", "min"])
    g["gap"] = g["max"] - g["min"]
    out = g.groupby(level="step").mean().reset_index()
    out.insert(1, "year", df.groupby("step")["year"].first().to_numpy())
    return out.rename(columns={"max": "highest", "min": "lowest"})


def implausible_gains(
    regions: pd.DataFrame, limit: float = PLAUSIBLE_GAIN, years: int = PLAUSIBLE_YEARS
) -> list[str]:
    """Regions whose index rose by more than ``limit`` points a year over ``years`` years (any run).

    The gain is measured over every window of ``years`` years (the whole run when it is
    shorter), so both a steady run-away and a jump to the goalposts are caught.
    """
    df = regions if "run" in regions.columns else regions.assign(run=0)
    yearly = df[df["step"] % 4 == 0].sort_values(["run", "region", "step"])
    span = min(years, int(yearly["step"].max() // 4))
    if span < 1:
        return []
    gain = yearly.groupby(["run", "region"])["index"].diff(span)
    bad = yearly.loc[gain > limit * span, "region_name"]
    return sorted(set(bad.astype(str)))


def plausibility_warning(
    regions: pd.DataFrame, limit: float = PLAUSIBLE_GAIN, years: int = PLAUSIBLE_YEARS
) -> str | None:
    """A one-line warning naming the regions that gain implausibly fast, or None."""
    bad = implausible_gains(regions, limit, years)
    if not bad:
        return None
    names = ", ".join(bad[:8]) + (f" and {len(bad) - 8} more" if len(bad) > 8 else "")
    return (
        f"warning: {len(bad)} region(s) gain more than {limit:g} index points a year over {years} years "
        f"({names}); Indonesia's fastest districts gained about 2 a year in 2019-2022: check the scenario's scale"
    )
