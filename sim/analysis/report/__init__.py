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

# The public API; every public name of the former single module ``sim/analysis/report.py`` stays
# importable from here. Settings such as ``MAX_OVERLAY`` are read in the module that defines
# them (here ``figures``): patch them there, not on this package.
from sim.analysis.report.context import (
    SAMPLED,
    Context,
    Sensitivity,
    load_context,
    sensitivity_analysis,
)
from sim.analysis.report.figures import (
    FIGURE_FORMATS,
    MAX_OVERLAY,
    MAX_PANELS,
    PALETTE,
    RC,
    REFERENCE_COLOUR,
    Figure,
    Figures,
    fig_differences,
    fig_partnerships,
    fig_scatter,
    fig_sensitivity,
    fig_time_to_target,
)
from sim.analysis.report.formatting import (
    OUTCOME_FORMAT,
    format_diff,
    format_interval,
    format_value,
    quarter_name,
)
from sim.analysis.report.km import CONFIDENCE, KMCurve, km_curve
from sim.analysis.report.page import CSS, MAX_HEADLINES, build_html
from sim.analysis.report.write import make_figures, write_report

__all__ = [
    "CONFIDENCE",
    "CSS",
    "FIGURE_FORMATS",
    "MAX_HEADLINES",
    "MAX_OVERLAY",
    "MAX_PANELS",
    "OUTCOME_FORMAT",
    "PALETTE",
    "RC",
    "REFERENCE_COLOUR",
    "SAMPLED",
    "Context",
    "Figure",
    "Figures",
    "KMCurve",
    "Sensitivity",
    "build_html",
    "fig_differences",
    "fig_partnerships",
    "fig_scatter",
    "fig_sensitivity",
    "fig_time_to_target",
    "format_diff",
    "format_interval",
    "format_value",
    "km_curve",
    "load_context",
    "make_figures",
    "quarter_name",
    "sensitivity_analysis",
    "write_report",
]
