"""Sweeps: every design point x replication, run in parallel, saved as each run finishes.

A sweep writes its results folder as it goes:

* ``manifest.json`` first (status ``running``): the scenario's text and SHA-256, the expanded
  design, every run's seed, versions; rewritten with status ``complete`` at the end;
* ``chunks/run-000123/`` for each finished run, written under a temporary name and renamed,
  so a chunk is whole or absent, and a sweep killed at any moment (even by SIGKILL) loses no
  finished run; ``--resume`` runs only the runs without a chunk;
* at the end the chunks are gathered, in run order, into the tables ``runs``,
  ``timeseries``, ``regions`` and ``events`` (each written atomically), then removed.

Run ``r`` of design point ``p`` has id ``p * replications + r`` and the seed of replication r
(common random numbers). Results are the same for any number of workers, for a local pool
or a Dask cluster, and for an interrupted-and-resumed sweep.

Tables (columns in this order; ``runs`` also has one column per varied parameter, named by
its dotted key, after ``point_name``):

* runs: run, point, point_name, <varied...>, replication, status, error, run_seed, root_seed,
  then the outcomes of :meth:`sim.model.PartnershipModel.summary` (each run's wall time is in
  the manifest, so that the tables of two identical sweeps are identical byte for byte);
* timeseries: run, point, replication, step, year, then every metric in ``sim.model.METRICS``;
* regions: run, point, replication, step, year, region, index, components;
* events: run, point, replication, step, year, partnership, event, members, kinds, size,
  activity, region, reason, lifespan_years.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.design import Design, from_scenario
from sim.model import run_fingerprint
from sim.experiment.results import ResultsError, _json_default, _sha256, _write_table, now, versions
from sim.experiment.run import ExecutorLost, Task, execute_all
from sim.scenario import Scenario

TABLES: tuple[str, ...] = ("runs", "timeseries", "regions", "events")


class SweepInterrupted(Exception):
    """The sweep was stopped (Ctrl-C); what finished is saved."""

    def __init__(self, done: int, total: int):
        self.done, self.total = done, total
        super().__init__(f"interrupted: {done} of {total} runs are finished and saved; rerun with --resume to finish")


class SweepLost(Exception):
    """The workers went away (the Dask scheduler lost, a worker process killed); what finished is saved."""

    def __init__(self, done: int, total: int, cause: str, where: str):
        self.done, self.total = done, total
        super().__init__(f"lost {where} ({cause}); {done} of {total} runs are finished and saved; "
                         f"rerun the same command with --resume to finish")


@dataclass
class Sweep:
    """What a sweep runs: the base scenario(s), the design, the tasks, and how they were planned.

    ``how`` records the planning arguments (``kind`` "design" or "files", replications, steps,
    overrides) so that the manifest alone can plan the same tasks again (``kemitraan reproduce``).
    """

    name: str
    scenarios: list[Scenario]
    design: Design
    tasks: list[Task]
    how: dict[str, Any]

    @property
    def size(self) -> int:
        """Number of runs."""
        return len(self.tasks)


def plan(scenario: Scenario, *, replications: int | None = None, steps: int | None = None, overrides: dict[str, Any] | None = None,
         checked: bool = False) -> Sweep:
    """Expand a scenario's design into tasks.

    Args:
        scenario: The scenario (its ``[design]`` table, if any, gives the points).
        replications: Replications per point (default: the design's).
        steps: Horizon in quarters, overriding ``scenario.years``.
        overrides: Parameter overrides applied to every point (``--set``).
        checked: Assert the model's invariants every step of every run.
    """
    how = {"kind": "design", "replications": replications, "steps": steps, "overrides": dict(overrides or {}), "checked": checked}
    if overrides:
        scenario = scenario.with_overrides(overrides)
    if steps is not None:
        scenario = scenario.with_overrides({"scenario.years": steps / 4.0}, source="--steps")
    design = from_scenario(scenario, replications)
    tasks = []
    for p in design.points:
        point_scenario = scenario.with_overrides(p.overrides, source=f"{scenario.source} (design point {p.name!r})") if p.overrides else scenario
        for r in range(design.replications):
            tasks.append(Task(p.id * design.replications + r, p.id, p.name, r, point_scenario, dict(p.overrides), checked))
    return Sweep(scenario.name, [scenario], design, tasks, how)


def plan_files(scenarios: Sequence[Scenario], replications: int, steps: int | None = None) -> Sweep:
    """Several scenario files as the points of one sweep (``kemitraan compare``)."""
    from sim.experiment.design import DesignPoint

    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ResultsError(f"scenario names must differ to be compared: {names}")
    originals = list(scenarios)
    if steps is not None:
        scenarios = [s.with_overrides({"scenario.years": steps / 4.0}, source="--steps") for s in scenarios]
    points = tuple(DesignPoint(i, s.name, {}) for i, s in enumerate(scenarios))
    ref = "baseline" if "baseline" in names else names[0]
    design = Design("variants", replications, points, (), reference=ref)
    tasks = [Task(i * replications + r, i, s.name, r, s, {}) for i, s in enumerate(scenarios) for r in range(replications)]
    how = {"kind": "files", "replications": replications, "steps": steps, "overrides": {}, "checked": False}
    return Sweep("experiment", originals, design, tasks, how)


# --- the results folder ---------------------------------------------------------------------

class ChunkStore:
    """Finished runs, one folder each, written atomically."""

    def __init__(self, folder: Path):
        self.dir = folder / "chunks"

    def done(self) -> set[int]:
        """Ids of the runs whose chunk is complete."""
        if not self.dir.is_dir():
            return set()
        out = set()
        for p in self.dir.iterdir():
            if p.is_dir() and p.name.startswith("run-") and not p.name.endswith(".partial"):
                try:
                    out.add(int(p.name[4:]))
                except ValueError:
                    continue
        return out

    def write(self, run: int, tables: dict[str, pd.DataFrame]) -> None:
        """Write one run's tables; the chunk appears whole or not at all."""
        final = self.dir / f"run-{run:06d}"
        tmp = self.dir / f"run-{run:06d}.{os.getpid()}.partial"
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            if tmp.exists():
                shutil.rmtree(tmp)
            tmp.mkdir()
            for name, df in tables.items():
                df.to_parquet(tmp / f"{name}.parquet", engine="pyarrow", index=False)
            if final.exists():  # a rerun of the same run: same seed, same numbers
                shutil.rmtree(final)
            tmp.rename(final)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ResultsError(f"{self.dir}: cannot save run {run} ({exc.strerror or exc}); finished runs before it are intact") from None
        except BaseException:  # Ctrl-C mid-write: the run is simply not saved
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def clean(self) -> None:
        """Remove chunks left half-written by a killed sweep (they were never counted as done)."""
        if self.dir.is_dir():
            for p in self.dir.glob("*.partial"):
                shutil.rmtree(p, ignore_errors=True)

    def read(self, runs: Sequence[int]) -> dict[str, pd.DataFrame]:
        """Gather the chunks of ``runs`` into tables, in run order."""
        parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
        for run in sorted(runs):
            folder = self.dir / f"run-{run:06d}"
            for t in TABLES:
                path = folder / f"{t}.parquet"
                if path.is_file():
                    parts[t].append(pd.read_parquet(path))
        return {t: _concat(parts[t]) for t in TABLES}


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _write_atomic(path: Path, write: Callable[[Path], None]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        write(tmp)
        tmp.replace(path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ResultsError(f"{path}: cannot write ({exc.strerror or exc})") from None


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write (or rewrite) manifest.json atomically."""
    _write_atomic(folder / "manifest.json", lambda p: p.write_text(json.dumps(manifest, indent=2, default=_json_default) + "\n"))


def _manifest(sweep: Sweep, command: str, fmt: str) -> dict[str, Any]:
    return {
        "kemitraan_results": 1,
        "status": "running",
        "name": sweep.name,
        "command": command,
        "format": fmt,
        "started": now(),
        "finished": None,
        "versions": versions(),
        "scenarios": [{"name": s.name, "source": s.source, "sha256": s.sha256, "text": s.text, "parameters": s.flat(),
                       "events": [e.describe() for e in s.events]} for s in sweep.scenarios],
        "design": sweep.design.to_dict(),
        "plan": sweep.how,
        "runs": [{"run": t.run, "point": t.point, "replication": t.replication, "root_seed": int(t.scenario.scenario.seed),
                  "run_seed": run_fingerprint(int(t.scenario.scenario.seed), t.replication)} for t in sweep.tasks],
    }


def _same_sweep(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return ([s["sha256"] for s in old.get("scenarios", [])] == [s["sha256"] for s in new["scenarios"]]
            and old.get("design") == json.loads(json.dumps(new["design"], default=_json_default))
            and [{k: v for k, v in r.items() if k != "wall_seconds"} for r in old.get("runs", [])] == new["runs"]
            and old.get("plan") == json.loads(json.dumps(new["plan"], default=_json_default)))


def prepare_folder(folder: Path, sweep: Sweep, *, resume: bool, force: bool, fmt: str, command: str) -> tuple[dict[str, Any], set[int]]:
    """Create, replace or reopen a results folder; returns its manifest and the finished runs."""
    manifest = _manifest(sweep, command, fmt)
    if folder.exists() and not (folder / "manifest.json").is_file() and any(folder.iterdir()):
        raise ResultsError(f"{folder}: exists and is not a results folder; choose another --out")
    if (folder / "manifest.json").is_file():
        if resume:
            old = json.loads((folder / "manifest.json").read_text())
            if not _same_sweep(old, manifest):
                raise ResultsError(f"{folder}: holds a different sweep (scenario, design or seeds changed); use --force to replace it")
            manifest["started"] = old.get("started", manifest["started"])
            store = ChunkStore(folder)
            store.clean()
            done = store.done()
            if old.get("status") == "complete":
                done = {t.run for t in sweep.tasks}
            manifest["status"] = old.get("status", "running")
            manifest["finished"] = old.get("finished")
            manifest["tables"] = old.get("tables")
            return manifest, done
        if not force:
            raise ResultsError(f"{folder}: results folder exists; use --resume to finish it or --force to replace it")
        shutil.rmtree(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(f"{folder}: cannot create the results folder ({exc.strerror or exc})") from None
    write_manifest(folder, manifest)
    return manifest, set()


def finalize(folder: Path, sweep: Sweep, manifest: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Gather chunks into the final tables, mark the manifest complete, remove the chunks."""
    fmt = manifest["format"]
    if manifest.get("status") == "complete":
        return load_tables(folder)
    store = ChunkStore(folder)
    tables = store.read([t.run for t in sweep.tasks])
    # Wall time differs between reruns; it goes to the manifest so every table is byte-identical.
    runs = tables["runs"]
    if "wall_seconds" in runs.columns:
        walls = dict(zip(runs["run"].tolist(), runs["wall_seconds"].tolist(), strict=True))
        tables["runs"] = runs.drop(columns="wall_seconds")
        manifest = dict(manifest, runs=[dict(r, wall_seconds=walls.get(r["run"])) for r in manifest["runs"]])
    hashes = {}
    for name in TABLES:
        path = folder / f"{name}.{fmt}"
        _write_atomic(path, lambda p, df=tables[name]: _write_table(df, p, fmt))
        hashes[path.name] = _sha256(path)
    manifest = dict(manifest, status="complete", finished=now(), tables=hashes)
    write_manifest(folder, manifest)
    shutil.rmtree(store.dir, ignore_errors=True)
    return tables


def load_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """Read a finished sweep's tables."""
    from sim.experiment.results import load_results

    res = load_results(folder)
    return {k: v for k, v in res.items() if k != "manifest"}


# --- running --------------------------------------------------------------------------------

def run_sweep(sweep: Sweep, folder: Path, *, workers: int = 1, executor: Executor | None = None, resume: bool = False,
              force: bool = False, fmt: str = "parquet", command: str = "", progress: Callable[[int, int, int], None] | None = None,
              max_in_flight: int | None = None) -> tuple[dict[str, pd.DataFrame], int]:
    """Run every task not yet finished, saving each as it finishes, then gather the tables.

    Args:
        sweep: What to run.
        folder: The results folder.
        workers: Local worker processes when no executor is given (1: in this process).
        executor: A ``concurrent.futures`` executor, e.g. a Dask client's ``get_executor()``.
        resume: Reopen an unfinished folder and run only the missing runs.
        force: Replace an existing folder.
        fmt: Final table format, ``parquet`` or ``csv``.
        command: The command line, for the manifest.
        progress: Called with (done, failed, total) after each run.
        max_in_flight: Most tasks submitted at once (default: 4 per worker), so memory stays flat.

    Returns:
        The tables and the number of failed runs.

    Raises:
        SweepInterrupted: On Ctrl-C; finished runs are saved.
    """
    manifest, done = prepare_folder(folder, sweep, resume=resume, force=force, fmt=fmt, command=command)
    store = ChunkStore(folder)
    todo = [t for t in sweep.tasks if t.run not in done]
    total = len(sweep.tasks)
    finished = len(done)
    failed = 0

    def record(run: int, tables: dict[str, pd.DataFrame]) -> None:
        nonlocal finished, failed
        store.write(run, tables)
        finished += 1
        if tables["runs"]["status"].iloc[0] != "ok":
            failed += 1
        if progress:
            progress(finished, failed, total)

    if progress:
        progress(finished, failed, total)
    try:
        execute_all(todo, record, workers=workers, executor=executor, max_in_flight=max_in_flight)
    except KeyboardInterrupt:
        raise SweepInterrupted(finished, total) from None
    except ExecutorLost as exc:
        raise SweepLost(finished, total, str(exc), "the Dask cluster" if executor is not None else "a worker process") from None
    tables = finalize(folder, sweep, manifest)
    failed = int((tables["runs"]["status"] != "ok").sum()) if not tables["runs"].empty else 0
    return tables, failed
