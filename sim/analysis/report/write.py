"""Writing ``RESULTS_DIR/report/``: every figure, then the page, swapped in whole."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from sim.analysis.compare import CSV_COLUMNS, compare
from sim.analysis.costs import cost_table, ranking
from sim.analysis.report.answers import load_discovery
from sim.analysis.report.context import (
    Context,
    Sensitivity,
    load_context,
    sensitivity_analysis,
)
from sim.analysis.report.figures import (
    Figures,
    _series_figure,
    fig_differences,
    fig_partnerships,
    fig_scatter,
    fig_sensitivity,
    fig_time_to_target,
)
from sim.analysis.report.km import CONFIDENCE
from sim.analysis.report.page import build_html
from sim.experiment.results import folder_swap

# --- writing -------------------------------------------------------------------------------------


def make_figures(
    ctx: Context, folder: Path, table: pd.DataFrame | None, sens: Sensitivity | None
) -> Figures:
    """Draw every figure the results allow into ``folder`` (PNG and SVG)."""
    figs = Figures(folder)
    if ctx.ok.empty:
        return figs
    tt = ctx.target_text
    fig_time_to_target(ctx, figs, table)
    _series_figure(
        ctx,
        figs,
        table,
        "index_trajectories",
        "index",
        f"National {ctx.index_name} over time",
        ctx.index_name,
        hline=ctx.target,
        hline_label=f"target {tt}",
        extra=f"National {'IPM (BPS method)' if ctx.method == 'ipm' else 'HDI (UNDP method)'} at the end of each quarter; "
        f"dashed: the target {tt}.",
    )
    gov = (
        ctx.ts[ctx.ts["spend_total"] > 0] if "spend_total" in ctx.ts.columns else ctx.ts
    )
    _series_figure(
        ctx,
        figs,
        table,
        "government_share",
        "government_share",
        "Government share of spending",
        "Government share of spending",
        percent=True,
        data=gov,
        extra="Share of each quarter's human-development spending paid by government budgets (APBN and APBD), "
        "the rest coming from donors, the trust fund, communities and volunteer labour.",
    )
    fig_partnerships(ctx, figs, table)
    _series_figure(
        ctx,
        figs,
        table,
        "cohesion",
        "cohesion",
        "Cohesion (kerukunan)",
        "Mean trust between partners (0 to 1)",
        extra="Cohesion (kerukunan): mean trust among community components, at the end of each quarter.",
    )
    if table is not None and not ctx.sampled and len(ctx.points) > 1:
        fig_differences(ctx, figs, table)
    if sens is not None:
        fig_sensitivity(ctx, figs, sens)
        fig_scatter(ctx, figs, sens)
    return figs


def comparison_csv(table: pd.DataFrame, costs: pd.DataFrame | None) -> pd.DataFrame:
    """Every comparison the report shows, one row per design point and outcome (``comparison.csv``).

    Columns: the point and reference, the outcome and its label and unit, the number of runs,
    the point's estimate with interval, the paired difference from the reference with interval,
    the method (with the restriction for times), the runs censored on each side, the minimum
    effect, Holm-corrected p-values, the verdict and a note.
    """
    cmp_ = table.rename(columns={"mean": "estimate"}).assign(unit="")
    cmp_.loc[cmp_["outcome"] == "years_to_target_or_horizon", "unit"] = "years"
    cols = [
        "point_name",
        "reference",
        "outcome",
        "label",
        "unit",
        "n",
        "estimate",
        "ci_low",
        "ci_high",
        "diff",
        "diff_low",
        "diff_high",
        *[
            c
            for c in CSV_COLUMNS
            if c
            not in (
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
            )
        ],
    ]
    parts = [cmp_.reindex(columns=cols)]
    if costs is not None and not costs.empty:
        parts.append(costs.reindex(columns=cols))
    out = pd.concat(parts, ignore_index=True)
    out["censored"] = out["censored"].fillna(0).astype(int)
    out["censored_ref"] = out["censored_ref"].fillna(0).astype(int)
    return out


def _regions_table(folder: Path) -> pd.DataFrame | None:
    """The folder's regions table (one row per run, step and region), or None where it has none."""
    for name in ("regions.parquet", "regions.csv"):
        path = folder / name
        if path.is_file():
            return (
                pd.read_parquet(path)
                if name.endswith(".parquet")
                else pd.read_csv(path)
            )
    return None


def write_report(folder: str | Path, reference: str | None = None) -> Path:
    """Write ``folder/report/`` (report.html and figures/*.png, *.svg) and return the HTML's path.

    Args:
        folder: A results folder (``kemitraan run`` or ``kemitraan compare`` output).
        reference: Design point others are compared with (default: the design's reference,
            ``baseline`` or the first point).

    Also writes ``folder/report/comparison.csv`` (:func:`comparison_csv`).

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
    costs = cost_notes = rank = None
    if (
        table is not None
        and ctx.reference is not None
        and not ctx.sampled
        and {"government_spending", "total_spending"} <= set(ctx.ok.columns)
    ):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            costs, cost_notes = cost_table(
                ctx.ok, ctx.ts, ctx.manifest, ctx.reference, CONFIDENCE
            )
            rank = ranking(table, costs)
    dest = folder / "report"
    with folder_swap(dest, "report") as tmp:
        (tmp / "figures").mkdir()
        figs = make_figures(ctx, tmp / "figures", table, sens)
        page = build_html(
            ctx,
            figs,
            table,
            sens,
            costs=costs,
            cost_notes=cost_notes,
            rank=rank,
            regions=_regions_table(folder),
            discovery=load_discovery(folder),
        )
        if table is not None:
            comparison_csv(table, costs).to_csv(
                tmp / "comparison.csv", index=False, float_format="%.6g"
            )
        html_tmp = tmp / ".report.html.partial"
        html_tmp.write_text(page, encoding="utf-8")
        html_tmp.replace(tmp / "report.html")
    return dest / "report.html"
