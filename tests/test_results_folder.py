"""Results folders under faults.

Two writers, damaged chunks and manifests, kills in the final gather, a folder that lost a run or
a row, and a Dask scheduler lost mid-sweep.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import main
from sim.experiment.reproduce import reproduce
from sim.experiment.results import (
    ResultsError,
    folder_lock,
    load_results,
    read_manifest,
)
from sim.experiment.sweep import ChunkStore, SweepInterrupted, plan, run_sweep
from sim.scenario import load, load_text
from tests.test_sweep import _free_port, tables_equal

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SMALL = (
    '[scenario]\nname = "rf"\nyears = 1\n[population]\ncommunity_groups = 40\nngos = 8\nreligious_bodies = 8\n'
    "businesses = 12\nuniversities = 2\n"
)
SWEEP = SMALL + (
    '[design]\ntype = "factorial"\nreplications = 4\n[design.factors]\n'
    '"rewards.scheme" = ["none", "performance"]\n'
)  # 8 runs


def sweep():
    return plan(load_text(SWEEP, "rf.toml"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "rf"
    tables, failed = run_sweep(sweep(), out)
    assert failed == 0
    return {k: tables[k] for k in tables}


def partial(out: Path, n: int) -> None:
    """A sweep stopped (as by Ctrl-C) after n runs are saved."""

    class Stop(KeyboardInterrupt):
        pass

    def stop(done, failed, total):
        if done == n:
            raise Stop

    with pytest.raises(SweepInterrupted):
        run_sweep(sweep(), out, progress=stop)
    assert len(ChunkStore(out).done()) == n


def tables_of(out: Path) -> dict:
    return {k: v for k, v in load_results(out).items() if k != "manifest"}


# --- one writer at a time ------------------------------------------------------------------


def test_second_writer_is_refused_in_one_line(tmp_path):
    out = tmp_path / "rf"
    partial(out, 3)
    with folder_lock(out):
        with pytest.raises(
            ResultsError, match=r"another kemitraan process .*pid"
        ) as err:
            run_sweep(sweep(), out, resume=True)
        assert "\n" not in str(err.value)
    tables, _ = run_sweep(sweep(), out, resume=True)  # released: the resume goes ahead
    assert list(tables["runs"]["run"]) == list(range(8))


def _sweep_command(scen, out) -> list[str]:
    """`kemitraan run` of a sweep into ``out`` on one worker, without a report."""
    return [
        str(BIN / "kemitraan"),
        "run",
        str(scen),
        "--out",
        str(out),
        "--workers",
        "1",
        "--no-report",
    ]


def _kill_after_chunks(cmd: list[str], out, chunks: int, cwd) -> int:
    """Start ``cmd`` in its own session, SIGKILL it once ``chunks`` runs are saved; its pid."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while len(ChunkStore(out).done()) < chunks and time.time() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return proc.pid


def test_two_concurrent_resumes_lose_nothing(tmp_path, reference):
    scen = tmp_path / "rf.toml"
    scen.write_text(
        SWEEP.replace("replications = 4", "replications = 24")
    )  # 48 runs, as in the issue
    out = tmp_path / "race"
    cmd = _sweep_command(scen, out)
    _kill_after_chunks(cmd, out, 4, tmp_path)
    # Two resumes started together: one works, the other is told the folder is taken (or, if it
    # came second, finds it complete). Neither may lose a run.
    procs = [
        subprocess.Popen(
            [*cmd, "--resume"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    codes = sorted(rc for rc, _ in results)
    assert codes in ([0, 0], [0, 2]), results
    for rc, err in results:
        if rc == 2:
            assert (
                "another kemitraan process" in err
                and len(err.strip().splitlines()) == 1
                and "Traceback" not in err
            )
    runs = load_results(out)["runs"]
    assert list(runs["run"]) == list(range(48))
    assert reproduce(out, runs=2).ok


def test_lock_of_a_killed_sweep_does_not_block_the_next(tmp_path):
    scen = tmp_path / "rf.toml"
    scen.write_text(SWEEP)
    out = tmp_path / "stale"
    cmd = _sweep_command(scen, out)
    pid = _kill_after_chunks(cmd, out, 2, tmp_path)
    assert (
        f"pid {pid}" in (out / ".lock").read_text()
    )  # the dead holder is still named in the file
    done = subprocess.run(
        [*cmd, "--resume"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


# --- damaged chunks ------------------------------------------------------------------------


def test_damaged_chunks_are_found_named_and_rerun(tmp_path, reference):
    out = tmp_path / "rf"
    partial(out, 6)
    chunks = out / "chunks"
    (chunks / "run-000000" / "timeseries.arrow").unlink()  # a file deleted
    path = chunks / "run-000001" / "events.arrow"
    path.write_bytes(path.read_bytes()[:-40])  # truncated
    (chunks / "run-000002" / "runs.arrow").write_bytes(b"")  # emptied
    path = chunks / "run-000003" / "regions.arrow"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))  # one byte flipped
    path = chunks / "run-000004" / "runs.arrow"
    path.write_bytes(os.urandom(path.stat().st_size))  # garbage of the right size
    import shutil

    shutil.rmtree(chunks / "run-000005")  # a whole chunk deleted
    said = []
    tables, _ = run_sweep(sweep(), out, resume=True, notify=said.append)
    assert len(said) == 1
    for run, why in (
        (0, "missing file"),
        (1, "truncated"),
        (2, "empty file"),
        (3, "corrupted"),
        (4, "corrupted"),
        (5, "missing"),
    ):
        assert f"run {run} ({why}" in said[0]
    tables_equal({k: tables[k] for k in tables}, reference)


def test_chunk_not_in_the_journal_is_rerun(tmp_path, reference):
    out = tmp_path / "rf"
    partial(out, 4)
    journal = out / "chunks" / "journal.jsonl"
    lines = journal.read_text().splitlines()
    journal.write_text(
        "\n".join(lines[:-1]) + "\n" + lines[-1][:10]
    )  # the last append was cut by a kill
    said = []
    tables, _ = run_sweep(sweep(), out, resume=True, notify=said.append)
    assert "run 3 (not in the journal)" in said[0]
    tables_equal({k: tables[k] for k in tables}, reference)


# --- damaged manifests ---------------------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "empty", "status", "garbage"])
def test_damaged_manifest_of_a_running_sweep_is_repaired_by_resume(
    tmp_path, reference, damage
):
    out = tmp_path / "rf"
    partial(out, 3)
    path = out / "manifest.json"
    text = path.read_text()
    path.write_text(
        {
            "truncated": text[: len(text) // 2],
            "empty": "",
            "garbage": "\x00\x01{{{",
            "status": text.replace('"status": "running"', '"status": "finished?"'),
        }[damage]
    )
    with pytest.raises(ResultsError) as err:
        read_manifest(out)
    assert "\n" not in str(err.value)
    said = []
    tables, _ = run_sweep(sweep(), out, resume=True, notify=said.append)
    assert said and ("rebuilt from the plan" in said[0] or "edited status" in said[0])
    tables_equal({k: tables[k] for k in tables}, reference)
    assert read_manifest(out)["status"] == "complete"


@pytest.mark.parametrize("damage", ["truncated", "empty", "status"])
def test_damaged_manifest_of_a_complete_folder_is_one_line_everywhere(
    tmp_path, capsys, damage
):
    out = tmp_path / "rf"
    run_sweep(sweep(), out)
    path = out / "manifest.json"
    text = path.read_text()
    path.write_text(
        {
            "truncated": text[:200],
            "empty": "",
            "status": text.replace('"status": "complete"', '"status": "done"'),
        }[damage]
    )
    scen = tmp_path / "rf.toml"
    scen.write_text(SWEEP)
    for argv in (["reproduce", str(out)], ["report", str(out)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "manifest.json" in err, err
    rc = main(["run", str(scen), "--out", str(out), "--resume", "--no-report"])
    err = capsys.readouterr().err
    if damage == "status":  # whole but for its status, tables intact: mended
        assert rc == 0 and read_manifest(out)["status"] == "complete"
    else:  # the chunks are gone after a complete sweep: nothing to rebuild from
        assert rc == 2 and "--force" in err and len(err.strip().splitlines()) == 1


# --- a kill during the final gather --------------------------------------------------------


@pytest.mark.parametrize("moment", ["after_first_table", "after_manifest"])
def test_kill_during_final_gather_then_resume(tmp_path, reference, moment):
    scen = tmp_path / "rf.toml"
    scen.write_text(SWEEP)
    out = tmp_path / "gather"
    hook = {
        # Killed when finalize hashes the first table it put in place, however the table was
        # written (streamed while the runs ran, or gathered from the chunks at the end).
        "after_first_table": (
            "import sim.experiment.sweep as s\nreal = s._sha256\n"
            "def once(path):\n    real(path)\n    os.kill(os.getpid(), signal.SIGKILL)\n"
            "s._sha256 = once\n"
        ),
        "after_manifest": (
            "import sim.experiment.sweep as s\nreal = s.write_manifest\n"
            "def then_die(folder, m):\n    real(folder, m)\n"
            "    if m.get('status') == 'complete':\n        os.kill(os.getpid(), signal.SIGKILL)\n"
            "s.write_manifest = then_die\n"
        ),
    }[moment]
    code = (
        "import os, signal, sys\n" + hook + "from sim.cli import main\n"
        f"sys.exit(main(['run', {str(scen)!r}, '--out', {str(out)!r}, '--no-report']))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL
    assert (out / "chunks").is_dir()  # killed before the chunks were removed
    if moment == "after_first_table":
        assert (out / "runs.parquet").is_file() and not (
            out / "events.parquet"
        ).exists()
    rc = main(["run", str(scen), "--out", str(out), "--resume", "--no-report"])
    assert rc == 0
    assert not (out / "chunks").exists()
    tables_equal(tables_of(out), reference)
    assert reproduce(out, runs=1).ok


# --- reproduce checks the folder whole -----------------------------------------------------


def test_reproduce_catches_a_lost_run(tmp_path, capsys):
    out = tmp_path / "rf"
    run_sweep(sweep(), out)
    runs = pd.read_parquet(out / "runs.parquet")
    runs[runs["run"] != 5].to_parquet(out / "runs.parquet", index=False)
    assert (
        main(["reproduce", str(out), "--runs", "1"]) == 1
    )  # even when run 5 is not in the sample
    text = capsys.readouterr().out
    assert (
        "runs.parquet differs from its SHA-256" in text
        and "7 runs, the plan 8: 1 missing (run 5)" in text
    )


def test_reproduce_catches_a_lost_row_even_with_the_hash_mended(tmp_path, capsys):
    from sim.experiment.results import _sha256

    out = tmp_path / "rf"
    run_sweep(sweep(), out)
    path = out / "timeseries.parquet"
    ts = pd.read_parquet(path)
    ts.drop(index=ts.index[3]).to_parquet(path, index=False)
    m = json.loads((out / "manifest.json").read_text())
    m["tables"]["timeseries.parquet"] = _sha256(path)  # someone covered their tracks
    (out / "manifest.json").write_text(json.dumps(m))
    assert main(["reproduce", str(out), "--runs", "1", "--seed", "5"]) == 1
    assert (
        f"table timeseries has {len(ts) - 1} rows, the manifest {len(ts)}"
        in capsys.readouterr().out
    )


def test_reproduce_catches_a_missing_table(tmp_path, capsys):
    out = tmp_path / "rf"
    run_sweep(sweep(), out)
    (out / "events.parquet").unlink()
    assert main(["reproduce", str(out)]) == 2
    err = capsys.readouterr().err
    assert "events.parquet: missing" in err and len(err.strip().splitlines()) == 1


# --- the files a scenario reads: a regions CSV that changes or vanishes ---------------------

REGIONS_CSV = (
    "area,province,life_expectancy,expected_schooling,mean_schooling,expenditure_thousand_rp\n"
    "A,P,70,13,8,11000\nB,P,68,12,7,9000\nC,Q,72,14,9,12000\n"
)
FILE_SCENARIO = SMALL.replace('name = "rf"', 'name = "rg"\nstart_year = 2019') + (
    '[geography]\nregions = "file"\nfile = "regions.csv"\n'
    '[design]\ntype = "factorial"\nreplications = 2\n[design.factors]\n'
    '"rewards.scheme" = ["none", "performance"]\n'
)  # 4 runs


def file_sweep_folder(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A scenario reading regions.csv beside it; returns (scenario, csv, results folder)."""
    (tmp_path / "regions.csv").write_text(REGIONS_CSV)
    scenario = tmp_path / "rg.toml"
    scenario.write_text(FILE_SCENARIO)
    return scenario, tmp_path / "regions.csv", tmp_path / "rg"


def test_scenario_hash_covers_the_regions_csv(tmp_path):
    scenario, csv, _ = file_sweep_folder(tmp_path)
    before = load(scenario)
    assert [k for k, _, _ in before.inputs] == ["geography.file"]
    csv.write_text(REGIONS_CSV.replace("A,P,70", "A,P,71"))
    after = load(scenario)
    assert after.text == before.text and after.sha256 != before.sha256
    csv.write_text(REGIONS_CSV)
    assert load(scenario).sha256 == before.sha256  # the content decides, not the time
    # A run never mixes two versions: the CSV is checked against the hash it was loaded with.
    csv.write_text(REGIONS_CSV.replace("B,P,68", "B,P,69"))
    from sim.geography import GeographyError

    with pytest.raises(
        GeographyError, match="has changed since the scenario was loaded"
    ):
        before.regions()


def test_regions_csv_changed_between_run_and_resume_is_named(tmp_path, capsys):
    scenario, csv, out = file_sweep_folder(tmp_path)
    plan_ = plan(load(scenario))

    class Stop(KeyboardInterrupt):
        pass

    def stop(done, failed, total):
        if done == 2:
            raise Stop

    with pytest.raises(SweepInterrupted):
        run_sweep(plan_, out, progress=stop)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["scenarios"][0]["inputs"][0]["key"] == "geography.file"
    csv.write_text(REGIONS_CSV.replace("C,Q,72", "C,Q,73"))
    capsys.readouterr()
    assert main(["run", str(scenario), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        len(err) == 1
        and "geography.file" in err[0]
        and "has changed since the sweep started" in err[0]
    )
    assert len(ChunkStore(out).done()) == 2  # nothing of the old sweep was touched
    csv.unlink()
    assert main(["run", str(scenario), "--out", str(out), "--resume"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "geography.file" in err[0] and "no such file" in err[0]
    csv.write_text(REGIONS_CSV)  # the same content again: the sweep is the same one
    assert main(["run", str(scenario), "--out", str(out), "--resume"]) == 0
    assert read_manifest(out)["status"] == "complete"


def test_reproduce_names_a_regions_csv_that_changed_or_vanished(tmp_path, capsys):
    scenario, csv, out = file_sweep_folder(tmp_path)
    assert main(["run", str(scenario), "--out", str(out)]) == 0
    csv.write_text(REGIONS_CSV.replace("A,P,70", "A,P,75"))
    capsys.readouterr()
    assert main(["reproduce", str(out), "--runs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot reproduce" in err[0] and "geography.file" in err[0]
    csv.unlink()
    assert main(["reproduce", str(out), "--runs", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such file" in err[0]
    csv.write_text(REGIONS_CSV)
    assert main(["reproduce", str(out), "--runs", "1"]) == 0


# --- the Dask scheduler lost mid-sweep -----------------------------------------------------


def test_lost_dask_scheduler_is_one_line_and_resume_finishes(tmp_path, reference):
    pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    scheduler = subprocess.Popen(
        [
            str(BIN / "dask"),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-dashboard",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    worker = subprocess.Popen(
        [
            str(BIN / "dask"),
            "worker",
            address,
            "--nworkers",
            "1",
            "--nthreads",
            "1",
            "--no-dashboard",
            "--host",
            "127.0.0.1",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        from distributed import Client

        deadline = time.time() + 60
        while True:
            try:
                with Client(address, timeout="5s") as c:
                    c.wait_for_workers(1, timeout=60)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        scen = tmp_path / "rf.toml"
        scen.write_text(SWEEP.replace("replications = 4", "replications = 30"))
        out = tmp_path / "lost"
        cmd = [
            str(BIN / "kemitraan"),
            "run",
            str(scen),
            "--out",
            str(out),
            "--no-report",
        ]
        proc = subprocess.Popen(
            [*cmd, "--scheduler", address],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.time() + 120
        while (
            len(ChunkStore(out).done()) < 3
            and proc.poll() is None
            and time.time() < deadline
        ):
            time.sleep(0.05)
        os.killpg(scheduler.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 1, err
        lines = err.strip().splitlines()
        assert (
            len(lines) == 1
            and "lost the Dask cluster" in lines[0]
            and "--resume" in lines[0]
            and "Traceback" not in err
        ), err
        saved = len(ChunkStore(out).done())
        assert saved >= 3
        finish = subprocess.run(
            [*cmd, "--resume", "--workers", "1"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert finish.returncode == 0, finish.stderr
        assert list(load_results(out)["runs"]["run"]) == list(range(60))
    finally:
        for p in (worker, scheduler):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout=10)
