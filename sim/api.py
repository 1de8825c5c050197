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
as keyword arguments (``rewards__scheme=...``) and ``rng`` as the one seeding argument:
``iterations=3`` gives three fresh seeds, each in its rows' ``root_seed``; ``rng=[1, 2, 3]``
gives the same three runs every time.

A results folder loads as EMA Workbench's ``(experiments, outcomes)`` with :func:`load_ema`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    model = (
        PartnershipModel(base, replication=replication)  # the scenario's seed
        if seed is None
        else PartnershipModel(base, replication=replication, rng=seed)
    )
    s = model.run().summary()
    s["years_to_target_or_horizon"] = (
        s["years_to_target"] if s["reached"] else s["censored_at_years"]
    )
    return {k: s[k] for k in SCALAR_OUTCOMES}


def _plain(v: Any) -> Any:
    """Turn numpy scalars from samplers into Python numbers, as a scenario file would give them."""
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


# Parameter sections whose keys are policy levers (what government decides); a varied key
# of any other section is an uncertainty. EMA Workbench keeps the two apart.
POLICY_SECTIONS: tuple[str, ...] = ("regulation", "funding", "rewards")
# load_ema's default outcomes: the scalars that are never NaN by construction.
# ``years_to_target`` is NaN for a censored run, so ``years_to_target_or_horizon`` and
# ``reached`` stand for it (EMA's feature scoring and PRIM reject NaN).
EMA_OUTCOMES: tuple[str, ...] = tuple(
    k for k in SCALAR_OUTCOMES if k != "years_to_target"
)


def ema_name(dotted: str) -> str:
    """A parameter's dotted name as an EMA Workbench identifier (``__`` for the dot).

    Args:
        dotted: ``"funding.public_scale"``.

    Returns:
        ``"funding__public_scale"``, the name :func:`ema_function` takes.
    """
    return dotted.replace(".", "__")


def ema_outcomes(names: Sequence[str] = EMA_OUTCOMES, series: bool = False) -> list:
    """EMA Workbench outcome objects for the model's outcomes (for ``Model.outcomes`` too).

    Creating them registers the names with EMA Workbench, which its ``save_results`` needs.

    Args:
        names: Scalar outcomes, each a ``ScalarOutcome``.
        series: Add the time series of ``SERIES_OUTCOMES`` as ``ArrayOutcome`` named ``<name>_series``.

    Returns:
        The outcome objects.
    """
    from ema_workbench import ArrayOutcome, ScalarOutcome

    out: list = [ScalarOutcome(k) for k in names]
    if series:
        out += [ArrayOutcome(f"{k}_series") for k in SERIES_OUTCOMES]
    return out


def load_ema(
    folder: str | Path,
    *,
    outcomes: Sequence[str] | None = None,
    series: bool = False,
    levers: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """A results folder as EMA Workbench's ``(experiments, outcomes)``, as ``perform_experiments`` returns them.

    The pair goes straight into EMA's analysis (``feature_scoring.get_feature_scores_all``,
    ``prim.Prim``) and ``save_results``. Experiments have one column per varied parameter
    named as :func:`ema_function` takes it (``funding__public_scale``), then EMA's
    ``scenario`` (the point in the uncertainties: the replication's seed and any varied
    non-policy parameter, numbered from 0), ``policy`` (the point in the levers: the design
    point's name when the design varies levers only, else ``key=value`` pairs; the scenario
    file's name when it varies none) and ``model``. Failed runs are left out.

    Args:
        folder: A finished results folder.
        outcomes: Scalar outcomes to return (default ``EMA_OUTCOMES``, leaving out any that
            is NaN in some run, since EMA's analysis rejects NaN; a warning names it).
        series: Add the time series of ``SERIES_OUTCOMES`` as (runs x steps) arrays named
            ``<name>_series`` (``ArrayOutcome``; the analysis functions take 1-D outcomes only).
        levers: Dotted names of the varied parameters that are levers (default: those in
            ``POLICY_SECTIONS``); the other varied parameters are uncertainties.

    Returns:
        ``(experiments, outcomes)``, rows in run order.
    """
    import logging

    from sim.analysis.compare import with_derived
    from sim.experiment.results import load_results

    res = load_results(folder)
    runs = res["runs"]
    if "status" in runs.columns:
        runs = runs[runs["status"] == "ok"]
    runs = with_derived(runs.reset_index(drop=True))
    varied = list(res["manifest"].get("design", {}).get("varied", []))
    lever_keys = [
        k
        for k in varied
        if (k in levers if levers is not None else k.split(".")[0] in POLICY_SECTIONS)
    ]
    uncertain = [k for k in varied if k not in lever_keys]
    experiments = pd.DataFrame(
        {ema_name(k): runs[k] for k in uncertain + lever_keys}, index=runs.index
    )
    for k in experiments.columns:
        if experiments[k].dtype == object or pd.api.types.is_string_dtype(
            experiments[k]
        ):
            experiments[k] = experiments[k].astype("category")
    experiments["scenario"] = _point_ids(runs, [*uncertain, "replication"])
    experiments["policy"] = pd.Categorical(_policy_names(runs, varied, lever_keys))
    experiments["model"] = pd.Categorical(["kemitraan"] * len(runs))

    names = list(outcomes) if outcomes is not None else list(EMA_OUTCOMES)
    result: dict[str, np.ndarray] = {}
    for k in names:
        if k not in runs.columns:
            continue
        values = runs[k].to_numpy(dtype=float)
        if outcomes is None and np.isnan(values).any():
            logging.getLogger(__name__).warning(
                "load_ema: outcome %s left out: NaN in %d of %d runs",
                k,
                int(np.isnan(values).sum()),
                len(values),
            )
            continue
        result[k] = values
    if series:
        ts = res["timeseries"]
        ts = ts[ts["run"].isin(runs["run"])]
        for k in SERIES_OUTCOMES:
            wide = ts.pivot(index="run", columns="step", values=k).reindex(runs["run"])
            result[f"{k}_series"] = wide.to_numpy(dtype=float)
    ema_outcomes([k for k in result if not k.endswith("_series")], series=series)
    return experiments, result


def _point_ids(runs: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Each run's number among the distinct combinations of ``keys``, in order of first appearance."""
    codes = runs[keys].astype(str).agg("\x1f".join, axis=1)
    return pd.factorize(codes)[0].astype(np.int64)


def _policy_names(
    runs: pd.DataFrame, varied: list[str], lever_keys: list[str]
) -> list[str]:
    """Each run's policy: its design point's name if only levers vary, else its lever values."""
    if not lever_keys:
        return runs["scenario"].astype(str).tolist()
    if lever_keys == varied and "point_name" in runs.columns:
        return runs["point_name"].astype(str).tolist()
    return [
        ", ".join(f"{k}={v}" for k, v in zip(lever_keys, row, strict=True))
        for row in runs[lever_keys].itertuples(index=False)
    ]
