"""Results for a place: the report's section on regions (provinces, districts) by name.

For the reference design point (or the only one): a ranked chart of every region's index at the
end with its start, the target and whether most runs reach it; the spread between the highest
and lowest regions over time; how many regions have reached the target by each year; and a
table of every region. Computed by :mod:`sim.analysis.regions` from the regions table.
"""

from __future__ import annotations

import html
import math

import pandas as pd

from sim.analysis.regions import (
    plausibility_warning,
    reached_by_year,
    region_outcomes,
    spread,
)
from sim.analysis.report.context import Context
from sim.analysis.report.figures import RC, Figures, _mpl

_e = html.escape
# Above this many regions the chart shows the highest and lowest ones, and the table folds away.
CHART_REGIONS = 40


def reference_regions(
    ctx: Context, regions: pd.DataFrame
) -> tuple[str | None, pd.DataFrame]:
    """The regions rows of the reference point's successful runs (or of the only point)."""
    if (
        regions is None
        or regions.empty
        or "region_name" not in regions.columns
        or ctx.ok.empty
    ):
        return None, pd.DataFrame()
    point = (
        ctx.reference
        if ctx.reference in ctx.points
        else (ctx.points[0] if ctx.points else None)
    )
    runs = (
        ctx.ok.loc[ctx.ok["point_name"] == point, "run"]
        if "point_name" in ctx.ok.columns
        else ctx.ok["run"]
    )
    return point, regions[regions["run"].isin(set(runs))]


def places_figure(
    ctx: Context,
    figs: Figures,
    table: pd.DataFrame,
    sp: pd.DataFrame,
    by: pd.DataFrame,
    point: str | None,
):
    """Ranked chart of the regions' final index, beside the spread and the regions reaching the target."""
    _, plt = _mpl()
    with plt.rc_context(
        RC
    ):  # the report's style, and a fixed SVG hash salt: the same bytes every time
        return _draw_places(plt, ctx, figs, table, sp, by, point)


def _draw_places(
    plt,
    ctx: Context,
    figs: Figures,
    table: pd.DataFrame,
    sp: pd.DataFrame,
    by: pd.DataFrame,
    point: str | None,
):
    shown = (
        table
        if len(table) <= CHART_REGIONS
        else pd.concat([table.head(CHART_REGIONS // 2), table.tail(CHART_REGIONS // 2)])
    )
    height = max(3.0, 0.2 * len(shown) + 1.0)
    # A fixed layout (not a solver's): the same figure gives the same bytes every time it is drawn.
    fig, (ax, ax2, ax3) = plt.subplots(
        1, 3, figsize=(11.0, height), gridspec_kw={"width_ratios": [2.2, 1, 1]}
    )
    fig.subplots_adjust(
        left=0.17, right=0.98, top=1 - 0.45 / height, bottom=0.6 / height, wspace=0.3
    )
    y = range(len(shown))[::-1]
    reached = shown["reached_share"] >= 0.5
    ax.barh(
        list(y),
        shown["final_index"],
        color=["#0072B2" if r else "#E69F00" for r in reached],
        height=0.7,
    )
    ax.plot(
        shown["start_index"],
        list(y),
        "o",
        color="black",
        ms=2.5,
        zorder=3,
        label=f"{ctx.start_year:g}",
    )
    ax.axvline(ctx.target, color="#555", ls="--", lw=1)
    ax.set_yticks(list(y), [str(n) for n in shown["region_name"]], fontsize=7)
    low = min(shown["start_index"].min(), shown["final_index"].min())
    ax.set_xlim(max(low - 3, 0), max(shown["final_index"].max(), ctx.target) + 1)
    ax.set_xlabel(
        f"{ctx.index_name} (bars: {ctx.start_year + ctx.horizon:g}; dots: {ctx.start_year:g})"
    )
    ax.set_title(
        "Regions ranked"
        + (
            f" (highest and lowest {CHART_REGIONS // 2})"
            if len(shown) < len(table)
            else ""
        ),
        fontsize=9,
    )
    ax2.plot(sp["year"], sp["gap"], color="#0072B2")
    ax2.set_title("Highest minus lowest region", fontsize=9)
    ax2.set_xlabel("year")
    ax3.step(by["year"], by["regions_reached"], where="post", color="#009E73")
    ax3.set_ylim(0, by["regions"].iloc[0] * 1.05)
    ax3.set_title(f"Regions at {ctx.index_name} {ctx.target:g} or above", fontsize=9)
    ax3.set_xlabel("year")
    words = "blue: most runs reach the target; orange: most do not"
    return figs.save(
        fig,
        "regions",
        f"Results by region{f' ({point})' if point else ''}",
        f"Each region's {ctx.index_name} at the end (bars) and at the start (dots), the dashed line the target "
        f"({words}); the spread between the highest and lowest region; and how many regions have reached "
        "the target by each year (means over runs).",
    )


def places_section(
    ctx: Context, figs: Figures, regions: pd.DataFrame | None, figure_html
) -> str:
    """The HTML section, or "" when the results have fewer than two named regions."""
    point, rows = reference_regions(ctx, regions)
    if rows.empty or rows["region"].nunique() < 2:
        return ""
    table = region_outcomes(rows, ctx.target, ctx.start_year)
    sp, by = spread(rows), reached_by_year(rows, ctx.target, ctx.start_year)
    fig = places_figure(ctx, figs, table, sp, by, point)
    end = by.iloc[-1]
    parts = [
        '<section id="regions"><h2>Results by region</h2>',
        (
            f"<p>{len(table)} regions{f' at {_e(point)}' if point else ''}. At the end the highest is "
            f"<b>{_e(str(table.iloc[0]['region_name']))}</b> ({table.iloc[0]['final_index']:.2f}) and the lowest "
            f"<b>{_e(str(table.iloc[-1]['region_name']))}</b> ({table.iloc[-1]['final_index']:.2f}), a spread of "
            f"{sp.iloc[-1]['gap']:.2f} points (from {sp.iloc[0]['gap']:.2f}); {end['regions_reached']:.1f} of {int(end['regions'])} "
            f"regions are at the target by {end['year']:g} (mean over runs).</p>"
        ),
    ]
    warning = plausibility_warning(rows)
    if warning:
        parts.append(f"<p class='note'>{_e(warning)}</p>")
    parts.append(figure_html(fig))
    head = [
        "rank",
        "region",
        f"{ctx.start_year:g}",
        f"{ctx.start_year + ctx.horizon:g}",
        "gain a year",
        "runs reaching target",
        "year reached (median)",
    ]
    body = [
        [
            str(int(r.rank)),
            _e(str(r.region_name)),
            f"{r.start_index:.2f}",
            f"{r.final_index:.2f}",
            f"{r.gain_per_year:+.2f}",
            f"{100 * r.reached_share:.0f}%",
            f"{r.year_reached:.2f}"
            if math.isfinite(r.year_reached)
            else "not reached (censored)",
        ]
        for r in table.itertuples()
    ]
    rows_html = [
        '<div class="tablewrap"><table><thead><tr>',
        *(f"<th>{h}</th>" for h in head),
        "</tr></thead><tbody>",
    ]
    rows_html += [
        "<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in body
    ]
    rows_html.append("</tbody></table></div>")
    parts.append(
        f"<details><summary>Every region ({len(table)})</summary>{''.join(rows_html)}</details>"
    )
    parts.append("</section>")
    return "".join(parts)
