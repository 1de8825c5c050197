"""The cheapest path to a target: search the levers for policy mixes that reach it in time at least cost.

The question: which mixes of levers reach ``IPM level`` by ``year`` with probability at least
``p`` (the share of replications, common random numbers, that reach it), and among them,
what is the trade-off between government cost, time to target and regional inequality?

The search is Optuna's NSGA-II (``optuna.samplers.NSGAIISampler``), multi-objective with a
constraint: three objectives minimised (government spending over the run in rupiah,
restricted mean years to target up to the horizon, regional inequality of the index at the
horizon) subject to ``p - P(reached by year) <= 0``. The result is every trial, the Pareto
front of the feasible ones (no other feasible mix is at least as good on all three and better
on one), and the cheapest feasible mix. Each point of the front is written as a scenario file
that reruns it (``kemitraan run front/front_01.toml``).

The search is sequential and seeded, so the same command gives the same front.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

OBJECTIVES: tuple[str, ...] = ("cost", "years", "inequality")


@dataclass(frozen=True)
class Lever:
    """A lever searched over: parameter name and range."""

    name: str
    low: float
    high: float
    integer: bool = False


@dataclass
class Result:
    """Every trial, the feasible Pareto front and the cheapest feasible trial (None if none is feasible)."""

    trials: pd.DataFrame
    front: pd.DataFrame
    cheapest: pd.Series | None
    probability: float


def pareto(
    frame: pd.DataFrame, objectives: tuple[str, ...] = OBJECTIVES
) -> pd.DataFrame:
    """The rows no other row dominates (all objectives minimised)."""
    v = frame[list(objectives)].to_numpy(float)
    keep = np.ones(len(v), dtype=bool)
    for i in range(len(v)):
        dominated = np.all(v <= v[i], axis=1) & np.any(v < v[i], axis=1)
        keep[i] = not dominated.any()
    return frame[keep]


def search(
    evaluate: Callable[[dict[str, float]], dict[str, float]],
    levers: list[Lever],
    *,
    probability: float,
    trials: int = 60,
    population: int = 12,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Search the levers with NSGA-II under the probability constraint.

    Args:
        evaluate: Maps lever values to ``cost``, ``years``, ``inequality`` and ``probability``
            (share of replications reaching the target by the year).
        levers: The levers and their ranges.
        probability: Required probability of reaching the target by the year.
        trials: Evaluations in all.
        population: NSGA-II population size.
        seed: Seed of the sampler.
        progress: Called with (done, total) after each trial.
    """
    import optuna

    optuna.logging.set_verbosity(logging.WARNING)

    sampler = optuna.samplers.NSGAIISampler(population_size=population, seed=seed)
    study = optuna.create_study(
        directions=["minimize"] * len(OBJECTIVES), sampler=sampler
    )
    rows: list[dict[str, Any]] = []

    def objective(trial) -> tuple[float, ...]:
        values = {
            lv.name: (
                trial.suggest_int(lv.name, int(lv.low), int(lv.high))
                if lv.integer
                else trial.suggest_float(lv.name, lv.low, lv.high)
            )
            for lv in levers
        }
        out = evaluate(values)
        trial.set_constraint(
            "shortfall", float(probability - out["probability"])
        )  # feasible when <= 0
        rows.append(
            {
                "trial": trial.number,
                **values,
                **{k: float(out[k]) for k in (*OBJECTIVES, "probability")},
                "feasible": out["probability"] >= probability - 1e-12,
            }
        )
        if progress is not None:
            progress(len(rows), trials)
        return tuple(float(out[k]) for k in OBJECTIVES)

    study.optimize(objective, n_trials=trials)
    table = pd.DataFrame(rows)
    feasible = table[table["feasible"]]
    lever_cols = [lv.name for lv in levers]
    front = (
        pareto(feasible)
        .drop_duplicates(lever_cols)
        .sort_values("cost", kind="stable")
        .reset_index(drop=True)
        if not feasible.empty
        else feasible
    )
    cheapest = front.iloc[0] if not front.empty else None
    return Result(table, front, cheapest, probability)


def model_evaluator(
    base, replications: int, level: float, by_year: float, *, workers: int = 1
) -> Callable[[dict[str, float]], dict[str, float]]:
    """The model as the search's objective: ``replications`` runs (common random numbers) of the base scenario with the levers set."""
    from sim.analysis.costs import rupiah_per_unit
    from sim.experiment.run import run_many

    per_unit, _ = rupiah_per_unit(None)

    def evaluate(values: dict[str, float]) -> dict[str, float]:
        scn = base.with_overrides(
            {**values, "scenario.target": float(level)}, source="optimise"
        )
        runs = run_many([scn], replications, workers=workers, names=["candidate"])[
            "runs"
        ]
        runs = runs[runs["status"] == "ok"]
        if runs.empty:
            return {
                "cost": math.inf,
                "years": math.inf,
                "inequality": math.inf,
                "probability": 0.0,
            }
        tau = float(runs["censored_at_years"].min())
        years = np.where(
            runs["reached"], np.minimum(runs["years_to_target"], tau), tau
        )  # restricted at tau: censored runs count as tau
        by = runs["reached"] & (runs["year_reached"] <= by_year + 1e-9)
        return {
            "cost": float(runs["government_spending"].mean() * per_unit),
            "years": float(years.mean()),
            "inequality": float(runs["inequality"].mean()),
            "probability": float(by.mean()),
        }

    return evaluate


def write_front(
    base, result: Result, levers: list[Lever], out: Path, level: float
) -> list[Path]:
    """Each point of the front as a scenario file (``front_01.toml`` ...), cheapest first, and the tables as CSV."""
    from sim.scenario import dumps

    out.mkdir(parents=True, exist_ok=True)
    result.trials.to_csv(out / "trials.csv", index=False, float_format="%.6g")
    result.front.to_csv(out / "front.csv", index=False, float_format="%.6g")
    files = []
    for k, (_, row) in enumerate(result.front.iterrows(), 1):
        values = {
            lv.name: (int(row[lv.name]) if lv.integer else float(row[lv.name]))
            for lv in levers
        }
        name = f"{base.name}_front_{k:02d}"
        text = dumps(
            base,
            {
                **values,
                "scenario.name": name,
                "scenario.target": float(level),
                "scenario.description": f"Pareto front point {k} of kemitraan optimise: government cost "
                f"{row['cost']:.4g} Rp, {row['years']:.2f} years to target, P(reached in time) "
                f"{row['probability']:.2f}",
            },
        )
        path = out / f"front_{k:02d}.toml"
        path.write_text(text)
        files.append(path)
    front_figure(result, out / "front")
    return files


def write_page(
    base,
    result: Result,
    levers: list[Lever],
    out: Path,
    files: list[Path],
    *,
    question: str,
    method: str,
) -> Path:
    """The search's page, ``out/report.html``: the cheapest mix and the front, each row linking its scenario file.

    Args:
        base: The base scenario.
        result: The search's result.
        levers: The levers searched.
        out: The folder :func:`write_front` wrote.
        files: The front's scenario files, cheapest first.
        question: The target, year and probability, in words.
        method: How the search was made, in words.

    Returns:
        The page's path.
    """
    from sim.analysis.report.answers import optimise_page

    png = out / "front.png"
    page = optimise_page(
        title=base.name,
        question=question,
        front=result.front,
        files=[p.name for p in files],
        levers=[lv.name for lv in levers],
        trials=len(result.trials),
        feasible=int(result.trials["feasible"].sum()) if len(result.trials) else 0,
        figure_png=png.read_bytes() if png.is_file() else None,
        method=method,
    )
    path = out / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def front_figure(result: Result, path: Path) -> None:
    """Cost against time to target for every trial, the feasible Pareto front marked and coloured by inequality (PNG, SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.analysis.costs import format_rupiah

    t, f = result.trials, result.front
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    bad = t[~t["feasible"]]
    ax.scatter(
        bad["years"],
        bad["cost"],
        s=14,
        c="#bbbbbb",
        label=f"P(in time) < {result.probability:g}",
    )
    ok = t[t["feasible"]]
    ax.scatter(ok["years"], ok["cost"], s=14, c="#7fa7d8", label="feasible")
    if not f.empty:
        sc = ax.scatter(
            f["years"],
            f["cost"],
            s=46,
            c=f["inequality"],
            cmap="viridis",
            edgecolors="black",
            label="Pareto front",
            zorder=3,
        )
        fig.colorbar(sc, ax=ax, label="regional inequality of the index")
        for k, (_, r) in enumerate(f.iterrows(), 1):
            ax.annotate(
                f"{k:02d}",
                (r["years"], r["cost"]),
                textcoords="offset points",
                xytext=(4, 3),
                fontsize=7,
            )
    ax.set_xlabel("years to target (restricted mean up to the horizon)")
    ax.set_ylabel("government spending over the run")
    ax.yaxis.set_major_formatter(
        matplotlib.ticker.FuncFormatter(lambda v, _: format_rupiah(v, 1))
    )
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("Cost against time: every policy mix searched", fontsize=10)
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(
            path.with_suffix(f".{ext}"),
            dpi=110,
            metadata={"Date": None} if ext == "svg" else None,
        )
    plt.close(fig)
