"""Global sensitivity analysis: Morris screening of every parameter, then Sobol on those that matter.

Which parameters: every numeric parameter of the reference except those that describe the
question rather than the model (``[scenario]``: start year, horizon, seed, target), the data the
world starts from (``[start]``) and the size of the population (``[population]`` counts, whose
effect is scale, not mechanism). Booleans and choices (gotong-royong on/off, the reward scheme)
are policy alternatives, compared in factorial sweeps instead.

Ranges: every parameter varies by +-50% of its default, clipped to its allowed range. A
parameter whose default is 0 has no scale for that rule, so it takes a range stated for it in
:func:`plausible_ranges` (the one place these are kept, each with its source): the macro shocks
from the largest deviation BPS's national series records (fit years only), the policy levers
that are off in the status quo from their meaning. The reference's allowed ranges are what a
file may say, often far wider than is plausible, so they would make the analysis about
implausible worlds.

Each stage is an ordinary sweep file written into the output folder (``morris.toml``,
``sobol_<N>.toml``) and run like any other, so it can be inspected, rerun, resumed and reproduced.

Censoring: time to target is the restricted time ``min(T, horizon)`` of each run (the
integrand of the restricted mean; a run never reaching the target counts as the horizon *and is
reported as censored*). Where many runs are censored the indices describe the horizon, not the
model, so the horizon is lengthened until at most ``MAX_CENSORED`` of the screening runs are
censored (:func:`censored_share`).

Convergence: the Sobol stage starts from a base sample and doubles it until every index's 95%
bootstrap interval (SALib's, ``2 * conf`` wide) is narrower than a stated width, or a largest
sample is reached (:func:`converge`); the history of widths is reported. An index whose
interval is wider than the index itself is *not resolved* and is printed as such, not as a
number (:func:`resolved`).

Extra ranges: ``ranges`` overrides (or adds) the range of any parameter. The calibrated
posterior enters this way: :func:`posterior_ranges` turns ``kemitraan calibrate``'s
``ensemble.csv`` (the kept parameter sets) into each calibrated parameter's 2.5-97.5% range.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from sim.parameters import BY_NAME, PARAMETERS, Param
from sim.scenario import Scenario, dumps

EXCLUDED_SECTIONS = ("scenario", "start")
EXCLUDED = {
    p.name
    for p in PARAMETERS
    if p.section == "population"
    and p.key not in ("regional_spread", "max_partnerships")
}
OUTCOMES: tuple[str, ...] = (
    "years_to_target_or_horizon",
    "government_share",
    "partnerships_formed",
)
MAX_CENSORED = (
    0.1  # share of runs not reaching the target above which the horizon is lengthened
)
WIDTH = 0.1  # default largest 95% interval width of a Sobol index


def candidates() -> list[Param]:
    """The parameters the analysis varies."""
    return [
        p
        for p in PARAMETERS
        if p.kind in (int, float)
        and p.section not in EXCLUDED_SECTIONS
        and p.name not in EXCLUDED
    ]


# Years of BPS's national series whose changes bound the macro shocks: the fit years only, so
# the held-out 2022 plays no part in any range.
SHOCK_YEARS = (2014, 2021)
# The quantiles of a calibrated ensemble that bound a parameter's range (a 95% range).
POSTERIOR_QUANTILES = (0.025, 0.975)


@dataclass(frozen=True)
class Plausible:
    """A stated range for a parameter the +-50% rule cannot scale (its default is 0)."""

    low: float
    high: float
    source: str


def recorded_shocks(years: tuple[int, int] = SHOCK_YEARS) -> dict[str, float]:
    """The largest recorded deviation of a year's change from the mean yearly change, nationally.

    A shock in the model is a deviation from the components' estimated path, so its plausible
    size is the largest such deviation in BPS's national series: COVID-19's fall in expenditure
    in 2020, life expectancy's largest swing.

    Args:
        years: First and last year of the series used (the last must not be the held-out 2022).

    Returns:
        ``shocks.expenditure`` (log change per year) and ``shocks.life_expectancy`` (years per
        year): each the largest absolute deviation.
    """
    from sim.geography import national_series

    s = national_series()
    s = s[(s["year"] >= years[0]) & (s["year"] <= years[1])].sort_values("year")
    changes = {
        "shocks.expenditure": np.diff(np.log(s["expenditure_thousand_rp"].to_numpy())),
        "shocks.life_expectancy": np.diff(s["life_expectancy"].to_numpy()),
    }
    return {k: float(np.abs(v - v.mean()).max()) for k, v in changes.items()}


@cache
def plausible_ranges() -> dict[str, Plausible]:
    """The stated ranges of the parameters whose default is 0, each with where it comes from.

    ``tests/test_sensitivity.py`` checks that every such parameter the analysis varies has one,
    so none falls back on a range with no meaning.
    """
    shocks = recorded_shocks()
    first, last = SHOCK_YEARS
    return {
        "shocks.expenditure": Plausible(
            -round(shocks["shocks.expenditure"], 4),
            round(shocks["shocks.expenditure"], 4),
            f"+- the largest deviation of a year's log change in BPS's national adjusted "
            f"expenditure from its {first}-{last} mean (COVID-19, 2020)",
        ),
        "shocks.life_expectancy": Plausible(
            -round(shocks["shocks.life_expectancy"], 4),
            round(shocks["shocks.life_expectancy"], 4),
            f"+- the largest deviation of a year's change in BPS's national life expectancy "
            f"from its {first}-{last} mean, in force all run long",
        ),
        "regulation.tax_deduction": Plausible(
            0.0,
            1.0,
            "a lever off in the status quo: from none to all of a contribution deductible "
            "(PP 93/2010 makes some donations fully deductible, up to a cap)",
        ),
        "funding.trust_fund_share": Plausible(
            0.0,
            1.0,
            "a lever off in the status quo: from no donor money pooled to all of it",
        ),
        "leakage.audit_rate": Plausible(
            0.0,
            0.25,
            "a lever off in the status quo: up to a quarter of partnerships audited each "
            "quarter, about one audit per partnership a year",
        ),
    }


def sensitivity_range(p: Param) -> tuple[float, float]:
    """The plausible range a parameter is varied over (see the module docstring)."""
    d = float(p.default)
    stated = plausible_ranges().get(p.name)
    if stated is not None:
        lo, hi = stated.low, stated.high
    elif d == 0:
        # No stated range and no scale: a share from 0 to 0.5, else 0 to 1 (a test keeps
        # every varied parameter off this branch).
        lo, hi = 0.0, 0.5 if (p.low == 0 and p.high == 1) else 1.0
    else:
        lo, hi = sorted((0.5 * d, 1.5 * d))  # a negative default (a falling trend) too
    # An unbounded side keeps the plausible range.
    lo = max(lo, float(p.low)) if p.low is not None else lo
    hi = min(hi, float(p.high)) if p.high is not None else hi
    if p.kind is int:
        lo, hi = float(round(lo)), float(round(hi))
        if hi <= lo:
            hi = lo + 1.0
    return lo, hi


def posterior_ranges(
    path: Path, quantiles: tuple[float, float] = POSTERIOR_QUANTILES
) -> tuple[dict[str, tuple[float, float]], int]:
    """Each calibrated parameter's range over a calibrated posterior, for ``--posterior``.

    Args:
        path: ``kemitraan calibrate``'s ``ensemble.csv`` (one kept parameter set a row), or its
            ``candidates.csv`` (only the rows marked ``kept`` are used).
        quantiles: Lower and upper quantile of the kept sets that bound each range.

    Returns:
        The range of every parameter column whose kept values are not all equal (a parameter
        the posterior fixes is left at the scenario's value's rule), clipped to the
        parameter's allowed range; and the number of kept sets.

    Raises:
        ValueError: The file cannot be read, has no parameter column or fewer than 2 sets.
    """
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"{path}: cannot be read as a calibrated ensemble ({exc})"
        ) from None
    if "kept" in table.columns:
        table = table[table["kept"].astype(str).str.lower() == "true"]
    columns = [
        c for c in table.columns if c in BY_NAME and BY_NAME[c].kind in (int, float)
    ]
    if not columns or len(table) < 2:
        raise ValueError(
            f"{path}: {len(table)} sets and {len(columns)} parameter columns; allowed: "
            "kemitraan calibrate's ensemble.csv, with at least 2 sets"
        )
    out = {}
    for c in columns:
        p = BY_NAME[c]
        values = pd.to_numeric(table[c], errors="coerce").dropna()
        lo, hi = (float(values.quantile(q)) for q in quantiles)
        lo = max(lo, float(p.low)) if p.low is not None else lo
        hi = min(hi, float(p.high)) if p.high is not None else hi
        if hi > lo:
            out[c] = (lo, hi)
    return out, len(table)


def sweep_text(
    base: Scenario,
    kind: str,
    names: list[str],
    samples: int,
    replications: int,
    years: float,
    name: str,
    ranges: dict[str, tuple[float, float]] | None = None,
) -> str:
    """A scenario file: the base scenario with a new name and horizon, and a sampled ``[design]``.

    ``ranges`` replaces the rule's range of the parameters it names (the hook for calibrated ranges).
    """
    ranges = ranges or {}
    text = dumps(
        base,
        {
            "scenario.name": name,
            "scenario.years": float(years),
            "scenario.description": f"{kind} sensitivity analysis of {base.name}",
        },
    )
    design = [
        f'[design]\ntype = "{kind}"\nsamples = {samples}\nreplications = {replications}\n\n[design.ranges]'
    ]
    for n in names:
        lo, hi = ranges.get(n) or sensitivity_range(BY_NAME[n])
        design.append(f'"{n}" = [{lo!r}, {hi!r}]')
    return text + "\n".join(design) + "\n"


@dataclass
class Stage:
    """One stage's sweep file, results folder and index tables per outcome."""

    file: Path
    folder: Path
    indices: dict[str, pd.DataFrame]
    censored: float = 0.0
    samples: int = 0


def select(morris: dict[str, pd.DataFrame], keep: int) -> list[str]:
    """The parameters that matter: the union over outcomes of the ``keep`` largest normalised mu*."""
    chosen: list[str] = []
    for table in morris.values():
        t = table.assign(
            norm=table["mu_star"] / max(table["mu_star"].max(), 1e-300)
        ).sort_values("norm", ascending=False, kind="stable")
        for name in t["parameter"].head(keep):
            if name not in chosen:
                chosen.append(name)
    return chosen


def figure(tables: dict[str, pd.DataFrame], kind: str, path: Path) -> None:
    """Bar charts of the indices, one panel per outcome (PNG and SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1,
        len(tables),
        figsize=(5.5 * len(tables), 0.32 * max(len(t) for t in tables.values()) + 1.8),
        squeeze=False,
    )
    for ax, (outcome, indices) in zip(axes[0], tables.items(), strict=True):
        if kind == "morris":
            t = indices.sort_values("mu_star", kind="stable").tail(20)
            ax.barh(
                t["parameter"], t["mu_star"], xerr=t["mu_star_conf"], color="#3b7dd8"
            )
            ax.set_xlabel("mu* (mean absolute elementary effect)")
        else:
            t = indices.sort_values("ST", kind="stable")
            y = range(len(t))
            ax.barh(
                [i + 0.2 for i in y],
                t["ST"],
                height=0.4,
                xerr=t["ST_conf"],
                color="#d8743b",
                label="total order ST",
            )
            ax.barh(
                [i - 0.2 for i in y],
                t["S1"],
                height=0.4,
                xerr=t["S1_conf"],
                color="#3b7dd8",
                label="first order S1",
            )
            ax.set_yticks(list(y), t["parameter"])
            ax.set_xlabel("Sobol index (95% CI)")
            ax.legend(loc="lower right", fontsize=8)
        ax.set_title(outcome.replace("_", " "), fontsize=10)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(
            path.with_suffix(f".{ext}"),
            dpi=110,
            metadata={"Date": None} if ext == "svg" else None,
        )
    plt.close(fig)


def run_stage(
    base: Scenario,
    kind: str,
    names: list[str],
    samples: int,
    replications: int,
    years: float,
    out: Path,
    *,
    workers: int,
    executor=None,
    resume: bool,
    force: bool,
    progress=None,
    ranges: dict[str, tuple[float, float]] | None = None,
    tag: str = "",
) -> Stage:
    """Write one stage's sweep file, run it, and compute its indices for every outcome."""
    from sim.analysis.compare import sensitivity
    from sim.experiment.results import load_results
    from sim.experiment.sweep import plan, run_sweep
    from sim.scenario import load

    out.mkdir(parents=True, exist_ok=True)
    stem = f"{kind}{tag}"
    file = out / f"{stem}.toml"
    text = sweep_text(
        base, kind, names, samples, replications, years, f"{base.name}_{stem}", ranges
    )
    if not (resume and file.is_file() and file.read_text() == text):
        file.write_text(text)
    folder = out / stem
    run_sweep(
        plan(load(file)),
        folder,
        workers=workers,
        executor=executor,
        resume=resume,
        force=force,
        progress=progress,
    )
    res = load_results(folder)
    indices = {
        o: sensitivity(res["runs"], res["manifest"]["design"], o) for o in OUTCOMES
    }
    if kind == "sobol":
        indices = {o: t.assign(resolved=resolved(t)) for o, t in indices.items()}
    for o, t in indices.items():
        t.to_csv(out / f"{stem}_{o}.csv", index=False, float_format="%.6g")
    figure(indices, kind, out / f"{stem}_indices")
    return Stage(file, folder, indices, censored_share(res["runs"]), samples)


def censored_share(runs: pd.DataFrame) -> float:
    """Share of successful runs that never reach the target within the horizon."""
    ok = runs[runs["status"] == "ok"] if "status" in runs.columns else runs
    return float((~ok["reached"].astype(bool)).mean()) if len(ok) else math.nan


def resolved(table: pd.DataFrame) -> pd.Series:
    """Whether each parameter's total-order index is resolved: its 95% interval (2 x conf) is narrower than the index."""
    return (2 * table["ST_conf"] < table["ST"]) & (table["ST"] > 0)


def ci_width(tables: dict[str, pd.DataFrame]) -> dict[str, float]:
    """The widest 95% interval (first or total order) over the parameters, per outcome."""
    return {
        o: float(max((2 * t["S1_conf"]).max(), (2 * t["ST_conf"]).max()))
        for o, t in tables.items()
    }


def converge(
    run_at: Callable[[int], dict[str, pd.DataFrame]],
    start: int,
    max_samples: int,
    width: float = WIDTH,
    on_stage: Callable[[list[dict[str, float]]], None] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[dict[str, float]], bool]:
    """Double the Sobol base sample from ``start`` until every interval is narrower than ``width`` (or ``max_samples``).

    Args:
        run_at: Runs the analysis with a base sample and returns its index tables per outcome.
        start: First base sample (a power of 2).
        max_samples: Largest base sample tried.
        width: Largest 95% interval width accepted.
        on_stage: Called with the history so far after every size, so a long analysis that is
            stopped still leaves its convergence record.

    Returns:
        The last tables, the history (``samples`` and each outcome's widest interval), and
        whether it converged.
    """
    n, history = start, []
    while True:
        tables = run_at(n)
        widths = ci_width(tables)
        history.append({"samples": n, **widths})
        if on_stage:
            on_stage(history)
        if max(widths.values()) <= width:
            return tables, history, True
        if 2 * n > max_samples:
            return tables, history, False
        n *= 2


def index_text(value: float, conf: float, ok: bool) -> str:
    """A Sobol index for print: ``0.47 [0.34, 0.60]``, or ``not resolved`` where its interval is wider than itself."""
    if value == 0 and conf == 0:
        return "0 (no effect in these runs)"
    if not ok:
        return f"not resolved (+-{conf:.2g})"
    # A small but resolved index keeps two significant digits, so it does not read as 0.000.
    f = ".3f" if abs(value) >= 0.01 else ".2g"
    return f"{value:{f}} [{value - conf:{f}}, {value + conf:{f}}]"


def printable(table: pd.DataFrame) -> pd.DataFrame:
    """The Sobol table as printed: unresolved indices named as such, not shown as numbers."""
    s1_ok = (2 * table["S1_conf"] < table["S1"].abs()) & (table["S1"] > 0)
    return pd.DataFrame(
        {
            "parameter": table["parameter"],
            "S1 (95% CI)": [
                index_text(v, c, k)
                for v, c, k in zip(table["S1"], table["S1_conf"], s1_ok, strict=True)
            ],
            "ST (95% CI)": [
                index_text(v, c, k)
                for v, c, k in zip(
                    table["ST"], table["ST_conf"], resolved(table), strict=True
                )
            ],
        }
    )
