"""Sweeps: every design point x replication, run in parallel, saved as each run finishes.

A sweep writes its results folder as it goes:

* ``manifest.json`` first (status ``running``): the scenario's text and SHA-256, the expanded
  design, every run's seed, versions; rewritten with status ``complete`` at the end;
* ``chunks/run-000123/`` for each finished run, written under a temporary name and renamed,
  so a chunk is whole or absent, and a sweep killed at any moment (even by SIGKILL) loses no
  finished run; ``--resume`` runs only the runs without a chunk;
* the chunks are streamed, in run order, into the Parquet tables ``runs``, ``timeseries``,
  ``regions`` and ``events`` while the sweep runs (:class:`TableStream`), each renamed into
  place at the end (or gathered from the chunks then, see :func:`finalize`); then the chunks
  are removed.

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

import contextlib
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.experiment.design import Design, from_scenario
from sim.experiment.pool import start_server
from sim.experiment.results import (
    LOCK_NAME,
    ManifestError,
    ResultsError,
    _json_default,
    _sha256,
    _write_table,
    changed_inputs,
    folder_lock,
    now,
    read_manifest,
    scenario_inputs,
    versions,
    with_units,
)
from sim.experiment.run import (
    ExecutorLost,
    Task,
    execute_all,
    execute_arrow,
)
from sim.scenario import Scenario

TABLES: tuple[str, ...] = ("runs", "timeseries", "regions", "events")


class SweepInterrupted(Exception):  # noqa: N818 - a stop the user asked for, not an error
    """The sweep was stopped (Ctrl-C); what finished is saved."""

    def __init__(self, done: int, total: int):
        """Record that ``done`` of ``total`` runs finished before the stop."""
        self.done, self.total = done, total
        super().__init__(
            f"interrupted: {done} of {total} runs are finished and saved; rerun with --resume to finish"
        )


class SweepLost(Exception):  # noqa: N818 - public name, kept for callers
    """The workers went away (the Dask scheduler lost, a worker process killed); what finished is saved."""

    def __init__(self, done: int, total: int, cause: str, where: str):
        """Record the loss.

        Args:
            done: Runs finished and saved.
            total: Runs in the sweep.
            cause: What went wrong, in a few words.
            where: What was lost (the Dask cluster, a worker process).
        """
        self.done, self.total = done, total
        super().__init__(
            f"lost {where} ({cause}); {done} of {total} runs are finished and saved; "
            f"rerun the same command with --resume to finish"
        )


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


def plan(
    scenario: Scenario,
    *,
    replications: int | None = None,
    steps: int | None = None,
    overrides: dict[str, Any] | None = None,
    checked: bool = False,
) -> Sweep:
    """Expand a scenario's design into tasks.

    Args:
        scenario: The scenario (its ``[design]`` table, if any, gives the points).
        replications: Replications per point (default: the design's).
        steps: Horizon in quarters, overriding ``scenario.years``.
        overrides: Parameter overrides applied to every point (``--set``).
        checked: Assert the model's invariants every step of every run.
    """
    how = {
        "kind": "design",
        "replications": replications,
        "steps": steps,
        "overrides": dict(overrides or {}),
        "checked": checked,
    }
    if overrides:
        scenario = scenario.with_overrides(overrides)
    if steps is not None:
        scenario = scenario.with_overrides(
            {"scenario.years": steps / 4.0}, source="--steps"
        )
    design = from_scenario(scenario, replications)
    tasks = []
    for p in design.points:
        point_scenario = (
            scenario.with_overrides(
                p.overrides, source=f"{scenario.source} (design point {p.name!r})"
            )
            if p.overrides
            else scenario
        )
        for r in range(design.replications):
            tasks.append(
                Task(
                    p.id * design.replications + r,
                    p.id,
                    p.name,
                    r,
                    point_scenario,
                    dict(p.overrides),
                    checked,
                )
            )
    return Sweep(scenario.name, [scenario], design, tasks, how)


def plan_files(
    scenarios: Sequence[Scenario], replications: int, steps: int | None = None
) -> Sweep:
    """Several scenario files as the points of one sweep (``kemitraan compare``)."""
    from sim.experiment.design import DesignPoint

    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ResultsError(f"scenario names must differ to be compared: {names}")
    originals = list(scenarios)
    if steps is not None:
        scenarios = [
            s.with_overrides({"scenario.years": steps / 4.0}, source="--steps")
            for s in scenarios
        ]
    points = tuple(DesignPoint(i, s.name, {}) for i, s in enumerate(scenarios))
    ref = "baseline" if "baseline" in names else names[0]
    design = Design("variants", replications, points, (), reference=ref)
    tasks = [
        Task(i * replications + r, i, s.name, r, s, {})
        for i, s in enumerate(scenarios)
        for r in range(replications)
    ]
    how = {
        "kind": "files",
        "replications": replications,
        "steps": steps,
        "overrides": {},
        "checked": False,
    }
    return Sweep("experiment", originals, design, tasks, how)


# --- the results folder ---------------------------------------------------------------------

CHUNK_SUFFIX = ".arrow"
JOURNAL = "journal.jsonl"
# Most seconds between two forcings of the journal to disk (see ChunkStore._append).
SYNC_SECONDS = 1.0
# Rows gathered into one Parquet row group of a final table (a few runs' worth, not one per run).
ROW_GROUP_ROWS = 200_000


def encode_tables(tables: Mapping[str, pa.Table]) -> dict[str, bytes]:
    """One run's tables as Arrow IPC files in memory (done by the worker, so the parent only writes bytes)."""
    return {name: ipc_bytes(table) for name, table in tables.items()}


def ipc_bytes(table: pa.Table) -> bytes:
    """One table as an Arrow IPC file in memory.

    The file is measured first (a writer that only counts) and then written once into a
    buffer of its size: a growing buffer is copied each time it doubles, which cost a run's
    event table (1.2 MB) 1-2 ms, and up to 17 ms just after a run, instead of about 0.3.
    """
    counter = pa.MockOutputStream()
    with pa.ipc.new_file(counter, table.schema) as writer:
        writer.write_table(table)
    buffer = pa.allocate_buffer(counter.size())
    with pa.ipc.new_file(pa.FixedSizeBufferWriter(buffer), table.schema) as writer:
        writer.write_table(table)
    return buffer.to_pybytes()


def _write_file(path: Path, data: bytes) -> None:
    with path.open("wb") as fh:
        fh.write(data)


@dataclass
class ChunkCheck:
    """What ``--resume`` found in the chunks: the good runs, and each damaged or unrecorded one with why."""

    good: set[int]
    damaged: dict[int, str]

    def describe(self) -> str:
        """One line naming the chunks that will be rerun, e.g. ``run 3 (truncated), run 7 (missing file)``."""
        items = [f"run {r} ({why})" for r, why in sorted(self.damaged.items())]
        return ", ".join(items[:10]) + (
            f" and {len(items) - 10} more" if len(items) > 10 else ""
        )


@dataclass(frozen=True)
class Staged:
    """A run's files written under a temporary name (see :meth:`ChunkStore.stage`).

    Attributes:
        path: The temporary folder.
        files: Each file's name and [sha256, size].
        error: Why the files could not be written (None when they were).
    """

    path: str
    files: dict[str, list]
    error: str | None = None


class ChunkStore:
    """Finished runs, one folder of Arrow IPC files each, written atomically and checksummed.

    ``chunks/journal.jsonl`` is the manifest's record of the chunks: its first line names the
    sweep (a fingerprint of its scenario, design and seeds); then one line per saved chunk,
    appended after the chunk is renamed into place (flushed at once, forced to disk at most
    once a second, see :meth:`_append`), with the SHA-256 and size of each of its files. A chunk counts as finished only when the journal vouches for it,
    so a chunk that is missing, truncated, emptied, corrupted or written by another sweep is
    found and rerun.
    """

    def __init__(self, folder: Path):
        """The store of the results folder ``folder`` (in ``folder/chunks``)."""
        self.dir = folder / "chunks"
        self.journal = self.dir / JOURNAL
        # When the journal was last forced to disk: never, so its first line is forced at once.
        self._synced = float("-inf")

    def _chunk(self, run: int) -> Path:
        return self.dir / f"run-{run:06d}"

    def done(self) -> set[int]:
        """Ids of the runs whose chunk folder is in place (not checked; see :meth:`verify`)."""
        if not self.dir.is_dir():
            return set()
        out = set()
        for p in self.dir.iterdir():
            if p.is_dir() and p.name.startswith("run-") and "." not in p.name:
                try:
                    out.add(int(p.name[4:]))
                except ValueError:
                    continue
        return out

    def start(self, fingerprint: str) -> None:
        """Begin the journal of a new sweep."""
        self.dir.mkdir(parents=True, exist_ok=True)
        self._append({"sweep": fingerprint})

    def _append(self, entry: dict[str, Any]) -> None:
        """Add one line to the journal, handed to the system at once and forced to disk at most every second.

        Once handed to the system (flushed), a line survives the process being killed, even
        by SIGKILL. Forcing it to the disk (fsync) only matters if the machine itself stops, and
        then the chunks' own bytes, which are never forced, may be lost too; either way the
        journal and the checksums make ``--resume`` rerun whatever is missing. So the journal
        is forced at most once a second (and when the sweep ends), not after every run (each
        force cost several milliseconds, waited for by a one-worker sweep).
        """
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        with self.journal.open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            if time.monotonic() - self._synced >= SYNC_SECONDS:
                os.fsync(fh.fileno())
                self._synced = time.monotonic()

    def sync(self) -> None:
        """Force the journal to disk (the end of a sweep, finished or stopped)."""
        try:
            with self.journal.open("a", encoding="utf-8") as fh:
                os.fsync(fh.fileno())
        except OSError:
            return  # nothing to force, or it cannot be: --resume checks every chunk anyway
        self._synced = time.monotonic()

    def read_journal(self) -> tuple[str | None, dict[int, dict[str, list]]]:
        """The sweep fingerprint and, per run, its files' [sha256, size] (the last entry of a run wins)."""
        if not self.journal.is_file():
            return None, {}
        fingerprint, entries = None, {}
        try:
            lines = self.journal.read_text(
                encoding="utf-8", errors="replace"
            ).splitlines()
        except OSError:
            return None, {}
        for line in lines:
            try:
                entry = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                continue  # a line cut by a kill mid-append: that chunk is simply not vouched for
            if not isinstance(entry, dict):
                continue
            if "sweep" in entry and fingerprint is None:
                fingerprint = entry["sweep"]
            elif isinstance(entry.get("run"), int) and isinstance(
                entry.get("files"), dict
            ):
                entries[entry["run"]] = entry["files"]
        return fingerprint, entries

    def write(self, run: int, encoded: dict[str, bytes]) -> None:
        """Write one run's encoded tables; the chunk appears whole or not at all, then is journaled."""
        self.commit(run, self.stage(run, encoded))

    def stage(self, run: int, encoded: dict[str, bytes]) -> Staged:
        """Write one run's files under a temporary name (``run-000123.<pid>.partial``), not yet a chunk.

        A pool's worker stages its own run, so that the files' bytes are written and hashed
        where they were made instead of being sent to the parent, which only commits them.

        Returns:
            The temporary folder and each file's [sha256, size], or why the files could not be written.
        """
        tmp = self.dir / f"run-{run:06d}.{os.getpid()}.partial"
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            if tmp.exists():
                shutil.rmtree(tmp)
            tmp.mkdir()
            files = {}
            for name, data in encoded.items():
                _write_file(tmp / f"{name}{CHUNK_SUFFIX}", data)
                files[f"{name}{CHUNK_SUFFIX}"] = [
                    hashlib.sha256(data).hexdigest(),
                    len(data),
                ]
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            return Staged(str(tmp), {}, str(exc.strerror or exc))
        except BaseException:  # Ctrl-C mid-write: the run is simply not saved
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return Staged(str(tmp), files)

    def commit(self, run: int, staged: Staged) -> None:
        """Rename a staged run into place as its chunk, then journal it (the chunk is whole or absent).

        Raises:
            ResultsError: The files could not be written or renamed (disk full, no permission).
        """
        tmp, final = Path(staged.path), self._chunk(run)
        try:
            if staged.error is not None:
                raise OSError(staged.error)
            if final.exists():  # a rerun of the same run: same seed, same numbers
                shutil.rmtree(final)
            tmp.rename(final)
            self._append({"run": run, "files": staged.files})
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ResultsError(
                f"{self.dir}: cannot save run {run} ({exc.strerror or exc}); finished runs before it are intact"
            ) from None
        except BaseException:  # Ctrl-C mid-rename: the run is simply not saved
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def verify(self, runs: Sequence[int], fingerprint: str) -> ChunkCheck:
        """Check every chunk against the journal; damaged ones are removed so that they are rerun."""
        journal_sweep, entries = self.read_journal()
        present = self.done()
        if journal_sweep is not None and journal_sweep != fingerprint:
            entries = {}  # chunks of another sweep: none is trusted
        good, damaged = set(), {}
        for run in runs:
            if run not in present:
                if run in entries:
                    damaged[run] = "missing"
                continue
            why = self._check_chunk(run, entries.get(run))
            if why is None:
                good.add(run)
            else:
                damaged[run] = why
                shutil.rmtree(self._chunk(run), ignore_errors=True)
        return ChunkCheck(good, damaged)

    def _check_chunk(self, run: int, files: dict[str, list] | None) -> str | None:
        if files is None:
            return "not in the journal"
        folder = self._chunk(run)
        if "runs" + CHUNK_SUFFIX not in files:
            return "journal entry edited"
        on_disk = {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        if on_disk != set(files):
            return "missing file" if set(files) - on_disk else "unexpected file"
        for name, (sha, size) in files.items():
            path = folder / name
            actual = path.stat().st_size
            if actual == 0:
                return "empty file"
            if actual != size:
                return "truncated" if actual < size else "wrong size"
            if _sha256(path) != sha:
                return "corrupted (checksum differs)"
        return None

    def clean(self) -> None:
        """Remove chunks left half-written by a killed sweep (they were never counted as done)."""
        if self.dir.is_dir():
            for p in self.dir.glob("*.partial"):
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:  # a final table being streamed (see TableStream)
                    p.unlink(missing_ok=True)

    def table(self, run: int, name: str) -> pa.Table | None:
        """One table of one chunk (None when the run has no such table, e.g. a failed run's time series)."""
        path = self._chunk(run) / f"{name}{CHUNK_SUFFIX}"
        if not path.is_file():
            return None
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all()

    def read(self, runs: Sequence[int]) -> dict[str, pd.DataFrame]:
        """Gather the chunks of ``runs`` into DataFrames, in run order (small sweeps and CSV output)."""
        parts: dict[str, list[pd.DataFrame]] = {t: [] for t in TABLES}
        for run in sorted(runs):
            for t in TABLES:
                table = self.table(run, t)
                if table is not None:
                    parts[t].append(table.to_pandas())
        return {t: _concat(parts[t]) for t in TABLES}


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame()
    return pd.concat(frames, ignore_index=True)


def _write_atomic[T](path: Path, write: Callable[[Path], T]) -> T:
    """Write ``path`` through a temporary file renamed into place; returns what ``write`` returns."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        out = write(tmp)
        tmp.replace(path)
        return out
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ResultsError(f"{path}: cannot write ({exc.strerror or exc})") from None


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write (or rewrite) manifest.json atomically."""
    _write_atomic(
        folder / "manifest.json",
        lambda p: p.write_text(
            json.dumps(manifest, indent=2, default=_json_default) + "\n"
        ),
    )


def _manifest(sweep: Sweep, command: str, fmt: str) -> dict[str, Any]:
    # The seeds' own module, not the model's: a pool's parent never imports the model.
    from sim.seeds import run_fingerprint

    return {
        "kemitraan_results": 1,
        "status": "running",
        "name": sweep.name,
        "command": command,
        "format": fmt,
        "started": now(),
        "finished": None,
        "versions": versions(),
        "scenarios": [
            {
                "name": s.name,
                "source": s.source,
                "sha256": s.sha256,
                "inputs": scenario_inputs(s),
                "text": s.text,
                "parameters": s.flat(),
                "events": [e.describe() for e in s.events],
            }
            for s in sweep.scenarios
        ],
        "design": sweep.design.to_dict(),
        "plan": sweep.how,
        "runs": [
            {
                "run": t.run,
                "point": t.point,
                "replication": t.replication,
                "root_seed": int(t.scenario.scenario.seed),
                "run_seed": run_fingerprint(
                    int(t.scenario.scenario.seed), t.replication
                ),
            }
            for t in sweep.tasks
        ],
    }


def _identity(manifest: dict[str, Any]) -> dict[str, Any]:
    """What makes two sweeps the same one: scenarios, design, runs and seeds, plan (not times or versions)."""
    plain = json.loads(
        json.dumps(
            {k: manifest.get(k) for k in ("design", "plan")}, default=_json_default
        )
    )
    return {
        "scenarios": [
            s.get("sha256")
            for s in manifest.get("scenarios", [])
            if isinstance(s, dict)
        ],
        **plain,
        "runs": [
            {k: v for k, v in r.items() if k not in ("wall_seconds",)}
            for r in manifest.get("runs", [])
        ],
    }


def fingerprint(manifest: dict[str, Any]) -> str:
    """SHA-256 of a sweep's identity (written at the head of the chunk journal)."""
    return hashlib.sha256(
        json.dumps(_identity(manifest), sort_keys=True, default=_json_default).encode()
    ).hexdigest()


def _same_sweep(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return _identity(old) == _identity(new)


def _tables_intact(folder: Path, manifest: dict[str, Any]) -> str | None:
    """None when every table the manifest lists is there with its hash; else what is wrong."""
    for filename, sha in (manifest.get("tables") or {}).items():
        path = folder / filename
        if not path.is_file():
            return f"{filename} is missing"
        if _sha256(path) != sha:
            return f"{filename} differs from its hash in the manifest"
    return None if manifest.get("tables") else "no tables are listed"


def _status_edited(folder: Path, planned: dict[str, Any]) -> dict[str, Any] | None:
    """A manifest that is whole but for its status, of this very sweep: its status mended, else None.

    It is complete again when every table it lists is there with its hash, else running (the
    chunks decide what is rerun).
    """
    try:
        old = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None
    if (
        not isinstance(old, dict)
        or old.get("kemitraan_results") != 1
        or not isinstance(old.get("runs"), list)
    ):
        return None
    try:
        same = _same_sweep(old, planned)
    except (TypeError, AttributeError):
        return None
    if not same:
        return None
    tables = old.get("tables")
    intact = isinstance(tables, dict) and tables and _tables_intact(folder, old) is None
    return dict(old, status="complete" if intact else "running")


def _empty_folder_but_lock(folder: Path) -> None:
    for p in folder.iterdir():
        if p.name == LOCK_NAME:
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def _is_results_folder(folder: Path) -> bool:
    return (folder / "manifest.json").is_file() or (
        folder / "chunks" / JOURNAL
    ).is_file()


def check_destination(folder: Path, *, resume: bool, force: bool) -> None:
    """Refuse, before anything is written, a folder that is not ours or that would be overwritten."""
    if folder.exists() and not folder.is_dir():
        raise ResultsError(
            f"{folder}: exists and is not a folder; choose another --out"
        )
    if (
        folder.is_dir()
        and not _is_results_folder(folder)
        and any(p.name != LOCK_NAME for p in folder.iterdir())
    ):
        raise ResultsError(
            f"{folder}: exists and is not a results folder; choose another --out"
        )
    if _is_results_folder(folder) and not resume and not force:
        raise ResultsError(
            f"{folder}: results folder exists; use --resume to finish it or --force to replace it"
        )


def prepare_folder(
    folder: Path,
    sweep: Sweep,
    *,
    resume: bool,
    force: bool,
    fmt: str,
    command: str,
    notify: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], set[int]]:
    """Create, replace or reopen a results folder (held by the caller's lock); returns its manifest and the finished runs.

    On ``--resume`` every chunk is checked against the journal and damaged ones are rerun; a
    damaged manifest is rebuilt from the plan when the journal shows the chunks are this
    sweep's. ``notify`` is told, in one line each, what was found and repaired.
    """
    manifest = _manifest(sweep, command, fmt)
    fp = fingerprint(manifest)
    store = ChunkStore(folder)
    planned = [t.run for t in sweep.tasks]
    say = notify or (lambda text: None)
    if _is_results_folder(folder) and resume:
        try:
            old: dict[str, Any] | None = read_manifest(folder)
            damage = None
        except ManifestError as exc:
            old, damage = _status_edited(folder, manifest), str(exc)
            if old is not None:
                say(
                    f"{folder}: manifest.json had an edited status; restored from its tables and chunks"
                )
        if old is not None and not _same_sweep(old, manifest):
            if changed := changed_inputs(old.get("scenarios", []), sweep.scenarios):
                raise ResultsError(
                    f"{folder}: {changed}; restore it to finish this sweep, or use --force to rerun it"
                )
            raise ResultsError(
                f"{folder}: holds a different sweep (scenario, design or seeds changed); use --force to replace it"
            )
        if old is not None and old["status"] == "complete":
            problem = _tables_intact(folder, old)
            if problem is None:
                shutil.rmtree(
                    store.dir, ignore_errors=True
                )  # left by a kill after the manifest said complete
                if damage is not None:
                    write_manifest(folder, old)
                return old, set(planned)
            if not store.dir.is_dir():
                raise ResultsError(
                    f"{folder}: complete, but {problem}, and its chunks are gone; rerun the sweep with --force"
                )
            say(f"{folder}: {problem}; rebuilding the tables from the chunks")
        journal_sweep, _ = store.read_journal()
        if old is None:
            assert damage is not None  # no manifest to go by: it could not be read
            if journal_sweep != fp:
                raise ResultsError(
                    f"{damage.rstrip('.')}; its chunks cannot be matched to this sweep, so it cannot be repaired; "
                    f"rerun the sweep with --force"
                )
            say(
                f"{folder}: manifest.json was damaged; rebuilt from the plan (the chunks' journal matches this sweep)"
            )
        else:
            manifest["started"] = old.get("started", manifest["started"])
        store.clean()
        if journal_sweep is None:
            store.start(fp)
        check = store.verify(planned, fp)
        if check.damaged:
            say(
                f"{folder}: {len(check.damaged)} damaged or unrecorded chunk{'s' if len(check.damaged) > 1 else ''} will be rerun: {check.describe()}"
            )
        write_manifest(folder, manifest)
        return manifest, check.good
    if folder.is_dir() and force:
        _empty_folder_but_lock(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        store.start(fp)
    except OSError as exc:
        raise ResultsError(
            f"{folder}: cannot create the results folder ({exc.strerror or exc})"
        ) from None
    write_manifest(folder, manifest)
    return manifest, set()


def _unified_schema(
    store: ChunkStore, runs: Sequence[int], name: str
) -> tuple[pa.Schema | None, list[int]]:
    """The schema of a table across runs (as pandas.concat would make it) and the runs that have rows."""
    schemas, with_rows = [], []
    for run in runs:
        path = store._chunk(run) / f"{name}{CHUNK_SUFFIX}"
        if not path.is_file():
            continue
        with pa.memory_map(str(path)) as source:
            reader = pa.ipc.open_file(source)
            rows = sum(
                reader.get_batch(i).num_rows for i in range(reader.num_record_batches)
            )
            schema = reader.schema
        if rows:
            schemas.append(schema)
            with_rows.append(run)
    if not schemas:
        return None, []
    return pa.unify_schemas(schemas, promote_options="permissive"), with_rows


def _stream_table(
    store: ChunkStore,
    runs: list[int],
    name: str,
    schema: pa.Schema,
    path: Path,
    walls: dict[int, float],
) -> int:
    """Write one final Parquet table from the chunks, run by run, a few runs per row group; returns its rows."""
    if name == "runs":
        schema = (
            schema.remove(schema.get_field_index("wall_seconds"))
            if "wall_seconds" in schema.names
            else schema
        )
    schema = with_units(name, schema)
    rows, pending, pending_rows = 0, [], 0
    with pq.ParquetWriter(path, schema) as writer:
        for run in runs:
            table = store.table(run, name)
            assert (
                table is not None
            )  # only runs whose chunk has this table are streamed
            if name == "runs" and "wall_seconds" in table.column_names:
                walls[run] = table.column("wall_seconds")[0].as_py()
                table = table.drop_columns(["wall_seconds"])
            table = _conform(table, schema)
            pending.append(table)
            pending_rows += table.num_rows
            if pending_rows >= ROW_GROUP_ROWS:
                writer.write_table(
                    pa.concat_tables(pending), row_group_size=pending_rows
                )
                rows += pending_rows
                pending, pending_rows = [], 0
        if pending:
            writer.write_table(pa.concat_tables(pending), row_group_size=pending_rows)
            rows += pending_rows
    return rows


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """A chunk's table with the unified schema's columns, in its order and types (missing ones null)."""
    if table.schema.equals(schema):
        return (
            table  # the usual case (every run has the same columns): nothing to rebuild
        )
    columns = []
    for field in schema:
        if field.name in table.column_names:
            col = table.column(field.name)
            columns.append(col if col.type == field.type else col.cast(field.type))
        else:
            columns.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(columns, schema=schema)


class TableStream:
    """The final Parquet tables, written while the sweep runs: each run's chunk as soon as every run before it is saved.

    The chunks stay the sweep's record (a killed sweep resumes from them); this only spares
    the end of the sweep from reading every chunk and writing every table after the last run.
    Runs are added in run order, a few per row group, exactly as :func:`_stream_table` adds
    them, so the files are the same bytes. A table whose chunks do not all have one schema
    (a failed run's missing outcome columns, a factor whose values change type) is left to
    :func:`finalize`, which unifies the schemas first; so is every table if a write fails.
    The files are ``chunks/stream-<table>.parquet.partial`` until :func:`finalize` renames them.

    Each table's row groups are encoded and written by a thread of its own, in the order they
    were made, while this thread goes on with the next runs: Parquet's writer lets go of the
    interpreter while it encodes (about 70 ms a group of 200,000 rows, 0.5-0.6 s of a
    100-run one-worker sweep, which the model's thread no longer waits for). When the last
    run is in, every table's last group is handed over at once, so that they are written
    side by side rather than one after another in :func:`finalize`. A group that fails to be
    written drops its table as a failing write did before (:meth:`_failed`).
    """

    def __init__(self, store: ChunkStore, runs: Sequence[int]):
        """A stream of the chunks of ``runs`` (in this order) in ``store``; nothing is written yet."""
        self.store, self.order, self.next = store, list(runs), 0
        self.schemas: dict[str, pa.Schema] = {}
        self.writers: dict[str, pq.ParquetWriter] = {}
        # The row groups handed to the writing thread, per table, not yet known to be written.
        self.writing: dict[str, list[Future]] = {}
        self._threads: dict[str, ThreadPoolExecutor] = {}
        self.pending: dict[str, list[pa.Table]] = {}
        self.rows: dict[str, int] = {}  # rows pending for the next row group
        self.total: dict[str, int] = {}
        self.streamed: dict[str, list[int]] = {}
        self.broken: set[str] = set()
        self.walls: dict[int, float] = {}

    def path(self, name: str) -> Path:
        """Where table ``name`` is being written."""
        return self.store.dir / f"stream-{name}.parquet.partial"

    def advance(
        self,
        saved: set[int],
        fresh: tuple[int, Mapping[str, pa.Table]] | None = None,
    ) -> None:
        """Add every run whose turn has come and whose chunk is saved (``saved``: the saved runs).

        Args:
            saved: The runs whose chunks are saved.
            fresh: A run just saved by this process and its tables as saved, used instead of
                reading its chunk back (every other run is read from its chunk).
        """
        while self.next < len(self.order) and self.order[self.next] in saved:
            run = self.order[self.next]
            given = fresh[1] if fresh is not None and fresh[0] == run else None
            for name in TABLES:
                if name not in self.broken:
                    try:
                        if given is None:
                            self._add(run, name, self.store.table(run, name))
                        else:
                            self._add(run, name, given.get(name))
                    # A stream that cannot be written (disk full, an unreadable chunk) is
                    # dropped: finalize writes the table from the chunks, or says why it cannot.
                    except (OSError, pa.ArrowException):
                        self._drop(name)
            self.next += 1
            if self.next == len(self.order):
                for name in list(self.writers):
                    self._flush(name)

    def _add(self, run: int, name: str, table: pa.Table | None) -> None:
        if table is None or table.num_rows == 0:
            return  # as in _unified_schema: only runs with rows make a table
        if name == "runs" and "wall_seconds" in table.column_names:
            self.walls[run] = table.column("wall_seconds")[0].as_py()
            table = table.drop_columns(["wall_seconds"])
        schema = self.schemas.setdefault(name, table.schema)
        if not table.schema.equals(schema):
            self._drop(name)
            return
        if self._failed(name):
            self._drop(name)
            return
        if name not in self.writers:
            self.writers[name] = pq.ParquetWriter(
                self.path(name), with_units(name, schema)
            )
        self.pending.setdefault(name, []).append(table)
        self.rows[name] = self.rows.get(name, 0) + table.num_rows
        self.total[name] = self.total.get(name, 0) + table.num_rows
        self.streamed.setdefault(name, []).append(run)
        if self.rows[name] >= ROW_GROUP_ROWS:
            self._flush(name)

    def _flush(self, name: str) -> None:
        """Hand the pending runs of table ``name`` to the writing thread as one row group."""
        if self.pending.get(name):
            if name not in self._threads:
                self._threads[name] = ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix=f"kemitraan-tables-{name}"
                )
            self.writing.setdefault(name, []).append(
                self._threads[name].submit(
                    _write_group,
                    self.writers[name],
                    self.pending[name],
                    self.rows[name],
                )
            )
        self.pending[name], self.rows[name] = [], 0

    def _failed(self, name: str) -> bool:
        """Whether a row group of table ``name`` already written by the thread failed (not waiting for the others)."""
        futures = self.writing.get(name, [])
        done = [f for f in futures if f.done()]
        self.writing[name] = [f for f in futures if not f.done()]
        return any(f.exception() is not None for f in done)

    def _wait(self, name: str) -> BaseException | None:
        """Wait until every row group of table ``name`` handed to the thread is written; the first error one raised, or None."""
        errors = [f.exception() for f in self.writing.pop(name, [])]
        return next((e for e in errors if e is not None), None)

    def _drop(self, name: str) -> None:
        self.broken.add(name)
        # The thread is done with the file before it is closed and removed.
        self._wait(name)
        writer = self.writers.pop(name, None)
        if writer is not None:
            with contextlib.suppress(OSError, pa.ArrowException):
                writer.close()
        self.path(name).unlink(missing_ok=True)

    def _saw_all(self, name: str) -> bool:
        """Every run has had its turn and table ``name`` is still being written."""
        return (
            self.next >= len(self.order)
            and name not in self.broken
            and name in self.writers
        )

    def whole(self, name: str) -> tuple[pa.Schema, list[int]] | None:
        """Table ``name``'s schema and runs with rows, as :func:`_unified_schema` gives them, if the stream saw every run.

        The stream read (or was handed) every run's table as saved, in run order, and kept
        it only while all had one schema; the chunks then unify to that schema (``runs``
        without its wall time) and the runs with rows are those streamed. None when a run
        is still to come or the table was dropped or has no rows: then the chunks are read.
        """
        if not self._saw_all(name) or name not in self.schemas:
            return None
        return self.schemas[name], list(self.streamed.get(name, []))

    def take(
        self, name: str, schema: pa.Schema | None, with_rows: Sequence[int], path: Path
    ) -> int | None:
        """Finish table ``name`` into ``path`` if the stream holds exactly what finalize would write; its rows, else None.

        Args:
            name: The table.
            schema: Its schema unified over every chunk, as :func:`_unified_schema` gives it.
            with_rows: The runs that have rows of it, in run order.
            path: The final file (replaced atomically).
        """
        if name == "runs" and schema is not None and "wall_seconds" in schema.names:
            schema = schema.remove(schema.get_field_index("wall_seconds"))
        if (
            not self._saw_all(name)
            or schema is None
            or not schema.equals(self.schemas[name])
            or self.streamed.get(name) != list(with_rows)
        ):
            self._drop(name)
            return None
        try:
            self._flush(name)
            if (error := self._wait(name)) is not None:
                raise error
            self.writers.pop(name).close()
            self.path(name).replace(path)
        except (OSError, pa.ArrowException):
            self._drop(name)
            return None
        return self.total[name]

    def abort(self) -> None:
        """Drop every table still being written (the sweep stopped before its end, or finalize wrote it), and end the writing threads."""
        for name in list(self.writers):
            self._drop(name)
        for thread in self._threads.values():
            thread.shutdown(wait=True)
        self._threads.clear()


def _write_group(writer: pq.ParquetWriter, tables: list[pa.Table], rows: int) -> None:
    """Write some runs' tables as one row group (on the table's writing thread)."""
    writer.write_table(pa.concat_tables(tables), row_group_size=rows)


def finalize(
    folder: Path,
    sweep: Sweep,
    manifest: dict[str, Any],
    stream: TableStream | None = None,
) -> Mapping[str, pd.DataFrame]:
    """Put the final tables in place, mark the manifest complete, remove the chunks.

    A Parquet table already streamed during the sweep (``stream``) is renamed into place when
    it holds exactly the runs and the schema the chunks give; any other is written from the
    chunks run by run here (memory stays flat, nothing is concatenated whole). The runs'
    order, not their arrival, fixes every byte either way.
    """
    fmt = manifest["format"]
    if manifest.get("status") == "complete":
        return load_tables(folder)
    store = ChunkStore(folder)
    runs = [t.run for t in sweep.tasks]
    hashes: dict[str, str] = {}
    counts: dict[str, int] = {}
    walls: dict[int, float] = {}
    for name in TABLES:
        path = folder / f"{name}.{fmt}"
        if fmt == "parquet":
            seen = stream.whole(name) if stream is not None else None
            try:
                # A table the stream saw whole is every chunk's: no need to read them again.
                schema, with_rows = seen or _unified_schema(store, runs, name)
            except (
                pa.ArrowInvalid,
                pa.ArrowTypeError,
            ):  # types no promotion reconciles: pandas' concat decides
                schema, with_rows = None, None
            streamed = (
                stream.take(name, schema, with_rows, path)
                if stream is not None and with_rows is not None
                else None
            )
            if streamed is not None:
                assert stream is not None
                counts[name] = streamed
                if name == "runs":
                    walls.update(stream.walls)
            elif schema is not None and with_rows is not None:
                counts[name] = _write_atomic(
                    path,
                    partial(_stream_table, store, with_rows, name, schema, walls=walls),
                )
            else:
                frames = store.read(runs)[name] if with_rows is None else pd.DataFrame()
                if name == "runs" and "wall_seconds" in frames.columns:
                    walls.update(
                        zip(
                            frames["run"].tolist(),
                            frames["wall_seconds"].tolist(),
                            strict=True,
                        )
                    )
                    frames = frames.drop(columns="wall_seconds")
                counts[name] = len(frames)
                _write_atomic(path, partial(_write_table, frames, fmt=fmt))
        else:
            frames = store.read(runs)[name]
            if name == "runs" and "wall_seconds" in frames.columns:
                walls.update(
                    zip(
                        frames["run"].tolist(),
                        frames["wall_seconds"].tolist(),
                        strict=True,
                    )
                )
                frames = frames.drop(columns="wall_seconds")
            counts[name] = len(frames)
            _write_atomic(path, partial(_write_table, frames, fmt=fmt))
        hashes[path.name] = _sha256(path)
    if stream is not None:
        stream.abort()  # a table finalize wrote from the chunks instead
    # Wall time differs between reruns; it goes to the manifest so every table is byte-identical.
    manifest = dict(
        manifest,
        runs=[dict(r, wall_seconds=walls.get(r["run"])) for r in manifest["runs"]],
        status="complete",
        finished=now(),
        tables=hashes,
        rows=counts,
    )
    write_manifest(folder, manifest)
    shutil.rmtree(store.dir, ignore_errors=True)
    return load_tables(folder)


class FolderTables(Mapping[str, pd.DataFrame]):
    """A finished folder's tables, each read when first asked for (a sweep's caller often needs only ``runs``)."""

    def __init__(self, folder: Path, manifest: dict[str, Any]):
        """The tables ``manifest`` lists, to be read from ``folder``; none is read yet."""
        self.folder, self.manifest = folder, manifest
        self._names = [f.rsplit(".", 1)[0] for f in manifest.get("tables", {})]
        self._cache: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        """Table ``name``, read on first use.

        Raises:
            KeyError: If the folder has no such table.
            ResultsError: If its file cannot be read.
        """
        if name not in self._names:
            raise KeyError(name)
        if name not in self._cache:
            fmt = self.manifest.get("format", "parquet")
            path = self.folder / f"{name}.{fmt}"
            try:
                self._cache[name] = (
                    pd.read_parquet(path) if fmt == "parquet" else pd.read_csv(path)
                )
            # pyarrow and pandas raise many kinds of exception for a damaged file.
            except Exception as exc:
                raise ResultsError(
                    f"{path}: cannot be read ({type(exc).__name__}); the folder is damaged"
                ) from None
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        """The tables' names, in the manifest's order."""
        return iter(self._names)

    def __len__(self) -> int:
        """Number of tables."""
        return len(self._names)


def load_tables(folder: Path) -> Mapping[str, pd.DataFrame]:
    """A finished sweep's tables (read lazily)."""
    return FolderTables(folder, read_manifest(folder))


# --- running --------------------------------------------------------------------------------


def run_sweep(
    sweep: Sweep,
    folder: Path,
    *,
    workers: int = 1,
    executor: Executor | None = None,
    resume: bool = False,
    force: bool = False,
    fmt: str = "parquet",
    command: str = "",
    progress: Callable[[int, int, int], None] | None = None,
    max_in_flight: int | None = None,
    notify: Callable[[str], None] | None = None,
) -> tuple[Mapping[str, pd.DataFrame], int]:
    """Run every task not yet finished, saving each as it finishes, then gather the tables.

    One process at a time may write a folder (see :func:`sim.experiment.results.folder_lock`).

    Args:
        sweep: What to run.
        folder: The results folder.
        workers: Local worker processes when no executor is given (1: in this process).
        executor: A ``concurrent.futures`` executor, e.g. a Dask client's ``get_executor()``.
        resume: Reopen an unfinished folder, check every saved chunk, and run only the missing or damaged runs.
        force: Replace an existing folder.
        fmt: Final table format, ``parquet`` or ``csv``.
        command: The command line, for the manifest.
        progress: Called with (done, failed, total) after each run.
        max_in_flight: Most tasks submitted at once (default: 4 per worker), so memory stays flat.
        notify: Told, one line each, of damage found and repaired on ``--resume``.

    Returns:
        The tables (each read from the folder when first used) and the number of failed runs.

    Raises:
        SweepInterrupted: On Ctrl-C; finished runs are saved.
        SweepLost: The workers or the Dask scheduler went away; finished runs are saved.
        ResultsError: The folder is another process's, not a results folder, or damaged beyond repair.
    """
    check_destination(folder, resume=resume, force=force)
    if executor is None and workers > 1:
        start_server(execute_staged.__module__)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ResultsError(
            f"{folder}: cannot create the results folder ({exc.strerror or exc})"
        ) from None
    with folder_lock(folder):
        manifest, done = prepare_folder(
            folder,
            sweep,
            resume=resume,
            force=force,
            fmt=fmt,
            command=command,
            notify=notify,
        )
        store = ChunkStore(folder)
        todo = [t for t in sweep.tasks if t.run not in done]
        total = len(sweep.tasks)
        finished = len(done)
        failed = 0

        # A local pool's workers write their run's files themselves (same disk); the parent
        # only renames and journals them. A Dask worker may be on another machine: it sends bytes.
        staging = executor is None and workers > 1
        saved = set(done)
        # The final tables are written as the runs finish, in run order (see TableStream),
        # while the workers run the next ones, instead of all at the end.
        stream = (
            TableStream(store, [t.run for t in sweep.tasks])
            if fmt == "parquet" and manifest.get("status") != "complete"
            else None
        )

        def record(
            run: int,
            status: str,
            result: dict[str, bytes] | Staged,
            tables: Mapping[str, pa.Table] | None = None,
        ) -> None:
            nonlocal finished, failed
            if isinstance(result, Staged):
                store.commit(run, result)
            else:
                store.write(run, result)
            saved.add(run)
            if stream is not None:
                stream.advance(saved, (run, tables) if tables is not None else None)
            finished += 1
            if status != "ok":
                failed += 1
            if progress:
                progress(finished, failed, total)

        def record_here(run: int, status: str, tables: dict[str, pa.Table]) -> None:
            # A run made in this process is encoded here and streamed from memory, not read back.
            record(run, status, encode_tables(tables), tables)

        if progress:
            progress(finished, failed, total)
        # A run made in this process is saved before the next starts: a second thread saving
        # it meanwhile cost 15 ms of CPU a run more (switching the GIL with the model's thread)
        # and gained no wall time on this two-core machine with another job on it.
        here = executor is None and workers <= 1
        on_result: Callable[..., None]
        fn: Callable[[Task], tuple]
        if here:
            on_result, fn = record_here, execute_arrow
        elif staging:
            on_result, fn = record, partial(execute_staged, folder=str(folder))
        else:
            on_result, fn = record, execute_encoded
        completed = False
        try:
            execute_all(
                todo,
                on_result,
                workers=workers,
                executor=executor,
                max_in_flight=max_in_flight,
                fn=fn,
            )
            completed = True
        except KeyboardInterrupt:
            raise SweepInterrupted(finished, total) from None
        except ExecutorLost as exc:
            raise SweepLost(
                finished,
                total,
                str(exc),
                "the Dask cluster" if executor is not None else "a worker process",
            ) from None
        finally:
            store.sync()
            if not completed:
                # Runs staged by workers but not committed when the sweep stopped (the pool
                # has been shut down, so no worker is still writing): never counted, so
                # removed, with the final tables begun.
                if stream is not None:
                    stream.abort()
                store.clean()
        if stream is not None:
            # The runs saved before a resume are streamed here when no run was left to run.
            stream.advance(saved)
        tables = finalize(folder, sweep, manifest, stream)
    runs = tables["runs"]
    failed = int((runs["status"] != "ok").sum()) if not runs.empty else 0
    return tables, failed


def execute_encoded(task: Task) -> tuple[int, str, dict[str, bytes]]:
    """Run one task where the worker is, and encode its tables there (the parent only saves bytes)."""
    run, status, tables = execute_arrow(task)
    return run, status, encode_tables(tables)


def execute_staged(task: Task, folder: str) -> tuple[int, str, Staged]:
    """Run one task in a local pool's worker and stage its chunk there (the parent commits it)."""
    run, status, encoded = execute_encoded(task)
    return run, status, ChunkStore(Path(folder)).stage(run, encoded)
