"""The policy answers beside the comparison: where a policy fails (discovery) and the cheapest path (optimise).

Two pieces of HTML in the report's style:

* :func:`discovery_section`, a section of a results folder's report when ``kemitraan
  discover`` has written ``discovery/discovery.json`` (and ``scores.csv``) into the folder:
  the goal, how many runs fail it, the PRIM boxes with coverage, density and mass, and the
  feature scores;
* :func:`optimise_page`, the page ``kemitraan optimise`` writes beside its front
  (``report.html``): the cheapest mix, the Pareto front of cost, time and regional
  inequality as a table whose every row links the scenario file that reruns it, and the
  figure of every mix searched.
"""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from sim.analysis.report.formatting import _e
from sim.analysis.report.style import CSS
from sim.analysis.report.style import html_table as _table

SCORES_SHOWN = 12  # feature scores listed at most (the rest are in scores.csv)


def load_discovery(folder: Path) -> dict[str, Any] | None:
    """The discovery ``kemitraan discover`` saved in ``folder/discovery/``, or None.

    Args:
        folder: A results folder.

    Returns:
        The summary (``goal``, ``n_runs``, ``n_failed``, ``notes``, ``boxes``, ``min_density``)
        with the feature scores under ``scores`` (a DataFrame), or None when there is none or
        it cannot be read.
    """
    path = folder / "discovery" / "discovery.json"
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(summary, dict) or not isinstance(summary.get("boxes"), list):
        return None
    try:
        scores = pd.read_csv(folder / "discovery" / "scores.csv")
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError):
        scores = pd.DataFrame(columns=["parameter", "score"])
    return {**summary, "scores": scores}


def _limit_text(limit: dict[str, Any]) -> str:
    low, high = limit.get("low"), limit.get("high")
    if isinstance(low, (int, float)) and isinstance(high, (int, float)):
        return f"{low:.4g} to {high:.4g}"
    return _e(str(low))


def discovery_section(d: dict[str, Any]) -> str:
    """The report's section on where the goal fails: PRIM boxes and feature scores.

    Args:
        d: What :func:`load_discovery` returns.

    Returns:
        An HTML ``<section id="discovery">``.
    """
    n, failed = int(d.get("n_runs", 0)), int(d.get("n_failed", 0))
    parts = [
        '<section id="discovery"><h2>Under which conditions does it fail?</h2>',
        (
            f"<p>Goal: <b>{_e(d.get('goal', ''))}</b>. {failed} of {n} runs fail it "
            f"({100 * failed / max(n, 1):.0f}%). Scenario discovery (PRIM, EMA Workbench) looks for boxes of the "
            "uncertainty space where failures concentrate: <i>coverage</i> is the share of all failures inside a box, "
            "<i>density</i> the share of runs inside it that fail, <i>mass</i> the share of runs inside it. "
            f"Boxes are kept at a density of at least {float(d.get('min_density', 0.8)):.0%}.</p>"
        ),
    ]
    parts += [f'<p class="note">{_e(str(x))}</p>' for x in d.get("notes") or []]
    rows = []
    for k, box in enumerate(d.get("boxes") or [], 1):
        limits = box.get("limits") or []
        rows.append(
            [
                str(k),
                "<br>".join(
                    f"<code>{_e(str(lim.get('parameter')))}</code> {_limit_text(lim)}"
                    for lim in limits
                )
                or "(the whole space)",
                f"{100 * float(box.get('coverage', math.nan)):.0f}%",
                f"{100 * float(box.get('density', math.nan)):.0f}%",
                f"{100 * float(box.get('mass', math.nan)):.0f}%",
                str(int(box.get("runs", 0))),
            ]
        )
    if rows:
        parts.append(
            _table(
                [
                    "Box",
                    "Where (the parameters it restricts)",
                    "Coverage",
                    "Density",
                    "Mass",
                    "Runs inside",
                ],
                rows,
                ["num", "name", "num", "num", "num", "num"],
            )
        )
    scores = d.get("scores")
    if isinstance(scores, pd.DataFrame) and not scores.empty:
        top = scores.sort_values("score", ascending=False, kind="stable").head(
            SCORES_SHOWN
        )
        parts.append(
            "<h3>Which conditions matter most</h3><p>Feature scores (extra trees, EMA Workbench): how much each "
            "varied parameter helps tell failing runs from the others; they sum to 1.</p>"
        )
        parts.append(
            _table(
                ["Parameter", "Feature score"],
                [
                    [f"<code>{_e(str(r.parameter))}</code>", f"{float(r.score):.3f}"]
                    for r in top.itertuples(index=False)
                ],
                ["name", "num"],
            )
        )
    parts.append(
        '<p class="note">Written by <code>kemitraan discover</code>; the tables are in '
        '<a href="../discovery/boxes.csv">discovery/boxes.csv</a> and '
        '<a href="../discovery/scores.csv">discovery/scores.csv</a>.</p></section>'
    )
    return "".join(parts)


def optimise_page(
    *,
    title: str,
    question: str,
    front: pd.DataFrame,
    files: list[str],
    levers: list[str],
    trials: int,
    feasible: int,
    figure_png: bytes | None,
    method: str,
) -> str:
    """The page of ``kemitraan optimise``: the cheapest mix and the Pareto front, each point a scenario file.

    Args:
        title: Page title (the base scenario's name).
        question: The target, year and probability, in words.
        front: The feasible Pareto front, cheapest first (``cost`` in rupiah, ``years``,
            ``inequality``, ``probability`` and one column per lever).
        files: The scenario file of each front row (names relative to the page).
        levers: The lever columns.
        trials: Mixes searched.
        feasible: Mixes meeting the probability.
        figure_png: The front figure (PNG bytes), or None.
        method: How the search was made, in words.

    Returns:
        A self-contained HTML page.
    """
    from sim.analysis.costs import format_rupiah

    body = [
        (
            f"<header><h1>Kemitraan: the cheapest path, {_e(title)}</h1>"
            f'<p class="sub">{_e(question)}</p></header>'
        ),
        '<section id="cheapest"><h2>The cheapest mix</h2>',
    ]
    if front.empty:
        body.append(
            f'<p class="warn">No mix searched reaches it with that probability ({feasible} of {trials} feasible); '
            "widen the levers or lower the probability.</p></section>"
        )
    else:
        c = front.iloc[0]
        body.append(
            f'<div class="headline"><p><b>{_e(files[0])}</b>: government spending {format_rupiah(float(c["cost"]))} '
            f"over the run, {float(c['years']):.2f} years to target (restricted mean up to the horizon), reached in "
            f"time in {100 * float(c['probability']):.0f}% of replications; "
            + ", ".join(f"<code>{_e(lv)}</code> = {float(c[lv]):.4g}" for lv in levers)
            + ".</p></div></section>"
        )
        rows = [
            [
                f'<a href="{_e(f)}">{_e(f)}</a>',
                *(f"{float(r[lv]):.4g}" for lv in levers),
                format_rupiah(float(r["cost"])),
                f"{float(r['years']):.2f}",
                f"{float(r['inequality']):.4f}",
                f"{100 * float(r['probability']):.0f}%",
            ]
            for f, (_, r) in zip(files, front.iterrows(), strict=True)
        ]
        body += [
            '<section id="front"><h2>The trade-off: cost, time and regional inequality</h2>',
            (
                f"<p>The Pareto front: {len(front)} of the {feasible} feasible mixes ({trials} searched) that no "
                "other feasible mix beats on all three of government cost, time to target and regional inequality. "
                "Cheapest first; each is a scenario file that reruns it (<code>kemitraan run FILE</code>).</p>"
            ),
            _table(
                [
                    "Scenario file",
                    *(f"<code>{_e(lv)}</code>" for lv in levers),
                    "Government spending",
                    "Years to target",
                    "Regional inequality",
                    "Reached in time",
                ],
                rows,
                ["name", *["num"] * (len(levers) + 4)],
            ),
            "</section>",
        ]
    if figure_png:
        data = base64.b64encode(figure_png).decode("ascii")
        body.append(
            '<section id="figure"><h2>Every mix searched</h2><figure><img alt="Cost against time" '
            f'src="data:image/png;base64,{data}"><figcaption>Government spending against years to target for every '
            "mix searched; grey: below the required probability; the front is outlined and coloured by regional "
            'inequality. Files: <a href="front.png">PNG</a>, <a href="front.svg">SVG</a>.</figcaption></figure></section>'
        )
    body.append(
        f'<section id="method"><h2>Method</h2><p>{_e(method)}</p><p class="note">Every mix searched is in '
        '<a href="trials.csv">trials.csv</a>, the front in <a href="front.csv">front.csv</a>.</p></section>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Kemitraan: the cheapest path, {_e(title)}</title><style>{CSS}</style></head><body>"
        + "".join(body)
        + "</body></html>\n"
    )
