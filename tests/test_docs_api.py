"""docs/api.md's snippets run as written, and results folders in forms other tools read.

The snippets run in a folder holding ``results/rewards`` (Parquet) and ``results/rewards-csv``
(CSV): a small sweep of the shipped rewards design, as ``kemitraan run`` writes it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.experiment import columns
from sim.experiment.sweep import plan, run_sweep
from sim.scenario import load_text

ROOT = Path(__file__).resolve().parent.parent
API = (ROOT / "docs" / "api.md").read_text()
PYTHON = re.findall(r"```python\n(.*?)```", API, re.S)
R_SNIPPETS = re.findall(r"```r\n(.*?)```", API, re.S)

SWEEP = """
[scenario]
name = "rewards"
years = 2
[population]
community_groups = 50
ngos = 10
religious_bodies = 10
businesses = 15
universities = 3
[design]
type = "factorial"
replications = 3
[design.factors]
"rewards.scheme" = ["none", "performance"]
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder with results/rewards (Parquet) and results/rewards-csv (CSV)."""
    work = tmp_path_factory.mktemp("api")
    sweep = plan(load_text(SWEEP, "rewards.toml"))
    run_sweep(sweep, work / "results" / "rewards")
    run_sweep(sweep, work / "results" / "rewards-csv", fmt="csv")
    return work


def test_every_ecosystem_has_a_section_with_a_snippet():
    for title in ("## Mesa", "## EMA Workbench", "## SALib", "## R", "## DuckDB"):
        assert title in API, title
    assert len(PYTHON) >= 6 and len(R_SNIPPETS) == 2


@pytest.mark.parametrize("i", range(len(PYTHON)))
def test_python_snippet_runs(i, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA's optional-dependency and pandas notices
        exec(compile(PYTHON[i], f"docs/api.md snippet {i}", "exec"), {})  # noqa: S102 - running the page's snippets is the test


def test_r_reads_the_csv_forms(workdir):
    """What R's read.csv needs: TRUE/FALSE, empty for NA, plain decimal floats; R itself if installed."""
    folder = workdir / "results" / "rewards-csv"
    runs_text = (folder / "runs.csv").read_text().splitlines()
    header = runs_text[0].split(",")
    rows = [line.split(",") for line in runs_text[1:]]
    reached = {r[header.index("reached")] for r in rows}
    assert reached <= {"TRUE", "FALSE"} and reached
    years = [r[header.index("years_to_target")] for r in rows]
    number = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
    assert all(v == "" or number.match(v) for v in years)
    assert all(number.match(r[header.index("final_index")]) for r in rows)
    events = pd.read_csv(folder / "events.csv")
    sizes = events["members"].astype(str).str.split(";").str.len()
    assert (sizes == events["size"]).all()
    runs = pd.read_csv(folder / "runs.csv")
    assert runs["reached"].dtype == bool
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("Rscript not installed; the CSV forms were checked without it")
    proc = subprocess.run(
        [rscript, "-e", R_SNIPPETS[1]],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_every_column_carries_its_unit_in_parquet(workdir):
    folder = workdir / "results" / "rewards"
    for table in columns.TABLES:
        schema = pq.read_schema(folder / f"{table}.parquet")
        for field in schema:
            meta = field.metadata or {}
            assert b"unit" in meta and meta[b"description"], (table, field.name)
    unit = pq.read_schema(folder / "timeseries.parquet").field("spend_total").metadata
    assert unit[b"unit"] == columns.RUPIAH_QUARTER.encode()


def test_data_dictionary_is_generated_from_the_code():
    assert (ROOT / "docs" / "results.md").read_text() == columns.markdown(), (
        "docs/results.md is stale: python -m sim.experiment.columns > docs/results.md"
    )


def test_members_are_a_list_column(workdir):
    folder = workdir / "results" / "rewards"
    schema = pq.read_schema(folder / "events.parquet")
    assert str(schema.field("members").type) == "list<element: int64>"
    assert str(schema.field("kinds").type) == "list<element: string>"
    events = pd.read_parquet(folder / "events.parquet")
    assert (events["members"].map(len) == events["size"]).all()
    assert (events["kinds"].map(len) == events["size"]).all()


def test_seeds_survive_53_bit_tools(workdir):
    folder = workdir / "results" / "rewards"
    runs = pd.read_parquet(folder / "runs.parquet")
    hi, lo = runs["run_seed_hi"].to_numpy(), runs["run_seed_lo"].to_numpy()
    assert (hi < 2**32).all() and (lo < 2**32).all()
    # Through doubles (what R, spreadsheets and JavaScript hold) the halves stay exact.
    rebuilt = [
        int(float(h)) * 2**32 + int(float(lo_)) for h, lo_ in zip(hi, lo, strict=True)
    ]
    assert rebuilt == runs["run_seed"].tolist()
    assert any(s > 2**53 for s in rebuilt)  # the case that needs them
    as_csv = pd.read_csv(workdir / "results" / "rewards-csv" / "runs.csv")
    assert (as_csv["run_seed_hi"] * 2**32 + as_csv["run_seed_lo"]).tolist() == rebuilt


def test_manifest_records_the_salib_version(workdir):
    manifest = json.loads(
        (workdir / "results" / "rewards" / "manifest.json").read_text()
    )
    from importlib import metadata

    assert manifest["versions"]["SALib"] == metadata.version("SALib")


def test_csv_folder_reproduces(workdir):
    from sim.experiment.reproduce import reproduce

    result = reproduce(workdir / "results" / "rewards-csv", runs=2)
    assert result.ok, result.differences or result.problems
    result = reproduce(workdir / "results" / "rewards", runs=2)
    assert result.ok, result.differences or result.problems


def test_unknown_column_has_no_metadata_rather_than_a_wrong_one():
    assert columns.field_metadata("runs", "not_a_column") == {}
    assert columns.column("runs", "funding.public_scale").unit == "-"
    assert columns.column("runs", "population.community_groups").unit == "agents"
