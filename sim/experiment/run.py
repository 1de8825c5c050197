"""Running the model: one run, or many runs of several scenarios in parallel.

Running and analysing are kept apart: this module only produces tables; :mod:`sim.analysis.compare`
reads them. Seeds follow one rule everywhere: run ``(scenario, r)`` uses
``SeedSequence(scenario.seed, spawn_key=(r,))``, so replication r gets the same seed in every
scenario (common random numbers) and any number of workers gives the same numbers.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
import traceback
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.scenario import Scenario

# The model (and Mesa and scipy with it) is imported where a run needs it, not with this module:
# a sweep's parent process can then plan the sweep and start its pool's forkserver, which
# imports the model for every worker, while it imports the model itself (see ``start_server``).
MODEL_MODULE = "sim.model"


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


def simulate(
    scenario: Scenario, replication: int = 0, *, checked: bool = False
) -> RunResult:
    """Run one replication of a scenario to its horizon."""
    from sim.model import PartnershipModel, run_fingerprint

    t0 = time.perf_counter()
    model = PartnershipModel(scenario, replication=replication, checked=checked).run()
    summary = model.summary()
    summary["run_seed"] = run_fingerprint(model.root_seed, replication)
    summary["wall_seconds"] = round(time.perf_counter() - t0, 4)
    return RunResult(summary, model.timeseries(), model.region_series(), model.events())


@dataclass(frozen=True)
class Task:
    """One run of a sweep: a design point's scenario and a replication.

    Attributes:
        run: Run id (``point * replications + replication``).
        point: Design point id.
        point_name: Design point name.
        replication: Replication number (fixes the seed with the scenario's root seed).
        scenario: The scenario with the point's overrides applied.
        varied: The point's overrides (become columns of the runs table).
        checked: Assert the model's invariants every step.
    """

    run: int
    point: int
    point_name: str
    replication: int
    scenario: Scenario
    varied: dict[str, Any]
    checked: bool = False


def _outcome(task: Task) -> tuple[dict[str, Any], RunResult | None]:
    """Run one task: its row of the runs table and its result (None for a run that raised)."""
    from sim.model import run_fingerprint

    seed = run_fingerprint(int(task.scenario.scenario.seed), task.replication)
    head = {
        "run": task.run,
        "point": task.point,
        "point_name": task.point_name,
        **task.varied,
        "replication": task.replication,
    }
    t0 = time.perf_counter()
    try:
        res = simulate(task.scenario, task.replication, checked=task.checked)
    except Exception as exc:  # a failing run is recorded and the sweep goes on
        last = (
            traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        )
        where = f" at {Path(last.filename).name}:{last.lineno}" if last else ""
        row = {
            **head,
            "status": "failed",
            "error": f"{type(exc).__name__}: {exc}{where}",
            **seed_columns(seed),
            "root_seed": int(task.scenario.scenario.seed),
            "wall_seconds": round(time.perf_counter() - t0, 4),
        }
        return row, None
    summary = dict(res.summary)
    row = {
        **head,
        "status": "ok",
        "error": "",
        **seed_columns(summary.pop("run_seed")),
        "root_seed": summary.pop("root_seed"),
        "wall_seconds": summary.pop("wall_seconds"),
        **{k: v for k, v in summary.items() if k != "replication"},
    }
    return row, res


def _keyed(task: Task, name: str, table: pd.DataFrame) -> pd.DataFrame:
    """A run's table with its run, point and replication in front (events' lists as lists)."""
    df = table.copy()
    keys = {"run": task.run, "point": task.point, "replication": task.replication}
    for i, (k, v) in enumerate(keys.items()):
        df.insert(i, k, v)
    return as_lists(df) if name == "events" else df


def execute(task: Task) -> tuple[int, dict[str, pd.DataFrame]]:
    """Run one task into its tables; a run that raises becomes a ``failed`` row, never an exception."""
    row, res = _outcome(task)
    tables = {"runs": pd.DataFrame([row])}
    if res is not None:
        for name, table in (
            ("timeseries", res.timeseries),
            ("regions", res.regions),
            ("events", res.events),
        ):
            tables[name] = _keyed(task, name, table)
    return task.run, tables


def execute_arrow(task: Task) -> tuple[int, str, dict[str, pa.Table]]:
    """Run one task into Arrow tables: the same tables as :func:`execute`, made without pandas' copies.

    A sweep saves Arrow, so its workers go straight there: the run, point and replication
    columns are prepended as Arrow arrays and the event lists are split by Arrow's kernels,
    instead of copying each DataFrame, inserting columns and splitting every member in a
    Python loop (:func:`as_lists`, about 12 ms of a baseline run's 270). Any table that the
    Arrow path cannot make exactly as :func:`execute` would (no rows, a missing or empty list
    item, text that is not a plain integer) goes through the pandas path instead, so the
    tables are the same either way (``tests/test_sweep.py`` checks both paths against each other).

    Returns:
        (run id, ``ok`` or ``failed``, the tables by name).
    """
    row, res = _outcome(task)
    tables = {"runs": arrow_table(pd.DataFrame([row]))}
    if res is not None:
        for name, table in (
            ("timeseries", res.timeseries),
            ("regions", res.regions),
            ("events", res.events),
        ):
            fast = _arrow_keyed(task, name, table)
            tables[name] = (
                fast if fast is not None else arrow_table(_keyed(task, name, table))
            )
    return task.run, str(row["status"]), tables


def arrow_table(df: pd.DataFrame) -> pa.Table:
    """A DataFrame as the Arrow table a chunk stores (no index, no pandas metadata).

    One thread: a run's tables are small, and a thread pool per call costs more than it saves.
    """
    return pa.Table.from_pandas(
        df, preserve_index=False, nthreads=1
    ).replace_schema_metadata(None)


def _arrow_keyed(task: Task, name: str, df: pd.DataFrame) -> pa.Table | None:
    """:func:`_keyed` made in Arrow, or None where only the pandas path gives the same table."""
    if df.empty or any(k in df.columns for k in ("run", "point", "replication")):
        return None
    table = arrow_table(df)
    if name == "events":
        for col, kind in ((c, _ARROW_ITEM[k]) for c, k in LIST_COLUMNS.items()):
            if col not in table.column_names:
                continue
            lists = _split_lists(table.column(col), kind)
            if lists is None:
                return None
            i = table.schema.get_field_index(col)
            table = table.set_column(i, pa.field(col, lists.type), lists)
    n = table.num_rows
    for i, (key, value) in enumerate(
        (("run", task.run), ("point", task.point), ("replication", task.replication))
    ):
        table = table.add_column(
            i, pa.field(key, pa.int64()), pa.array(np.full(n, value, dtype=np.int64))
        )
    return table


_ARROW_ITEM: dict[type, pa.DataType] = {int: pa.int64(), str: pa.string()}


def _split_lists(text: pa.ChunkedArray, item: pa.DataType) -> pa.ChunkedArray | None:
    """``;``-joined text as Arrow lists of ``item``, exactly as :func:`as_lists` makes them, else None.

    :func:`as_lists` drops empty pieces and pandas infers a list's type from its items, so a
    null, an empty piece (``""``, ``"3;;4"``) or a piece Arrow will not cast (``" 3"``) is
    left to it.
    """
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        return None
    if text.null_count:
        return None
    parts = pc.split_pattern(text, ";")
    if pc.any(pc.equal(pc.list_flatten(parts), "")).as_py():
        return None
    try:
        return parts.cast(pa.list_(item))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def seed_columns(run_seed: int) -> dict[str, int]:
    """The run's seed, and its two 32-bit halves that tools with 53-bit numbers read exactly.

    Args:
        run_seed: The 63-bit fingerprint of :func:`sim.model.run_fingerprint`.

    Returns:
        ``run_seed``, ``run_seed_hi`` (``run_seed // 2**32``) and ``run_seed_lo`` (``% 2**32``).
    """
    seed = int(run_seed)
    return {
        "run_seed": seed,
        "run_seed_hi": seed >> 32,
        "run_seed_lo": seed & 0xFFFFFFFF,
    }


LIST_COLUMNS: dict[str, type] = {"members": int, "kinds": str}


def as_lists(events: pd.DataFrame) -> pd.DataFrame:
    """The event table with ``members`` and ``kinds`` as lists (the model gives ``;``-joined text).

    Args:
        events: A run's event table.

    Returns:
        The same table, its list columns as Python lists (Arrow ``list<int64>``, ``list<string>``).
    """
    events = events.copy()
    for col, kind in LIST_COLUMNS.items():
        if col in events.columns:
            events[col] = [
                [kind(x) for x in str(v).split(";") if x] for v in events[col]
            ]
    return events


# Times a task whose future failed is submitted again to a cluster that is still reachable.
RESUBMITS = 2


class ExecutorLost(RuntimeError):  # noqa: N818 - public name, kept for callers
    """The pool or cluster running the tasks failed (a Dask scheduler gone, a worker process killed).

    ``execute`` turns every error of a run into a ``failed`` row, so an exception from a
    future means the machinery, not the model, broke; results handed over before it are kept.
    """

    def __init__(self, cause: BaseException):
        """Wrap ``cause``; the message is its type and the first line of its text."""
        self.cause = cause
        text = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        super().__init__(f"{type(cause).__name__}{': ' + text[:160] if text else ''}")


def execute_all(
    tasks: Iterable[Task],
    on_result: Callable[..., None],
    *,
    workers: int = 1,
    executor: Executor | None = None,
    max_in_flight: int | None = None,
    fn: Callable[[Task], tuple] = execute,
) -> None:
    """Run tasks and hand each result to ``on_result`` as it arrives (in any order).

    Args:
        tasks: What to run.
        on_result: Called in this process with (run id, tables) for each finished run.
        workers: Local worker processes when no executor is given (1: run here, in order).
        executor: Any ``concurrent.futures`` executor (e.g. a Dask client's ``get_executor()``).
        max_in_flight: Most tasks submitted at once (default 4 per worker), so memory stays flat.
        fn: What runs each task where the worker is (default :func:`execute`); ``on_result``
            receives its result unpacked.

    A local pool is one set of long-lived worker processes (forkserver: clean processes, not
    forks of a threaded parent) that each run many tasks. On KeyboardInterrupt pending tasks
    are cancelled and the interrupt propagates; results already handed over stay handed over.
    """
    if executor is None and workers <= 1:
        for t in tasks:
            on_result(*fn(t))
        return
    own = executor is None
    pool = executor or ProcessPoolExecutor(
        max_workers=workers,
        mp_context=_forkserver(fn),
        initializer=_worker_ignores_sigint,
    )
    limit = max_in_flight or max(4 * workers, 8)
    queue = iter(tasks)
    pending: set[Future] = set()
    owner: dict[
        Future, tuple[Task, int]
    ] = {}  # each future's task and its earlier tries

    def submit(t: Task, tried: int = 0) -> None:
        fut = pool.submit(fn, t)
        owner[fut] = (t, tried)
        pending.add(fut)

    try:
        for t in queue:
            submit(t)
            if len(pending) >= limit:
                break
        while pending:
            ready, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in ready:
                t, tried = owner.pop(fut)
                try:
                    result = fut.result()
                except Exception as exc:  # execute() never raises: this is the pool or the cluster failing
                    if own or tried >= RESUBMITS or isinstance(exc, CancelledError):
                        raise ExecutorLost(exc) from exc
                    # A cluster that is still there lost the task with a worker (Dask may hand
                    # back an error of its own for it): the run, seeded, is simply run again.
                    submit(t, tried + 1)
                    continue
                on_result(*result)
                nxt = next(queue, None)
                if nxt is not None:
                    submit(nxt)
    except BaseException:
        for fut in pending:
            fut.cancel()
        raise
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)


def _forkserver(fn: Callable) -> multiprocessing.context.BaseContext:
    """The forkserver context, its server importing the model and ``fn``'s module before it forks workers.

    Each worker then starts with numpy, pandas, pyarrow, Mesa and the model already imported
    (a copy of the server's memory) instead of importing them itself, which cost about as much
    CPU time as four baseline runs per worker.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(
        [
            "__main__",
            *dict.fromkeys(
                ["sim.experiment.run", MODEL_MODULE, getattr(fn, "func", fn).__module__]
            ),
        ]
    )
    return ctx


def start_server(fn: Callable) -> None:
    """Start the local pool's forkserver now, so that its imports overlap the caller's work.

    The server imports the model (about a second of CPU) before it can fork the first
    worker. Started when a sweep begins, rather than when its first task is submitted, it does
    so while this process is still importing the model and writing the results folder's
    manifest, on the other core, instead of after them. Harmless when it is already running.

    Args:
        fn: What the workers will run (its module, or a ``partial``'s function's, is
            imported by the server).
    """
    from multiprocessing import forkserver

    _forkserver(fn)
    forkserver.ensure_running()


def _worker_ignores_sigint() -> None:
    """Ctrl-C reaches the whole process group; only the parent decides what to do with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_many(
    scenarios: Sequence[Scenario],
    replications: int,
    *,
    workers: int = 1,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    names: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """Run every scenario ``replications`` times in memory (no results folder) and gather the tables.

    Scenario i is design point i (named ``names[i]``, default its scenario name); rows come back
    in run order whatever the workers.
    """
    names = list(names) if names is not None else [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError(f"scenario names must differ: {names}")
    tasks = [
        Task(i * replications + r, i, names[i], r, s, {})
        for i, s in enumerate(scenarios)
        for r in range(replications)
    ]
    results: dict[int, dict[str, pd.DataFrame]] = {}

    def keep(run: int, tables: dict[str, pd.DataFrame]) -> None:
        results[run] = tables
        if progress:
            progress(len(results), len(tasks))

    execute_all(tasks, keep, workers=workers, executor=executor)
    return gather([results[t.run] for t in tasks])


def gather(results: Sequence[dict[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """Stack per-run tables (already tagged with run, point and replication) in the given order."""
    out = {}
    for name in ("runs", "timeseries", "regions", "events"):
        frames = [r[name] for r in results if name in r and not r[name].empty]
        out[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return out
