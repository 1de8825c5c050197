"""Scenario discovery: where in the uncertainty space does a policy fail its goal?

Given a sweep over uncertain conditions (a sampled design: Latin hypercube, Sobol or Morris
over the parameters nobody controls), each run either meets the goal, "the index reaches
``level`` by ``year``", or fails it. PRIM (the Patient Rule Induction Method, Friedman and
Fisher 1999, as implemented in EMA Workbench's ``analysis.prim``) finds boxes, ranges of a few
parameters, where failures concentrate:

* *coverage*: the share of all failures that fall inside the box;
* *density*: the share of runs inside the box that fail;
* *mass*: the share of all runs inside the box.

The box kept is the one on PRIM's peeling trajectory with the highest coverage among those
whose density is at least ``min_density``; later boxes are searched among the runs left
outside it. Feature scoring (EMA Workbench's extra-trees scores, scikit-learn underneath)
ranks every parameter by how much it tells failure from success, boxes or not.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

MIN_DENSITY = 0.8


def _ema():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring, prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim, feature_scoring


@dataclass
class Box:
    """A region of the uncertainty space where failures concentrate.

    Attributes:
        limits: One row per restricted parameter: ``parameter``, ``low``, ``high`` (and, for
            categories, the values kept in ``values``).
        coverage, density, mass: As in the module docstring.
        n: Runs inside the box.
    """

    limits: pd.DataFrame
    coverage: float
    density: float
    mass: float
    n: int

    def describe(self) -> str:
        """The box in words, e.g. ``funding.public_scale in [0.5, 0.8] and ...``."""
        parts = []
        for r in self.limits.itertuples(index=False):
            parts.append(
                f"{r.parameter} in [{r.low:.4g}, {r.high:.4g}]"
                if isinstance(r.low, (int, float))
                else f"{r.parameter} in {r.low}"
            )
        return " and ".join(parts) if parts else "(the whole space)"


@dataclass
class Discovery:
    """PRIM boxes and feature scores for one goal."""

    goal: str
    n_runs: int
    n_failed: int
    boxes: list[Box] = field(default_factory=list)
    scores: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["parameter", "score"])
    )
    notes: list[str] = field(default_factory=list)


def year_reaching(timeseries: pd.DataFrame, level: float) -> pd.Series:
    """Per run, the first model time (calendar year) at which the national index is at least ``level`` (NaN if never)."""
    hit = timeseries[timeseries["index"] >= level]
    first = hit.groupby("run")["year"].min()
    return first.reindex(sorted(timeseries["run"].unique()))


def failures(
    runs: pd.DataFrame,
    design: dict[str, Any],
    *,
    level: float,
    by_year: float,
    timeseries: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """The uncertainty space (one row per successful run, the design's varied parameters) and whether each run fails the goal.

    A run fails when its national index has not reached ``level`` by ``by_year``. A run whose
    horizon ends before ``by_year`` without reaching ``level`` cannot be judged and is left out.
    """
    runs = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    varied = list(design.get("varied") or [])
    if not varied:
        raise ValueError(
            "scenario discovery needs a design that varies parameters (lhs, sobol, morris or factorial)"
        )
    over = {int(p["id"]): p.get("overrides", {}) for p in design.get("points", [])}
    if (
        timeseries is not None
        and not timeseries.empty
        and "index" in timeseries.columns
    ):
        when = year_reaching(timeseries, level).reindex(runs["run"]).to_numpy(float)
    elif "target" in runs.columns and np.allclose(runs["target"], level):
        when = np.where(runs["reached"], runs["year_reached"], np.nan)
    else:
        raise ValueError(
            f"the goal's level {level:g} is not the runs' target and there is no time series to find when it is reached"
        )
    end = (runs["start_year"] + runs["steps"] / 4).to_numpy(float)
    met = np.isfinite(when) & (when <= by_year + 1e-9)
    judged = met | (end >= by_year - 1e-9)
    x = pd.DataFrame(
        [{k: over.get(int(p), {}).get(k) for k in varied} for p in runs["point"]]
    )
    for col in x.columns:
        if x[col].map(lambda v: isinstance(v, bool)).all():
            x[col] = x[col].astype(int)
        elif not pd.api.types.is_numeric_dtype(x[col]):
            x[col] = x[col].astype(str).astype("category")
    return x[judged].reset_index(drop=True), ~met[judged]


def _limits(box, i: int, x: pd.DataFrame) -> pd.DataFrame:
    lims = box.box_lims[i]
    rows = []
    for col in x.columns:
        lo, hi = lims[col].iloc[0], lims[col].iloc[1]
        if isinstance(x[col].dtype, pd.CategoricalDtype):
            kept = sorted(lo) if isinstance(lo, set) else lo
            if isinstance(lo, set) and len(lo) < x[col].nunique():
                rows.append(
                    {"parameter": col, "low": ", ".join(map(str, kept)), "high": ""}
                )
            continue
        if lo > x[col].min() + 1e-12 or hi < x[col].max() - 1e-12:
            rows.append({"parameter": col, "low": float(lo), "high": float(hi)})
    return pd.DataFrame(rows, columns=["parameter", "low", "high"])


def discover(
    x: pd.DataFrame,
    failed: np.ndarray,
    *,
    goal: str = "",
    min_density: float = MIN_DENSITY,
    max_boxes: int = 2,
    seed: int = 0,
) -> Discovery:
    """PRIM boxes where failures concentrate, and feature scores.

    Args:
        x: The uncertainty space, one row per run.
        failed: Whether each run fails the goal.
        goal: The goal in words (for the output).
        min_density: Density a box must reach to be kept.
        max_boxes: Boxes searched for at most.
        seed: Seed of the extra-trees feature scoring.
    """
    failed = np.asarray(failed, dtype=bool)
    out = Discovery(goal, int(failed.size), int(failed.sum()))
    if failed.size == 0:
        out.notes.append("No run can be judged against the goal.")
        return out
    if not failed.any() or failed.all():
        out.notes.append(
            "Every run meets the goal."
            if not failed.any()
            else "Every run fails the goal: there is no region to tell apart."
        )
        return out
    prim, feature_scoring = _ema()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        finder = prim.Prim(x, failed, mass_min=0.05)
        for _ in range(max_boxes):
            try:
                box = finder.find_box()
            except (ValueError, IndexError):
                break
            if box is None:
                break
            traj = box.peeling_trajectory
            ok = traj[traj["density"] >= min_density]
            if ok.empty:
                if not out.boxes:
                    out.notes.append(
                        f"No box reaches a density of {min_density:.0%}; the densest on the trajectory has "
                        f"{traj['density'].max():.0%}."
                    )
                break
            i = int(
                ok.sort_values(
                    ["coverage", "density"], ascending=False, kind="stable"
                ).index[0]
            )
            row = traj.loc[i]
            out.boxes.append(
                Box(
                    _limits(box, i, x),
                    float(row["coverage"]),
                    float(row["density"]),
                    float(row["mass"]),
                    int(row["n"]),
                )
            )
            box.select(i)
        scores, _ = feature_scoring.get_ex_feature_scores(x, failed, random_state=seed)
    out.scores = (
        scores.iloc[:, 0].rename("score").rename_axis("parameter").reset_index()
    )
    return out


def markdown(d: Discovery) -> str:
    """The boxes and scores as Markdown."""
    lines = [
        f"Goal: {d.goal}. {d.n_failed} of {d.n_runs} runs fail it ({100 * d.n_failed / max(d.n_runs, 1):.0f}%).",
        "",
    ]
    lines.extend(d.notes)
    for k, b in enumerate(d.boxes, 1):
        lines.append(
            f"Box {k}: {b.describe()}. Coverage {b.coverage:.0%} (share of all failures inside), density {b.density:.0%} "
            f"(share of runs inside that fail), mass {b.mass:.0%} ({b.n} runs)."
        )
    if not d.scores.empty:
        lines += ["", "| parameter | feature score (extra trees) |", "|---|---|"]
        lines += [
            f"| {r.parameter} | {r.score:.3f} |"
            for r in d.scores.itertuples(index=False)
        ]
    return "\n".join(lines)


def boxes_table(d: Discovery) -> pd.DataFrame:
    """One row per box and restricted parameter (for boxes.csv)."""
    rows = []
    for k, b in enumerate(d.boxes, 1):
        for r in b.limits.itertuples(index=False):
            rows.append(
                {
                    "box": k,
                    "parameter": r.parameter,
                    "low": r.low,
                    "high": r.high,
                    "coverage": b.coverage,
                    "density": b.density,
                    "mass": b.mass,
                    "runs": b.n,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "box",
            "parameter",
            "low",
            "high",
            "coverage",
            "density",
            "mass",
            "runs",
        ],
    )


def goal_words(index_name: str, level: float, by_year: float) -> str:
    """The goal in words, e.g. ``IPM 75 reached by 2030`` (no year when ``by_year`` is infinite)."""
    return (
        f"{index_name} {level:g} reached by {by_year:g}"
        if math.isfinite(by_year)
        else f"{index_name} {level:g} reached"
    )
