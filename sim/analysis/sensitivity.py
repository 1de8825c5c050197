"""Global sensitivity analysis: Morris screening of every parameter, then Sobol on those that matter.

Which parameters: every numeric parameter of the reference except those that describe the
question rather than the model (``[scenario]``: start year, horizon, seed, target), the data the
world starts from (``[start]``) and the size of the population (``[population]`` counts, whose
effect is scale, not mechanism). Booleans and choices (gotong-royong on/off, the reward scheme)
are policy alternatives, compared in factorial sweeps instead.

Ranges: every parameter varies by +-50% of its default, clipped to its allowed range; one whose
default is 0 varies from 0 to 0.5 if it is a share (allowed 0 to 1), else from 0 to 1. The reference's allowed
ranges are what a file may say, often far wider than is plausible, so they would make the
analysis about implausible worlds.

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

Extra ranges: ``ranges`` overrides (or adds) the range of any parameter, the hook by which a
calibrated posterior's ranges enter later.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

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


def sensitivity_range(p: Param) -> tuple[float, float]:
    """The plausible range a parameter is varied over (see the module docstring)."""
    d = float(p.default)
    if d == 0:
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
) -> tuple[dict[str, pd.DataFrame], list[dict[str, float]], bool]:
    """Double the Sobol base sample from ``start`` until every interval is narrower than ``width`` (or ``max_samples``).

    Args:
        run_at: Runs the analysis with a base sample and returns its index tables per outcome.
        start: First base sample (a power of 2).
        max_samples: Largest base sample tried.
        width: Largest 95% interval width accepted.

    Returns:
        The last tables, the history (``samples`` and each outcome's widest interval), and
        whether it converged.
    """
    n, history = start, []
    while True:
        tables = run_at(n)
        widths = ci_width(tables)
        history.append({"samples": n, **widths})
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
        return f"not resolved (+-{conf:.2f})"
    return f"{value:.3f} [{value - conf:.3f}, {value + conf:.3f}]"


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
