"""Sweeps: common random numbers, saving as runs finish, resume after SIGKILL, failures, Dask."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import CancelledError, ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

import sim.experiment.run
from sim.experiment.results import ResultsError, load_results
from sim.experiment.sweep import ChunkStore, plan, run_sweep
from sim.scenario import load_text
from tests.conftest import modules_imported_by

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SMALL = (
    '[scenario]\nname = "sw"\nyears = 3\n[population]\ncommunity_groups = 60\nngos = 10\nreligious_bodies = 15\n'
    "businesses = 20\nuniversities = 4\n"
)
FACTORIAL = SMALL + (
    '[design]\ntype = "factorial"\nreplications = 3\n[design.factors]\n'
    '"rewards.scheme" = ["none", "performance"]\n"gotong_royong.enabled" = [true, false]\n'
)


def tables_equal(a: dict, b: dict) -> None:
    for name in ("timeseries", "regions", "events"):
        assert_frame_equal(a[name], b[name])
    assert_frame_equal(
        a["runs"].drop(columns="wall_seconds", errors="ignore"),
        b["runs"].drop(columns="wall_seconds", errors="ignore"),
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """An uninterrupted serial sweep of the factorial design."""
    out = tmp_path_factory.mktemp("ref") / "sw"
    tables, failed = run_sweep(plan(load_text(FACTORIAL, "sw.toml")), out)
    assert failed == 0
    return tables


def test_common_random_numbers_across_points(reference):
    runs = reference["runs"]
    assert len(runs) == 12 and list(runs["run"]) == list(range(12))
    seeds = runs.pivot(index="replication", columns="point", values="run_seed")
    assert (seeds.nunique(axis=1) == 1).all()  # replication r: one seed at every point
    assert seeds.iloc[:, 0].nunique() == 3
    ts = reference["timeseries"]
    start = ts[ts.step == 0].groupby("replication")["index"].nunique()
    assert (start == 1).all()  # same seed, same starting world at every point


def test_varied_parameters_are_columns(reference):
    runs = reference["runs"]
    assert {"rewards.scheme", "gotong_royong.enabled"} <= set(runs.columns)
    assert set(runs["status"]) == {"ok"}


def test_parallel_equals_serial(tmp_path, reference):
    tables, _ = run_sweep(
        plan(load_text(FACTORIAL, "sw.toml")), tmp_path / "par", workers=2
    )
    tables_equal(tables, reference)


def test_chunks_are_written_as_runs_finish(tmp_path):
    out = tmp_path / "sw"
    seen = []

    def progress(done, failed, total):
        seen.append(len(ChunkStore(out).done()))

    run_sweep(plan(load_text(FACTORIAL, "sw.toml")), out, progress=progress)
    assert seen[1:] == list(range(1, 13))  # after each run its chunk was on disk
    assert not (out / "chunks").exists()  # gathered and removed at the end
    m = load_results(out)["manifest"]
    assert (
        m["status"] == "complete"
        and len(m["runs"]) == 12
        and m["design"]["type"] == "factorial"
    )


def test_existing_folder_needs_resume_or_force(tmp_path):
    out = tmp_path / "sw"
    sweep = plan(load_text(FACTORIAL, "sw.toml"))
    run_sweep(sweep, out)
    with pytest.raises(ResultsError, match="--resume"):
        run_sweep(sweep, out)
    tables, _ = run_sweep(sweep, out, resume=True)  # complete: nothing to run
    assert len(tables["runs"]) == 12
    other = plan(load_text(FACTORIAL.replace("years = 3", "years = 2"), "sw.toml"))
    with pytest.raises(ResultsError, match="different sweep"):
        run_sweep(other, out, resume=True)


def test_resume_after_partial_sweep_equals_uninterrupted(tmp_path, reference):
    out = tmp_path / "sw"
    sweep = plan(load_text(FACTORIAL, "sw.toml"))

    class Stop(KeyboardInterrupt):
        pass

    def stop_after_five(done, failed, total):
        if done == 5:
            raise Stop

    from sim.experiment.sweep import SweepInterrupted

    with pytest.raises(SweepInterrupted):
        run_sweep(sweep, out, progress=stop_after_five)
    assert len(ChunkStore(out).done()) == 5
    ran = []
    tables, _ = run_sweep(
        sweep, out, resume=True, progress=lambda d, f, t: ran.append(d)
    )
    assert ran[0] == 5 and ran[-1] == 12  # only the 7 missing runs ran
    tables_equal(tables, reference)


def test_sigkill_mid_sweep_then_resume(tmp_path, reference):
    scen = tmp_path / "sw.toml"
    scen.write_text(FACTORIAL)
    out = tmp_path / "killed"
    cmd = [
        str(BIN / "kemitraan"),
        "run",
        str(scen),
        "--out",
        str(out),
        "--workers",
        "2",
        "--no-report",
    ]
    # Three kills at random moments (seeded, so a failure can be replayed): after a random number
    # of finished runs, plus a random delay, so some kills land while a chunk is being written.
    # The delay stays within about one run: with runs saved faster, 0.2 s let the whole 12-run
    # sweep finish before the kill, so the kill tested nothing.
    rng = random.Random(20261129)
    moments = sorted(rng.sample(range(1, 11), 3))
    for kill_after in moments:
        proc = subprocess.Popen(
            cmd + (["--resume"] if out.exists() else []),
            cwd=tmp_path,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.time() + 120
        while (
            len(ChunkStore(out).done()) < kill_after
            and proc.poll() is None
            and time.time() < deadline
        ):
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.05))
        os.killpg(
            proc.pid, signal.SIGKILL
        )  # the parent and its workers, no chance to clean up
        proc.wait()
        assert len(ChunkStore(out).done()) >= kill_after
    done = subprocess.run(
        [*cmd, "--resume"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    tables = {k: v for k, v in load_results(out).items() if k != "manifest"}
    assert list(tables["runs"]["run"]) == list(range(12))  # none missing, none twice
    tables_equal(tables, reference)


def _replication_one_fails(monkeypatch) -> None:
    """Make every run of replication 1 raise, as a model error would."""
    real = sim.experiment.run.simulate

    def flaky(scenario, replication=0, *, checked=False):
        if replication == 1:
            raise RuntimeError("boom")
        return real(scenario, replication, checked=checked)

    monkeypatch.setattr(sim.experiment.run, "simulate", flaky)


def test_failing_run_is_recorded_and_sweep_goes_on(tmp_path, monkeypatch):
    _replication_one_fails(monkeypatch)
    tables, failed = run_sweep(plan(load_text(FACTORIAL, "sw.toml")), tmp_path / "sw")
    runs = tables["runs"]
    assert failed == 4 and (runs["status"] == "failed").sum() == 4
    bad = runs[runs["status"] == "failed"]
    assert (
        set(bad["replication"]) == {1}
        and bad["error"].str.contains("RuntimeError: boom").all()
    )
    assert bad["run_seed"].notna().all()
    assert set(tables["timeseries"]["run"]) == set(
        runs.loc[runs["status"] == "ok", "run"]
    )


def test_cli_exit_status_counts_failures(tmp_path):
    scen = tmp_path / "sw.toml"
    scen.write_text(SMALL)
    # A valid file cannot make the model raise, so the run is made to fail from outside.
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            (
                "import sys, sim.experiment.run as r\n"
                "def f(s, rep=0, *, checked=False):\n"
                "    raise ValueError('nope')\n"
                "r.simulate = f\n"
                "from sim.cli import main\n"
                f"sys.exit(main(['run', {str(scen)!r}, '--out', {str(tmp_path / 'o')!r}, '--no-report']))\n"
            ),
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert proc.returncode == 1
    assert "1 of 1 runs failed" in proc.stderr
    assert load_results(tmp_path / "o")["runs"]["status"].iloc[0] == "failed"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A real Dask scheduler and two workers, on 127.0.0.1 only."""
    pytest.importorskip("distributed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [
        subprocess.Popen(
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
    ]
    for _ in range(2):
        procs.append(
            subprocess.Popen(
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
        )
    from distributed import Client

    try:
        deadline = time.time() + 60
        while True:
            try:
                with Client(address, timeout="5s") as c:
                    c.wait_for_workers(2, timeout=60)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)


def test_dask_cluster_gives_identical_results(tmp_path, dask_cluster, reference):
    scen = tmp_path / "sw.toml"
    scen.write_text(FACTORIAL)
    out = tmp_path / "dask"
    proc = subprocess.run(
        [
            str(BIN / "kemitraan"),
            "run",
            str(scen),
            "--out",
            str(out),
            "--scheduler",
            dask_cluster,
            "--no-report",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Dask cluster" in proc.stdout
    tables = {k: v for k, v in load_results(out).items() if k != "manifest"}
    tables_equal(tables, reference)
    # Byte for byte: the same tables written by a local serial sweep have the same SHA-256.
    run_sweep(plan(load_text(FACTORIAL, "sw.toml")), tmp_path / "local")
    assert (
        load_results(out)["manifest"]["tables"]
        == load_results(tmp_path / "local")["manifest"]["tables"]
    )


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    scen = tmp_path / "sw.toml"
    scen.write_text(SMALL)
    proc = subprocess.run(
        [
            str(BIN / "kemitraan"),
            "run",
            str(scen),
            "--out",
            str(tmp_path / "x"),
            "--scheduler",
            f"tcp://127.0.0.1:{_free_port()}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "cannot reach the Dask scheduler" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_csv_and_loader(tmp_path):
    run_sweep(plan(load_text(SMALL, "sw.toml")), tmp_path / "c", fmt="csv")
    loaded = load_results(tmp_path / "c")
    assert (tmp_path / "c" / "runs.csv").is_file()
    assert (
        isinstance(loaded["timeseries"], pd.DataFrame)
        and len(loaded["timeseries"]) == 13
    )


def test_ctrl_c_stops_cleanly_and_resume_finishes(tmp_path, reference):
    scen = tmp_path / "sw.toml"
    scen.write_text(FACTORIAL.replace("replications = 3", "replications = 30"))
    out = tmp_path / "int"
    cmd = [
        str(BIN / "kemitraan"),
        "run",
        str(scen),
        "--out",
        str(out),
        "--workers",
        "2",
        "--no-report",
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=tmp_path,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while (
        len(ChunkStore(out).done()) < 6
        and proc.poll() is None
        and time.time() < deadline
    ):
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends: the whole foreground group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "rerun with --resume" in err and "Traceback" not in err
    done = ChunkStore(out).done()
    assert 6 <= len(done) < 120
    assert not [p for p in (out / "chunks").iterdir() if p.name.endswith(".partial")]
    finish = subprocess.run(
        [*cmd, "--resume"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert finish.returncode == 0, finish.stderr
    runs = load_results(out)["runs"]
    assert list(runs["run"]) == list(range(120))


def test_dask_worker_dying_mid_sweep_is_survived(tmp_path, dask_cluster):
    from distributed import Client

    scen = tmp_path / "sw.toml"
    scen.write_text(FACTORIAL.replace("replications = 3", "replications = 25"))
    out = tmp_path / "dask_kill"
    proc = subprocess.Popen(
        [
            str(BIN / "kemitraan"),
            "run",
            str(scen),
            "--out",
            str(out),
            "--scheduler",
            dask_cluster,
            "--no-report",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 120
    while (
        len(ChunkStore(out).done()) < 5
        and proc.poll() is None
        and time.time() < deadline
    ):
        time.sleep(0.05)
    with Client(dask_cluster, timeout="10s") as c:
        pids = c.run(os.getpid)  # worker address -> its process id
    victim = sorted(pids.values())[0]
    os.kill(
        victim, signal.SIGKILL
    )  # a worker dies holding tasks; the scheduler reassigns them
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    runs = load_results(out)["runs"]
    assert list(runs["run"]) == list(range(100)) and (runs["status"] == "ok").all()
    from sim.experiment.reproduce import reproduce

    assert reproduce(out, runs=4, seed=1).ok


def _without_wall(tables: dict) -> dict:
    """Arrow tables of one run, its wall time (which differs between two runs of it) dropped."""
    return {
        name: t.drop_columns(["wall_seconds"])
        if "wall_seconds" in t.column_names
        else t
        for name, t in tables.items()
    }


def _both_paths(task) -> tuple[dict, dict]:
    """A task's tables made by the sweep's Arrow path and by the pandas path, as Arrow tables."""
    from sim.experiment.run import arrow_table, execute, execute_arrow

    _, status, fast = execute_arrow(task)
    _, frames = execute(task)
    assert status == frames["runs"]["status"].iloc[0]
    slow = {name: arrow_table(df) for name, df in frames.items()}
    return _without_wall(fast), _without_wall(slow)


def _assert_same_tables(fast: dict, slow: dict) -> None:
    assert list(fast) == list(slow)
    for name, table in slow.items():
        assert fast[name].schema.equals(table.schema, check_metadata=True), name
        assert fast[name].equals(table), name


def test_arrow_path_makes_the_tables_of_the_pandas_path():
    from sim.experiment.sweep import ipc_bytes

    sweep = plan(load_text(FACTORIAL, "sw.toml"), replications=1)
    for task in sweep.tasks[:2]:
        fast, slow = _both_paths(task)
        assert set(fast) == {"runs", "timeseries", "regions", "events"}
        assert fast["events"].num_rows > 0
        assert str(fast["events"].schema.field("members").type) == "list<item: int64>"
        _assert_same_tables(fast, slow)
        # The chunk's bytes too (the model made these tables itself, not from DataFrames).
        for name, table in slow.items():
            assert ipc_bytes(fast[name]) == ipc_bytes(table), name


def test_runs_row_made_from_its_values_is_the_pandas_row():
    import numpy as np

    from sim.experiment.run import _row_table, arrow_table
    from sim.experiment.sweep import ipc_bytes

    row = {
        "run": 3,
        "point": np.int64(1),
        "point_name": "a",
        "rewards.scheme": "none",
        "funding.scale": 1.5,
        "gotong_royong.enabled": True,
        "flag": np.bool_(False),
        "error": "",
        "run_seed": 2**62 + 7,
        "years_to_target": float("nan"),
        "final_index": np.float64(71.25),
        "missing": np.float64("nan"),
        "negative": -4,
    }
    fast = _row_table(row)
    assert fast is not None
    assert ipc_bytes(fast) == ipc_bytes(arrow_table(pd.DataFrame([row])))
    # Values whose column pandas types by rules of its own are left to pandas.
    for odd in (None, 2**64, [1, 2], np.int32(3), np.str_("x"), b"x"):
        assert _row_table({**row, "odd": odd}) is None


def test_model_leaves_tables_it_cannot_make_as_arrow_to_pandas():
    import numpy as np

    from sim.model import NO_MEMBER, _plain_column

    assert _plain_column([1, np.int64(2)]).type == "int64"
    assert _plain_column([0.5, float("nan")]).null_count == 1
    assert _plain_column([True, np.bool_(False)]).type == "bool"
    for mixed in ([1, 2.5], [True, 1], [1, None], ["a"], [2**64], []):
        assert _plain_column(mixed) is None
    task = plan(load_text(SMALL, "sw.toml"), replications=1).tasks[0]
    res = sim.experiment.run.simulate(task.scenario, 0)
    assert res.arrow("events") is not None
    model = res.model
    model.datacollector.model_vars["formed"][3] = 1.5  # a column of mixed numbers
    assert model.timeseries_arrow() is None
    batch = model._event_log[0]
    batch["members"] = batch["members"].copy()
    batch["members"][0] = NO_MEMBER  # a row without members
    assert model.events_arrow() is None
    model._event_log.clear()
    assert model.events_arrow() is None


def test_event_reasons_made_by_arrow_are_the_python_ones():
    import numpy as np
    import pyarrow as pa

    from sim.model import _event_reasons, _event_reasons_arrow

    def batch(n, reason=None, joined=None):
        return {
            "partnership": np.arange(n),
            "reason": None if reason is None else np.asarray(reason),
            "joined": None if joined is None else np.asarray(joined),
        }

    log = [
        batch(2),
        batch(3, joined=[7, 0, 123456789]),
        batch(2, reason=[0, 4]),
        batch(0, joined=[]),
    ]
    counts = [b["partnership"].shape[0] for b in log]
    made = _event_reasons_arrow(log, counts)
    assert made is not None
    assert made.equals(pa.array(_event_reasons(log), pa.large_string()))
    assert _event_reasons_arrow(log[:1], counts[:1]).to_pylist() == ["", ""]
    assert _event_reasons_arrow([batch(1, reason=[9])], [1]) is None


@pytest.mark.parametrize(
    "edit",
    [
        "no events",
        "a list of kinds empty",
        "an empty piece",
        "a member not an integer",
        "a null kind",
    ],
)
def test_arrow_path_leaves_what_it_cannot_copy_to_pandas(monkeypatch, edit):
    from sim.experiment.run import RunResult

    real = sim.experiment.run.simulate

    def edited(scenario, replication=0, *, checked=False):
        res = real(scenario, replication, checked=checked)
        ev = res.events.copy()
        if edit == "no events":
            ev = ev.iloc[0:0]
        elif edit == "a list of kinds empty":
            ev.loc[0, "kinds"] = ""
        elif edit == "an empty piece":
            ev.loc[1, "kinds"] = ev.loc[1, "kinds"] + ";"
        elif edit == "a member not an integer":
            ev["members"] = ev["members"].astype(object)
            ev.loc[0, "members"] = " 7"
        else:
            ev["kinds"] = ev["kinds"].astype(object)
            ev.loc[2, "kinds"] = None
        return RunResult(res.summary, res.timeseries, res.regions, ev)

    monkeypatch.setattr(sim.experiment.run, "simulate", edited)
    task = plan(load_text(SMALL, "sw.toml"), replications=1).tasks[0]
    fast, slow = _both_paths(task)
    _assert_same_tables(fast, slow)


def test_arrow_path_of_a_failed_run(monkeypatch):
    def broken(scenario, replication=0, *, checked=False):
        raise ValueError("no")

    monkeypatch.setattr(sim.experiment.run, "simulate", broken)
    task = plan(load_text(SMALL, "sw.toml"), replications=1).tasks[0]
    fast, slow = _both_paths(task)
    assert (
        list(fast) == ["runs"] and fast["runs"].column("status")[0].as_py() == "failed"
    )
    _assert_same_tables(fast, slow)


def test_journal_is_flushed_every_line_and_forced_at_most_every_second(
    tmp_path, monkeypatch
):
    import sim.experiment.sweep as sweep_module

    forced = []
    real_fsync = os.fsync
    monkeypatch.setattr(
        sweep_module.os, "fsync", lambda fd: (forced.append(fd), real_fsync(fd))
    )
    store = ChunkStore(tmp_path)
    store.start("sweep-fingerprint")
    assert len(forced) == 1  # the sweep's first line is forced at once
    for run in range(5):
        store._append({"run": run, "files": {}})
        # Each line is readable by another process (a kill loses nothing) before any force.
        assert len(store.journal.read_text().splitlines()) == run + 2
    assert len(forced) == 1  # five lines within a second: none forced
    store._synced -= sweep_module.SYNC_SECONDS
    store._append({"run": 5, "files": {}})
    assert len(forced) == 2  # a second later, the next line is forced
    store.sync()
    assert len(forced) == 3
    assert sorted(store.read_journal()[1]) == list(range(6))


def test_a_run_staged_elsewhere_is_committed_whole_or_refused(tmp_path):
    from sim.experiment.sweep import Staged

    store = ChunkStore(tmp_path)
    store.start("fp")
    staged = store.stage(4, {"runs": b"abc", "events": b"defg"})
    assert Path(staged.path).name.endswith(".partial") and not store.done()
    store.commit(4, staged)
    assert store.done() == {4}
    assert store.verify([4], "fp").good == {4}
    left = tmp_path / "chunks" / "run-000005.999.partial"
    left.mkdir()
    with pytest.raises(ResultsError, match=r"cannot save run 5 \(No space left"):
        store.commit(5, Staged(str(left), {}, "No space left on device"))
    assert not left.exists() and store.done() == {4}


def test_dask_logs_are_held_until_the_sweep_ends(monkeypatch):
    import logging

    from sim.cli import _held_dask_logs
    from sim.experiment.sweep import SweepLost

    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    quieted = ("distributed.batched", "distributed.comm", "distributed.core")
    quieted += ("tornado", "tornado.application", "asyncio")
    for name in quieted:  # a lost cluster silences them: restored after the test
        monkeypatch.setattr(
            logging.getLogger(name), "level", logging.getLogger(name).level
        )
    for name in ("distributed", "distributed.client"):
        monkeypatch.setattr(logging.getLogger(name), "handlers", [Keep()])
        monkeypatch.setattr(logging.getLogger(name), "level", logging.INFO)
        monkeypatch.setattr(logging.getLogger(name), "propagate", False)
    client = logging.getLogger("distributed.client")
    batched = logging.getLogger(
        "distributed.batched"
    )  # no handler: propagates to distributed
    with pytest.raises(SweepLost), _held_dask_logs():
        batched.info("Batched Comm Closed")
        client.error("failed to reconnect")
        assert seen == []  # held, whatever the level
        raise SweepLost(3, 10, "CancelledError", "the Dask cluster")
    assert seen == []  # the cluster was lost: its records are dropped
    client.error("reconnecting")  # and Dask's threads are silenced from then on
    assert seen == [] and client.level > logging.CRITICAL
    for name in ("distributed", "distributed.client", "distributed.batched"):
        logging.getLogger(name).setLevel(logging.INFO)
    with _held_dask_logs():
        client.warning("worker left")
        batched.info("reconnected")
        assert seen == []
    assert seen == [
        "worker left",
        "reconnected",
    ]  # any other ending prints them, in order
    assert isinstance(client.handlers[0], Keep)


def _tables_gathered_from_chunks(monkeypatch) -> list[str]:
    """The names of the tables that finalize writes from the chunks, as it does so (a list filled in)."""
    import sim.experiment.sweep as sweep_module

    gathered: list[str] = []
    real_stream_table = sweep_module._stream_table

    def counted(store, runs, name, *args, **kwargs):
        gathered.append(name)
        return real_stream_table(store, runs, name, *args, **kwargs)

    monkeypatch.setattr(sweep_module, "_stream_table", counted)
    return gathered


# One worker streams each run's tables from memory, a pool's parent reads them from the chunks.
@pytest.mark.parametrize(("failing", "workers"), [(False, 2), (False, 1), (True, 1)])
def test_tables_streamed_while_running_are_the_bytes_finalize_writes(
    tmp_path, monkeypatch, failing, workers
):
    import sim.experiment.sweep as sweep_module

    # Small row groups, so that the stream's row-group boundaries are checked too.
    monkeypatch.setattr(sweep_module, "ROW_GROUP_ROWS", 500)
    if failing:
        # A failed run's row lacks the outcome columns: the runs table is not streamed.
        _replication_one_fails(monkeypatch)
    gathered = _tables_gathered_from_chunks(monkeypatch)
    unified: list[str] = []
    real_unified = sweep_module._unified_schema

    def unify(store, runs, name):
        unified.append(name)
        return real_unified(store, runs, name)

    monkeypatch.setattr(sweep_module, "_unified_schema", unify)
    sweep = plan(load_text(FACTORIAL, "sw.toml"))
    run_sweep(sweep, tmp_path / "streamed", workers=workers)
    assert gathered == (["runs"] if failing else [])
    # The chunks are read again only for a table the stream could not take whole.
    assert unified == gathered
    assert not list((tmp_path / "streamed").glob("**/*.partial"))
    monkeypatch.setattr(
        sweep_module.TableStream, "advance", lambda self, saved, fresh=None: None
    )
    gathered.clear()
    run_sweep(sweep, tmp_path / "gathered")
    assert gathered == ["runs", "timeseries", "regions", "events"]
    for name in gathered:
        streamed = (tmp_path / "streamed" / f"{name}.parquet").read_bytes()
        assert streamed == (tmp_path / "gathered" / f"{name}.parquet").read_bytes(), (
            name
        )
        if name == "regions":
            assert (
                pq.ParquetFile(tmp_path / "streamed" / "regions.parquet").num_row_groups
                > 1
            )
    a, b = load_results(tmp_path / "streamed"), load_results(tmp_path / "gathered")
    assert a["manifest"]["rows"] == b["manifest"]["rows"]
    walls = [r["wall_seconds"] for r in a["manifest"]["runs"]]
    assert all(isinstance(w, float) for w in walls)


def test_a_row_group_the_writing_thread_fails_leaves_the_table_to_finalize(
    tmp_path, monkeypatch
):
    # The stream's row groups are written by a thread: a group that fails there (disk full)
    # drops that table's stream, and finalize writes it from the chunks, the same bytes.
    import threading

    import sim.experiment.sweep as sweep_module

    monkeypatch.setattr(sweep_module, "ROW_GROUP_ROWS", 500)
    real_write = sweep_module._write_group
    failed: list[int] = []

    def write(writer, tables, rows):
        if "members" in tables[0].column_names:  # the events table
            failed.append(rows)
            raise OSError(28, "No space left on device")
        real_write(writer, tables, rows)

    monkeypatch.setattr(sweep_module, "_write_group", write)
    gathered = _tables_gathered_from_chunks(monkeypatch)
    sweep = plan(load_text(FACTORIAL, "sw.toml"))
    run_sweep(sweep, tmp_path / "failing")
    assert failed and gathered == ["events"]
    assert not list((tmp_path / "failing").glob("**/*.partial"))
    assert not [t for t in threading.enumerate() if "kemitraan-tables" in t.name]
    monkeypatch.setattr(sweep_module, "_write_group", real_write)
    run_sweep(sweep, tmp_path / "streamed")
    for name in ("runs", "timeseries", "regions", "events"):
        assert (tmp_path / "failing" / f"{name}.parquet").read_bytes() == (
            tmp_path / "streamed" / f"{name}.parquet"
        ).read_bytes(), name


def test_the_collector_is_paused_only_inside_the_block():
    import gc

    from sim.experiment.pool import collector_paused

    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # as it was before the block
    finally:
        gc.enable()


def test_planning_a_sweep_does_not_import_the_model():
    # The pool's forkserver imports the model while the main process plans the sweep and
    # writes its manifest (sim.experiment.pool.start_server); that overlap needs the planning
    # modules to leave the model (Mesa, scipy) alone.
    imported = modules_imported_by(
        "import sim.cli, sim.experiment.sweep", ("sim.model", "mesa")
    )
    assert imported == []


def test_a_pool_sweep_leaves_the_model_to_its_workers(tmp_path):
    # With a pool only the workers run the model; the parent writes every run's seed into
    # the manifest (sim.seeds) and saves the chunks without importing it (about 0.6 s of CPU).
    out = tmp_path / "o"
    code = (
        "import sys\nfrom sim.cli import main\n"
        f"status = main(['run', {str(ROOT / 'scenarios' / 'baseline.toml')!r}, '--steps', '1', "
        f"'--replications', '2', '--workers', '2', '--out', {str(out)!r}, '--no-report', '-q'])\n"
        "print(status, sorted(m for m in ('sim.model', 'mesa', 'scipy') if m in sys.modules))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "0 []"
    runs = load_results(out)["runs"]
    assert list(runs["run"]) == [0, 1] and (runs["status"] == "ok").all()


class _FlakyCluster(ThreadPoolExecutor):
    """An executor like a cluster that loses some tasks' futures: ``fail`` says how often, per task."""

    def __init__(self, fail: dict[int, list[BaseException]]):
        super().__init__(max_workers=2)
        self.fail = fail
        self.submitted: list[int] = []

    def submit(self, fn, task, *args, **kwargs):  # type: ignore[override]
        self.submitted.append(task)
        errors = self.fail.get(task, [])
        if errors:
            error = errors.pop(0)

            def lost():
                raise error

            return super().submit(lost)
        return super().submit(fn, task)


def test_a_task_lost_by_a_cluster_that_is_still_there_is_run_again() -> None:
    """A future that fails for the machinery's reason is submitted again (the run is seeded).

    At most RESUBMITS times; a cancelled future means the cluster is gone, and so does one more
    failure.
    """
    from sim.experiment.run import RESUBMITS, ExecutorLost, execute_all

    got: list[int] = []
    flaky = _FlakyCluster({3: [AttributeError("'str' object has no attribute 'x'")]})
    with flaky:
        execute_all(range(6), got.append, executor=flaky, fn=lambda t: (t,))
    assert sorted(got) == list(range(6)) and flaky.submitted.count(3) == 2

    for fail in (
        [CancelledError()],
        [RuntimeError("worker lost")] * (RESUBMITS + 1),
    ):
        with _FlakyCluster({2: list(fail)}) as gone, pytest.raises(ExecutorLost):
            execute_all(range(6), got.append, executor=gone, fn=lambda t: (t,))
