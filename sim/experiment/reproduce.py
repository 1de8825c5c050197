"""Reproducing a results folder from its manifest alone.

The manifest holds the scenario files' text, how the sweep was planned (design, replications,
steps, overrides) and every run's seed. :func:`reproduce` plans the same tasks again, reruns
all of them or a seeded sample, and compares every table of every rerun with what is stored,
exactly. Versions that differ from the manifest's are reported, since a different numpy or
Mesa may legitimately change numbers.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.experiment.results import (
    ResultsError,
    _sha256,
    changed_inputs,
    csv_forms,
    load_results,
    read_manifest,
    versions,
)
from sim.experiment.run import execute
from sim.experiment.sweep import TABLES, Sweep, plan, plan_files
from sim.scenario import ScenarioError, load_text

# What may differ between two runs of the same seed: wall-clock time only.
VOLATILE = ("wall_seconds",)
COMPARED_VERSIONS = (
    "python",
    "kemitraan",
    "model_version",
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
)


@dataclass
class Difference:
    """The first place a rerun differs from the stored results."""

    run: int
    table: str
    column: str
    row: int
    stored: Any
    rerun: Any

    def describe(self) -> str:
        """One line for the terminal."""
        return f"run {self.run}, table {self.table}, row {self.row}, column {self.column}: stored {self.stored!r}, rerun {self.rerun!r}"


@dataclass
class Reproduction:
    """Outcome of a reproduction."""

    checked: list[int]
    differences: list[Difference] = field(default_factory=list)
    version_warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the folder is whole (every run, hash and row count) and every rerun equals it."""
        return not self.differences and not self.problems


def sweep_from_manifest(manifest: dict[str, Any]) -> Sweep:
    """Plan the same tasks as the sweep that wrote ``manifest``."""
    how = manifest.get("plan") or {
        "kind": "design",
        "replications": None,
        "steps": None,
        "overrides": {},
    }
    try:
        scenarios = [load_text(s["text"], s["source"]) for s in manifest["scenarios"]]
    except ScenarioError as exc:  # e.g. its regions CSV is gone
        raise ResultsError(
            f"cannot load the sweep's scenario again: {exc}; reproduce needs the files it read"
        ) from None
    changed = changed_inputs(manifest["scenarios"], scenarios)
    if changed is None and any(
        isinstance(s, dict) and s.get("sha256") not in (None, now.sha256)
        for s, now in zip(manifest["scenarios"], scenarios, strict=False)
    ):
        changed = "a scenario's SHA-256 differs from the manifest's (its text or a file it reads changed)"
    if changed:
        raise ResultsError(f"cannot reproduce: {changed}")
    if how["kind"] == "files":
        sweep = plan_files(scenarios, how["replications"], steps=how.get("steps"))
    else:
        sweep = plan(
            scenarios[0],
            replications=how.get("replications"),
            steps=how.get("steps"),
            overrides=how.get("overrides") or None,
            checked=bool(how.get("checked")),
        )
    stored = {(r["run"], r["run_seed"]) for r in manifest["runs"]}
    from sim.seeds import run_fingerprint

    planned = {
        (t.run, run_fingerprint(int(t.scenario.scenario.seed), t.replication))
        for t in sweep.tasks
    }
    if planned != stored:
        raise ResultsError(
            "the manifest's runs and seeds cannot be planned again from its scenario and design; the folder may be edited"
        )
    return sweep


def _first_difference(
    run: int, name: str, stored: pd.DataFrame, rerun: pd.DataFrame
) -> Difference | None:
    stored = stored.drop(
        columns=[c for c in VOLATILE if c in stored.columns]
    ).reset_index(drop=True)
    rerun = rerun.drop(columns=[c for c in VOLATILE if c in rerun.columns]).reset_index(
        drop=True
    )
    if list(stored.columns) != list(rerun.columns):
        missing = [c for c in stored.columns if c not in rerun.columns] + [
            c for c in rerun.columns if c not in stored.columns
        ]
        return Difference(
            run,
            name,
            ",".join(map(str, missing)) or "(order)",
            -1,
            list(stored.columns),
            list(rerun.columns),
        )
    if len(stored) != len(rerun):
        return Difference(run, name, "(rows)", -1, len(stored), len(rerun))
    for col in stored.columns:
        a, b = stored[col].to_numpy(), rerun[col].to_numpy()
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            a, b = a.astype(float), b.astype(float)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        else:
            same = np.array(
                [_equal(x, y) for x, y in zip(a, b, strict=True)], dtype=bool
            )
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            return Difference(
                run,
                name,
                col,
                i,
                a[i].item() if hasattr(a[i], "item") else a[i],
                b[i].item() if hasattr(b[i], "item") else b[i],
            )
    return None


def _equal(x: Any, y: Any) -> bool:
    """Two cells equal, NaN equal to NaN, list cells (``members``) element by element."""
    if isinstance(x, (list, tuple, np.ndarray)) or isinstance(
        y, (list, tuple, np.ndarray)
    ):
        return bool(np.array_equal(np.asarray(x), np.asarray(y)))
    return bool(x == y or (x != x and y != y))


def _as_stored(df: pd.DataFrame, fmt: str) -> pd.DataFrame:
    """A rerun's table as it reads back from a file of the folder's format, to compare like with like."""
    if df.empty:
        return df
    if fmt == "csv":
        text = csv_forms(df).to_csv(index=False, float_format="%.17g")
        return pd.read_csv(io.StringIO(text))
    return pa.Table.from_pandas(df, preserve_index=False).to_pandas()


def check_folder(
    folder: Path,
    manifest: dict[str, Any],
    tables: dict[str, pd.DataFrame],
    sweep: Sweep,
) -> list[str]:
    """Everything about a folder that needs no rerun: tables present with their hashes, runs and rows.

    Returns one line per problem: a table missing or changed since the manifest was written,
    a run missing or there twice, a table's row count different from the manifest's, a run
    that finished ``ok`` with no time series or a failed one with some.
    """
    problems = []
    fmt = manifest.get("format", "parquet")
    listed = manifest.get("tables") or {}
    for name in TABLES:
        filename = f"{name}.{fmt}"
        if filename not in listed:
            problems.append(f"table {filename} is not in the manifest")
        elif not (folder / filename).is_file():
            problems.append(f"table {filename} is missing")
        elif _sha256(folder / filename) != listed[filename]:
            problems.append(
                f"table {filename} differs from its SHA-256 in the manifest (changed since the sweep wrote it)"
            )
    planned = [t.run for t in sweep.tasks]
    runs = tables.get("runs", pd.DataFrame())
    stored = [int(r) for r in runs["run"]] if "run" in runs.columns else []
    if sorted(stored) != planned:
        missing = sorted(set(planned) - set(stored))
        twice = (
            sorted({r for r in stored if stored.count(r) > 1})
            if len(stored) != len(set(stored))
            else []
        )
        extra = sorted(set(stored) - set(planned))
        parts = (
            (
                [
                    f"{len(missing)} missing (run {', '.join(map(str, missing[:5]))}{'...' if len(missing) > 5 else ''})"
                ]
                if missing
                else []
            )
            + (
                [f"{len(twice)} there twice (run {', '.join(map(str, twice[:5]))})"]
                if twice
                else []
            )
            + ([f"{len(extra)} not in the plan"] if extra else [])
        )
        problems.append(
            f"the runs table has {len(stored)} runs, the plan {len(planned)}: {'; '.join(parts)}"
        )
    for name, expected in (manifest.get("rows") or {}).items():
        actual = len(tables.get(name, pd.DataFrame()))
        if actual != expected:
            problems.append(f"table {name} has {actual} rows, the manifest {expected}")
    if "status" in runs.columns:
        ok = set(runs.loc[runs["status"] == "ok", "run"].astype(int))
        ts = tables.get("timeseries", pd.DataFrame())
        with_rows = set(ts["run"].astype(int)) if "run" in ts.columns else set()
        if ok - with_rows:
            problems.append(
                f"{len(ok - with_rows)} finished runs have no time series (run {min(ok - with_rows)} first)"
            )
        if with_rows - ok:
            problems.append(
                f"the time series has rows of {len(with_rows - ok)} runs that did not finish ok"
            )
    return problems


def reproduce(
    folder: str | Path, runs: int | None = None, seed: int = 0
) -> Reproduction:
    """Check a results folder whole, rerun its runs, and compare them with the stored tables.

    Args:
        folder: A complete results folder.
        runs: How many runs to rerun (a sample drawn with ``seed``); all when None. The folder's
            hashes, run list and row counts are checked in full either way.
        seed: Seed of the sample.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest.get("status") != "complete":
        raise ResultsError(
            f"{folder}: the sweep is not complete; finish it with --resume first"
        )
    res = load_results(folder)
    sweep = sweep_from_manifest(manifest)
    ids = [t.run for t in sweep.tasks]
    if runs is not None and runs < len(ids):
        ids = sorted(
            np.random.default_rng(seed).choice(ids, size=runs, replace=False).tolist()
        )
    now_versions = versions()
    warnings = [
        f"{k}: results made with {manifest['versions'].get(k)}, installed {now_versions.get(k)}"
        for k in COMPARED_VERSIONS
        if manifest.get("versions", {}).get(k) != now_versions.get(k)
    ]
    out = Reproduction(
        ids,
        version_warnings=warnings,
        problems=check_folder(folder, manifest, res, sweep),
    )
    by_run = {t.run: t for t in sweep.tasks}
    stored_by_run = {name: _by_run(res.get(name, pd.DataFrame())) for name in TABLES}
    for run in ids:
        _, tables = execute(by_run[run])
        for name in TABLES:
            stored = stored_by_run[name].get(run)
            if stored is None:
                stored = res.get(name, pd.DataFrame()).iloc[0:0]
            rerun = _as_stored(
                tables.get(name, pd.DataFrame()), manifest.get("format", "parquet")
            )
            if stored.empty and rerun.empty:
                continue
            diff = _first_difference(run, name, stored, rerun)
            if diff:
                out.differences.append(diff)
                return out
    return out


def _by_run(table: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """A table split by run id, once (not filtered again for every run checked)."""
    if "run" not in table.columns or table.empty:
        return {}
    return {int(run): part for run, part in table.groupby("run", sort=False)}


def describe_manifest(folder: str | Path) -> str:
    """A short provenance summary of a results folder."""
    m = read_manifest(folder)
    v = m.get("versions", {})
    return (
        f"{m.get('name')}: {len(m.get('runs', []))} runs, design {m.get('design', {}).get('type')}, "
        f"kemitraan {v.get('kemitraan')} (model {v.get('model_version')}, git {str(v.get('git_commit'))[:10]}"
        f"{' dirty' if v.get('git_dirty') == 'yes' else ''}), Python {v.get('python')}, Mesa {v.get('mesa')}, numpy {v.get('numpy')}"
    )
