"""The report's figures (matplotlib), saved as PNG and SVG."""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.report.context import Context, Sensitivity, _param_label
from sim.analysis.report.formatting import _finite
from sim.analysis.report.km import KMCurve, km_curve

MAX_OVERLAY = 8  # design points drawn on one chart; more become small multiples
MAX_PANELS = 24  # small-multiple panels at most (the points that differ most)
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg")

# Okabe-Ito colours (readable by colour-blind readers); the reference is drawn in near-black.
REFERENCE_COLOUR = "#222222"
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#8C564B",
    "#7F7F7F",
)


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
        """Write into ``folder`` (which must exist), starting with no figures."""
        self.folder = folder
        self.items: dict[str, Figure] = {}

    def save(self, fig, name: str, title: str, caption: str) -> Figure:
        """Write ``fig`` as ``name.png`` and ``name.svg``, close it and keep it for the page.

        Args:
            fig: The matplotlib figure.
            name: File stem, also the figure's key in :attr:`items`.
            title: Heading shown above the figure.
            caption: Text shown below it.

        Returns:
            The figure's record (files and text) as the page shows it.
        """
        _, plt = _mpl()
        try:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", metadata={"Software": None})
            png = buf.getvalue()
            (self.folder / f"{name}.png").write_bytes(png)
            fig.set_layout_engine(
                "none"
            )  # the layout drawn for the PNG holds for the SVG: one layout pass, not two
            fig.savefig(
                self.folder / f"{name}.svg",
                format="svg",
                metadata={"Date": None, "Creator": None},
            )
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


def _bands(
    ts: pd.DataFrame, col: str, by: str | None = "point_name"
) -> dict[str, pd.DataFrame]:
    """Per group and year: mean, and a band across runs (5-95% from 20 runs, else min-max)."""
    out: dict[str, pd.DataFrame] = {}
    if ts.empty or col not in ts.columns:
        return out
    groups = ts.groupby(by, sort=False) if by else [("all runs", ts)]
    for name, sub in groups:
        n = int(sub["run"].nunique())
        qlo, qhi, _ = _band_rule(n)
        g = sub.groupby("year")[col]
        df = pd.DataFrame(
            {"mean": g.mean(), "lo": g.quantile(qlo), "hi": g.quantile(qhi)}
        ).reset_index()
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
    t = (
        table[table["outcome"] == "years_to_target_or_horizon"]
        .set_index("point_name")["diff"]
        .abs()
    )
    f = table[table["outcome"] == "final_index"].set_index("point_name")["diff"].abs()
    score = pd.DataFrame({"t": t, "f": f}).fillna(0.0)
    others = [p for p in pts if p != ctx.reference]
    ranked = sorted(
        others, key=lambda p: (-score.loc[p, "t"], -score.loc[p, "f"], pts.index(p))
    )
    keep = set(ranked[: MAX_PANELS - 1]) | {ctx.reference}
    return [p for p in pts if p in keep]


def _grid(plt, n: int, width: float = 11.0, panel_h: float = 2.4, ncols: int = 4):
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(width, panel_h * nrows + 0.9),
        sharex=True,
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes.flat[:n]


def _year_axis(ax) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=8))


def _pct_axis(ax) -> None:
    from matplotlib.ticker import PercentFormatter

    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


def _draw_km(
    ax,
    curve: KMCurve,
    colour: str,
    label: str | None,
    band: bool = True,
    lw: float = 2.0,
    until: float = math.nan,
) -> None:
    if curve.survival[-1] <= 0.0 and _finite(until) and until > curve.times[-1]:
        # Every run has reached the target: the curve stays at 100% to the horizon.
        curve = KMCurve(
            np.append(curve.times, until),
            np.append(curve.survival, 0.0),
            np.append(curve.low, curve.low[-1]),
            np.append(curve.high, curve.high[-1]),
            curve.n,
            curve.reached,
        )
    ax.step(
        curve.times, curve.share_reached, where="post", color=colour, lw=lw, label=label
    )
    if band and curve.n > 1 and np.isfinite(curve.low).any():
        lo = 1.0 - np.nan_to_num(curve.high, nan=np.nan)
        hi = 1.0 - np.nan_to_num(curve.low, nan=np.nan)
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.fill_between(
            curve.times,
            np.where(ok, lo, curve.share_reached),
            np.where(ok, hi, curve.share_reached),
            step="post",
            color=colour,
            alpha=0.13,
            lw=0,
        )


def _km_start(ctx: Context) -> float:
    """Where the time axis starts: a year before the first run reaches the target (0 if early)."""
    hit = (
        ctx.ok.loc[ctx.ok["reached"], "years_to_target"]
        if not ctx.ok.empty
        else pd.Series(dtype=float)
    )
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
        ax.text(
            ctx.horizon,
            0.51,
            "half of runs ",
            color="#777777",
            fontsize=8,
            va="bottom",
            ha="right",
        )
    if calendar:
        start = ctx.start_year
        top = ax.secondary_xaxis(
            "top", functions=(lambda x: x + start, lambda x: x - start)
        )
        top.set_xlabel("Calendar year", fontsize=9, color="#555555")
        top.tick_params(labelsize=8, colors="#555555")
        _year_axis(top)


def fig_time_to_target(
    ctx: Context, figs: Figures, table: pd.DataFrame | None
) -> Figure | None:
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
            label = (
                f"all {len(ctx.points)} sampled points pooled ({len(ctx.ok)} runs)"
                if ctx.sampled
                else ctx.points[0]
            )
            curve = km_curve(ctx.ok["years_to_target_or_horizon"], ctx.ok["reached"])
            _draw_km(ax, curve, PALETTE[0], label, until=ctx.horizon)
            _km_decor(ctx, ax, calendar=True)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            ax.legend(loc="upper left")
            axes = [ax]
            note = (
                "Pooled over the whole sampled range of the levers: the spread of outcomes their uncertainty allows."
                if ctx.sampled
                else ""
            )
        elif len(ctx.points) <= MAX_OVERLAY:
            fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
            colours = _colours(ctx, ctx.points)
            for name in ctx.points:
                sub = ctx.ok[ctx.ok["point_name"] == name]
                curve = km_curve(sub["years_to_target_or_horizon"], sub["reached"])
                suffix = " (reference)" if name == ctx.reference else ""
                _draw_km(
                    ax,
                    curve,
                    colours[name],
                    _wrap(ctx.label(name) + suffix, 40),
                    band=len(ctx.points) <= 4,
                    lw=3.2 if name == ctx.reference else 1.8,
                    until=ctx.horizon,
                )
            _km_decor(ctx, ax, calendar=True)
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
            fig.legend(loc="outside right upper", fontsize=9)
            axes = [ax]
            note = (
                ""
                if len(ctx.points) <= 4
                else "Confidence bands are left out with more than four curves; see the table."
            )
        else:
            shown = _ranked_points(ctx, table)
            fig, axes = _grid(plt, len(shown))
            ref_sub = ctx.ok[ctx.ok["point_name"] == ctx.reference]
            ref_curve = km_curve(
                ref_sub["years_to_target_or_horizon"], ref_sub["reached"]
            )
            for ax, name in zip(axes, shown, strict=True):
                if name != ctx.reference:
                    _draw_km(
                        ax,
                        ref_curve,
                        "#AAAAAA",
                        "reference",
                        band=False,
                        lw=1.5,
                        until=ctx.horizon,
                    )
                sub = ctx.ok[ctx.ok["point_name"] == name]
                _draw_km(
                    ax,
                    km_curve(sub["years_to_target_or_horizon"], sub["reached"]),
                    REFERENCE_COLOUR if name == ctx.reference else PALETTE[0],
                    None,
                    until=ctx.horizon,
                )
                _km_decor(ctx, ax, first=False)
                ax.set_title(
                    _wrap(
                        ctx.label(name)
                        + (" (reference)" if name == ctx.reference else ""),
                        34,
                    ),
                    fontsize=9,
                )
            fig.supxlabel(xlabel)
            fig.supylabel(ylabel)
            note = (
                f"One panel per design point; grey: the reference ({ctx.reference})."
                + (
                    f" Showing {len(shown)} of {len(ctx.points)} points: those whose time to target differs most from the "
                    "reference; every point is in the tables."
                    if len(shown) < len(ctx.points)
                    else ""
                )
            )
        if none_reached:
            for ax in axes:
                ax.text(
                    0.5,
                    0.5,
                    f"No run reached {tt}\nwithin {ctx.horizon:g} years",
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    fontsize=11 if len(axes) == 1 else 8,
                    color="#777777",
                )
        fig.suptitle(f"How soon is {tt} reached?", fontsize=12, x=0.01, ha="left")
        caption = (
            f"Kaplan-Meier estimate of the share of simulated futures in which {tt} has been reached, by years after the start. "
            f"Runs that end (at {ctx.horizon:g} years) without reaching it are counted as censored, not dropped. "
            "The median is where a curve crosses the dashed 50% line; the dotted line is the end of the simulation. "
            + (
                "Shaded: pointwise 95% confidence band. "
                if len(ctx.points) <= 4
                else ""
            )
            + note
            + (
                f" The axis starts at {_km_start(ctx):g} years: no run reached {tt} earlier."
                if _km_start(ctx) > 0
                else ""
            )
        )
        return figs.save(
            fig, "time_to_target_km", f"How soon is {tt} reached?", caption
        )


def _series_figure(
    ctx: Context,
    figs: Figures,
    table: pd.DataFrame | None,
    name: str,
    col: str,
    title: str,
    ylabel: str,
    *,
    percent: bool = False,
    hline: float | None = None,
    hline_label: str = "",
    data: pd.DataFrame | None = None,
    extra: str = "",
) -> Figure | None:
    ts = ctx.ts if data is None else data
    if ts.empty or col not in ts.columns or ts[col].isna().all():
        return None
    _, plt = _mpl()
    with plt.rc_context(RC):
        if ctx.sampled or len(ctx.points) == 1:
            bands = _bands(ts, col, by=None)
            fig, ax = plt.subplots(figsize=(8, 4.2), layout="constrained")
            b = bands["all runs"]
            label = (
                f"all {len(ctx.points)} sampled points ({b.attrs['n']} runs)"
                if ctx.sampled
                else ctx.points[0]
            )
            ax.plot(b["year"], b["mean"], color=PALETTE[0], lw=2, label=label)
            if b.attrs["n"] > 1:
                ax.fill_between(
                    b["year"], b["lo"], b["hi"], color=PALETTE[0], alpha=0.2, lw=0
                )
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
                ax.plot(
                    b["year"],
                    b["mean"],
                    color=colours[p],
                    lw=3.0 if p == ctx.reference else 1.6,
                    label=_wrap(
                        ctx.label(p) + (" (reference)" if p == ctx.reference else ""),
                        40,
                    ),
                )
                if b.attrs["n"] > 1 and len(ctx.points) <= 4:
                    ax.fill_between(
                        b["year"], b["lo"], b["hi"], color=colours[p], alpha=0.13, lw=0
                    )
            axes = [ax]
            ax.set_xlabel("Year")
            ax.set_ylabel(ylabel)
            fig.legend(loc="outside right upper", fontsize=9)
            note = (
                ""
                if len(ctx.points) <= 4
                else " Bands are left out with more than four lines."
            )
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
                        ax.fill_between(
                            b["year"], b["lo"], b["hi"], color=c, alpha=0.18, lw=0
                        )
                ax.set_title(
                    _wrap(
                        ctx.label(p) + (" (reference)" if p == ctx.reference else ""),
                        34,
                    ),
                    fontsize=9,
                )
            fig.supxlabel("Year")
            fig.supylabel(ylabel)
            note = (
                f" One panel per design point; grey: the reference ({ctx.reference})."
                + (
                    f" Showing {len(shown)} of {len(ctx.points)} points (those differing most from the reference)."
                    if len(shown) < len(ctx.points)
                    else ""
                )
            )
        for ax in axes:
            _year_axis(ax)
            if percent:
                _pct_axis(ax)
            if hline is not None:
                ax.axhline(hline, color="#999999", ls="--", lw=1)
        if hline is not None and hline_label:
            axes[0].text(
                axes[0].get_xlim()[0],
                hline,
                f" {hline_label}",
                color="#777777",
                fontsize=8,
                va="bottom",
            )
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


def fig_partnerships(
    ctx: Context, figs: Figures, table: pd.DataFrame | None
) -> Figure | None:
    """Partnerships active (end of each quarter), formed and dissolved per year."""
    need = {"active_partnerships", "formed", "dissolved"}
    if ctx.ts.empty or not need <= set(ctx.ts.columns):
        return None
    _, plt = _mpl()
    yearly = _yearly(ctx.ts, ["formed", "dissolved"])
    metrics = [
        ("active_partnerships", "Active partnerships", ctx.ts),
        ("formed", "Formed per year", yearly),
        ("dissolved", "Dissolved per year", yearly),
    ]
    with plt.rc_context(RC):
        if ctx.sampled or len(ctx.points) == 1 or len(ctx.points) <= MAX_OVERLAY:
            fig, axes = plt.subplots(
                1,
                3,
                figsize=(12, 4.0),
                squeeze=False,
                sharex=True,
                layout="constrained",
            )
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
                    label = (
                        (
                            f"all {len(ctx.points)} sampled points"
                            if ctx.sampled
                            else key
                        )
                        if pooled
                        else _wrap(
                            ctx.label(key)
                            + (" (reference)" if key == ctx.reference else ""),
                            40,
                        )
                    )
                    ax.plot(
                        b["year"],
                        b["mean"],
                        color=c,
                        lw=3.0 if key == ctx.reference and not pooled else 1.6,
                        marker=mk,
                        ms=3,
                        label=label,
                    )
                    if b.attrs["n"] > 1 and (pooled or len(ctx.points) <= 4):
                        ax.fill_between(
                            b["year"], b["lo"], b["hi"], color=c, alpha=0.15, lw=0
                        )
                ax.set_title(title)
                ax.set_xlabel("Year")
                _year_axis(ax)
                ax.set_ylim(bottom=0)
            axes[0].set_ylabel("Partnerships")
            handles, labels = axes[0].get_legend_handles_labels()
            if pooled:
                axes[0].legend(loc="lower right", fontsize=8)
            else:
                fig.legend(
                    handles,
                    labels,
                    loc="outside lower center",
                    ncol=min(4, len(labels)),
                    fontsize=9,
                )
            note = _band_words(
                {k: v for k, v in all_bands.items() if k.startswith("active")}
            )
            if not pooled and len(ctx.points) > 4:
                note += " Bands are left out with more than four lines."
        else:
            shown = _ranked_points(ctx, table)
            fig, axes = _grid(plt, len(shown), panel_h=2.3)
            styles = {
                "active_partnerships": ("#0072B2", "active"),
                "formed": ("#009E73", "formed per year"),
                "dissolved": ("#D55E00", "dissolved per year"),
            }
            for ax, p in zip(axes, shown, strict=True):
                for col, _, data in metrics:
                    sub = data[data["point_name"] == p]
                    if sub.empty:
                        continue
                    m = sub.groupby("year")[col].mean()
                    c, lab = styles[col]
                    ax.plot(
                        m.index,
                        m.to_numpy(),
                        color=c,
                        lw=1.6,
                        label=lab,
                        marker=None if col == "active_partnerships" else "o",
                        ms=2.5,
                    )
                ax.set_title(
                    _wrap(
                        ctx.label(p) + (" (reference)" if p == ctx.reference else ""),
                        34,
                    ),
                    fontsize=9,
                )
                _year_axis(ax)
                ax.set_ylim(bottom=0)
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="outside upper right", ncol=3, fontsize=9)
            fig.supxlabel("Year")
            fig.supylabel("Partnerships")
            note = "Lines: mean over runs. One panel per design point." + (
                f" Showing {len(shown)} of {len(ctx.points)} points (those differing most from the reference)."
                if len(shown) < len(ctx.points)
                else ""
            )
        title = "Partnerships: active, formed and dissolved"
        fig.suptitle(title, fontsize=12, x=0.01, ha="left")
        caption = (
            "Active: partnerships working at the end of each quarter. Formed and dissolved: counted over each calendar year "
            "(whole years only). " + note
        )
        return figs.save(fig, "partnerships", title, caption)


def fig_differences(ctx: Context, figs: Figures, table: pd.DataFrame) -> Figure | None:
    """Paired differences from the reference with confidence intervals, outcome by outcome."""
    others = [p for p in ctx.points if p != ctx.reference]
    if not others or table.empty:
        return None
    shown = (
        [p for p in _ranked_points(ctx, table) if p != ctx.reference]
        if len(ctx.points) > 40
        else others
    )
    outcomes = [
        (
            "years_to_target_or_horizon",
            f"Years to {ctx.target_text}\n(restricted mean to the horizon)",
        ),
        ("final_index", f"{ctx.index_name} at the horizon"),
        ("government_share", "Government share\nof spending (pp)"),
        ("mean_active_partnerships", "Active partnerships\n(mean over the run)"),
        ("cohesion", "Cohesion (kerukunan)"),
    ]
    _, plt = _mpl()
    from matplotlib.ticker import MaxNLocator

    with plt.rc_context(RC):
        h = max(2.5, 0.36 * len(shown) + 1.4)
        fig, axes = plt.subplots(
            1,
            len(outcomes),
            figsize=(13, h),
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
        axes = axes.flat
        ypos = np.arange(len(shown))[::-1]
        for ax, (col, title) in zip(axes, outcomes, strict=True):
            sub = table[table["outcome"] == col].set_index("point_name")
            scale = 100.0 if col == "government_share" else 1.0
            for y, p in zip(ypos, shown, strict=True):
                if p not in sub.index:
                    continue
                r = sub.loc[p]
                d, lo, hi = (
                    scale * float(r["diff"]),
                    scale * float(r["diff_low"]),
                    scale * float(r["diff_high"]),
                )
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
        caption = (
            "Paired difference from the reference over common random numbers (replication r of every point shares its seed): "
            "dot, mean difference; bar, 95% confidence interval; blue where the interval excludes zero, grey where it does not. "
            "Government share in percentage points."
            + (
                f" Showing {len(shown)} of {len(others)} points (those differing most in time to target)."
                if len(shown) < len(others)
                else ""
            )
        )
        return figs.save(fig, "differences", title, caption)


def fig_sensitivity(ctx: Context, figs: Figures, sens: Sensitivity) -> Figure | None:
    """Bar chart of the sensitivity indices of the levers; None without a sensitivity table."""
    if sens.table is None or sens.table.empty:
        return None
    _, plt = _mpl()
    t = sens.table.copy()
    kind = ctx.kind
    with plt.rc_context(RC):
        n = len(t)
        fig, ax = plt.subplots(
            figsize=(9, max(2.6, 0.7 * n + 1.4)), layout="constrained"
        )
        y = np.arange(n)[::-1]
        labels = [_wrap(_param_label(p), 36) for p in t["parameter"]]
        if kind == "sobol":
            hgt = 0.38
            ax.barh(
                y + hgt / 2,
                t["ST"],
                hgt,
                xerr=t["ST_conf"],
                color=PALETTE[0],
                label="total effect (ST)",
                capsize=3,
            )
            ax.barh(
                y - hgt / 2,
                t["S1"],
                hgt,
                xerr=t["S1_conf"],
                color=PALETTE[5],
                label="effect alone (S1)",
                capsize=3,
            )
            ax.set_xlabel(
                "Sobol index: share of the outcome's variance due to the lever (bars: 95% CI)"
            )
            ax.axvline(0, color=REFERENCE_COLOUR, lw=0.8)
            ax.legend(loc="lower right")
            caption = (
                "Sobol indices (SALib): S1 is the share of the variance of the outcome explained by the lever alone, ST adds its "
                "interactions with the other levers; error bars are bootstrap 95% confidence intervals. Indices from few samples are "
                "rough (they can fall below 0 or above 1)."
            )
        elif kind == "morris":
            hgt = 0.38
            ax.barh(
                y + hgt / 2,
                t["mu_star"],
                hgt,
                xerr=t["mu_star_conf"],
                color=PALETTE[0],
                label="mu* (overall influence)",
                capsize=3,
            )
            ax.barh(
                y - hgt / 2,
                t["sigma"],
                hgt,
                color=PALETTE[4],
                label="sigma (non-linearity, interactions)",
            )
            ax.set_xlabel(f"Elementary effect on {sens.outcome_label}")
            ax.legend(loc="lower right")
            caption = (
                "Morris screening (SALib): mu* is the mean absolute change in the outcome when the lever moves one step across its "
                "range (error bar: 95% CI), sigma the spread of those changes (large: non-linear or interacting)."
            )
        else:
            cols = [
                PALETTE[0] if v >= 0 else PALETTE[1]
                for v in t["spearman_rho"].fillna(0)
            ]
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
        return figs.save(
            fig, "sensitivity", title, caption + (" " + sens.note if sens.note else "")
        )


def fig_scatter(ctx: Context, figs: Figures, sens: Sensitivity) -> Figure | None:
    """The outcome against each varied lever, one panel each; None without varied levers."""
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
        fig, axes = plt.subplots(
            nrows,
            ncols,
            figsize=(4.0 * ncols + 0.6, 3.3 * nrows + 0.6),
            sharey=True,
            squeeze=False,
            layout="constrained",
        )
        for ax in axes.flat[k:]:
            ax.set_visible(False)
        for ax, name in zip(axes.flat, varied, strict=False):
            xr = ctx.ok["point"].map(
                lambda i, n=name: float(values.get(int(i), {}).get(n, np.nan))
            )
            ax.plot(xr, ctx.ok[col], "o", ms=3, color="#BBBBBB", label="one run")
            xp = [float(values[int(i)][name]) for i in per_point.index]
            ax.plot(
                xp,
                per_point.to_numpy(),
                "o",
                ms=5,
                color=PALETTE[0],
                label="mean of a point's runs",
            )
            ax.set_xlabel(_wrap(_param_label(name), 40), fontsize=9)
            row = sens.rho[sens.rho["parameter"] == name]
            if not row.empty and _finite(row["spearman_rho"].iloc[0]):
                ax.set_title(
                    f"rank correlation {row['spearman_rho'].iloc[0]:+.2f}", fontsize=9
                )
        for r in range(nrows):
            axes[r, 0].set_ylabel(
                _wrap(sens.outcome_label[0].upper() + sens.outcome_label[1:], 30),
                fontsize=9,
            )
        axes.flat[0].legend(loc="best", fontsize=8)
        title = f"{sens.outcome_label[0].upper() + sens.outcome_label[1:]} against each lever"
        fig.suptitle(title, fontsize=12, x=0.01, ha="left")
        caption = (
            f"Each design point of the {ctx.kind} sample, with the outcome averaged over its replications (blue) and every run (grey). "
            "The other levers vary at the same time, so the cloud around a trend is their doing as much as chance's."
        )
        return figs.save(fig, "outcome_vs_levers", title, caption)
