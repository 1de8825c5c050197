"""The report page: HTML, tables and the headline sentences."""

from __future__ import annotations

import base64
import math
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.compare import OUTCOMES
from sim.analysis.report.context import SAMPLED, Context, Sensitivity, _param_meaning
from sim.analysis.report.figures import Figure, Figures
from sim.analysis.report.formatting import (
    _decimals,
    _e,
    _finite,
    _years,
    format_diff,
    format_interval,
    format_value,
    quarter_name,
)
from sim.analysis.report.km import km_curve
from sim.analysis.report.places import places_section
from sim.analysis.report.style import CSS
from sim.analysis.report.style import html_table as _table
from sim.experiment.design import show_value

MAX_HEADLINES = 10  # headline sentences at most (the fastest and the slowest points)


# --- the page ------------------------------------------------------------------------------------


def _figure_html(fig: Figure | None) -> str:
    if fig is None:
        return ""
    data = base64.b64encode(fig.png).decode("ascii")
    return (
        f'<figure id="fig-{_e(fig.name)}"><img alt="{_e(fig.title)}" src="data:image/png;base64,{data}">'
        f'<figcaption><b>{_e(fig.title)}{"" if fig.title.endswith(("?", ".", "!")) else "."}</b> {_e(fig.caption)} <span class="note">Files: '
        f'<a href="figures/{_e(fig.name)}.png">PNG</a>, <a href="figures/{_e(fig.name)}.svg">SVG</a>.</span></figcaption></figure>'
    )


def _outcome_label(ctx: Context, col: str) -> str:
    return {
        "years_to_target_or_horizon": f"Years to {ctx.target_text} (restricted mean to the horizon)",
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
    return (
        f'{_years(med)} <span class="ci">(95% CI {lo_t} to {hi_t})</span>',
        quarter_name(ctx.start_year + float(med)),
    )


def _headline(
    ctx: Context, table: pd.DataFrame | None, sens: Sensitivity | None
) -> str:
    """The headline: sentences generated only from the numbers, the direction stated as it comes."""
    tt, m = ctx.target_text, ctx.method
    lead: list[str] = []  # paragraphs before the list
    items: list[str] = []  # one bullet per design point or lever
    notes: list[str] = []  # how to read it, failures
    n_runs, n_failed = len(ctx.runs), int((ctx.runs["status"] != "ok").sum())
    if ctx.ok.empty:
        return f'<div class="headline"><p>All {n_runs} runs failed; see <a href="#failures">the failed runs</a>.</p></div>'
    tab = (
        {(r.point_name, r.outcome): r for r in table.itertuples(index=False)}
        if table is not None
        else {}
    )
    if len(ctx.points) == 1 and len(ctx.ok) == 1:
        r = ctx.ok.iloc[0]
        lead.append(
            f"In this run, the {ctx.index_name} went from {format_value(r['start_index'], 'final_index', m)} in {ctx.start_year:g} "
            f"to {format_value(r['final_index'], 'final_index', m)} in {ctx.end_year:g}. "
            + (
                f"{tt} was reached at the end of {quarter_name(float(r['year_reached']))}, "
                f"{_years(float(r['years_to_target']))} years after the start."
                if bool(r["reached"])
                else f"{tt} was not reached within the {ctx.horizon:g}-year horizon."
            )
        )
        lead.append(
            f"Government share of spending: {format_value(r['government_share'], 'government_share')}. "
            f"Partnerships: {int(r['partnerships_formed'])} formed, {int(r['partnerships_dissolved'])} dissolved, "
            f"{int(r['active_partnerships'])} active at the end; cohesion {format_value(r['cohesion'], 'cohesion')}."
        )
        notes.append(
            "This is one run: chance is not averaged out, and there are no confidence intervals."
        )
    elif ctx.sampled:
        share = float(ctx.ok["reached"].mean())
        text = (
            f"Across the {len(ctx.points)} sampled design points ({ctx.kind} design, {ctx.replications} replication"
            f"{'s' if ctx.replications != 1 else ''} each, {len(ctx.ok)} successful runs), {tt} was reached within the "
            f"{ctx.horizon:g}-year horizon in {100 * share:.0f}% of runs."
        )
        med, _, _ = km_curve(
            ctx.ok["years_to_target_or_horizon"], ctx.ok["reached"]
        ).median()
        if _finite(med):
            text += f" Pooled over all runs, half have reached it after {_years(med)} years ({quarter_name(ctx.start_year + med)})."
        lead.append(text)
        if sens is not None:
            if sens.note:
                lead.append(_e(sens.note))
            items.extend(_lever_sentences(ctx, sens))
    else:
        ref = ctx.reference
        ry, rg = (
            tab.get((ref, "years_to_target_or_horizon")),
            tab.get((ref, "government_share")),
        )
        if ry is not None and ref is not None:
            med = ry.km_median
            _, km_lo, km_hi = _point_km(ctx, ref)
            if _finite(med):
                when = (
                    f"half of its runs reach {tt} after {_years(med)} years (95% CI {_km_bound(km_lo)} to {_km_bound(km_hi, True)}), "
                    f"{100 * ry.share_reached:.0f}% by {ctx.end_year:g}"
                )
            elif ry.share_reached > 0:
                when = f"only {100 * ry.share_reached:.0f}% of its runs reach {tt} within {ctx.horizon:g} years (by {ctx.end_year:g})"
            else:
                when = f"none of its runs reaches {tt} within {ctx.horizon:g} years (by {ctx.end_year:g})"
            who = (
                f"Reference (<b>{_e(ctx.label(ref))}</b>)"
                if len(ctx.points) > 1
                else f"<b>{_e(ctx.label(ref))}</b>, {int(ry.n)} runs"
            )
            lead.append(
                f"{who}: {when}; government share of spending "
                f"{format_value(rg.mean if rg is not None else np.nan, 'government_share')}."
            )
        sentences = []
        for p in ctx.points:
            if p == ref:
                continue
            text = _point_sentence(ctx, p, tab)
            if text:
                y = tab.get((p, "years_to_target_or_horizon"))
                sentences.append(
                    (float(y.diff) if y is not None and _finite(y.diff) else 0.0, text)
                )
        sentences.sort(key=lambda t: t[0])
        if len(sentences) > MAX_HEADLINES + 2:
            half = MAX_HEADLINES // 2
            items.extend(t for _, t in sentences[:half])
            items.append(
                f'<span class="note">... {len(sentences) - 2 * half} more design points in '
                '<a href="#comparison">the comparison table</a> ...</span>'
            )
            items.extend(t for _, t in sentences[-half:])
        else:
            items.extend(t for _, t in sentences)
        if (
            len(ctx.points) > 1
            and not ctx.ok["reached"].all()
            and ctx.ok["reached"].any()
        ):
            notes.append(
                f"Differences in years are differences in restricted mean time to {tt} up to the {ctx.horizon:g}-year horizon: "
                "runs that never reach it are censored, and where a point's runs mostly do not reach it the difference is a "
                'lower bound ("at least"). The <a href="#time-to-target">Kaplan-Meier medians</a> treat those runs as censored too.'
            )
        if len(ctx.points) > 1 and table is not None and "tests" in table.columns:
            notes.append(
                f"Verdicts (higher, lower, negligible, unclear) test each difference against a stated minimum effect, "
                f"Holm-corrected over the {int(table['tests'].iloc[0])} one-sided tests of the comparison table; for time to "
                'target, a point whose runs mostly never reach it is "not reached" unless it is clearly slower, and '
                '"neither reaches" when the reference mostly does not either.'
            )
        if len(ctx.points) > 1 and ctx.replications > 1:
            notes.append(
                "95% confidence intervals are over replications paired by seed (common random numbers). Where an interval "
                "includes zero, the difference cannot be told apart from chance with this many replications."
            )
    if n_failed:
        notes.append(
            f'<span class="warn">{n_failed} of {n_runs} runs failed and {"is" if n_failed == 1 else "are"} left out of every number; '
            'see <a href="#failures">the failed runs</a>.</span>'
        )
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


def _ci_words(
    lo: Any,
    hi: Any,
    outcome: str,
    m: str,
    negate: bool = False,
    unclear: bool = False,
    extra: str = "",
) -> str:
    """`` (95% CI a to b)`` for a difference stated as a magnitude (negated when the words give the sign)."""
    if not (_finite(lo) and _finite(hi)):
        return (
            f" ({extra}; one replication, no confidence interval)"
            if extra
            else " (one replication, no confidence interval)"
        )
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
    y, fi, g = (
        tab.get((p, "years_to_target_or_horizon")),
        tab.get((p, "final_index")),
        tab.get((p, "government_share")),
    )
    ry, rg = (
        tab.get((ctx.reference, "years_to_target_or_horizon")),
        tab.get((ctx.reference, "government_share")),
    )
    if y is None:
        return ""
    out = f"<b>{_e(ctx.label(p))}</b> "
    never = y.share_reached == 0
    ref_never = ry is not None and ry.share_reached == 0
    if never and fi is not None and _finite(fi.diff):
        # Its time to target is beyond the horizon: say so, and compare the index it gets to instead.
        d = float(fi.diff)
        dec = _decimals("final_index", m)[1]
        level = (
            f"{abs(d):.{dec}f} {'higher' if d > 0 else 'lower'}"
            if d != 0
            else "the same"
        )
        if ref_never:
            other = "nor does the reference"
        elif ry is not None:
            other = (
                f"while the reference does in {100 * ry.share_reached:.0f}% of its runs"
            )
        else:  # no reference row to compare with (it would have raised AttributeError)
            other = "and the reference has no result to compare with"
        out += (
            f"does not reach {tt} within {ctx.horizon:g} years in any run, {other}; its {ctx.index_name} at the "
            f"horizon is {level}{_ci_words(fi.diff_low, fi.diff_high, 'final_index', m, negate=d < 0, unclear=d != 0)}"
        )
    else:
        d = float(y.diff) if _finite(y.diff) else 0.0
        ci = _ci_words(
            y.diff_low,
            y.diff_high,
            "years_to_target_or_horizon",
            m,
            negate=d < 0,
            unclear=d != 0,
        )
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
        against = (
            f"{format_value(g.mean, 'government_share')} against {format_value(rg.mean, 'government_share')}"
            if rg is not None
            else ""
        )
        if round(d, 1) == 0:
            out += f", at the same government share of spending ({against})"
        else:
            ci = _ci_words(
                g.diff_low,
                g.diff_high,
                "government_share",
                m,
                negate=d < 0,
                unclear=True,
                extra=against,
            )
            out += f", at a government share of spending {abs(d):.1f} percentage points {'higher' if d > 0 else 'lower'}{ci}"
    out += "."
    if not never and ry is not None and (y.share_reached < 1 or ry.share_reached < 1):
        out += (
            f" It reaches {tt} by {ctx.end_year:g} in {100 * y.share_reached:.0f}% of its runs (reference: "
            f"{100 * ry.share_reached:.0f}%)."
        )
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
            return (
                f"total-order Sobol index {r['ST']:.2f}, 95% CI {lo:.2f} to {hi:.2f}",
                lo > 0.01,
            )
    elif ctx.kind == "morris":
        order = t.sort_values("mu_star", ascending=False)
        scale = float(t["mu_star"].max()) or 1.0

        def metric(r: pd.Series) -> tuple[str, bool]:
            lo = r["mu_star"] - r["mu_star_conf"]
            return (
                f"Morris mu* {r['mu_star']:.3g}, 95% CI {lo:.3g} to {r['mu_star'] + r['mu_star_conf']:.3g}; sigma {r['sigma']:.3g}",
                lo > 0.01 * scale,
            )
    else:
        order = t.reindex(t["spearman_rho"].abs().sort_values(ascending=False).index)

        def metric(r: pd.Series) -> tuple[str, bool]:
            return (
                f"Spearman rank correlation {r['spearman_rho']:+.2f}, p = {r['p_value']:.2g}",
                bool(r["p_value"] < 0.05),
            )

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


def _comparison_section(
    ctx: Context, table: pd.DataFrame, diff_fig: Figure | None
) -> str:
    m = ctx.method
    outcomes = [
        c for c, _ in OUTCOMES if not table[table["outcome"] == c]["mean"].isna().all()
    ]
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
            if c == "years_to_target_or_horizon" and r.get("censored", 0) * 2 > r["n"]:
                cell += f'<br><span class="note">{"not reached" if r["censored"] == r["n"] else "mostly not reached"} ({int(r["censored"])}/{int(r["n"])})</span>'
            if p != ctx.reference:
                verdict = str(r.get("verdict", ""))
                sig = verdict in ("higher", "lower")
                dci = format_interval(r["diff_low"], r["diff_high"], c, m, diff=True)
                cls = "d sig" if sig else "d"
                least = "≥ " if "lower bound" in str(r.get("note", "")) else ""
                cell += (
                    f'<br><span class="{cls}">Δ {least}{format_diff(r["diff"], c, m)}'
                    + (f" ({dci})" if dci != "n/a" else "")
                    + (f", {_e(verdict)}" if verdict else "")
                    + "</span>"
                )
            cells.append(cell)
        rows.append(cells)
        rcls.append("ref" if p == ctx.reference else "")
    if len(ctx.points) == 1:
        intro = (
            "<p>Each cell: mean over the replications <span class='ci'>(95% CI)</span>.</p>"
            if ctx.replications > 1
            else "<p>The outcomes of the run.</p>"
        )
        return intro + _table(
            head, rows, ["name", "num"] + ["num"] * len(outcomes), rcls
        )
    intro = (
        f'<p>Each cell: mean over the replications <span class="ci">(95% CI)</span> and, below it, Δ the paired difference from '
        f'the reference <b>{_e(ctx.label(ctx.reference))}</b> <span class="ci">(95% CI)</span> and its verdict, in bold blue where it exceeds '
        f"the minimum effect after Holm's correction over {int(table['tests'].iloc[0]) if 'tests' in table.columns else 0} tests. "
        "Years to target are restricted means up to the horizon (≥: a lower bound, the point mostly not reaching the target). "
        "Shares are in percent and their differences in percentage points (pp). Minimum effects: a quarter of a year; 0.1 index "
        "point; one percentage point for shares and cohesion; 5% of the reference for counts and lifespans.</p>"
    )
    # At most four outcomes per table, so that the tables fit a 1366-pixel-wide page.
    tables = []
    for start in range(0, len(outcomes), 4):
        idx = list(range(2 + start, 2 + min(start + 4, len(outcomes))))
        tables.append(
            _table(
                [head[0], head[1], *(head[i] for i in idx)],
                [[r[0], r[1], *(r[i] for i in idx)] for r in rows],
                ["name", "num"] + ["num"] * len(idx),
                rcls,
            )
        )
    return intro + "".join(tables) + _figure_html(diff_fig)


def _name_cell(ctx: Context, name: str, mark: bool = True) -> str:
    """A design point in a table: its readable label, and its exact name below when they differ."""
    label = ctx.label(name)
    cell = _e(label) + (" <b>(reference)</b>" if mark and name == ctx.reference else "")
    return cell if label == name else f'{cell}<br><code class="raw">{_e(name)}</code>'


def _km_table(ctx: Context, table: pd.DataFrame) -> str:
    sub = table[table["outcome"] == "years_to_target_or_horizon"]
    head = [
        "Design point",
        "Runs",
        f"Reached {_e(ctx.target_text)} by {ctx.end_year:g}",
        f"Median years to {_e(ctx.target_text)} (95% CI)",
        "Median reached in",
    ]
    rows, rcls = [], []
    for p in ctx.points:
        r = sub[sub["point_name"] == p]
        if r.empty:
            continue
        r = r.iloc[0]
        med, when = _km_cells(ctx, r)
        rows.append(
            [
                _name_cell(ctx, p),
                str(int(r["n"])),
                f"{100 * r['share_reached']:.0f}%",
                med,
                when,
            ]
        )
        rcls.append("ref" if p == ctx.reference else "")
    return _table(head, rows, ["name", "num", "num", "num", "num"], rcls)


def _points_table(ctx: Context, table: pd.DataFrame) -> str:
    """Sampled designs: every point with its lever values and main outcomes."""
    m = ctx.method
    varied = list(ctx.design.get("varied") or [])
    cols = [
        "years_to_target_or_horizon",
        "final_index",
        "government_share",
        "mean_active_partnerships",
        "cohesion",
    ]
    head = [
        "Design point",
        *(_e(v) for v in varied),
        "Runs",
        f"Reached {_e(ctx.target_text)}",
        f"Median years to {_e(ctx.target_text)}",
        *(_e(_outcome_label(ctx, c)) for c in cols),
    ]
    rows = []
    for p in ctx.all_points:
        sub = table[table["point_name"] == p].set_index("outcome")
        over = ctx.overrides(p)
        vals = [
            (
                f"{over[v]:.4g}"
                if isinstance(over.get(v), float)
                else _e(over.get(v, ""))
            )
            for v in varied
        ]
        if sub.empty:
            rows.append([_e(p), *vals, "0", "all runs failed", "", *[""] * len(cols)])
            continue
        y = sub.loc["years_to_target_or_horizon"]
        med = (
            _years(y["km_median"]) if _finite(y["km_median"]) else "not reached by half"
        )
        rows.append(
            [
                _e(p),
                *vals,
                str(int(y["n"])),
                f"{100 * y['share_reached']:.0f}%",
                med,
                *(format_value(sub.loc[c, "mean"], c, m) for c in cols),
            ]
        )
    return _table(head, rows, ["name", *["num"] * (len(varied) + 3 + len(cols))])


def _sensitivity_table(ctx: Context, sens: Sensitivity) -> str:
    if sens.table is None or sens.table.empty:
        return f'<p class="note">{_e(sens.error)}</p>' if sens.error else ""
    t = sens.table.merge(
        sens.rho[["parameter", "spearman_rho"]],
        on="parameter",
        how="left",
        suffixes=("", "_dir"),
    )
    if ctx.kind == "sobol":
        head = [
            "Lever",
            "What it is",
            "Effect alone S1 (95% CI)",
            "Total effect ST (95% CI)",
            "Rank correlation (direction)",
        ]

        def index(v: float, conf: float) -> str:
            # An index whose 95% interval is wider than itself is not shown as a number.
            if not (2 * conf < abs(v) and v > 0):
                return f"<span class='note'>not resolved (± {conf:.2f})</span>"
            return f"{v:.3f} <span class='ci'>({v - conf:.3f} to {v + conf:.3f})</span>"

        rows = [
            [
                f"<code>{_e(r.parameter)}</code>",
                _e(_param_meaning(r.parameter)),
                index(r.S1, r.S1_conf),
                index(r.ST, r.ST_conf),
                f"{r.spearman_rho:+.2f}" if _finite(r.spearman_rho) else "n/a",
            ]
            for r in t.itertuples()
        ]
        unresolved = int(
            sum(
                not (2 * c < abs(v) and v > 0)
                for v, c in zip(t["ST"], t["ST_conf"], strict=True)
            )
        )
        if unresolved:
            head[0] = "Lever"
            note = (
                f"<p class='note'>{unresolved} of {len(t)} total-order indices are not resolved: their 95% interval is wider than "
                "the index, so the sample is too small to say how much they matter. <code>kemitraan sensitivity</code> grows "
                "the sample until the intervals are narrow.</p>"
            )
            return note + _table(head, rows, ["", "", *["num"] * (len(head) - 2)])
    elif ctx.kind == "morris":
        head = [
            "Lever",
            "What it is",
            "mu* (95% CI)",
            "mu",
            "sigma",
            "Rank correlation (direction)",
        ]
        rows = [
            [
                f"<code>{_e(r.parameter)}</code>",
                _e(_param_meaning(r.parameter)),
                f"{r.mu_star:.4g} <span class='ci'>({r.mu_star - r.mu_star_conf:.4g} to {r.mu_star + r.mu_star_conf:.4g})</span>",
                f"{r.mu:+.4g}",
                f"{r.sigma:.4g}",
                f"{r.spearman_rho:+.2f}" if _finite(r.spearman_rho) else "n/a",
            ]
            for r in t.itertuples()
        ]
    else:
        rho_col = "spearman_rho"
        head = ["Lever", "What it is", "Spearman rank correlation", "p-value"]
        rows = [
            [
                f"<code>{_e(r.parameter)}</code>",
                _e(_param_meaning(r.parameter)),
                f"{getattr(r, rho_col):+.3f}"
                if _finite(getattr(r, rho_col))
                else "n/a",
                f"{r.p_value:.3g}" if _finite(r.p_value) else "n/a",
            ]
            for r in t.itertuples()
        ]
    return _table(head, rows, ["", "", *["num"] * (len(head) - 2)])


def _levers_varied(ctx: Context) -> str:
    """What the design varies: each lever's meaning and values, or each variant's changes."""
    varied = list(ctx.design.get("varied") or [])
    if not varied:
        return ""
    points = ctx.design.get("points", [])
    ranges = ctx.design.get("ranges") or {}
    if ctx.kind == "variants" or any(
        set(p.get("overrides", {})) != set(varied) for p in points
    ):
        rows = [
            [
                _name_cell(ctx, p["name"]),
                "; ".join(
                    f"<code>{_e(k)}</code> = {_e(show_value(v))}"
                    for k, v in p.get("overrides", {}).items()
                )
                or "nothing (the scenario as written)",
            ]
            for p in points
        ]
        meanings = [[f"<code>{_e(v)}</code>", _e(_param_meaning(v))] for v in varied]
        return (
            "<h3>What each design point changes</h3>"
            + _table(["Design point", "Changes from the scenario"], rows, ["name", ""])
            + _table(["Lever", "What it is"], meanings)
        )
    rows = []
    for v in varied:
        if v in ranges:
            span = f"{ranges[v][0]:g} to {ranges[v][1]:g}"
        else:
            span = ", ".join(
                dict.fromkeys(
                    show_value(p["overrides"].get(v))
                    for p in points
                    if v in p.get("overrides", {})
                )
            )
        rows.append([f"<code>{_e(v)}</code>", _e(_param_meaning(v)), _e(span)])
    return "<h3>Levers varied</h3>" + _table(["Lever", "What it is", "Values"], rows)


def _run_seed(ctx: Context, row: pd.Series) -> str:
    """A run's seed, exactly: from the manifest (a table may hold 64-bit seeds as floats)."""
    for entry in ctx.manifest.get("runs") or []:
        if (
            isinstance(entry, dict)
            and entry.get("run") == int(row["run"])
            and "run_seed" in entry
        ):
            return str(entry["run_seed"])
    v = row.get("run_seed")
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return f"{float(v):.0f} (rounded)" if _finite(v) else "unknown"


def _failures(ctx: Context) -> str:
    bad = ctx.runs[ctx.runs["status"] != "ok"]
    if bad.empty:
        return ""
    rows = [
        [
            str(int(r["run"])),
            _name_cell(ctx, r["point_name"], mark=False),
            str(int(r["replication"])),
            f"<code>{_e(r.get('error', ''))}</code>",
            _e(_run_seed(ctx, r)),
        ]
        for _, r in bad.iterrows()
    ]
    lost = [p for p in ctx.all_points if p not in ctx.points]
    note = (
        f"<p class='warn'>Every run of {', '.join(_e(p) for p in lost)} failed; those points are missing from the figures and "
        "comparisons.</p>"
        if lost
        else ""
    )
    return (
        '<section id="failures"><h2>Runs that failed</h2>'
        f"<p>{len(bad)} of {len(ctx.runs)} runs raised an error; they are left out of every number above. Each can be rerun alone "
        "with its design point and replication (the run seed reproduces it).</p>"
        + note
        + _table(
            ["Run", "Design point", "Replication", "Error", "Run seed"],
            rows,
            ["num", "name", "num", "", "num"],
        )
        + "</section>"
    )


def _provenance(ctx: Context) -> str:
    man = ctx.manifest
    d = ctx.design
    parts = [
        '<section id="provenance"><h2>Provenance</h2>',
        (
            "<p>Everything needed to reproduce these numbers: the same scenario text, design and seeds give identical results on any "
            "machine and any number of workers.</p>"
        ),
    ]
    scen = man.get("scenarios") or []
    if scen:
        rows = [
            [
                _e(s.get("name", "")),
                f"<code>{_e(s.get('source', ''))}</code>",
                f"<code>{_e(s.get('sha256', ''))}</code>",
            ]
            for s in scen
        ]
        parts.append(
            "<h3>Scenario"
            + ("s" if len(scen) > 1 else "")
            + "</h3>"
            + _table(["Name", "File", "SHA-256 of the file's text"], rows)
        )
        for s in scen:
            if s.get("text"):
                parts.append(
                    f"<details><summary>Text of {_e(s.get('name', ''))}</summary><pre>{_e(s['text'])}</pre></details>"
                )
    kind = d.get("type", "none")
    desc = {
        "none": "a single design point",
        "factorial": "full factorial grid",
        "variants": "named variants",
        "lhs": "Latin hypercube sample",
        "sobol": "Saltelli sample for Sobol indices",
        "morris": "Morris trajectories",
    }.get(kind, kind)
    items = [
        (
            "Design",
            f"{_e(kind)} ({desc}): {len(ctx.all_points)} design point{'s' if len(ctx.all_points) != 1 else ''} x "
            f"{_e(d.get('replications', ''))} replication{'s' if d.get('replications') != 1 else ''} = {len(ctx.runs)} runs"
            + (
                f"; {int(ctx.runs['status'].ne('ok').sum())} failed"
                if ctx.runs["status"].ne("ok").any()
                else ""
            ),
        )
    ]
    if kind in SAMPLED:
        items.append(
            (
                "Samples",
                _e(d.get("samples", ""))
                + (f", {d.get('levels')} levels" if kind == "morris" else ""),
            )
        )
    if d.get("varied"):
        items.append(
            (
                "Varied",
                ", ".join(
                    f"<code>{_e(v)}</code>"
                    + (
                        f" in [{d['ranges'][v][0]:g}, {d['ranges'][v][1]:g}]"
                        if v in (d.get("ranges") or {})
                        else ""
                    )
                    for v in d["varied"]
                ),
            )
        )
    items.append(
        (
            "Reference",
            f"{_e(ctx.reference)}"
            + (
                f" (design's: {_e(d.get('reference'))})"
                if d.get("reference") not in (None, ctx.reference)
                else ""
            ),
        )
    )
    roots = (
        sorted({int(x) for x in ctx.runs["root_seed"].dropna()})
        if "root_seed" in ctx.runs.columns
        else []
    )
    seed_rule = (
        "Run seed of replication r = <code>numpy.random.SeedSequence(root_seed, spawn_key=(r,))</code>, the same at every design "
        "point (common random numbers), so that points differ by their levers, not by chance."
    )
    items.append(
        (
            "Seeds",
            (f"root seed {', '.join(str(r) for r in roots)}. " if roots else "")
            + seed_rule,
        )
    )
    if "run_seed" in ctx.runs.columns or ctx.manifest.get("runs"):
        reps = ctx.runs.drop_duplicates("replication").sort_values("replication")
        seeds = ", ".join(
            f"r{int(r['replication'])}: {_run_seed(ctx, r)}" for _, r in reps.iterrows()
        )
        items.append(
            (
                "Run seeds",
                (
                    f"<details><summary>{len(reps)} replication{'s' if len(reps) != 1 else ''}</summary>"
                    f"<code>{_e(seeds)}</code></details>"
                ),
            )
        )
    if man.get("command"):
        items.append(("Command", f"<code>{_e(man['command'])}</code>"))
    items.append(("Started", _e(man.get("started") or "unknown")))
    items.append(
        (
            "Finished",
            _e(man.get("finished") or "unknown")
            + (
                f" (status: {_e(man['status'])})"
                if man.get("status") not in (None, "complete")
                else ""
            ),
        )
    )
    items.append(("Results folder", f"<code>{_e(ctx.folder.resolve())}</code>"))
    parts.append(
        '<h3>Run</h3><dl class="prov">'
        + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in items)
        + "</dl>"
    )
    ver = man.get("versions") or {}
    if ver:
        parts.append(
            "<h3>Versions</h3>"
            + _table(
                ["Component", "Version"],
                [[_e(k), f"<code>{_e(v)}</code>"] for k, v in ver.items()],
            )
        )
    tables = man.get("tables") or {}
    if tables:
        parts.append(
            "<details><summary>SHA-256 of the result tables</summary>"
            + _table(
                ["Table", "SHA-256"],
                [[_e(k), f"<code>{_e(v)}</code>"] for k, v in tables.items()],
            )
            + "</details>"
        )
    parts.append("</section>")
    return "".join(parts)


def _subtitle(ctx: Context) -> str:
    kind = ctx.kind
    n_pts = len(ctx.all_points)
    what = {
        "none": "one design point",
        "factorial": f"factorial design, {n_pts} points",
        "variants": f"{n_pts} variants",
        "lhs": f"Latin hypercube, {n_pts} points",
        "sobol": f"Sobol design, {n_pts} points",
        "morris": f"Morris design, {n_pts} points",
    }.get(kind, f"{n_pts} points")
    reps = ctx.replications
    horizon = f"{ctx.start_year:g} to {ctx.end_year:g}" if _finite(ctx.horizon) else ""
    return (
        f"{what} x {reps} replication{'s' if reps != 1 else ''} ({len(ctx.runs)} runs); {horizon}; "
        f"target {_e(ctx.target_text)} ({'BPS IPM, 0 to 100' if ctx.method == 'ipm' else 'UNDP HDI, 0 to 1'})."
    )


def _cost_lead(ctx: Context, rank: pd.DataFrame | None) -> str:
    """One paragraph for the headline: the fastest, the cheapest, and how many points are dominated."""
    if rank is None or rank.empty or len(rank) < 2:
        return ""
    from sim.analysis.costs import format_rupiah

    fast = rank.iloc[0]
    cheap = rank.sort_values(["government_spending_rp", "years"], kind="stable").iloc[0]
    dominated = int((rank["dominated_by"] != "").sum())
    text = (
        f"<b>Cost.</b> Fastest: <b>{_e(ctx.label(fast.point_name))}</b> (restricted mean {_years(fast.years)} years to "
        f"{_e(ctx.target_text)}, government spending {format_rupiah(fast.government_spending_rp)} over the run). "
        f"Cheapest for government: <b>{_e(ctx.label(cheap.point_name))}</b> ({format_rupiah(cheap.government_spending_rp)}, "
        f"{_years(cheap.years)} years). "
    )
    text += (
        f"{dominated} of {len(rank)} design points are dominated (another is at least as fast, as cheap and as likely to "
        "reach the target, differences within the minimum effects counting as ties); "
        '<a href="#costs">the ranking</a> gives cost per index point and per year saved.'
    )
    return f"<p>{text}</p>"


def _dominated_cell(ctx: Context, dominators: list[str]) -> str:
    """The points that dominate one, by their readable labels (three at most, then "...")."""
    if not dominators:
        return "-"
    shown = "; ".join(_e(ctx.label(p)) for p in dominators[:3])
    return shown + ("; ..." if len(dominators) > 3 else "")


def _costs_section(
    ctx: Context,
    table: pd.DataFrame,
    costs: pd.DataFrame,
    notes: list[str],
    rank: pd.DataFrame,
) -> str:
    """Government cost in rupiah, cost-effectiveness and the ranking; spending by source."""
    from sim.analysis.costs import SOURCES, format_rupiah, format_rupiah_range

    c = {(r.point_name, r.outcome): r for r in costs.itertuples(index=False)}
    tau = float(
        table.loc[table["outcome"] == "years_to_target_or_horizon", "tau"].iloc[0]
    )
    has_pp = any(o == "government_spending_per_person_year_rp" for _, o in c)

    def money(key: tuple[str, str], diff: bool = False) -> str:
        r = c.get(key)
        if r is None:
            return "-"
        v, lo, hi = (
            (r.diff, r.diff_low, r.diff_high)
            if diff
            else (r.estimate, r.ci_low, r.ci_high)
        )
        if not _finite(v):
            return "-"
        sign = "+" if diff and v > 0 else ""
        ci = (
            f'<br><span class="ci">{format_rupiah_range(lo, hi)}</span>'
            if _finite(lo) and _finite(hi)
            else ""
        )
        note = (
            f'<br><span class="note" title="{_e(r.note)}">no finite CI</span>'
            if r.note and not ci
            else ""
        )
        return f"{sign}{format_rupiah(v)}{ci}{note}"

    head = [
        "Rank",
        "Design point",
        f"Years to {_e(ctx.target_text)}<br>(restricted mean to {tau:g})",
        "Government spending",
        "Δ government spending",
        *(["Per person per year"] if has_pp else []),
        "Per index point gained",
        "Extra per year saved",
        "Dominated by",
    ]
    rows, rcls = [], []
    for r in rank.itertuples(index=False):
        years = f"{_years(r.years)}"
        if r.censored * 2 > r.n:
            years += f'<br><span class="note">{"not reached" if r.censored == r.n else "mostly not reached"} ({int(r.censored)}/{int(r.n)} runs)</span>'
        ref = r.point_name == ctx.reference
        per_year = (
            "-" if ref else money((r.point_name, "incremental_cost_per_year_saved_rp"))
        )
        rows.append(
            [
                str(r.rank),
                _name_cell(ctx, r.point_name),
                years,
                money((r.point_name, "government_spending_rp")),
                "-"
                if ref
                else money((r.point_name, "government_spending_rp"), diff=True),
                *(
                    [money((r.point_name, "government_spending_per_person_year_rp"))]
                    if has_pp
                    else []
                ),
                money((r.point_name, "cost_per_index_point_rp")),
                per_year,
                _dominated_cell(ctx, list(getattr(r, "dominators", []) or [])),
            ]
        )
        rcls.append("ref" if ref else "")
    intro = (
        f"<p>Government spending (APBN, APBD and rewards) over the whole run, in rupiah, mean over replications "
        f'<span class="ci">(95% CI)</span>; Δ is the paired difference from <b>{_e(ctx.label(ctx.reference))}</b>. '
        + (
            "Per person per year: government spending over the population the scenario represents and the years "
            "of the run, the unit budgets are set in. "
            if has_pp
            else ""
        )
        + "Per index point gained: government spending divided by the index gained since the start. Extra per year saved: "
        "extra government spending per year of restricted mean time to target saved against the reference (a cheaper, "
        "slower point shows what it saves per year of delay); ratios have paired bootstrap intervals, and none where "
        "the gain is not clearly away from zero. Ranked fastest first; a point is dominated when another is at least as "
        "fast, at least as cheap and reaches the target in at least as many runs (differences within a quarter of a year "
        "or 5% of the reference's government spending count as ties).</p>"
    )
    parts = [
        '<section id="costs"><h2>What each policy costs, and what it buys</h2>',
        intro,
        _table(
            head,
            rows,
            [
                "num",
                "name",
                "num",
                "num",
                "num",
                *(["num"] if has_pp else []),
                "num",
                "num",
                "name",
            ],
            rcls,
        ),
    ]
    src_rows = []
    cols = [
        (col, label)
        for col, label in SOURCES
        if any(k == (p, f"{col}_rp") for p in ctx.points for k in c)
    ]
    for p in ctx.points:
        src_rows.append(
            [
                _name_cell(ctx, p),
                *(
                    format_rupiah(c[(p, f"{col}_rp")].estimate)
                    if (p, f"{col}_rp") in c
                    else "-"
                    for col, _ in cols
                ),
                format_rupiah(c[(p, "total_spending_rp")].estimate)
                if (p, "total_spending_rp") in c
                else "-",
            ]
        )
    if cols:
        parts.append(
            "<h3>Spending by source over the run</h3>"
            + _table(
                ["Design point", *(_e(label) for _, label in cols), "Total"],
                src_rows,
                ["name", *["numw"] * (len(cols) + 1)],
            )
        )
    parts.append("".join(f'<p class="note">{_e(n)}</p>' for n in notes))
    parts.append(
        '<p class="note">Every number in this report\'s comparisons, with its interval, method and censored runs, is in '
        '<a href="comparison.csv">comparison.csv</a>.</p></section>'
    )
    return "".join(parts)


def build_html(
    ctx: Context,
    figs: Figures,
    table: pd.DataFrame | None,
    sens: Sensitivity | None,
    *,
    costs: pd.DataFrame | None = None,
    cost_notes: list[str] | None = None,
    rank: pd.DataFrame | None = None,
    regions: pd.DataFrame | None = None,
    discovery: dict[str, Any] | None = None,
) -> str:
    """The report page; figures are embedded as base64 PNG, so the page stands alone.

    ``discovery`` (from :func:`sim.analysis.report.answers.load_discovery`) adds the section on
    where the goal fails, right after the costs.
    """
    scenarios = ctx.manifest.get("scenarios") or []
    name = (
        ctx.manifest.get("name")
        or (scenarios[0].get("name") if len(scenarios) == 1 else None)
        or ctx.folder.resolve().name
    )
    f = figs.items.get
    nav = [("headline", "Headline")]
    head_html = _headline(ctx, table, sens)
    lead = _cost_lead(ctx, rank)
    if lead:
        head_html = head_html.replace(
            '<div class="headline">', f'<div class="headline">{lead}', 1
        )
    body = [f'<section id="headline"><h2>Headline</h2>{head_html}</section>']
    if costs is not None and rank is not None and table is not None and not costs.empty:
        body.append(_costs_section(ctx, table, costs, cost_notes or [], rank))
        nav.append(("costs", "Costs"))
    if discovery is not None:
        from sim.analysis.report.answers import discovery_section

        body.append(discovery_section(discovery))
        nav.append(("discovery", "Where it fails"))
    if not ctx.ok.empty and table is not None:
        tt = _e(ctx.target_text)
        body.append(f'<section id="time-to-target"><h2>When is {tt} reached?</h2>')
        body.append(_figure_html(f("time_to_target_km")))
        if not ctx.sampled:
            body.append(
                f"<p>Median years until {tt} is reached, from the Kaplan-Meier curve (runs not reaching it within "
                f"{ctx.horizon:g} years are censored), and the share of runs that reached it by {ctx.end_year:g}.</p>"
            )
            body.append(_km_table(ctx, table))
        body.append("</section>")
        nav.append(("time-to-target", "Time to target"))
        if ctx.sampled:
            body.append(
                f'<section id="levers"><h2>Which levers drive time to {tt}?</h2>'
            )
            if sens is not None:
                if sens.note:
                    body.append(f"<p class='note'>{_e(sens.note)}</p>")
                body.append(_figure_html(f("sensitivity")))
                body.append(_sensitivity_table(ctx, sens))
                body.append(_figure_html(f("outcome_vs_levers")))
            body.append(_levers_varied(ctx))
            body.append("</section>")
            nav.append(("levers", "Levers"))
            body.append(
                '<section id="comparison"><h2>Every design point</h2>'
                f"<p>Each point's lever values and outcomes (means over its replications). Sampled points are not compared "
                f"pairwise with a reference; the levers' effects are in the section above.</p>"
                f"<details><summary>Show all {len(ctx.all_points)} design points</summary>{_points_table(ctx, table)}</details></section>"
            )
            nav.append(("comparison", "Design points"))
        elif len(ctx.points) > 1:
            body.append(
                f'<section id="comparison"><h2>Every design point against {_e(ctx.label(ctx.reference))}</h2>'
            )
            body.append(_comparison_section(ctx, table, f("differences")))
            body.append(_levers_varied(ctx))
            body.append("</section>")
            nav.append(("comparison", "Comparison"))
        else:
            body.append('<section id="comparison"><h2>Outcomes</h2>')
            body.append(_comparison_section(ctx, table, None))
            body.append("</section>")
            nav.append(("comparison", "Outcomes"))
        places = places_section(ctx, figs, regions, _figure_html)
        if places:
            body.append(places)
            nav.append(("regions", "Regions"))
        body.append(
            '<section id="trajectories"><h2>How the index, spending and partnerships evolve</h2>'
        )
        for key in (
            "index_trajectories",
            "government_share",
            "partnerships",
            "cohesion",
        ):
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
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Kemitraan report: {_e(name)}</title><style>{CSS}</style></head><body>"
        f'<header><h1>Kemitraan: {_e(name)}</h1><p class="sub">{_subtitle(ctx)}</p></header>{nav_html}'
        + "".join(body)
        + "</body></html>\n"
    )
