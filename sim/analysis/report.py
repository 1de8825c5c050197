"""The analysis report of a results folder: figures and one self-contained HTML page.

``kemitraan report RESULTS_DIR`` (and ``kemitraan run`` unless ``--no-report``) calls
:func:`write_report`, which writes::

    RESULTS_DIR/report/report.html        one page, figures embedded, CSS inline, no scripts
    RESULTS_DIR/report/figures/*.png      every figure as PNG (for documents) ...
    RESULTS_DIR/report/figures/*.svg      ... and as SVG (for slides and print)

Figures: ``time_to_target_km``, ``index_trajectories``, ``government_share``, ``partnerships``,
``cohesion``; ``differences`` (paired differences from the reference) for several design
points; ``sensitivity`` and ``outcome_vs_levers`` for a sampled design.

The page is written for policy analysts, headline first:

1. *Headline*: one sentence per design point against the reference, generated only from the
   comparison table's numbers ("... brings IPM 75 forward by 0.96 years (95% CI 0.85 to
   1.07), with a government share of spending 2.3 percentage points higher ..."); for a
   sampled design, which levers matter most.
2. *When is the target reached*: Kaplan-Meier curves of time to target, runs that never
   reach it within the horizon counted as censored (``scipy.stats.ecdf`` on
   ``CensoredData``), with the median years and its confidence interval and the share of
   runs that reached the target by the horizon.
3. *Every design point against the reference*: mean of each outcome and its paired
   difference from the reference over common random numbers, with confidence intervals
   (:func:`sim.analysis.compare`), and the differences as a figure.
4. *Which levers drive time to target* (sampled designs): Sobol indices, Morris mu* and
   sigma, or rank correlations (:func:`sim.analysis.sensitivity`), and the outcome against
   each varied parameter.
5. *How things evolve*: the index, the government share of spending, partnerships active,
   formed and dissolved, and cohesion over time, with bands across replications.
6. *Runs that failed*, if any, with their errors and seeds.
7. *Provenance*: scenarios and their SHA-256, design, seed rule, versions, command, dates.

Many design points stay readable: up to 8 are drawn on one chart, more as small multiples
(at most 24 panels, the points that differ most from the reference, with a note); sampled
designs (lhs, sobol, morris) draw the sensitivity figure, the outcome against each lever
and one band over all runs instead of a curve per point.

The report is rebuilt under a temporary name and renamed over the old one, so a reader
never sees half a report. Figures are byte-for-byte reproducible where matplotlib allows
(fixed SVG hash salt, no dates in the files), and the page carries no time of its own.
"""

from __future__ import annotations

import base64
import html
import io
import math
import shutil
import tempfile
import textwrap
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.compare import OUTCOMES, compare, group_column, sensitivity, with_derived
from sim.experiment.design import show_value
from sim.experiment.results import ResultsError, load_results, replace_folder

SAMPLED: tuple[str, ...] = ("lhs", "sobol", "morris")
MAX_OVERLAY = 8      # design points drawn on one chart; more become small multiples
MAX_PANELS = 24      # small-multiple panels at most (the points that differ most)
MAX_HEADLINES = 10   # headline sentences at most (the fastest and the slowest points)
CONFIDENCE = 0.95
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg")

# Okabe-Ito colours (readable by colour-blind readers); the reference is drawn in near-black.
REFERENCE_COLOUR = "#222222"
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#7F7F7F")

# How each compared outcome is shown: kind (years, index, share, count, ratio) and decimals.
OUTCOME_FORMAT: dict[str, tuple[str, int]] = {
    "years_to_target_or_horizon": ("years", 2),
    "final_index": ("index", 2),
    "government_share": ("share", 1),
    "partnerships_formed": ("count", 1),
    "mean_active_partnerships": ("count", 1),
    "mean_lifespan_years": ("years", 2),
    "participation_share": ("share", 1),
    "business_participation": ("share", 1),
    "cohesion": ("ratio", 3),
}


# --- numbers as words ----------------------------------------------------------------------------

def _finite(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _decimals(outcome: str, method: str = "ipm") -> tuple[str, int]:
    kind, dec = OUTCOME_FORMAT.get(outcome, ("count", 2))
    if kind == "index" and method == "hdi":
        dec = 3
    return kind, dec


def format_value(x: Any, outcome: str, method: str = "ipm") -> str:
    """An outcome's value as shown in the report (``74.6%``, ``9.25``, ``n/a``)."""
    if not _finite(x):
        return "n/a"
    kind, dec = _decimals(outcome, method)
    if kind == "share":
        return f"{100 * float(x):.{dec}f}%"
    return f"{float(x):.{dec}f}"


def format_diff(x: Any, outcome: str, method: str = "ipm") -> str:
    """A signed difference as shown in the report (``+2.3 pp`` for shares, ``-0.96`` otherwise)."""
    if not _finite(x):
        return "n/a"
    kind, dec = _decimals(outcome, method)
    if kind == "share":
        return f"{100 * float(x):+.{dec}f} pp"
    return f"{float(x):+.{dec}f}"


def format_interval(low: Any, high: Any, outcome: str, method: str = "ipm", diff: bool = False) -> str:
    """A confidence interval, ``a to b`` (``n/a`` when it cannot be computed)."""
    if not (_finite(low) and _finite(high)):
        return "n/a"
    f = format_diff if diff else format_value
    return f"{f(low, outcome, method)} to {f(high, outcome, method)}"


def _years(x: float) -> str:
    return f"{x:.2f}"


def quarter_name(year: float) -> str:
    """Model time as a quarter: the state at ``2024.25`` is the end of 2024 Q1."""
    y = int(math.floor(year + 1e-9))
    q = int(round((year - y) * 4))
    if q == 0:
        return f"{y - 1} Q4"
    return f"{y} Q{q}"


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


# --- Kaplan-Meier curves -------------------------------------------------------------------------

@dataclass(frozen=True)
class KMCurve:
    """A Kaplan-Meier curve of time to target, as a right-continuous step function.

    Attributes:
        times: 0, then every distinct observed time (event or censoring), then the longest
            observation if it is later.
        survival: Share of runs that have *not* reached the target just after each time.
        low, high: Pointwise confidence band of ``survival`` (NaN where undefined).
        n: Number of runs.
        reached: Number of runs that reached the target.
    """

    times: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: int
    reached: int

    @property
    def share_reached(self) -> np.ndarray:
        """Share of runs that have reached the target by each time (1 - survival)."""
        return 1.0 - self.survival

    def median(self) -> tuple[float, float, float]:
        """Median years to target and its confidence interval (NaN where a curve stays above 1/2).

        The interval's ends are where the band's lower and upper curves first fall to 1/2. Where
        the curve itself reaches 0 (every run has reached the target), Greenwood's band is 0
        too (scipy leaves it undefined), so the interval closes there.
        """
        def first(s: np.ndarray) -> float:
            hit = np.flatnonzero(np.nan_to_num(s, nan=1.0) <= 0.5)
            return float(self.times[hit[0]]) if hit.size else math.nan

        return first(self.survival), first(self.low), first(self.high)


def km_curve(durations: Sequence[float], observed: Sequence[bool], confidence: float = CONFIDENCE) -> KMCurve:
    """The Kaplan-Meier curve of possibly censored times to target.

    Uses ``scipy.stats.ecdf`` on ``CensoredData``: a run that ends before reaching its
    target is right-censored at the horizon, not dropped and not counted as reaching it.

    Args:
        durations: Years to target where reached, years observed (the horizon) otherwise.
        observed: Whether the target was reached.
        confidence: Level of the pointwise (Greenwood) confidence band.

    Example: times 2, 3, 3 (censored), 5, 8 (censored), 9 give S = 5/6 after 2, 2/3 after
    3, 4/9 after 5 and 8, and 0 after 9.
    """
    d = np.asarray(durations, dtype=float)
    o = np.asarray(observed, dtype=bool)
    keep = np.isfinite(d)
    d, o = d[keep], o[keep]
    n, k = int(d.size), int(o.sum())
    if n == 0:
        z = np.array([0.0])
        return KMCurve(z, np.array([1.0]), np.array([np.nan]), np.array([np.nan]), 0, 0)
    if k == 0:
        t = np.array([0.0, float(d.max())])
        one = np.ones(2)
        return KMCurve(t, one, np.full(2, np.nan), np.full(2, np.nan), n, 0)
    sf = stats.ecdf(stats.CensoredData(uncensored=d[o], right=d[~o])).sf
    times = np.asarray(sf.quantiles, dtype=float)
    surv = np.asarray(sf.probabilities, dtype=float)
    low = np.full(times.size, np.nan)
    high = np.full(times.size, np.nan)
    computed = False
    if n > 1:
        try:
            with warnings.catch_warnings():
                # Greenwood's interval is undefined where the curve reaches 0: NaN there.
                warnings.simplefilter("ignore", RuntimeWarning)
                ci = sf.confidence_interval(confidence_level=confidence)
            low = np.asarray(ci.low.evaluate(times), dtype=float)
            high = np.asarray(ci.high.evaluate(times), dtype=float)
            computed = True
        except (ValueError, ZeroDivisionError, FloatingPointError):
            pass
    if computed:
        # Where the curve is 0 its Greenwood variance is 0 too: the band closes on the curve.
        zero = surv <= 0.0
        low[zero & np.isnan(low)] = 0.0
        high[zero & np.isnan(high)] = 0.0
    t = np.concatenate([[0.0], times])
    s = np.concatenate([[1.0], surv])
    lo = np.concatenate([[1.0], low])
    hi = np.concatenate([[1.0], high])
    end = float(d.max())
    if end > t[-1]:
        t, s, lo, hi = (np.append(t, end), np.append(s, s[-1]), np.append(lo, lo[-1]), np.append(hi, hi[-1]))
    return KMCurve(t, s, lo, hi, n, k)


# --- the results, made uniform -------------------------------------------------------------------

@dataclass
class Context:
    """A results folder, read and normalised for the report."""

    folder: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame          # every run, failed ones too
    ok: pd.DataFrame            # successful runs, with years_to_target_or_horizon
    ts: pd.DataFrame            # time series of successful runs, with point_name
    design: dict[str, Any]
    points: list[str]           # design point names in design order (those with a successful run)
    all_points: list[str]       # every design point name
    reference: str | None
    method: str
    target: float
    horizon: float
    start_year: float
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.design.get("type", "none"))

    @property
    def sampled(self) -> bool:
        return self.kind in SAMPLED

    @property
    def index_name(self) -> str:
        return "IPM" if self.method == "ipm" else "HDI"

    @property
    def target_text(self) -> str:
        """``IPM 75`` or ``HDI 0.8``."""
        return f"{self.index_name} {self.target:g}"

    @property
    def end_year(self) -> float:
        return self.start_year + self.horizon

    @property
    def replications(self) -> int:
        return int(self.design.get("replications") or (self.ok.groupby("point_name").size().max() if not self.ok.empty else 1))

    def overrides(self, name: str) -> dict[str, Any]:
        for p in self.design.get("points", []):
            if p.get("name") == name:
                return dict(p.get("overrides") or {})
        return {}

    def label(self, name: str) -> str:
        """A short label for a design point (factorial names ``a.b=x,c.d=y`` made readable)."""
        over = self.overrides(name)
        if "=" not in name or not over:
            return name
        parts = []
        for k, v in over.items():
            section, _, key = k.partition(".")
            if key == "enabled" and isinstance(v, bool):
                parts.append(f"{section.replace('_', ' ')}: {'on' if v else 'off'}")
            else:
                value = ("true" if v else "false") if isinstance(v, bool) else (f"{v:g}" if isinstance(v, float) else str(v))
                parts.append(f"{key.replace('_', ' ')}: {value}")
        return ", ".join(parts)


def _old_design(manifest: dict[str, Any], runs: pd.DataFrame) -> dict[str, Any]:
    """A design dict for results written before sweeps (one point per scenario file)."""
    names = list(dict.fromkeys(runs["point_name"])) if not runs.empty else [s.get("name", "?") for s in manifest.get("scenarios", [])]
    reps = manifest.get("replications") or (int(runs["replication"].nunique()) if not runs.empty else 1)
    ref = "baseline" if "baseline" in names else (names[0] if names else None)
    return {"type": "variants" if len(names) > 1 else "none", "replications": reps, "samples": 0, "levels": 4, "reference": ref,
            "varied": [], "ranges": {}, "points": [{"id": i, "name": n, "overrides": {}} for i, n in enumerate(names)]}


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
    names = [p["name"] for p in design.get("points", [])] or list(dict.fromkeys(runs["point_name"]))
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
    points = [n for n in names if n in present] + [n for n in dict.fromkeys(ok["point_name"]) if n not in names]

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
    horizon = (float(ok["censored_at_years"].max()) if not ok.empty and ok["censored_at_years"].notna().any()
               else float(params.get("scenario.years", math.nan)))
    start_year = float(first("start_year", params.get("scenario.start_year", ts["year"].min() if not ts.empty else 0.0)))
    notes = []
    ref = reference or design.get("reference")
    if reference is not None and reference not in names:
        raise ResultsError(f"reference {reference!r} is not a design point; allowed: one of {', '.join(repr(n) for n in names[:10])}")
    if ref not in present:
        fallback = "baseline" if "baseline" in present else (points[0] if points else None)
        if ref is not None and fallback is not None and ref != fallback:
            notes.append(f"The reference {ref!r} has no successful run; points are compared with {fallback!r} instead.")
        ref = fallback
    if "index_method" in ok.columns and ok["index_method"].nunique() > 1:
        notes.append("The design points use different indices (IPM and HDI); the figures use the first point's scale.")
    if "target" in ok.columns and ok["target"].nunique() > 1:
        notes.append("The design points have different targets; each point's time to target is to its own target.")
    return Context(folder, manifest, runs, ok, ts, design, points, names, ref, method, target, horizon, start_year, notes)


# --- figures -------------------------------------------------------------------------------------

@dataclass
class Figure:
    """A saved figure: its file stem, the PNG bytes for embedding, caption and alt text."""

    name: str
    png: bytes
    title: str
    caption: str


def _mpl():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return matplotlib, plt


RC = {
    "svg.hashsalt": "kemitraan-report",
    "svg.fonttype": "path",
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "path.simplify": True,
}


class Figures:
    """Writes figures as PNG and SVG into a folder and keeps them for the page."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.items: dict[str, Figure] = {}

    def save(self, fig, name: str, title: str, caption: str) -> Figure:
        _, plt = _mpl()
        try:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", metadata={"Software": None})
            png = buf.getvalue()
            (self.folder / f"{name}.png").write_bytes(png)
            fig.set_layout_engine("none")  # the layout drawn for the PNG holds for the SVG: one layout pass, not two
            fig.savefig(self.folder / f"{name}.svg", format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
        item = Figure(name, png, title, " ".join(caption.split()))
        self.items[name] = item
        return item


def _wrap(text: str, width: int = 30) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _colours(ctx: Context, names: Sequence[str]) -> dict[str, str]:
    out, i = {}, 0
    for n in names:
        if n == ctx.reference:
            out[n] = REFERENCE_COLOUR
        else:
            out[n] = PALETTE[i % len(PALETTE)]
            i += 1
    return out


def _band_rule(n: int) -> tuple[float, float, str]:
    if n >= 20:
        return 0.05, 0.95, "the middle 90% of runs"
    return 0.0, 1.0, "the range of all runs"


def _bands(ts: pd.DataFrame, col: str, by: str | None = "point_name") -> dict[str, pd.DataFrame]:
    """Per group and year: mean, and a band across runs (5-95% from 20 runs, else min-max)."""
    out: dict[str, pd.DataFrame] = {}
    if ts.empty or col not in ts.columns:
        return out
    groups = ts.groupby(by, sort=False) if by else [("all runs", ts)]
    for name, sub in groups:
        n = int(sub["run"].nunique())
        qlo, qhi, _ = _band_rule(n)
        g = sub.groupby("year")[col]
        df = pd.DataFrame({"mean": g.mean(), "lo": g.quantile(qlo), "hi": g.quantile(qhi)}).reset_index()
        df.attrs["n"] = n
        out[str(name)] = df
    return out


def _band_words(bands: dict[str, pd.DataFrame]) -> str:
    ns = sorted({int(b.attrs.get("n", 1)) for b in bands.values()})
    if not ns or ns[-1] <= 1:
        return "One run per line."
    words = {_band_rule(n)[2] for n in ns if n > 1}
    runs = f"{ns[0]}" if len(ns) == 1 else f"{ns[0]} to {ns[-1]}"
    return f"Lines: mean over {runs} runs; shaded: {' or '.join(sorted(words))}."


def _ranked_points(ctx: Context, table: pd.DataFrame | None) -> list[str]:
    """Design points for small multiples: the reference, then those differing most from it."""
    pts = list(ctx.points)
    if len(pts) <= MAX_PANELS or table is None or table.empty:
        return pts[:MAX_PANELS]
    t = table[table["outcome"] == "years_to_target_or_horizon"].set_index("point_name")["diff"].abs()
    f = table[table["outcome"] == "final_index"].set_index("point_name")["diff"].abs()
    score = pd.DataFrame({"t": t, "f": f}).fillna(0.0)
    others = [p for p in pts if p != ctx.reference]
    ranked = sorted(others, key=lambda p: (-score.loc[p, "t"], -score.loc[p, "f"], pts.index(p)))
    keep = set(ranked[: MAX_PANELS - 1]) | {ctx.reference}
    return [p for p in pts if p in keep]


def _grid(plt, n: int, width: float = 11.0, panel_h: float = 2.4, ncols: int = 4):
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, panel_h * nrows + 0.9), sharex=True, sharey=True, squeeze=False,
                             layout="constrained")
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def _year_axis(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))


def _pct_axis(ax) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _draw_km(ax, curve: KMCurve, colour: str, label: str | None, band: bool = True, lw: float = 2.0, until: float = math.nan) -> None:
    if curve.survival[-1] <= 0.0 and _finite(until) and until > curve.times[-1]:
        # Every run has reached the target: the curve stays at 100% to the horizon.
        curve = KMCurve(np.append(curve.times, until), np.append(curve.survival, 0.0), np.append(curve.low, curve.low[-1]),
                        np.append(curve.high, curve.high[-1]), curve.n, curve.reached)
    ax.step(curve.times, curve.share_reached, where="post", color=colour, lw=lw, label=label)
    if band and curve.n > 1 and np.isfinite(curve.low).any():
        lo = 1.0 - np.nan_to_num(curve.high, nan=np.nan)
        hi = 1.0 - np.nan_to_num(curve.low, nan=np.nan)
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.fill_between(curve.times, np.where(ok, lo, curve.share_reached), np.where(ok, hi, curve.share_reached),
                        step="post", color=colour, alpha=0.13, lw=0)


def _km_start(ctx: Context) -> float:
    """Where the time axis starts: a year before the first run reaches the target (0 if early)."""
    hit = ctx.ok.loc[ctx.ok["reached"], "years_to_target"] if not ctx.ok.empty else pd.Series(dtype=float)
    if hit.empty or not _finite(hit.min()):
        return 0.0
    start = math.floor(float(hit.min())) - 1.0
    return start if start >= 2.0 else 0.0


def _km_decor(ctx: Context, ax, first: bool = True, calendar: bool = False) -> None:
    ax.set_ylim(-0.02, 1.02)
    _pct_axis(ax)
    x0 = _km_start(ctx)
    if _finite(ctx.horizon):
        ax.set_xlim(x0, ctx.horizon + 0.02 * (ctx.horizon - x0))
        ax.axvline(ctx.horizon, color="#999999", ls=":", lw=1)
    ax.axhline(0.5, color="#999999", ls="--", lw=0.8)
    if first and _finite(ctx.horizon):
        ax.text(ctx.horizon, 0.51, "half of runs ", color="#777777", fontsize=8, va="bottom", ha="right")
    if calendar:
        start = ctx.start_year
        top = ax.secondary_xaxis("top", functions=(lambda x: x + start, lambda x: x - start))
        top.set_xlabel("Calendar year", fontsize=9, color="#555555")
        top.tick_params(labelsize=8, colors="#555555")
        _year_axis(top)


def fig_time_to_target(ctx: Context, figs: Figures, table: pd.DataFrame | None) -> Figure | None:
    """Kaplan-Meier curves: share of runs that have reached the target, year by year."""
    if ctx.ok.empty:
        return None
    _, plt = _mpl()
    tt = ctx.target_text
    none_reached = not ctx.ok["reached"].any()
    xlabel = f"Years after the start ({ctx.start_year:g})"
    ylabel = f"Share of runs with {tt} reached"
    with plt.rc_context(RC):
        if ctx.sampled or len(ctx.points) == 1:
            fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
            label = f"all {len(ctx.points)} sampled points pooled ({len(ctx.ok)} runs)" if ctx.sampled else ctx.points[0]
            curve = km_curve(ctx.ok["years_to_target_or_horizon"], ctx.ok["reached"])
            _draw_km(ax, curve, PALETTE[0], label, until=ctx.horizon)
            _km_decor(ctx, ax, calendar=True)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.legend(loc="upper left")
            axes = [ax]
            note = ("Pooled over the whole sampled range of the levers: the spread of outcomes their uncertainty allows."
                    if ctx.sampled else "")
        elif len(ctx.points) <= MAX_OVERLAY:
            fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
            colours = _colours(ctx, ctx.points)
            for name in ctx.points:
                sub = ctx.ok[ctx.ok["point_name"] == name]
                curve = km_curve(sub["years_to_target_or_horizon"], sub["reached"])
                suffix = " (reference)" if name == ctx.reference else ""
                _draw_km(ax, curve, colours[name], _wrap(ctx.label(name) + suffix, 40), band=len(ctx.points) <= 4,
                         lw=3.2 if name == ctx.reference else 1.8, until=ctx.horizon)
            _km_decor(ctx, ax, calendar=True)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            fig.legend(loc="outside right upper", fontsize=9)
            axes = [ax]
            note = "" if len(ctx.points) <= 4 else "Confidence bands are left out with more than four curves; see the table."
        else:
            shown = _ranked_points(ctx, table)
            fig, axes = _grid(plt, len(shown))
            ref_sub = ctx.ok[ctx.ok["point_name"] == ctx.reference]
            ref_curve = km_curve(ref_sub["years_to_target_or_horizon"], ref_sub["reached"])
            for i, (ax, name) in enumerate(zip(axes, shown, strict=True)):
                if name != ctx.reference:
                    _draw_km(ax, ref_curve, "#AAAAAA", "reference", band=False, lw=1.5, until=ctx.horizon)
                sub = ctx.ok[ctx.ok["point_name"] == name]
                _draw_km(ax, km_curve(sub["years_to_target_or_horizon"], sub["reached"]),
                         REFERENCE_COLOUR if name == ctx.reference else PALETTE[0], None, until=ctx.horizon)
                _km_decor(ctx, ax, first=False)
                ax.set_title(_wrap(ctx.label(name) + (" (reference)" if name == ctx.reference else ""), 34), fontsize=9)
            fig.supxlabel(xlabel)
            fig.supylabel(ylabel)
            note = (f"One panel per design point; grey: the reference ({ctx.reference})."
                    + (f" Showing {len(shown)} of {len(ctx.points)} points: those whose time to target differs most from the "
                       "reference; every point is in the tables." if len(shown) < len(ctx.points) else ""))
        if none_reached:
            for ax in axes:
                ax.text(0.5, 0.5, f"No run reached {tt}\nwithin {ctx.horizon:g} years", transform=ax.transAxes,
                        ha="center", va="center", fontsize=11 if len(axes) == 1 else 8, color="#777777")
        fig.suptitle(f"How soon is {tt} reached?", fontsize=12, x=0.01, ha="left")
        caption = (f"Kaplan-Meier estimate of the share of simulated futures in which {tt} has been reached, by years after the start. "
                   f"Runs that end (at {ctx.horizon:g} years) without reaching it are counted as censored, not dropped. "
                   "The median is where a curve crosses the dashed 50% line; the dotted line is the end of the simulation. "
                   + ("Shaded: pointwise 95% confidence band. " if len(ctx.points) <= 4 else "") + note
                   + (f" The axis starts at {_km_start(ctx):g} years: no run reached {tt} earlier." if _km_start(ctx) > 0 else ""))
        return figs.save(fig, "time_to_target_km", f"How soon is {tt} reached?", caption)


def _series_figure(ctx: Context, figs: Figures, table: pd.DataFrame | None, name: str, col: str, title: str, ylabel: str,
                   *, percent: bool = False, hline: float | None = None, hline_label: str = "", data: pd.DataFrame | None = None,
                   extra: str = "") -> Figure | None:
    ts = ctx.ts if data is None else data
    if ts.empty or col not in ts.columns or ts[col].isna().all():
        return None
    _, plt = _mpl()
    with plt.rc_context(RC):
        if ctx.sampled or len(ctx.points) == 1:
            bands = _bands(ts, col, by=None)
            fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
            b = bands["all runs"]
            label = f"all {len(ctx.points)} sampled points ({b.attrs['n']} runs)" if ctx.sampled else ctx.points[0]
            ax.plot(b["year"], b["mean"], color=PALETTE[0], lw=2, label=label)
            if b.attrs["n"] > 1:
                ax.fill_between(b["year"], b["lo"], b["hi"], color=PALETTE[0], alpha=0.2, lw=0)
            axes = [ax]
            ax.set_xlabel("Year")
            ax.set_ylabel(ylabel)
            ax.legend(loc="best")
            note = ""
        elif len(ctx.points) <= MAX_OVERLAY:
            bands = _bands(ts, col)
            colours = _colours(ctx, ctx.points)
            fig, ax = plt.subplots(figsize=(9, 4.5), layout="constrained")
            for p in ctx.points:
                if p not in bands:
                    continue
                b = bands[p]
                ax.plot(b["year"], b["mean"], color=colours[p], lw=3.0 if p == ctx.reference else 1.6,
                        label=_wrap(ctx.label(p) + (" (reference)" if p == ctx.reference else ""), 40))
                if b.attrs["n"] > 1 and len(ctx.points) <= 4:
                    ax.fill_between(b["year"], b["lo"], b["hi"], color=colours[p], alpha=0.13, lw=0)
            axes = [ax]
            ax.set_xlabel("Year")
            ax.set_ylabel(ylabel)
            fig.legend(loc="outside right upper", fontsize=9)
            note = "" if len(ctx.points) <= 4 else " Bands are left out with more than four lines."
        else:
            bands = _bands(ts, col)
            shown = _ranked_points(ctx, table)
            fig, axes = _grid(plt, len(shown))
            ref = bands.get(str(ctx.reference))
            for ax, p in zip(axes, shown, strict=True):
                if ref is not None and p != ctx.reference:
                    ax.plot(ref["year"], ref["mean"], color="#AAAAAA", lw=1.3)
                b = bands.get(p)
                if b is not None:
                    c = REFERENCE_COLOUR if p == ctx.reference else PALETTE[0]
                    ax.plot(b["year"], b["mean"], color=c, lw=1.8)
                    if b.attrs["n"] > 1:
                        ax.fill_between(b["year"], b["lo"], b["hi"], color=c, alpha=0.18, lw=0)
                ax.set_title(_wrap(ctx.label(p) + (" (reference)" if p == ctx.reference else ""), 34), fontsize=9)
            fig.supxlabel("Year")
            fig.supylabel(ylabel)
            note = (f" One panel per design point; grey: the reference ({ctx.reference})."
                    + (f" Showing {len(shown)} of {len(ctx.points)} points (those differing most from the reference)."
                       if len(shown) < len(ctx.points) else ""))
        for ax in axes:
            _year_axis(ax)
            if percent:
                _pct_axis(ax)
            if hline is not None:
                ax.axhline(hline, color="#999999", ls="--", lw=1)
        if hline is not None and hline_label:
            axes[0].text(axes[0].get_xlim()[0], hline, f" {hline_label}", color="#777777", fontsize=8, va="bottom")
        fig.suptitle(title, fontsize=12, x=0.01, ha="left")
        caption = f"{extra} {_band_words(bands)}{note}".strip()
        return figs.save(fig, name, title, caption)


def _yearly(ts: pd.DataFrame, cols: Sequence[str]) -> pd.DataFrame:
    """Per run and calendar year: sums of per-quarter counts (whole years only), plotted at mid-year."""
    if ts.empty:
        return ts
    t = ts[ts["step"] > 0].copy()
    t["cal"] = np.floor(t["year"] - 0.25 + 1e-9).astype(int)
    g = t.groupby(["run", "point_name", "cal"], sort=False)
    out = g[list(cols)].sum()
    out["quarters"] = g.size()
    out = out[out["quarters"] == 4].reset_index()
    out["year"] = out["cal"] + 0.5
    return out


def fig_partnerships(ctx: Context, figs: Figures, table: pd.DataFrame | None) -> Figure | None:
    """Partnerships active (end of each quarter), formed and dissolved per year."""
    need = {"active_partnerships", "formed", "dissolved"}
    if ctx.ts.empty or not need <= set(ctx.ts.columns):
        return None
    _, plt = _mpl()
    yearly = _yearly(ctx.ts, ["formed", "dissolved"])
    metrics = [("active_partnerships", "Active partnerships", ctx.ts), ("formed", "Formed per year", yearly),
               ("dissolved", "Dissolved per year", yearly)]
    with plt.rc_context(RC):
        if ctx.sampled or len(ctx.points) == 1 or len(ctx.points) <= MAX_OVERLAY:
            fig, axes = plt.subplots(1, 3, figsize=(12, 4.0), squeeze=False, sharex=True, layout="constrained")
            axes = axes.flat
            pooled = ctx.sampled or len(ctx.points) == 1
            colours = _colours(ctx, ctx.points)
            all_bands = {}
            for ax, (col, title, data) in zip(axes, metrics, strict=True):
                bands = _bands(data, col, by=None if pooled else "point_name")
                all_bands.update({f"{col}:{k}": v for k, v in bands.items()})
                for key, b in bands.items():
                    c = PALETTE[0] if pooled else colours.get(key, PALETTE[0])
                    mk = "o" if col != "active_partnerships" else None
                    label = (f"all {len(ctx.points)} sampled points" if ctx.sampled else key) if pooled else \
                        _wrap(ctx.label(key) + (" (reference)" if key == ctx.reference else ""), 40)
                    ax.plot(b["year"], b["mean"], color=c, lw=3.0 if key == ctx.reference and not pooled else 1.6, marker=mk, ms=3,
                            label=label)
                    if b.attrs["n"] > 1 and (pooled or len(ctx.points) <= 4):
                        ax.fill_between(b["year"], b["lo"], b["hi"], color=c, alpha=0.15, lw=0)
                ax.set_title(title)
                ax.set_xlabel("Year")
                _year_axis(ax)
                ax.set_ylim(bottom=0)
            axes[0].set_ylabel("Partnerships")
            handles, labels = axes[0].get_legend_handles_labels()
            if pooled:
                axes[0].legend(loc="lower right", fontsize=8)
            else:
                fig.legend(handles, labels, loc="outside lower center", ncol=min(4, len(labels)), fontsize=9)
            note = _band_words({k: v for k, v in all_bands.items() if k.startswith("active")})
            if not pooled and len(ctx.points) > 4:
                note += " Bands are left out with more than four lines."
        else:
            shown = _ranked_points(ctx, table)
            fig, axes = _grid(plt, len(shown), panel_h=2.3)
            styles = {"active_partnerships": ("#0072B2", "active"), "formed": ("#009E73", "formed per year"),
                      "dissolved": ("#D55E00", "dissolved per year")}
            for ax, p in zip(axes, shown, strict=True):
                for col, _, data in metrics:
                    sub = data[data["point_name"] == p]
                    if sub.empty:
                        continue
                    m = sub.groupby("year")[col].mean()
                    c, lab = styles[col]
                    ax.plot(m.index, m.to_numpy(), color=c, lw=1.6, label=lab, marker=None if col == "active_partnerships" else "o", ms=2.5)
                ax.set_title(_wrap(ctx.label(p) + (" (reference)" if p == ctx.reference else ""), 34), fontsize=9)
                _year_axis(ax)
                ax.set_ylim(bottom=0)
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside upper right", ncol=3, fontsize=9)
            fig.supxlabel("Year")
            fig.supylabel("Partnerships")
            note = ("Lines: mean over runs. One panel per design point."
                    + (f" Showing {len(shown)} of {len(ctx.points)} points (those differing most from the reference)."
                       if len(shown) < len(ctx.points) else ""))
        title = "Partnerships: active, formed and dissolved"
        fig.suptitle(title, fontsize=12, x=0.01, ha="left")
        caption = ("Active: partnerships working at the end of each quarter. Formed and dissolved: counted over each calendar year "
                   "(whole years only). " + note)
        return figs.save(fig, "partnerships", title, caption)


def fig_differences(ctx: Context, figs: Figures, table: pd.DataFrame) -> Figure | None:
    """Paired differences from the reference with confidence intervals, outcome by outcome."""
    others = [p for p in ctx.points if p != ctx.reference]
    if not others or table.empty:
        return None
    shown = [p for p in _ranked_points(ctx, table) if p != ctx.reference] if len(ctx.points) > 40 else others
    outcomes = [("years_to_target_or_horizon", f"Years to {ctx.target_text}\n(horizon if not reached)"),
                ("final_index", f"{ctx.index_name} at the horizon"),
                ("government_share", "Government share\nof spending (pp)"),
                ("mean_active_partnerships", "Active partnerships\n(mean over the run)"),
                ("cohesion", "Cohesion (kerukunan)")]
    _, plt = _mpl()
    from matplotlib.ticker import MaxNLocator

    with plt.rc_context(RC):
        h = max(2.5, 0.36 * len(shown) + 1.4)
        fig, axes = plt.subplots(1, len(outcomes), figsize=(13, h), sharey=True, squeeze=False, layout="constrained")
        axes = axes.flat
        ypos = np.arange(len(shown))[::-1]
        for ax, (col, title) in zip(axes, outcomes, strict=True):
            sub = table[table["outcome"] == col].set_index("point_name")
            scale = 100.0 if col == "government_share" else 1.0
            for y, p in zip(ypos, shown, strict=True):
                if p not in sub.index:
                    continue
                r = sub.loc[p]
                d, lo, hi = (scale * float(r["diff"]), scale * float(r["diff_low"]), scale * float(r["diff_high"]))
                sig = _finite(lo) and _finite(hi) and (lo > 0 or hi < 0)
                c = PALETTE[0] if sig else "#888888"
                if _finite(lo) and _finite(hi):
                    ax.plot([lo, hi], [y, y], color=c, lw=2)
                ax.plot([d], [y], "o", color=c, ms=5)
            ax.axvline(0, color=REFERENCE_COLOUR, lw=0.9)
            ax.set_title(title, fontsize=9.5)
            ax.grid(axis="y", alpha=0)
            ax.tick_params(axis="x", labelsize=8)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
        axes[0].set_yticks(ypos)
        axes[0].set_yticklabels([_wrap(ctx.label(p), 38) for p in shown], fontsize=8.5)
        axes[0].set_ylim(-0.7, len(shown) - 0.3)
        title = f"Difference from the reference ({ctx.label(ctx.reference)})"
        fig.suptitle(title, fontsize=12, x=0.01, ha="left")
        caption = ("Paired difference from the reference over common random numbers (replication r of every point shares its seed): "
                   "dot, mean difference; bar, 95% confidence interval; blue where the interval excludes zero, grey where it does not. "
                   "Government share in percentage points."
                   + (f" Showing {len(shown)} of {len(others)} points (those differing most in time to target)." if len(shown) < len(others) else ""))
        return figs.save(fig, "differences", title, caption)


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
    outcome: str
    outcome_label: str
    table: pd.DataFrame | None
    rho: pd.DataFrame            # Spearman rank correlation of each lever with the outcome (direction)
    note: str = ""
    error: str = ""


def sensitivity_analysis(ctx: Context) -> Sensitivity | None:
    """Which levers drive time to target; the index at the horizon when no run reaches the target."""
    if not ctx.sampled or ctx.ok.empty:
        return None
    varied = list(ctx.design.get("varied") or [])
    per_point = ctx.ok.groupby("point")[["years_to_target_or_horizon", "final_index"]].mean()
    outcome, note = "years_to_target_or_horizon", ""
    if per_point[outcome].nunique() <= 1:
        outcome = "final_index"
        if not ctx.ok["reached"].any():
            note = (f"No run reached {ctx.target_text} within the {ctx.horizon:g}-year horizon, so the years to target are the horizon "
                    f"everywhere; the levers are ranked by their effect on the {ctx.index_name} at the horizon instead.")
        else:
            note = (f"Years to {ctx.target_text} are the same at every point; the levers are ranked by their effect on the "
                    f"{ctx.index_name} at the horizon instead.")
    label = (f"years to {ctx.target_text} (horizon if not reached)" if outcome == "years_to_target_or_horizon"
             else f"{ctx.index_name} at the horizon ({ctx.end_year:g})")
    rows = []
    y = per_point[outcome]
    for n in varied:
        x = pd.Series({int(p["id"]): float(p["overrides"][n]) for p in ctx.design["points"]}).reindex(y.index)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rho, pv = stats.spearmanr(x, y) if y.nunique() > 1 and x.nunique() > 1 else (np.nan, np.nan)
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


def fig_sensitivity(ctx: Context, figs: Figures, sens: Sensitivity) -> Figure | None:
    if sens.table is None or sens.table.empty:
        return None
    _, plt = _mpl()
    t = sens.table.copy()
    kind = ctx.kind
    with plt.rc_context(RC):
        n = len(t)
        fig, ax = plt.subplots(figsize=(9, max(2.6, 0.7 * n + 1.4)), layout="constrained")
        y = np.arange(n)[::-1]
        labels = [_wrap(_param_label(p), 36) for p in t["parameter"]]
        if kind == "sobol":
            hgt = 0.38
            ax.barh(y + hgt / 2, t["ST"], hgt, xerr=t["ST_conf"], color=PALETTE[0], label="total effect (ST)", capsize=3)
            ax.barh(y - hgt / 2, t["S1"], hgt, xerr=t["S1_conf"], color=PALETTE[5], label="effect alone (S1)", capsize=3)
            ax.set_xlabel("Sobol index: share of the outcome's variance due to the lever (bars: 95% CI)")
            ax.axvline(0, color=REFERENCE_COLOUR, lw=0.8)
            ax.legend(loc="lower right")
            caption = ("Sobol indices (SALib): S1 is the share of the variance of the outcome explained by the lever alone, ST adds its "
                       "interactions with the other levers; error bars are bootstrap 95% confidence intervals. Indices from few samples are "
                       "rough (they can fall below 0 or above 1).")
        elif kind == "morris":
            hgt = 0.38
            ax.barh(y + hgt / 2, t["mu_star"], hgt, xerr=t["mu_star_conf"], color=PALETTE[0], label="mu* (overall influence)", capsize=3)
            ax.barh(y - hgt / 2, t["sigma"], hgt, color=PALETTE[4], label="sigma (non-linearity, interactions)")
            ax.set_xlabel(f"Elementary effect on {sens.outcome_label}")
            ax.legend(loc="lower right")
            caption = ("Morris screening (SALib): mu* is the mean absolute change in the outcome when the lever moves one step across its "
                       "range (error bar: 95% CI), sigma the spread of those changes (large: non-linear or interacting).")
        else:
            cols = [PALETTE[0] if v >= 0 else PALETTE[1] for v in t["spearman_rho"].fillna(0)]
            ax.barh(y, t["spearman_rho"].fillna(0), color=cols)
            ax.axvline(0, color=REFERENCE_COLOUR, lw=0.8)
            ax.set_xlim(-1.05, 1.05)
            ax.set_xlabel(f"Spearman rank correlation with {sens.outcome_label}")
            caption = "Latin hypercube: Spearman rank correlation of each lever with the outcome (blue: rises with the lever; orange: falls)."
        ax.set_yticks(y)
        ax.set_yticklabels(labels, fontsize=9)
        ax.grid(axis="y", alpha=0)
        title = f"Which levers drive {sens.outcome_label}?"
        fig.suptitle(_wrap(title, 80), fontsize=12, x=0.01, ha="left")
        return figs.save(fig, "sensitivity", title, caption + (" " + sens.note if sens.note else ""))


def fig_scatter(ctx: Context, figs: Figures, sens: Sensitivity) -> Figure | None:
    varied = list(ctx.design.get("varied") or [])
    if not varied or ctx.ok.empty:
        return None
    _, plt = _mpl()
    col = sens.outcome
    per_point = ctx.ok.groupby("point")[col].mean()
    values = {int(p["id"]): p["overrides"] for p in ctx.design["points"]}
    with plt.rc_context(RC):
        k = len(varied)
        ncols = min(3, k)
        nrows = math.ceil(k / ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=(4.0 * ncols + 0.6, 3.3 * nrows + 0.6), sharey=True, squeeze=False,
                                 layout="constrained")
        for ax in axes.flat[k:]:
            ax.set_visible(False)
        for ax, name in zip(axes.flat, varied, strict=False):
            xr = ctx.ok["point"].map(lambda i, n=name: float(values.get(int(i), {}).get(n, np.nan)))
            ax.plot(xr, ctx.ok[col], "o", ms=3, color="#BBBBBB", label="one run")
            xp = [float(values[int(i)][name]) for i in per_point.index]
            ax.plot(xp, per_point.to_numpy(), "o", ms=5, color=PALETTE[0], label="mean of a point's runs")
            ax.set_xlabel(_wrap(_param_label(name), 40), fontsize=9)
            row = sens.rho[sens.rho["parameter"] == name]
            if not row.empty and _finite(row["spearman_rho"].iloc[0]):
                ax.set_title(f"rank correlation {row['spearman_rho'].iloc[0]:+.2f}", fontsize=9)
        for r in range(nrows):
            axes[r, 0].set_ylabel(_wrap(sens.outcome_label[0].upper() + sens.outcome_label[1:], 30), fontsize=9)
        axes.flat[0].legend(loc="best", fontsize=8)
        title = f"{sens.outcome_label[0].upper() + sens.outcome_label[1:]} against each lever"
        fig.suptitle(title, fontsize=12, x=0.01, ha="left")
        caption = (f"Each design point of the {ctx.kind} sample, with the outcome averaged over its replications (blue) and every run (grey). "
                   "The other levers vary at the same time, so the cloud around a trend is their doing as much as chance's.")
        return figs.save(fig, "outcome_vs_levers", title, caption)


# --- the page ------------------------------------------------------------------------------------

CSS = """
body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#222;max-width:1120px;margin:0 auto;padding:1.5em 1.2em 4em;line-height:1.45}
h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.3em;margin-top:2.2em;border-bottom:2px solid #0072B2;padding-bottom:.2em}
h3{font-size:1.08em;margin-top:1.6em}.sub{color:#555;margin-top:0}
nav{background:#f4f6f8;padding:.6em 1em;border-radius:6px;font-size:.92em}nav a{margin-right:1.1em;color:#0072B2;text-decoration:none}
.headline{background:#eef5fb;border-left:5px solid #0072B2;padding:.8em 1.2em;border-radius:4px}
.headline li{margin:.45em 0}.headline p{margin:.4em 0}
.note{color:#555;font-size:.9em}.warn{background:#fff4e5;border-left:5px solid #E69F00;padding:.5em 1em}
figure{margin:1.2em 0 2em}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#444;font-size:.9em;margin-top:.4em}figcaption a{color:#0072B2}
.tablewrap{overflow-x:auto;margin:.8em 0}
table{border-collapse:collapse;font-size:.88em}th,td{padding:.35em .6em;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f6f8;text-align:left;font-weight:600}td.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
td.name{overflow-wrap:break-word;min-width:9em;max-width:22em}tr.ref td{background:#fafafa}
.d{color:#555;font-size:.9em}.sig{color:#0b5394;font-weight:600}.ci{color:#666;font-size:.9em}
code.raw{color:#777;font-size:.8em}pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.85em}code{font-size:.92em}
details{margin:.6em 0}summary{cursor:pointer;color:#0072B2}
dl.prov{display:grid;grid-template-columns:max-content 1fr;gap:.3em 1.2em}dl.prov dt{font-weight:600}dl.prov dd{margin:0;overflow-wrap:anywhere}
"""


def _figure_html(fig: Figure | None) -> str:
    if fig is None:
        return ""
    data = base64.b64encode(fig.png).decode("ascii")
    return (f'<figure id="fig-{_e(fig.name)}"><img alt="{_e(fig.title)}" src="data:image/png;base64,{data}">'
            f'<figcaption><b>{_e(fig.title)}{"" if fig.title.endswith(("?", ".", "!")) else "."}</b> {_e(fig.caption)} <span class="note">Files: '
            f'<a href="figures/{_e(fig.name)}.png">PNG</a>, <a href="figures/{_e(fig.name)}.svg">SVG</a>.</span></figcaption></figure>')


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], classes: Sequence[str] | None = None, row_classes: Sequence[str] | None = None) -> str:
    """An HTML table; cells are already-escaped HTML."""
    out = ['<div class="tablewrap"><table><thead><tr>', *(f"<th>{h}</th>" for h in head), "</tr></thead><tbody>"]
    for i, row in enumerate(rows):
        rc = f' class="{row_classes[i]}"' if row_classes and row_classes[i] else ""
        out.append(f"<tr{rc}>")
        for j, cell in enumerate(row):
            c = f' class="{classes[j]}"' if classes and classes[j] else ""
            out.append(f"<td{c}>{cell}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _outcome_label(ctx: Context, col: str) -> str:
    return {
        "years_to_target_or_horizon": f"Years to {ctx.target_text} (horizon if not reached)",
        "final_index": f"{ctx.index_name} at the horizon ({ctx.end_year:g})",
        "government_share": "Government share of spending",
        "partnerships_formed": "Partnerships formed",
        "mean_active_partnerships": "Active partnerships (mean over the run)",
        "mean_lifespan_years": "Partnership lifespan, years (restricted mean)",
        "participation_share": "Share of community components in a partnership",
        "business_participation": "Share of businesses in partnerships",
        "cohesion": "Cohesion (kerukunan), 0 to 1",
    }.get(col, col)


def _point_km(ctx: Context, name: str) -> tuple[float, float, float]:
    sub = ctx.ok[ctx.ok["point_name"] == name]
    return km_curve(sub["years_to_target_or_horizon"], sub["reached"]).median()


def _km_cells(ctx: Context, r: pd.Series) -> tuple[str, str]:
    med = r.get("km_median")
    _, lo, hi = _point_km(ctx, r["point_name"])
    if not _finite(med):
        return f"not reached by half the runs within {ctx.horizon:g} years", "-"
    lo_t = _years(lo) if _finite(lo) else "n/a"
    hi_t = _years(hi) if _finite(hi) else "beyond the horizon"
    return (f'{_years(med)} <span class="ci">(95% CI {lo_t} to {hi_t})</span>', quarter_name(ctx.start_year + float(med)))


def _headline(ctx: Context, table: pd.DataFrame | None, sens: Sensitivity | None) -> str:
    """The headline: sentences generated only from the numbers, the direction stated as it comes."""
    tt, m = ctx.target_text, ctx.method
    lead: list[str] = []     # paragraphs before the list
    items: list[str] = []    # one bullet per design point or lever
    notes: list[str] = []    # how to read it, failures
    n_runs, n_failed = len(ctx.runs), int((ctx.runs["status"] != "ok").sum())
    if ctx.ok.empty:
        return f'<div class="headline"><p>All {n_runs} runs failed; see <a href="#failures">the failed runs</a>.</p></div>'
    tab = {(r.point_name, r.outcome): r for r in table.itertuples(index=False)} if table is not None else {}
    if len(ctx.points) == 1 and len(ctx.ok) == 1:
        r = ctx.ok.iloc[0]
        lead.append(f"In this run, the {ctx.index_name} went from {format_value(r['start_index'], 'final_index', m)} in {ctx.start_year:g} "
                    f"to {format_value(r['final_index'], 'final_index', m)} in {ctx.end_year:g}. "
                    + (f"{tt} was reached at the end of {quarter_name(float(r['year_reached']))}, "
                       f"{_years(float(r['years_to_target']))} years after the start."
                       if bool(r["reached"]) else f"{tt} was not reached within the {ctx.horizon:g}-year horizon."))
        lead.append(f"Government share of spending: {format_value(r['government_share'], 'government_share')}. "
                    f"Partnerships: {int(r['partnerships_formed'])} formed, {int(r['partnerships_dissolved'])} dissolved, "
                    f"{int(r['active_partnerships'])} active at the end; cohesion {format_value(r['cohesion'], 'cohesion')}.")
        notes.append("This is one run: chance is not averaged out, and there are no confidence intervals.")
    elif ctx.sampled:
        share = float(ctx.ok["reached"].mean())
        text = (f"Across the {len(ctx.points)} sampled design points ({ctx.kind} design, {ctx.replications} replication"
                f"{'s' if ctx.replications != 1 else ''} each, {len(ctx.ok)} successful runs), {tt} was reached within the "
                f"{ctx.horizon:g}-year horizon in {100 * share:.0f}% of runs.")
        med, _, _ = km_curve(ctx.ok["years_to_target_or_horizon"], ctx.ok["reached"]).median()
        if _finite(med):
            text += f" Pooled over all runs, half have reached it after {_years(med)} years ({quarter_name(ctx.start_year + med)})."
        lead.append(text)
        if sens is not None:
            if sens.note:
                lead.append(_e(sens.note))
            items.extend(_lever_sentences(ctx, sens))
    else:
        ref = ctx.reference
        ry, rg = tab.get((ref, "years_to_target_or_horizon")), tab.get((ref, "government_share"))
        if ry is not None:
            med = ry.km_median
            _, km_lo, km_hi = _point_km(ctx, ref)
            if _finite(med):
                when = (f"half of its runs reach {tt} after {_years(med)} years (95% CI {_km_bound(km_lo)} to {_km_bound(km_hi, True)}), "
                        f"{100 * ry.share_reached:.0f}% by {ctx.end_year:g}")
            elif ry.share_reached > 0:
                when = f"only {100 * ry.share_reached:.0f}% of its runs reach {tt} within {ctx.horizon:g} years (by {ctx.end_year:g})"
            else:
                when = f"none of its runs reaches {tt} within {ctx.horizon:g} years (by {ctx.end_year:g})"
            who = f"Reference (<b>{_e(ctx.label(ref))}</b>)" if len(ctx.points) > 1 else f"<b>{_e(ctx.label(ref))}</b>, {int(ry.n)} runs"
            lead.append(f"{who}: {when}; government share of spending "
                        f"{format_value(rg.mean if rg is not None else np.nan, 'government_share')}.")
        sentences = []
        for p in ctx.points:
            if p == ref:
                continue
            text = _point_sentence(ctx, p, tab)
            if text:
                y = tab.get((p, "years_to_target_or_horizon"))
                sentences.append((float(y.diff) if y is not None and _finite(y.diff) else 0.0, text))
        sentences.sort(key=lambda t: t[0])
        if len(sentences) > MAX_HEADLINES + 2:
            half = MAX_HEADLINES // 2
            items.extend(t for _, t in sentences[:half])
            items.append(f'<span class="note">... {len(sentences) - 2 * half} more design points in '
                         '<a href="#comparison">the comparison table</a> ...</span>')
            items.extend(t for _, t in sentences[-half:])
        else:
            items.extend(t for _, t in sentences)
        if len(ctx.points) > 1 and not ctx.ok["reached"].all() and ctx.ok["reached"].any():
            notes.append(f"Differences in years count runs that never reach {tt} as reaching it at the {ctx.horizon:g}-year horizon "
                         "(\"at least\" where only the reference falls short); the "
                         '<a href="#time-to-target">Kaplan-Meier medians</a> treat those runs as censored.')
        if len(ctx.points) > 1 and ctx.replications > 1:
            notes.append("95% confidence intervals are over replications paired by seed (common random numbers). Where an interval "
                         "includes zero, the difference cannot be told apart from chance with this many replications.")
    if n_failed:
        notes.append(f'<span class="warn">{n_failed} of {n_runs} runs failed and {"is" if n_failed == 1 else "are"} left out of every number; '
                     'see <a href="#failures">the failed runs</a>.</span>')
    notes.extend(_e(n) for n in ctx.notes)
    body = "".join(f"<p>{p}</p>" for p in lead)
    if items:
        body += "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
    body += "".join(f'<p class="note">{n}</p>' for n in notes)
    return f'<div class="headline">{body}</div>'


def _km_bound(x: Any, upper: bool = False) -> str:
    if _finite(x):
        return _years(float(x))
    return "beyond the horizon" if upper else "n/a"


def _ci_words(lo: Any, hi: Any, outcome: str, m: str, negate: bool = False, unclear: bool = False, extra: str = "") -> str:
    """`` (95% CI a to b)`` for a difference stated as a magnitude (negated when the words give the sign)."""
    if not (_finite(lo) and _finite(hi)):
        return f" ({extra}; one replication, no confidence interval)" if extra else " (one replication, no confidence interval)"
    lo, hi = float(lo), float(hi)
    includes_zero = lo <= 0 <= hi and not (lo == 0 == hi)
    if negate:
        lo, hi = -hi, -lo
    kind, dec = _decimals(outcome, m)
    scale = 100.0 if kind == "share" else 1.0
    words = f"95% CI {scale * lo:.{dec}f} to {scale * hi:.{dec}f}"
    if unclear and includes_zero:
        words += ", which includes no change"
    return f" ({words}; {extra})" if extra else f" ({words})"


def _point_sentence(ctx: Context, p: str, tab: dict) -> str:
    """One design point against the reference, in words, from the comparison table only."""
    tt, m = ctx.target_text, ctx.method
    y, fi, g = tab.get((p, "years_to_target_or_horizon")), tab.get((p, "final_index")), tab.get((p, "government_share"))
    ry, rg = tab.get((ctx.reference, "years_to_target_or_horizon")), tab.get((ctx.reference, "government_share"))
    if y is None:
        return ""
    out = f"<b>{_e(ctx.label(p))}</b> "
    never = y.share_reached == 0
    ref_never = ry is not None and ry.share_reached == 0
    if never and fi is not None and _finite(fi.diff):
        # Its time to target is beyond the horizon: say so, and compare the index it gets to instead.
        d = float(fi.diff)
        dec = _decimals("final_index", m)[1]
        level = (f"{abs(d):.{dec}f} {'higher' if d > 0 else 'lower'}" if d != 0 else "the same")
        other = ("nor does the reference" if ref_never else
                 f"while the reference does in {100 * ry.share_reached:.0f}% of its runs")
        out += (f"does not reach {tt} within {ctx.horizon:g} years in any run, {other}; its {ctx.index_name} at the "
                f"horizon is {level}{_ci_words(fi.diff_low, fi.diff_high, 'final_index', m, negate=d < 0, unclear=d != 0)}")
    else:
        d = float(y.diff) if _finite(y.diff) else 0.0
        ci = _ci_words(y.diff_low, y.diff_high, "years_to_target_or_horizon", m, negate=d < 0, unclear=d != 0)
        # Runs that never reach the target count at the horizon: a lower bound on their time.
        own_censored = y.share_reached < 1
        ref_censored = ry is not None and ry.share_reached < 1
        if d < 0:
            least = "at least " if ref_censored and not own_censored else ""
            out += f"brings {tt} forward by {least}{abs(d):.2f} years{ci}"
        elif d > 0:
            least = "at least " if own_censored and not ref_censored else ""
            out += f"delays {tt} by {least}{d:.2f} years{ci}"
        else:
            out += f"reaches {tt} at the same time as the reference{ci}"
    if g is not None and _finite(g.diff):
        d = 100 * float(g.diff)
        against = f"{format_value(g.mean, 'government_share')} against {format_value(rg.mean, 'government_share')}" if rg is not None else ""
        if round(d, 1) == 0:
            out += f", at the same government share of spending ({against})"
        else:
            ci = _ci_words(g.diff_low, g.diff_high, "government_share", m, negate=d < 0, unclear=True, extra=against)
            out += f", at a government share of spending {abs(d):.1f} percentage points {'higher' if d > 0 else 'lower'}{ci}"
    out += "."
    if not never and ry is not None and (y.share_reached < 1 or ry.share_reached < 1):
        out += (f" It reaches {tt} by {ctx.end_year:g} in {100 * y.share_reached:.0f}% of its runs (reference: "
                f"{100 * ry.share_reached:.0f}%).")
    return out


def _lever_sentences(ctx: Context, sens: Sensitivity) -> list[str]:
    """One sentence per lever, most influential first; a direction only where the influence is measurable."""
    if sens.table is None or sens.table.empty:
        return [_e(sens.error)] if sens.error else []
    t = sens.table
    if ctx.kind == "sobol":
        order = t.sort_values("ST", ascending=False)

        def metric(r: pd.Series) -> tuple[str, bool]:
            lo, hi = r["ST"] - r["ST_conf"], r["ST"] + r["ST_conf"]
            return f"total-order Sobol index {r['ST']:.2f}, 95% CI {lo:.2f} to {hi:.2f}", lo > 0.01
    elif ctx.kind == "morris":
        order = t.sort_values("mu_star", ascending=False)
        scale = float(t["mu_star"].max()) or 1.0

        def metric(r: pd.Series) -> tuple[str, bool]:
            lo = r["mu_star"] - r["mu_star_conf"]
            return (f"Morris mu* {r['mu_star']:.3g}, 95% CI {lo:.3g} to {r['mu_star'] + r['mu_star_conf']:.3g}; sigma {r['sigma']:.3g}",
                    lo > 0.01 * scale)
    else:
        order = t.reindex(t["spearman_rho"].abs().sort_values(ascending=False).index)

        def metric(r: pd.Series) -> tuple[str, bool]:
            return f"Spearman rank correlation {r['spearman_rho']:+.2f}, p = {r['p_value']:.2g}", bool(r["p_value"] < 0.05)
    years = sens.outcome == "years_to_target_or_horizon"
    out = []
    for i, (_, r) in enumerate(order.iterrows()):
        name = r["parameter"]
        words, measurable = metric(r)
        rho_row = sens.rho[sens.rho["parameter"] == name]
        rho = float(rho_row["spearman_rho"].iloc[0]) if not rho_row.empty else math.nan
        if not measurable:
            effect = "no measurable influence within its range"
        elif not _finite(rho) or rho == 0:
            effect = "an influence without a single direction"
        else:
            if years:
                verb = "shorten" if rho < 0 else "lengthen"
                effect = f"higher values {verb} the time to {ctx.target_text}"
            else:
                verb = "raise" if rho > 0 else "lower"
                effect = f"higher values {verb} the {ctx.index_name} at the horizon"
            if ctx.kind != "lhs":
                effect += f" (rank correlation {rho:+.2f})"
        lead = "The lever that matters most is" if i == 0 else "Then"
        out.append(f"{lead} <b>{_e(name)}</b> ({words}): {effect}.")
    return out


def _comparison_section(ctx: Context, table: pd.DataFrame, diff_fig: Figure | None) -> str:
    m = ctx.method
    outcomes = [c for c, _ in OUTCOMES if not table[table["outcome"] == c]["mean"].isna().all()]
    head = ["Design point", "Runs"] + [_e(_outcome_label(ctx, c)) for c in outcomes]
    rows, rcls = [], []
    for p in ctx.points:
        sub = table[table["point_name"] == p].set_index("outcome")
        if sub.empty:
            continue
        cells = [_name_cell(ctx, p), str(int(sub["n"].iloc[0]))]
        for c in outcomes:
            r = sub.loc[c]
            v = format_value(r["mean"], c, m)
            ci = format_interval(r["ci_low"], r["ci_high"], c, m)
            cell = v + (f'<br><span class="ci">{ci}</span>' if ci != "n/a" else "")
            if p != ctx.reference:
                sig = _finite(r["diff_low"]) and _finite(r["diff_high"]) and (r["diff_low"] > 0 or r["diff_high"] < 0)
                dci = format_interval(r["diff_low"], r["diff_high"], c, m, diff=True)
                cls = "d sig" if sig else "d"
                cell += f'<br><span class="{cls}">Δ {format_diff(r["diff"], c, m)}' + (f" ({dci})" if dci != "n/a" else "") + "</span>"
            cells.append(cell)
        rows.append(cells)
        rcls.append("ref" if p == ctx.reference else "")
    if len(ctx.points) == 1:
        intro = ("<p>Each cell: mean over the replications <span class='ci'>(95% CI)</span>.</p>" if ctx.replications > 1
                 else "<p>The outcomes of the run.</p>")
        return intro + _table(head, rows, ["name", "num"] + ["num"] * len(outcomes), rcls)
    intro = (f'<p>Each cell: mean over the replications <span class="ci">(95% CI)</span> and, below it, Δ the paired difference from '
             f'the reference <b>{_e(ctx.label(ctx.reference))}</b> <span class="ci">(95% CI)</span>, in bold blue where the interval excludes zero. '
             "Shares are in percent and their differences in percentage points (pp).</p>")
    return intro + _table(head, rows, ["name", "num"] + ["num"] * len(outcomes), rcls) + _figure_html(diff_fig)


def _name_cell(ctx: Context, name: str, mark: bool = True) -> str:
    """A design point in a table: its readable label, and its exact name below when they differ."""
    label = ctx.label(name)
    cell = _e(label) + (" <b>(reference)</b>" if mark and name == ctx.reference else "")
    return cell if label == name else f'{cell}<br><code class="raw">{_e(name)}</code>'


def _km_table(ctx: Context, table: pd.DataFrame) -> str:
    sub = table[table["outcome"] == "years_to_target_or_horizon"]
    head = ["Design point", "Runs", f"Reached {_e(ctx.target_text)} by {ctx.end_year:g}",
            f"Median years to {_e(ctx.target_text)} (95% CI)", "Median reached in"]
    rows, rcls = [], []
    for p in ctx.points:
        r = sub[sub["point_name"] == p]
        if r.empty:
            continue
        r = r.iloc[0]
        med, when = _km_cells(ctx, r)
        rows.append([_name_cell(ctx, p), str(int(r["n"])),
                     f"{100 * r['share_reached']:.0f}%", med, when])
        rcls.append("ref" if p == ctx.reference else "")
    return _table(head, rows, ["name", "num", "num", "num", "num"], rcls)


def _points_table(ctx: Context, table: pd.DataFrame) -> str:
    """Sampled designs: every point with its lever values and main outcomes."""
    m = ctx.method
    varied = list(ctx.design.get("varied") or [])
    cols = ["years_to_target_or_horizon", "final_index", "government_share", "mean_active_partnerships", "cohesion"]
    head = ["Design point", *(_e(v) for v in varied), "Runs", f"Reached {_e(ctx.target_text)}", f"Median years to {_e(ctx.target_text)}",
            *(_e(_outcome_label(ctx, c)) for c in cols)]
    rows = []
    for p in ctx.all_points:
        sub = table[table["point_name"] == p].set_index("outcome")
        over = ctx.overrides(p)
        vals = [(f"{over[v]:.4g}" if isinstance(over.get(v), float) else _e(over.get(v, ""))) for v in varied]
        if sub.empty:
            rows.append([_e(p), *vals, "0", "all runs failed", "", *[""] * len(cols)])
            continue
        y = sub.loc["years_to_target_or_horizon"]
        med = _years(y["km_median"]) if _finite(y["km_median"]) else "not reached by half"
        rows.append([_e(p), *vals, str(int(y["n"])), f"{100 * y['share_reached']:.0f}%", med,
                     *(format_value(sub.loc[c, "mean"], c, m) for c in cols)])
    return _table(head, rows, ["name", *["num"] * (len(varied) + 3 + len(cols))])


def _sensitivity_table(ctx: Context, sens: Sensitivity) -> str:
    if sens.table is None or sens.table.empty:
        return f'<p class="note">{_e(sens.error)}</p>' if sens.error else ""
    t = sens.table.merge(sens.rho[["parameter", "spearman_rho"]], on="parameter", how="left", suffixes=("", "_dir"))
    if ctx.kind == "sobol":
        head = ["Lever", "What it is", "Effect alone S1 (95% CI)", "Total effect ST (95% CI)", "Rank correlation (direction)"]
        rows = [[f"<code>{_e(r.parameter)}</code>", _e(_param_meaning(r.parameter)),
                 f"{r.S1:.3f} <span class='ci'>({r.S1 - r.S1_conf:.3f} to {r.S1 + r.S1_conf:.3f})</span>",
                 f"{r.ST:.3f} <span class='ci'>({r.ST - r.ST_conf:.3f} to {r.ST + r.ST_conf:.3f})</span>",
                 f"{r.spearman_rho:+.2f}" if _finite(r.spearman_rho) else "n/a"] for r in t.itertuples()]
    elif ctx.kind == "morris":
        head = ["Lever", "What it is", "mu* (95% CI)", "mu", "sigma", "Rank correlation (direction)"]
        rows = [[f"<code>{_e(r.parameter)}</code>", _e(_param_meaning(r.parameter)),
                 f"{r.mu_star:.4g} <span class='ci'>({r.mu_star - r.mu_star_conf:.4g} to {r.mu_star + r.mu_star_conf:.4g})</span>",
                 f"{r.mu:+.4g}", f"{r.sigma:.4g}", f"{r.spearman_rho:+.2f}" if _finite(r.spearman_rho) else "n/a"] for r in t.itertuples()]
    else:
        rho_col = "spearman_rho"
        head = ["Lever", "What it is", "Spearman rank correlation", "p-value"]
        rows = [[f"<code>{_e(r.parameter)}</code>", _e(_param_meaning(r.parameter)),
                 f"{getattr(r, rho_col):+.3f}" if _finite(getattr(r, rho_col)) else "n/a",
                 f"{r.p_value:.3g}" if _finite(r.p_value) else "n/a"] for r in t.itertuples()]
    return _table(head, rows, ["", "", *["num"] * (len(head) - 2)])


def _levers_varied(ctx: Context) -> str:
    """What the design varies: each lever's meaning and values, or each variant's changes."""
    varied = list(ctx.design.get("varied") or [])
    if not varied:
        return ""
    points = ctx.design.get("points", [])
    ranges = ctx.design.get("ranges") or {}
    if ctx.kind == "variants" or any(set(p.get("overrides", {})) != set(varied) for p in points):
        rows = [[_name_cell(ctx, p["name"]),
                 "; ".join(f"<code>{_e(k)}</code> = {_e(show_value(v))}" for k, v in p.get("overrides", {}).items()) or "nothing (the scenario as written)"]
                for p in points]
        meanings = [[f"<code>{_e(v)}</code>", _e(_param_meaning(v))] for v in varied]
        return ("<h3>What each design point changes</h3>" + _table(["Design point", "Changes from the scenario"], rows, ["name", ""])
                + _table(["Lever", "What it is"], meanings))
    rows = []
    for v in varied:
        if v in ranges:
            span = f"{ranges[v][0]:g} to {ranges[v][1]:g}"
        else:
            span = ", ".join(dict.fromkeys(show_value(p["overrides"].get(v)) for p in points if v in p.get("overrides", {})))
        rows.append([f"<code>{_e(v)}</code>", _e(_param_meaning(v)), _e(span)])
    return "<h3>Levers varied</h3>" + _table(["Lever", "What it is", "Values"], rows)


def _run_seed(ctx: Context, row: pd.Series) -> str:
    """A run's seed, exactly: from the manifest (a table may hold 64-bit seeds as floats)."""
    for entry in ctx.manifest.get("runs") or []:
        if isinstance(entry, dict) and entry.get("run") == int(row["run"]) and "run_seed" in entry:
            return str(entry["run_seed"])
    v = row.get("run_seed")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{float(v):.0f} (rounded)" if _finite(v) else "unknown"


def _failures(ctx: Context) -> str:
    bad = ctx.runs[ctx.runs["status"] != "ok"]
    if bad.empty:
        return ""
    rows = [[str(int(r["run"])), _name_cell(ctx, r["point_name"], mark=False), str(int(r["replication"])), f"<code>{_e(r.get('error', ''))}</code>",
             _e(_run_seed(ctx, r))] for _, r in bad.iterrows()]
    lost = [p for p in ctx.all_points if p not in ctx.points]
    note = (f"<p class='warn'>Every run of {', '.join(_e(p) for p in lost)} failed; those points are missing from the figures and "
            "comparisons.</p>" if lost else "")
    return ('<section id="failures"><h2>Runs that failed</h2>'
            f"<p>{len(bad)} of {len(ctx.runs)} runs raised an error; they are left out of every number above. Each can be rerun alone "
            "with its design point and replication (the run seed reproduces it).</p>" + note
            + _table(["Run", "Design point", "Replication", "Error", "Run seed"], rows, ["num", "name", "num", "", "num"]) + "</section>")


def _provenance(ctx: Context) -> str:
    man = ctx.manifest
    d = ctx.design
    parts = ['<section id="provenance"><h2>Provenance</h2>',
             "<p>Everything needed to reproduce these numbers: the same scenario text, design and seeds give identical results on any "
             "machine and any number of workers.</p>"]
    scen = man.get("scenarios") or []
    if scen:
        rows = [[_e(s.get("name", "")), f"<code>{_e(s.get('source', ''))}</code>", f"<code>{_e(s.get('sha256', ''))}</code>"] for s in scen]
        parts.append("<h3>Scenario" + ("s" if len(scen) > 1 else "") + "</h3>" + _table(["Name", "File", "SHA-256 of the file's text"], rows))
        for s in scen:
            if s.get("text"):
                parts.append(f"<details><summary>Text of {_e(s.get('name', ''))}</summary><pre>{_e(s['text'])}</pre></details>")
    kind = d.get("type", "none")
    desc = {"none": "a single design point", "factorial": "full factorial grid", "variants": "named variants",
            "lhs": "Latin hypercube sample", "sobol": "Saltelli sample for Sobol indices", "morris": "Morris trajectories"}.get(kind, kind)
    items = [("Design", f"{_e(kind)} ({desc}): {len(ctx.all_points)} design point{'s' if len(ctx.all_points) != 1 else ''} x "
              f"{_e(d.get('replications', ''))} replication{'s' if d.get('replications') != 1 else ''} = {len(ctx.runs)} runs"
              + (f"; {int(ctx.runs['status'].ne('ok').sum())} failed" if ctx.runs["status"].ne("ok").any() else ""))]
    if kind in SAMPLED:
        items.append(("Samples", _e(d.get("samples", "")) + (f", {d.get('levels')} levels" if kind == "morris" else "")))
    if d.get("varied"):
        items.append(("Varied", ", ".join(f"<code>{_e(v)}</code>" + (f" in [{d['ranges'][v][0]:g}, {d['ranges'][v][1]:g}]" if v in (d.get("ranges") or {}) else "")
                                          for v in d["varied"])))
    items.append(("Reference", f"{_e(ctx.reference)}" + (f" (design's: {_e(d.get('reference'))})" if d.get("reference") not in (None, ctx.reference) else "")))
    roots = sorted({int(x) for x in ctx.runs["root_seed"].dropna()}) if "root_seed" in ctx.runs.columns else []
    seed_rule = ("Run seed of replication r = <code>numpy.random.SeedSequence(root_seed, spawn_key=(r,))</code>, the same at every design "
                 "point (common random numbers), so that points differ by their levers, not by chance.")
    items.append(("Seeds", (f"root seed {', '.join(str(r) for r in roots)}. " if roots else "") + seed_rule))
    if "run_seed" in ctx.runs.columns or ctx.manifest.get("runs"):
        reps = ctx.runs.drop_duplicates("replication").sort_values("replication")
        seeds = ", ".join(f"r{int(r['replication'])}: {_run_seed(ctx, r)}" for _, r in reps.iterrows())
        items.append(("Run seeds", f"<details><summary>{len(reps)} replication{'s' if len(reps) != 1 else ''}</summary>"
                                   f"<code>{_e(seeds)}</code></details>"))
    if man.get("command"):
        items.append(("Command", f"<code>{_e(man['command'])}</code>"))
    items.append(("Started", _e(man.get("started") or "unknown")))
    items.append(("Finished", _e(man.get("finished") or "unknown") + (f" (status: {_e(man['status'])})" if man.get("status") not in (None, "complete") else "")))
    items.append(("Results folder", f"<code>{_e(ctx.folder.resolve())}</code>"))
    parts.append('<h3>Run</h3><dl class="prov">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items) + "</dl>")
    ver = man.get("versions") or {}
    if ver:
        parts.append("<h3>Versions</h3>" + _table(["Component", "Version"], [[_e(k), f"<code>{_e(v)}</code>"] for k, v in ver.items()]))
    tables = man.get("tables") or {}
    if tables:
        parts.append("<details><summary>SHA-256 of the result tables</summary>"
                     + _table(["Table", "SHA-256"], [[_e(k), f"<code>{_e(v)}</code>"] for k, v in tables.items()]) + "</details>")
    parts.append("</section>")
    return "".join(parts)


def _subtitle(ctx: Context) -> str:
    kind = ctx.kind
    n_pts = len(ctx.all_points)
    what = {"none": "one design point", "factorial": f"factorial design, {n_pts} points", "variants": f"{n_pts} variants",
            "lhs": f"Latin hypercube, {n_pts} points", "sobol": f"Sobol design, {n_pts} points", "morris": f"Morris design, {n_pts} points"}.get(kind, f"{n_pts} points")
    reps = ctx.replications
    horizon = f"{ctx.start_year:g} to {ctx.end_year:g}" if _finite(ctx.horizon) else ""
    return (f"{what} x {reps} replication{'s' if reps != 1 else ''} ({len(ctx.runs)} runs); {horizon}; "
            f"target {_e(ctx.target_text)} ({'BPS IPM, 0 to 100' if ctx.method == 'ipm' else 'UNDP HDI, 0 to 1'}).")


def build_html(ctx: Context, figs: Figures, table: pd.DataFrame | None, sens: Sensitivity | None) -> str:
    """The report page; figures are embedded as base64 PNG, so the page stands alone."""
    scenarios = ctx.manifest.get("scenarios") or []
    name = ctx.manifest.get("name") or (scenarios[0].get("name") if len(scenarios) == 1 else None) or ctx.folder.resolve().name
    f = figs.items.get
    nav = [("headline", "Headline")]
    body = [f'<section id="headline"><h2>Headline</h2>{_headline(ctx, table, sens)}</section>']
    if not ctx.ok.empty and table is not None:
        tt = _e(ctx.target_text)
        body.append(f'<section id="time-to-target"><h2>When is {tt} reached?</h2>')
        body.append(_figure_html(f("time_to_target_km")))
        if not ctx.sampled:
            body.append(f"<p>Median years until {tt} is reached, from the Kaplan-Meier curve (runs not reaching it within "
                        f"{ctx.horizon:g} years are censored), and the share of runs that reached it by {ctx.end_year:g}.</p>")
            body.append(_km_table(ctx, table))
        body.append("</section>")
        nav.append(("time-to-target", "Time to target"))
        if ctx.sampled:
            body.append(f'<section id="levers"><h2>Which levers drive time to {tt}?</h2>')
            if sens is not None:
                if sens.note:
                    body.append(f"<p class='note'>{_e(sens.note)}</p>")
                body.append(_figure_html(f("sensitivity")))
                body.append(_sensitivity_table(ctx, sens))
                body.append(_figure_html(f("outcome_vs_levers")))
            body.append(_levers_varied(ctx))
            body.append("</section>")
            nav.append(("levers", "Levers"))
            body.append('<section id="comparison"><h2>Every design point</h2>'
                        f"<p>Each point's lever values and outcomes (means over its replications). Sampled points are not compared "
                        f"pairwise with a reference; the levers' effects are in the section above.</p>"
                        f"<details><summary>Show all {len(ctx.all_points)} design points</summary>{_points_table(ctx, table)}</details></section>")
            nav.append(("comparison", "Design points"))
        elif len(ctx.points) > 1:
            body.append(f'<section id="comparison"><h2>Every design point against {_e(ctx.label(ctx.reference))}</h2>')
            body.append(_comparison_section(ctx, table, f("differences")))
            body.append(_levers_varied(ctx))
            body.append("</section>")
            nav.append(("comparison", "Comparison"))
        else:
            body.append('<section id="comparison"><h2>Outcomes</h2>')
            body.append(_comparison_section(ctx, table, None))
            body.append("</section>")
            nav.append(("comparison", "Outcomes"))
        body.append('<section id="trajectories"><h2>How the index, spending and partnerships evolve</h2>')
        for key in ("index_trajectories", "government_share", "partnerships", "cohesion"):
            body.append(_figure_html(f(key)))
        body.append("</section>")
        nav.append(("trajectories", "Over time"))
    fail = _failures(ctx)
    if fail:
        body.append(fail)
        nav.append(("failures", "Failed runs"))
    body.append(_provenance(ctx))
    nav.append(("provenance", "Provenance"))
    nav_html = "<nav>" + "".join(f'<a href="#{k}">{v}</a>' for k, v in nav) + "</nav>"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Kemitraan report: {_e(name)}</title><style>{CSS}</style></head><body>"
            f"<header><h1>Kemitraan: {_e(name)}</h1><p class=\"sub\">{_subtitle(ctx)}</p></header>{nav_html}"
            + "".join(body) + "</body></html>\n")


# --- writing -------------------------------------------------------------------------------------

def make_figures(ctx: Context, folder: Path, table: pd.DataFrame | None, sens: Sensitivity | None) -> Figures:
    """Draw every figure the results allow into ``folder`` (PNG and SVG)."""
    figs = Figures(folder)
    if ctx.ok.empty:
        return figs
    tt = ctx.target_text
    fig_time_to_target(ctx, figs, table)
    _series_figure(ctx, figs, table, "index_trajectories", "index", f"National {ctx.index_name} over time", ctx.index_name,
                   hline=ctx.target, hline_label=f"target {tt}",
                   extra=f"National {'IPM (BPS method)' if ctx.method == 'ipm' else 'HDI (UNDP method)'} at the end of each quarter; "
                         f"dashed: the target {tt}.")
    gov = ctx.ts[ctx.ts["spend_total"] > 0] if "spend_total" in ctx.ts.columns else ctx.ts
    _series_figure(ctx, figs, table, "government_share", "government_share", "Government share of spending",
                   "Government share of spending", percent=True, data=gov,
                   extra="Share of each quarter's human-development spending paid by government budgets (APBN and APBD), "
                         "the rest coming from donors, the trust fund, communities and volunteer labour.")
    fig_partnerships(ctx, figs, table)
    _series_figure(ctx, figs, table, "cohesion", "cohesion", "Cohesion (kerukunan)", "Mean trust between partners (0 to 1)",
                   extra="Cohesion (kerukunan): mean trust among community components, at the end of each quarter.")
    if table is not None and not ctx.sampled and len(ctx.points) > 1:
        fig_differences(ctx, figs, table)
    if sens is not None:
        fig_sensitivity(ctx, figs, sens)
        fig_scatter(ctx, figs, sens)
    return figs


def write_report(folder: str | Path, reference: str | None = None) -> Path:
    """Write ``folder/report/`` (report.html and figures/*.png, *.svg) and return the HTML's path.

    Args:
        folder: A results folder (``kemitraan run`` or ``kemitraan compare`` output).
        reference: Design point others are compared with (default: the design's reference,
            ``baseline`` or the first point).

    Raises:
        ResultsError: Not a results folder, or the report cannot be written.
    """
    folder = Path(folder)
    ctx = load_context(folder, reference)
    table = None
    if not ctx.ok.empty:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            table = compare(ctx.ok, ctx.reference, CONFIDENCE)
    sens = sensitivity_analysis(ctx)
    dest = folder / "report"
    try:
        tmp = Path(tempfile.mkdtemp(prefix=".report.", suffix=".partial", dir=folder))
    except OSError as exc:
        raise ResultsError(f"{folder}: cannot write the report here ({exc.strerror or exc})") from None
    try:
        (tmp / "figures").mkdir()
        figs = make_figures(ctx, tmp / "figures", table, sens)
        page = build_html(ctx, figs, table, sens)
        html_tmp = tmp / ".report.html.partial"
        html_tmp.write_text(page, encoding="utf-8")
        html_tmp.replace(tmp / "report.html")
        replace_folder(tmp, dest)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ResultsError(f"{dest}: cannot write the report ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest / "report.html"
