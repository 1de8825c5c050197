"""Running the model: one run, or many runs of several scenarios in parallel.

Running and analysing are kept apart: this module only produces tables; :mod:`sim.analysis.compare`
reads them. Seeds follow one rule everywhere: run ``(scenario, r)`` uses
``SeedSequence(scenario.seed, spawn_key=(r,))``, so replication r gets the same seed in every
scenario (common random numbers) and any number of workers gives the same numbers.
"""

from __future__ import annotations

import importlib
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

# The model (and Mesa and scipy with it) is imported where a run needs it, not with this module:
# a sweep's parent process can then plan the sweep while its pool's forkserver imports the
# model for every worker (see sim.experiment.pool).
from sim.experiment.pool import MODEL_MODULE, collector_paused, server_context
from sim.scenario import Scenario
from sim.state import BOOL_SCALARS, FLOAT_SCALARS, INT_SCALARS

# The columns every per-run table of a sweep gets in front, naming its run.
KEYS: tuple[str, ...] = ("run", "point", "replication")


class RunResult:
    """The tables of one run, each made from the finished model when first read.

    Attributes:
        summary: One-row outcome summary (see ``PartnershipModel.summary``).
        timeseries: Per-step metrics.
        regions: Per-step, per-region index and components.
        events: Partnership events.
        model: The finished model the tables come from (None when they were given).
    """

    def __init__(
        self,
        summary: dict,
        timeseries: pd.DataFrame | None = None,
        regions: pd.DataFrame | None = None,
        events: pd.DataFrame | None = None,
        *,
        model: Any = None,
    ):
        """A run's tables: given, or made from ``model`` when first read (a sweep may want them as Arrow)."""
        if model is None and (timeseries is None or regions is None or events is None):
            raise ValueError("a RunResult needs its three tables or the model")
        self.summary, self.model = summary, model
        self._frames: dict[str, pd.DataFrame | None] = {
            "timeseries": timeseries,
            "regions": regions,
            "events": events,
        }

    def _frame(self, name: str, make: str) -> pd.DataFrame:
        frame = self._frames[name]
        if frame is None:
            frame = self._frames[name] = getattr(self.model, make)()
        return frame

    @property
    def timeseries(self) -> pd.DataFrame:
        """Per-step metrics."""
        return self._frame("timeseries", "timeseries")

    @property
    def regions(self) -> pd.DataFrame:
        """Per-step, per-region index and components."""
        return self._frame("regions", "region_series")

    @property
    def events(self) -> pd.DataFrame:
        """Partnership events."""
        return self._frame("events", "events")

    def arrow(self, name: str) -> pa.Table | None:
        """Table ``name`` made by the model directly as Arrow (``as_lists`` events), or None.

        None when the table was given as a DataFrame (a caller's edit wins), has no rows, or
        the model cannot promise the Arrow table that converting its DataFrame gives.
        """
        if self.model is None or self._frames[name] is not None:
            return None
        make = {
            "timeseries": self.model.timeseries_arrow,
            "regions": self.model.region_arrow,
            "events": self.model.events_arrow,
        }[name]
        table = make()
        return table if table is not None and table.num_rows else None


def simulate(
    scenario: Scenario, replication: int = 0, *, checked: bool = False
) -> RunResult:
    """Run one replication of a scenario to its horizon (its tables are made when first read)."""
    from sim.model import PartnershipModel, run_fingerprint

    t0 = time.perf_counter()
    model = PartnershipModel(scenario, replication=replication, checked=checked).run()
    summary = model.summary()
    summary["run_seed"] = run_fingerprint(model.root_seed, replication)
    summary["wall_seconds"] = round(time.perf_counter() - t0, 4)
    return RunResult(summary, model=model)


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


# A run's tables by name: DataFrames (execute), or Arrow tables where the model made them so.
Tables = dict[str, pd.DataFrame | pa.Table]


def _outcome(
    task: Task, tables: Callable[[RunResult], Tables]
) -> tuple[dict[str, Any], Tables | None]:
    """Run one task: its row of the runs table and ``tables`` of its result (None for a run that raised).

    The tables are made inside the same guard as the run, so a table that cannot be made
    fails its run, as a model error does.
    """
    from sim.seeds import run_fingerprint

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
        made = tables(res)
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
    return row, made


def _frames(res: RunResult) -> Tables:
    """A run's tables as DataFrames."""
    return {"timeseries": res.timeseries, "regions": res.regions, "events": res.events}


def _arrow_frames(res: RunResult) -> Tables:
    """A run's tables as the model's own Arrow tables, each a DataFrame where it cannot make one."""
    out: Tables = {}
    for name in ("timeseries", "regions", "events"):
        table = res.arrow(name)
        keyless = table is not None and not set(KEYS) & set(table.column_names)
        out[name] = table if keyless else getattr(res, name)
    return out


def _keyed(task: Task, name: str, table: pd.DataFrame) -> pd.DataFrame:
    """A run's table with its run, point and replication in front (events' lists as lists)."""
    df = table.copy()
    keys = {"run": task.run, "point": task.point, "replication": task.replication}
    for i, (k, v) in enumerate(keys.items()):
        df.insert(i, k, v)
    return as_lists(df) if name == "events" else df


def execute(task: Task) -> tuple[int, dict[str, pd.DataFrame]]:
    """Run one task into its tables; a run that raises becomes a ``failed`` row, never an exception."""
    row, res = _outcome(task, _frames)
    tables = {"runs": pd.DataFrame([row])}
    for name, table in (res or {}).items():
        assert isinstance(table, pd.DataFrame)
        tables[name] = _keyed(task, name, table)
    return task.run, tables


def execute_arrow(task: Task) -> tuple[int, str, dict[str, pa.Table]]:
    """Run one task into Arrow tables: the same tables as :func:`execute`, made without pandas.

    A sweep saves Arrow, so its workers go straight there: the model makes its tables as Arrow
    (``PartnershipModel.timeseries_arrow`` and the like: the event lists from the member
    arrays, never joined into text and split again), the runs row is made from its values,
    and the run, point and replication columns are prepended as Arrow arrays. A table the
    model cannot make so exactly as :func:`execute` would (no rows, a column of mixed or
    unusual values), or one given as a DataFrame, is converted from the DataFrame as before
    (:func:`_arrow_keyed`, else :func:`_keyed`); ``tests/test_sweep.py`` checks the paths
    against each other.

    Returns:
        (run id, ``ok`` or ``failed``, the tables by name).
    """
    row, res = _outcome(task, _arrow_frames)
    runs = _row_table(row)
    tables = {"runs": runs if runs is not None else arrow_table(pd.DataFrame([row]))}
    for name, table in (res or {}).items():
        if isinstance(table, pa.Table):
            tables[name] = _with_keys(task, table)
            continue
        keyed = _arrow_keyed(task, name, table)
        tables[name] = (
            keyed if keyed is not None else arrow_table(_keyed(task, name, table))
        )
    return task.run, str(row["status"]), tables


def _row_table(row: dict[str, Any]) -> pa.Table | None:
    """The runs table's one row as ``arrow_table(pd.DataFrame([row]))`` makes it, or None if unsure.

    Each value makes a column of the type pandas gives one such value: a bool, an integer of
    int64's range, a float (NaN as null) or a text; anything else is left to pandas.
    """
    columns = {}
    for key, value in row.items():
        kind = type(value)
        try:
            if kind in BOOL_SCALARS:
                column = pa.array([bool(value)], pa.bool_())
            elif kind in INT_SCALARS:
                column = pa.array([int(value)], pa.int64())
            elif kind in FLOAT_SCALARS:
                # From numpy, as pandas hands it over: a NaN stays in the data under its null.
                column = pa.array(np.array([value], np.float64), from_pandas=True)
            elif kind is str:
                column = pa.array([value], pa.large_string())
            else:
                return None
        except (OverflowError, pa.ArrowException):
            return None
        columns[str(key)] = column
    if len(columns) != len(row):
        return None
    return pa.table(columns)


def _with_keys(task: Task, table: pa.Table) -> pa.Table:
    """A run's Arrow table (without key columns) with its run, point and replication columns in front."""
    n = table.num_rows
    for i, (key, value) in enumerate(
        (("run", task.run), ("point", task.point), ("replication", task.replication))
    ):
        table = table.add_column(
            i, pa.field(key, pa.int64()), pa.array(np.full(n, value, dtype=np.int64))
        )
    return table


def arrow_table(df: pd.DataFrame) -> pa.Table:
    """A DataFrame as the Arrow table a chunk stores (no index, no pandas metadata).

    One thread: a run's tables are small, and a thread pool per call costs more than it saves.
    """
    return pa.Table.from_pandas(
        df, preserve_index=False, nthreads=1
    ).replace_schema_metadata(None)


def _arrow_keyed(task: Task, name: str, df: pd.DataFrame) -> pa.Table | None:
    """:func:`_keyed` made in Arrow, or None where only the pandas path gives the same table."""
    if df.empty or any(k in df.columns for k in KEYS):
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
    return _with_keys(task, table)


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
        with collector_paused():
            importlib.import_module(MODEL_MODULE)
        for t in tasks:
            on_result(*fn(t))
        return
    own = executor is None
    pool = executor or ProcessPoolExecutor(
        max_workers=workers,
        # The server imports what the workers run: fn's module, or a partial's function's.
        mp_context=server_context(getattr(fn, "func", fn).__module__),
        initializer=_worker_ignores_sigint,
    )
    limit = max_in_flight or max(4 * workers, 8)
    queue = iter(tasks)
    pending: set[Future] = set()
    # Each future's task and how many times it was tried before.
    owner: dict[Future, tuple[Task, int]] = {}

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
