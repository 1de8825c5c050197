"""Reproducing a results folder from its manifest alone.

The manifest holds the scenario files' text, how the sweep was planned (design, replications,
steps, overrides) and every run's seed. :func:`reproduce` plans the same tasks again, reruns
all of them or a seeded sample, and compares every table of every rerun with what is stored,
exactly. Versions that differ from the manifest's are reported, since a different numpy or
Mesa may legitimately change numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.results import ResultsError, load_results, versions
from sim.experiment.run import execute
from sim.scenario import load_text
from sim.experiment.sweep import Sweep, plan, plan_files

# What may differ between two runs of the same seed: wall-clock time only.
VOLATILE = ("wall_seconds",)
COMPARED_VERSIONS = ("python", "kemitraan", "model_version", "mesa", "numpy", "scipy", "pandas", "pyarrow")


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

    @property
    def ok(self) -> bool:
        """True when every rerun equals the stored results."""
        return not self.differences


def sweep_from_manifest(manifest: dict[str, Any]) -> Sweep:
    """Plan the same tasks as the sweep that wrote ``manifest``."""
    how = manifest.get("plan") or {"kind": "design", "replications": None, "steps": None, "overrides": {}}
    scenarios = [load_text(s["text"], s["source"]) for s in manifest["scenarios"]]
    if how["kind"] == "files":
        sweep = plan_files(scenarios, how["replications"], steps=how.get("steps"))
    else:
        sweep = plan(scenarios[0], replications=how.get("replications"), steps=how.get("steps"),
                     overrides=how.get("overrides") or None, checked=bool(how.get("checked")))
    stored = {(r["run"], r["run_seed"]) for r in manifest["runs"]}
    from sim.model import run_fingerprint

    planned = {(t.run, run_fingerprint(int(t.scenario.scenario.seed), t.replication)) for t in sweep.tasks}
    if planned != stored:
        raise ResultsError("the manifest's runs and seeds cannot be planned again from its scenario and design; the folder may be edited")
    return sweep


def _first_difference(run: int, name: str, stored: pd.DataFrame, rerun: pd.DataFrame) -> Difference | None:
    stored = stored.drop(columns=[c for c in VOLATILE if c in stored.columns]).reset_index(drop=True)
    rerun = rerun.drop(columns=[c for c in VOLATILE if c in rerun.columns]).reset_index(drop=True)
    if list(stored.columns) != list(rerun.columns):
        missing = [c for c in stored.columns if c not in rerun.columns] + [c for c in rerun.columns if c not in stored.columns]
        return Difference(run, name, ",".join(map(str, missing)) or "(order)", -1, list(stored.columns), list(rerun.columns))
    if len(stored) != len(rerun):
        return Difference(run, name, "(rows)", -1, len(stored), len(rerun))
    for col in stored.columns:
        a, b = stored[col].to_numpy(), rerun[col].to_numpy()
        if a.dtype.kind in "fc" or b.dtype.kind in "fc":
            a, b = a.astype(float), b.astype(float)
            same = (a == b) | (np.isnan(a) & np.isnan(b))
        else:
            same = np.array([x == y or (x != x and y != y) for x, y in zip(a, b, strict=True)], dtype=bool)
        if not same.all():
            i = int(np.flatnonzero(~same)[0])
            return Difference(run, name, col, i, a[i].item() if hasattr(a[i], "item") else a[i], b[i].item() if hasattr(b[i], "item") else b[i])
    return None


def reproduce(folder: str | Path, runs: int | None = None, seed: int = 0) -> Reproduction:
    """Rerun the runs of a results folder and compare them with the stored tables.

    Args:
        folder: A complete results folder.
        runs: How many runs to check (a sample drawn with ``seed``); all when None.
        seed: Seed of the sample.
    """
    folder = Path(folder)
    res = load_results(folder)
    manifest = res["manifest"]
    if manifest.get("status") != "complete":
        raise ResultsError(f"{folder}: the sweep is not complete; finish it with --resume first")
    sweep = sweep_from_manifest(manifest)
    stored_runs = res["runs"]
    ids = sorted(int(r) for r in stored_runs["run"])
    if runs is not None and runs < len(ids):
        ids = sorted(np.random.default_rng(seed).choice(ids, size=runs, replace=False).tolist())
    now_versions = versions()
    warnings = [f"{k}: results made with {manifest['versions'].get(k)}, installed {now_versions.get(k)}"
                for k in COMPARED_VERSIONS if manifest.get("versions", {}).get(k) != now_versions.get(k)]
    out = Reproduction(ids, version_warnings=warnings)
    by_run = {t.run: t for t in sweep.tasks}
    for run in ids:
        _, tables = execute(by_run[run])
        for name in ("runs", "timeseries", "regions", "events"):
            stored = res.get(name, pd.DataFrame())
            stored = stored[stored["run"] == run] if "run" in stored.columns else stored.iloc[0:0]
            rerun = tables.get(name, pd.DataFrame())
            if stored.empty and rerun.empty:
                continue
            diff = _first_difference(run, name, stored, rerun)
            if diff:
                out.differences.append(diff)
                return out
    return out


def describe_manifest(folder: str | Path) -> str:
    """A short provenance summary of a results folder."""
    m = json.loads((Path(folder) / "manifest.json").read_text())
    v = m.get("versions", {})
    return (f"{m.get('name')}: {len(m.get('runs', []))} runs, design {m.get('design', {}).get('type')}, "
            f"kemitraan {v.get('kemitraan')} (model {v.get('model_version')}, git {str(v.get('git_commit'))[:10]}"
            f"{' dirty' if v.get('git_dirty') == 'yes' else ''}), Python {v.get('python')}, Mesa {v.get('mesa')}, numpy {v.get('numpy')}")
