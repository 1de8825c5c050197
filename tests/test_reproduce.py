"""kemitraan reproduce: rerun from the manifest alone, exact comparison, version warnings."""

from __future__ import annotations

import json

import pandas as pd

from sim.cli import main
from sim.experiment.reproduce import reproduce

SWEEP = (
    '[scenario]\nname = "rp"\nyears = 2\n[population]\ncommunity_groups = 50\nngos = 10\nreligious_bodies = 10\n'
    'businesses = 15\nuniversities = 3\n[design]\ntype = "factorial"\nreplications = 2\n[design.factors]\n'
    '"rewards.scheme" = ["none", "performance"]\n'
)


def make(tmp_path, *extra):
    scen = tmp_path / "rp.toml"
    scen.write_text(SWEEP)
    out = tmp_path / "out"
    assert main(["run", str(scen), "--out", str(out), "--no-report", *extra]) == 0
    return out


def test_reproduces_every_run_with_overrides_and_steps(tmp_path, capsys):
    out = make(tmp_path, "--set", "rewards.budget=900", "--steps", "6")
    capsys.readouterr()
    assert main(["reproduce", str(out)]) == 0
    assert "reproduced 4 of 4 runs" in capsys.readouterr().out


def test_sample_of_runs(tmp_path):
    out = make(tmp_path)
    r = reproduce(out, runs=2, seed=3)
    assert r.ok and len(r.checked) == 2


def test_tampered_table_is_caught_with_place_and_values(tmp_path, capsys):
    out = make(tmp_path)
    path = out / "timeseries.parquet"
    df = pd.read_parquet(path)
    df.loc[df.index[-1], "cohesion"] += 1e-9
    df.to_parquet(path, index=False)
    capsys.readouterr()
    assert main(["reproduce", str(out)]) == 1
    text = capsys.readouterr().out
    assert "NOT reproduced" in text and "timeseries" in text and "cohesion" in text


def test_version_difference_is_warned(tmp_path, capsys):
    out = make(tmp_path)
    m = json.loads((out / "manifest.json").read_text())
    m["versions"]["numpy"] = "0.0.1"
    (out / "manifest.json").write_text(json.dumps(m))
    capsys.readouterr()
    assert main(["reproduce", str(out)]) == 0
    assert "versions differ: numpy" in capsys.readouterr().err


def test_compare_folders_reproduce(tmp_path, capsys):
    a = tmp_path / "baseline.toml"
    b = tmp_path / "cash.toml"
    small = "[scenario]\nyears = 2\n[population]\ncommunity_groups = 50\nngos = 10\nreligious_bodies = 10\nbusinesses = 15\nuniversities = 3\n"
    a.write_text(small)
    b.write_text(small + '[rewards]\nscheme = "cash_per_participant"\n')
    out = tmp_path / "cmp"
    assert (
        main(
            [
                "compare",
                str(a),
                str(b),
                "--replications",
                "2",
                "--workers",
                "1",
                "--out",
                str(out),
                "--no-report",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["reproduce", str(out)]) == 0
    assert "reproduced 4 of 4 runs" in capsys.readouterr().out
