"""Same scenario and seed: identical numbers, in this process and in fresh ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

from sim.experiment.results import load_results
from sim.experiment.run import run_many
from sim.model import PartnershipModel, run_seed
from sim.scenario import defaults

ROOT = Path(__file__).resolve().parent.parent
SMALL = {
    "population.community_groups": 80,
    "population.ngos": 15,
    "population.religious_bodies": 20,
    "population.businesses": 25,
    "population.universities": 5,
    "scenario.years": 3.0,
}


def small():
    return defaults().with_overrides(SMALL)


def test_same_seed_same_numbers_in_process():
    a = PartnershipModel(small(), replication=3).run()
    b = PartnershipModel(small(), replication=3).run()
    assert_frame_equal(a.timeseries(), b.timeseries())
    assert_frame_equal(a.events(), b.events())


def test_replications_differ():
    a = PartnershipModel(small(), replication=0).run().timeseries()
    b = PartnershipModel(small(), replication=1).run().timeseries()
    assert not a["index"].equals(b["index"])


def test_run_seed_is_spawn_of_root():
    import numpy as np

    spawned = np.random.SeedSequence(42).spawn(5)[3]
    assert (
        run_seed(42, 3).generate_state(4).tolist() == spawned.generate_state(4).tolist()
    )


def test_worker_count_does_not_change_results():
    scn = [
        small(),
        small().with_overrides(
            {"rewards.scheme": "performance", "scenario.name": "perf"}
        ),
    ]
    one = run_many(scn, 2, workers=1)
    two = run_many(scn, 2, workers=2)
    for name in ("timeseries", "events", "regions"):
        assert_frame_equal(one[name], two[name])
    assert_frame_equal(
        one["runs"].drop(columns="wall_seconds", errors="ignore"),
        two["runs"].drop(columns="wall_seconds", errors="ignore"),
    )


def test_fresh_processes_with_different_hash_seeds_agree(tmp_path):
    scen = tmp_path / "small.toml"
    scen.write_text(
        "[scenario]\nyears = 3\n[population]\ncommunity_groups = 80\nngos = 15\nreligious_bodies = 20\nbusinesses = 25\nuniversities = 5\n"
    )
    outs = []
    for i, hashseed in enumerate(("0", "12345")):
        out = tmp_path / f"out{i}"
        env = dict(os.environ, PYTHONHASHSEED=hashseed, PYTHONPATH=str(ROOT))
        subprocess.run(
            [sys.executable, "-m", "sim", "run", str(scen), "--out", str(out)],
            check=True,
            env=env,
            capture_output=True,
            cwd=tmp_path,
        )
        outs.append(load_results(out))
    for table in ("timeseries", "events", "regions"):
        assert_frame_equal(outs[0][table], outs[1][table])
    a, b = (o["runs"].drop(columns="wall_seconds", errors="ignore") for o in outs)
    assert_frame_equal(a, b)
    # Byte-identical tables, the runs table included: the manifest's hashes agree.
    assert outs[0]["manifest"]["tables"] == outs[1]["manifest"]["tables"]
    assert isinstance(outs[0]["timeseries"], pd.DataFrame)


def test_tables_are_byte_identical_for_1_2_and_4_workers(tmp_path):
    from sim.experiment.sweep import plan, run_sweep
    from sim.scenario import load_text

    text = (
        "[scenario]\nyears = 2\n[population]\ncommunity_groups = 60\nngos = 10\nreligious_bodies = 12\nbusinesses = 15\n"
        'universities = 3\n[design]\ntype = "factorial"\nreplications = 3\n[design.factors]\n'
        '"rewards.scheme" = ["none", "tournament"]\n'
    )
    hashes = []
    for workers in (1, 2, 4):
        out = tmp_path / f"w{workers}"
        run_sweep(plan(load_text(text, "b.toml")), out, workers=workers)
        hashes.append(load_results(out)["manifest"]["tables"])
    assert hashes[0] == hashes[1] == hashes[2]
    assert set(hashes[0]) == {
        "runs.parquet",
        "timeseries.parquet",
        "regions.parquet",
        "events.parquet",
    }
