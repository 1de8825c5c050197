"""Running the model: one run, or many runs of several scenarios in parallel.

Running and analysing are kept apart: this module only produces tables; :mod:`sim.analysis`
reads them. Seeds follow one rule everywhere: run ``(scenario, r)`` uses
``SeedSequence(scenario.seed, spawn_key=(r,))``, so replication r gets the same seed in every
scenario (common random numbers) and any number of workers gives the same numbers.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.model import PartnershipModel, run_seed
from sim.scenario import Scenario


@dataclass
class RunResult:
    """The tables of one run.

    Attributes:
        summary: One-row outcome summary (see ``PartnershipModel.summary``).
        timeseries: Per-step metrics.
        regions: Per-step, per-region index and components.
        events: Partnership events.
    """

    summary: dict
    timeseries: pd.DataFrame
    regions: pd.DataFrame
    events: pd.DataFrame


def simulate(scenario: Scenario, replication: int = 0, *, checked: bool = False) -> RunResult:
    """Run one replication of a scenario to its horizon."""
    t0 = time.perf_counter()
    model = PartnershipModel(scenario, replication=replication, checked=checked).run()
    summary = model.summary()
    summary["run_seed"] = int(run_seed(model.root_seed, replication).generate_state(1, np.uint64)[0])
    summary["wall_seconds"] = round(time.perf_counter() - t0, 4)
    return RunResult(summary, model.timeseries(), model.region_series(), model.events())


def _task(args: tuple[Scenario, int, int]) -> tuple[int, RunResult]:
    scenario, replication, run_id = args
    return run_id, simulate(scenario, replication)


def run_many(scenarios: Sequence[Scenario], replications: int, *, workers: int = 1, executor: Executor | None = None,
             progress: Callable[[int, int], None] | None = None) -> dict[str, pd.DataFrame]:
    """Run every scenario ``replications`` times and gather the tables.

    Args:
        scenarios: The scenarios (their names must differ).
        replications: Runs per scenario.
        workers: Worker processes when no executor is given (1: run in this process).
        executor: Any ``concurrent.futures`` executor (e.g. a Dask client's executor).
        progress: Called with (done, total) after each run.

    Returns:
        Tables ``runs``, ``timeseries``, ``regions``, ``events``, each with ``run``,
        ``scenario`` and ``replication`` columns, rows in run order whatever the workers.
    """
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ: {names}")
    tasks = [(s, r, i * replications + r) for i, s in enumerate(scenarios) for r in range(replications)]
    results: dict[int, RunResult] = {}
    total = len(tasks)
    if executor is None and workers <= 1:
        for t in tasks:
            run_id, res = _task(t)
            results[run_id] = res
            if progress:
                progress(len(results), total)
    else:
        own = executor is None
        # forkserver: workers start from a clean process, not a fork of a threaded parent.
        pool = executor or ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver"))
        try:
            futures = [pool.submit(_task, t) for t in tasks]
            for fut in as_completed(futures):
                run_id, res = fut.result()
                results[run_id] = res
                if progress:
                    progress(len(results), total)
        finally:
            if own:
                pool.shutdown(cancel_futures=True)
    return gather([results[i] for i in range(total)], [(s.name, r) for s in scenarios for r in range(replications)])


def gather(results: Iterable[RunResult], keys: Sequence[tuple[str, int]]) -> dict[str, pd.DataFrame]:
    """Stack per-run tables, tagging each row with its run id, scenario and replication."""
    runs, ts, regions, events = [], [], [], []
    for run_id, (res, (name, rep)) in enumerate(zip(results, keys, strict=True)):
        runs.append({"run": run_id, **res.summary})
        for df, bucket in ((res.timeseries, ts), (res.regions, regions), (res.events, events)):
            df = df.copy()
            df.insert(0, "replication", rep)
            df.insert(0, "scenario", name)
            df.insert(0, "run", run_id)
            bucket.append(df)
    return {
        "runs": pd.DataFrame(runs),
        "timeseries": pd.concat(ts, ignore_index=True),
        "regions": pd.concat(regions, ignore_index=True),
        "events": pd.concat(events, ignore_index=True),
    }
