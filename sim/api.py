"""The model as a plain function, and results in other tools' shapes.

For tools that drive a model themselves (EMA Workbench, SALib, a user's own script):

>>> from sim.api import evaluate
>>> out = evaluate({"rewards.scheme": "performance", "scenario.years": 2.0}, seed=1)
>>> sorted(out)[:3]
['active_partnerships', 'business_participation', 'cohesion']

EMA Workbench (its parameter names must be identifiers, so use ``__`` for the dot)::

    from ema_workbench import Model, RealParameter, ScalarOutcome, perform_experiments
    from sim.api import ema_function
    model = Model("kemitraan", function=ema_function)
    model.uncertainties = [RealParameter("funding__public_scale", 0.5, 1.5)]
    model.levers = [RealParameter("regulation__tax_deduction", 0.0, 1.0)]
    model.outcomes = [ScalarOutcome("years_to_target"), ScalarOutcome("government_share")]
    experiments, outcomes = perform_experiments(model, scenarios=50, policies=4)

SALib::

    from SALib.sample import sobol
    from sim.api import evaluate
    problem = {"num_vars": 2, "names": ["funding.public_scale", "regulation.tax_deduction"],
               "bounds": [[0.5, 1.5], [0.0, 1.0]]}
    X = sobol.sample(problem, 64, calc_second_order=False)
    Y = [evaluate(dict(zip(problem["names"], x)), seed=1)["years_to_target_or_horizon"] for x in X]

Mesa's own ``batch_run`` works on :class:`sim.model.PartnershipModel` directly, with levers
as keyword arguments (``rewards__scheme=...``) and ``rng`` as the seed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.model import PartnershipModel
from sim.scenario import Scenario, defaults, load

SCALAR_OUTCOMES: tuple[str, ...] = (
    "final_index",
    "reached",
    "years_to_target",
    "years_to_target_or_horizon",
    "government_share",
    "partnerships_formed",
    "partnerships_dissolved",
    "active_partnerships",
    "mean_active_partnerships",
    "mean_lifespan_years",
    "participation_share",
    "business_participation",
    "cross_sector_share",
    "cohesion",
    "inequality",
)
SERIES_OUTCOMES: tuple[str, ...] = (
    "index",
    "active_partnerships",
    "government_share",
    "cohesion",
)


def evaluate(
    params: Mapping[str, Any] | None = None,
    seed: int | None = None,
    replication: int = 0,
    scenario: Scenario | str | Path | None = None,
) -> dict[str, Any]:
    """Run the model once and return its outcomes.

    Args:
        params: Parameter overrides by dotted name (``"rewards.scheme"``) or with ``__`` for the dot.
        seed: Root seed (default: the scenario's).
        replication: Replication number under that seed.
        scenario: Base scenario, or the path of a scenario file (default: every parameter at its default).

    Returns:
        Scalar outcomes (see ``SCALAR_OUTCOMES``); ``years_to_target`` is NaN when the target is
        not reached, ``years_to_target_or_horizon`` is then the horizon.
    """
    base = (
        load(scenario)
        if isinstance(scenario, (str, Path))
        else (scenario or defaults())
    )
    if params:
        base = base.with_overrides(
            {k.replace("__", "."): _plain(v) for k, v in params.items()},
            source="evaluate()",
        )
    s = PartnershipModel(base, replication=replication, seed=seed).run().summary()
    s["years_to_target_or_horizon"] = (
        s["years_to_target"] if s["reached"] else s["censored_at_years"]
    )
    return {k: s[k] for k in SCALAR_OUTCOMES}


def _plain(v: Any) -> Any:
    """A sampler's numpy scalar as a Python number, as a scenario file would give it."""
    if isinstance(v, np.generic):
        return v.item()
    return v


def ema_function(**kwargs: Any) -> dict[str, Any]:
    """EMA Workbench entry point: parameters as keyword arguments (``__`` for the dot).

    ``seed`` and ``replication`` may be passed as constants or uncertainties too.
    """
    seed = kwargs.pop("seed", None)
    replication = int(kwargs.pop("replication", 0))
    out = evaluate(
        kwargs, seed=None if seed is None else int(seed), replication=replication
    )
    out["reached"] = float(out["reached"])
    return out


def load_ema(folder: str | Path) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A results folder as EMA Workbench's ``(experiments, outcomes)`` pair.

    Experiments have one column per varied parameter, plus ``scenario`` (the replication),
    ``policy`` (the design point's name) and ``model``; outcomes map each scalar outcome to a
    1-D array and each time series in ``SERIES_OUTCOMES`` to a (runs x steps) array, rows in
    the order of the experiments. Failed runs are left out.
    """
    from sim.analysis.compare import with_derived
    from sim.experiment.results import load_results

    res = load_results(folder)
    runs = res["runs"]
    if "status" in runs.columns:
        runs = runs[runs["status"] == "ok"]
    runs = with_derived(runs.reset_index(drop=True))
    varied = list(res["manifest"].get("design", {}).get("varied", []))
    name_col = "point_name" if "point_name" in runs.columns else "scenario"
    experiments = runs[varied].copy() if varied else pd.DataFrame(index=runs.index)
    experiments["scenario"] = runs["replication"].astype(int)
    experiments["policy"] = runs[name_col].astype(str)
    experiments["model"] = "kemitraan"
    outcomes: dict[str, np.ndarray] = {
        k: runs[k].to_numpy(dtype=float) for k in SCALAR_OUTCOMES if k in runs.columns
    }
    ts = res["timeseries"]
    ts = ts[ts["run"].isin(runs["run"])]
    for k in SERIES_OUTCOMES:
        wide = ts.pivot(index="run", columns="step", values=k).reindex(runs["run"])
        outcomes[f"{k}_series"] = wide.to_numpy(dtype=float)
    return experiments, outcomes
