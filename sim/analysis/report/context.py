"""The results folder, read and normalised for the report, and the sensitivity analysis of sampled designs."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.compare import OUTCOMES, group_column, sensitivity, with_derived
from sim.experiment.results import ResultsError, load_results

SAMPLED: tuple[str, ...] = ("lhs", "sobol", "morris")


# --- the results, made uniform -------------------------------------------------------------------


@dataclass
class Context:
    """A results folder, read and normalised for the report."""

    folder: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame  # every run, failed ones too
    ok: pd.DataFrame  # successful runs, with years_to_target_or_horizon
    ts: pd.DataFrame  # time series of successful runs, with point_name
    design: dict[str, Any]
    points: list[
        str
    ]  # design point names in design order (those with a successful run)
    all_points: list[str]  # every design point name
    reference: str | None
    method: str
    target: float
    horizon: float
    start_year: float
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """The design's type (``factorial``, ``lhs``, ...), ``none`` for a single run."""
        return str(self.design.get("type", "none"))

    @property
    def sampled(self) -> bool:
        """Whether the design is a sample over ranges (then sensitivity applies)."""
        return self.kind in SAMPLED

    @property
    def index_name(self) -> str:
        """``IPM`` or ``HDI``, after the run's method."""
        return "IPM" if self.method == "ipm" else "HDI"

    @property
    def target_text(self) -> str:
        """``IPM 75`` or ``HDI 0.8``."""
        return f"{self.index_name} {self.target:g}"

    @property
    def end_year(self) -> float:
        """Calendar year of the horizon."""
        return self.start_year + self.horizon

    @property
    def replications(self) -> int:
        """Replications per design point (the most any point has when the design does not say)."""
        return int(
            self.design.get("replications")
            or (self.ok.groupby("point_name").size().max() if not self.ok.empty else 1)
        )

    def overrides(self, name: str) -> dict[str, Any]:
        """The parameters design point ``name`` sets (empty for an unknown name)."""
        for p in self.design.get("points", []):
            if p.get("name") == name:
                return dict(p.get("overrides") or {})
        return {}

    def label(self, name: str | None) -> str:
        """A short label for a design point (factorial names ``a.b=x,c.d=y`` made readable).

        ``None`` (no reference: no point has a successful run) gives ``"(none)"``.
        """
        if name is None:
            return "(none)"
        over = self.overrides(name)
        if "=" not in name or not over:
            return name
        parts = []
        for k, v in over.items():
            section, _, key = k.partition(".")
            if key == "enabled" and isinstance(v, bool):
                parts.append(f"{section.replace('_', ' ')}: {'on' if v else 'off'}")
            else:
                value = (
                    ("true" if v else "false")
                    if isinstance(v, bool)
                    else (f"{v:g}" if isinstance(v, float) else str(v))
                )
                parts.append(f"{key.replace('_', ' ')}: {value}")
        return ", ".join(parts)


def _old_design(manifest: dict[str, Any], runs: pd.DataFrame) -> dict[str, Any]:
    """A design dict for results written before sweeps (one point per scenario file)."""
    names = (
        list(dict.fromkeys(runs["point_name"]))
        if not runs.empty
        else [s.get("name", "?") for s in manifest.get("scenarios", [])]
    )
    reps = manifest.get("replications") or (
        int(runs["replication"].nunique()) if not runs.empty else 1
    )
    ref = "baseline" if "baseline" in names else (names[0] if names else None)
    return {
        "type": "variants" if len(names) > 1 else "none",
        "replications": reps,
        "samples": 0,
        "levels": 4,
        "reference": ref,
        "varied": [],
        "ranges": {},
        "points": [{"id": i, "name": n, "overrides": {}} for i, n in enumerate(names)],
    }


def load_context(folder: str | Path, reference: str | None = None) -> Context:
    """Read a results folder (sweep layout, or the older ``scenario`` layout) for the report."""
    folder = Path(folder)
    res = load_results(folder)
    manifest = res["manifest"]
    runs = res.get("runs", pd.DataFrame()).copy()
    if runs.empty:
        raise ResultsError(f"{folder}: the runs table is empty; nothing to report")
    if "point_name" not in runs.columns:
        runs["point_name"] = runs[group_column(runs)].astype(str)
    if "status" not in runs.columns:
        runs["status"] = "ok"
    if "error" not in runs.columns:
        runs["error"] = ""
    design = manifest.get("design") or _old_design(manifest, runs)
    names = [p["name"] for p in design.get("points", [])] or list(
        dict.fromkeys(runs["point_name"])
    )
    if "point" not in runs.columns:
        index = {n: i for i, n in enumerate(names)}
        runs["point"] = runs["point_name"].map(index).fillna(-1).astype(int)
    for col, _ in OUTCOMES:
        if col not in runs.columns:
            runs[col] = np.nan
    ok = runs[runs["status"] == "ok"].copy()
    if not ok.empty:
        ok = with_derived(ok)
        ok["reached"] = ok["reached"].astype(bool)
    present = set(ok["point_name"])
    points = [n for n in names if n in present] + [
        n for n in dict.fromkeys(ok["point_name"]) if n not in names
    ]

    ts = res.get("timeseries", pd.DataFrame())
    if ts is None or ts.empty or ok.empty:
        ts = pd.DataFrame(columns=["run", "point_name", "replication", "step", "year"])
    else:
        ts = ts[ts["run"].isin(ok["run"])].copy()
        name_of = ok.set_index("run")["point_name"]
        ts["point_name"] = ts["run"].map(name_of)

    def first(col: str, default: Any) -> Any:
        if col in ok.columns and not ok.empty:
            v = ok[col].dropna()
            if not v.empty:
                return v.iloc[0]
        return default

    # The scenario's own settings stand in when no run succeeded.
    scen = manifest.get("scenarios") or [{}]
    params = scen[0].get("parameters", {}) if isinstance(scen[0], dict) else {}
    method = str(first("index_method", params.get("scenario.index", "ipm")))
    target = float(first("target", params.get("scenario.target", 75.0)))
    horizon = (
        float(ok["censored_at_years"].max())
        if not ok.empty and ok["censored_at_years"].notna().any()
        else float(params.get("scenario.years", math.nan))
    )
    start_year = float(
        first(
            "start_year",
            params.get(
                "scenario.start_year", ts["year"].min() if not ts.empty else 0.0
            ),
        )
    )
    notes = []
    ref = reference or design.get("reference")
    if reference is not None and reference not in names:
        raise ResultsError(
            f"reference {reference!r} is not a design point; allowed: one of {', '.join(repr(n) for n in names[:10])}"
        )
    if ref not in present:
        fallback = (
            "baseline" if "baseline" in present else (points[0] if points else None)
        )
        if ref is not None and fallback is not None and ref != fallback:
            notes.append(
                f"The reference {ref!r} has no successful run; points are compared with {fallback!r} instead."
            )
        ref = fallback
    if "index_method" in ok.columns and ok["index_method"].nunique() > 1:
        notes.append(
            "The design points use different indices (IPM and HDI); the figures use the first point's scale."
        )
    if "target" in ok.columns and ok["target"].nunique() > 1:
        notes.append(
            "The design points have different targets; each point's time to target is to its own target."
        )
    return Context(
        folder,
        manifest,
        runs,
        ok,
        ts,
        design,
        points,
        names,
        ref,
        method,
        target,
        horizon,
        start_year,
        notes,
    )


# --- sensitivity (sampled designs) ---------------------------------------------------------------


def _param_label(name: str) -> str:
    try:
        from sim.parameters import BY_NAME

        p = BY_NAME[name]
        return f"{name} ({p.unit})" if p.unit and p.unit != "-" else name
    except (ImportError, KeyError):
        return name


def _param_meaning(name: str) -> str:
    try:
        from sim.parameters import BY_NAME

        return BY_NAME[name].meaning
    except (ImportError, KeyError):
        return ""


@dataclass
class Sensitivity:
    """Which levers drive the outcome of a sampled design.

    Attributes:
        outcome: The outcome column analysed.
        outcome_label: Its name in the report.
        table: The sensitivity indices per lever (None when they could not be computed).
        rho: Spearman rank correlation of each lever with the outcome (its direction).
        note: Why this outcome was chosen, when not the default.
        error: Why the indices are missing, when they are.
    """

    outcome: str
    outcome_label: str
    table: pd.DataFrame | None
    rho: pd.DataFrame
    note: str = ""
    error: str = ""


def sensitivity_analysis(ctx: Context) -> Sensitivity | None:
    """Which levers drive time to target; the index at the horizon when no run reaches the target."""
    if not ctx.sampled or ctx.ok.empty:
        return None
    varied = list(ctx.design.get("varied") or [])
    per_point = ctx.ok.groupby("point")[
        ["years_to_target_or_horizon", "final_index"]
    ].mean()
    outcome, note = "years_to_target_or_horizon", ""
    if per_point[outcome].nunique() <= 1:
        outcome = "final_index"
        if not ctx.ok["reached"].any():
            note = (
                f"No run reached {ctx.target_text} within the {ctx.horizon:g}-year horizon, so the years to target are the horizon "
                f"everywhere; the levers are ranked by their effect on the {ctx.index_name} at the horizon instead."
            )
        else:
            note = (
                f"Years to {ctx.target_text} are the same at every point; the levers are ranked by their effect on the "
                f"{ctx.index_name} at the horizon instead."
            )
    censored = float((~ctx.ok["reached"].astype(bool)).mean())
    if outcome == "years_to_target_or_horizon" and censored > 0.1:
        note = (
            f"{100 * censored:.0f}% of runs do not reach {ctx.target_text} within the {ctx.horizon:g}-year horizon: each run's time "
            "is restricted at the horizon, so these indices describe the horizon as much as the levers; a longer horizon "
            "(kemitraan sensitivity lengthens it by itself) gives indices of the time itself."
        )
    label = (
        f"years to {ctx.target_text} (restricted mean to the horizon)"
        if outcome == "years_to_target_or_horizon"
        else f"{ctx.index_name} at the horizon ({ctx.end_year:g})"
    )
    rows = []
    y = per_point[outcome]
    for n in varied:
        x = pd.Series(
            {int(p["id"]): float(p["overrides"][n]) for p in ctx.design["points"]}
        ).reindex(y.index)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rho, pv = (
                stats.spearmanr(x, y)
                if y.nunique() > 1 and x.nunique() > 1
                else (np.nan, np.nan)
            )
        rows.append({"parameter": n, "spearman_rho": float(rho), "p_value": float(pv)})
    rho_df = pd.DataFrame(rows)
    table, error = None, ""
    if y.nunique() <= 1:
        error = f"The {label} is the same at every design point; no lever moves it within these ranges."
    else:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                table = sensitivity(ctx.runs, ctx.design, outcome)
        except ImportError:
            error = "No sensitivity indices: SALib is not installed (install the 'sweep' extra)."
        except (ValueError, KeyError, ZeroDivisionError) as exc:
            error = f"No sensitivity indices: {exc}."
    return Sensitivity(outcome, label, table, rho_df, note, error)
