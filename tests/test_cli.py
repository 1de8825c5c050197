"""The command line: summaries, results folders, and one-line errors with exit status 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.experiment.results import load_results
from tests.conftest import modules_imported_by

ROOT = Path(__file__).resolve().parent.parent
SMALL = '[scenario]\nyears = 2\n[geography]\nregions = "synthetic"\n[population]\ncommunity_groups = 60\nngos = 10\nreligious_bodies = 15\nbusinesses = 20\nuniversities = 4\n'


@pytest.fixture
def small(tmp_path):
    p = tmp_path / "small.toml"
    p.write_text(SMALL)
    return p


def test_run_writes_results_and_prints_summary(small, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(small), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "IPM 2019: 71.92 (high)" in text
    assert "Government share of spending" in text and "Target IPM 75.00" in text
    res = load_results(out)
    assert set(res) >= {"runs", "timeseries", "regions", "events", "manifest"}
    assert len(res["runs"]) == 1 and len(res["timeseries"]) == 9  # steps 0..8
    m = res["manifest"]
    assert m["scenarios"][0]["text"] == SMALL and len(m["scenarios"][0]["sha256"]) == 64
    assert m["versions"]["mesa"].startswith("3.5")


def test_existing_results_need_force(small, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", str(small), "--out", str(out)]) == 0
    before = (out / "manifest.json").read_text()
    assert main(["run", str(small), "--out", str(out)]) == 2
    assert "--force to replace it" in capsys.readouterr().err
    assert (out / "manifest.json").read_text() == before
    assert (
        main(
            [
                "run",
                str(small),
                "--out",
                str(out),
                "--force",
                "--set",
                "rewards.scheme=performance",
            ]
        )
        == 0
    )
    assert (
        "performance"
        in load_results(out)["manifest"]["scenarios"][0]["parameters"]["rewards.scheme"]
    )


def test_csv_format(small, tmp_path):
    out = tmp_path / "csv"
    assert main(["run", str(small), "--out", str(out), "--format", "csv"]) == 0
    assert (out / "timeseries.csv").is_file()
    assert len(load_results(out)["timeseries"]) == 9


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "[funding]\ncentral_programme = 1\n",
            "did you mean 'funding.central_programmes'",
        ),
        ("[funding\n", "TOML syntax error"),
        ("[rewards]\nscheme = 3\n", "rewards.scheme"),
    ],
)
def test_bad_input_one_line_exit_2_nothing_written(tmp_path, text, fragment):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    out = tmp_path / "never"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(bad), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"kemitraan: error: {bad}: ") and fragment in lines[0]
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_missing_file_and_bad_override(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.toml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    good = tmp_path / "g.toml"
    good.write_text("")
    assert main(["check", str(good), "--set", "rewards.budget=-5"]) == 2
    assert "rewards.budget" in capsys.readouterr().err


def test_check_prints_resolved_parameters_and_marks_changes(small, capsys):
    assert main(["check", str(small)]) == 0
    out = capsys.readouterr().out
    assert "valid scenario 'small'" in out
    assert "* community_groups = 60" in out and "  scheme = 'none'" in out


def test_compare_runs_and_reports_paired_differences(tmp_path, capsys):
    a = tmp_path / "baseline.toml"
    b = tmp_path / "rich.toml"
    a.write_text(SMALL)
    b.write_text(SMALL + "[funding]\ncentral_programmes = 20000.0\n")
    out = tmp_path / "exp"
    assert (
        main(
            [
                "compare",
                str(a),
                str(b),
                "--replications",
                "3",
                "--workers",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "| rich |" in text and "| baseline |" in text
    res = load_results(out)
    assert len(res["runs"]) == 6 and set(res["runs"]["point_name"]) == {
        "baseline",
        "rich",
    }
    assert (out / "report" / "report.html").is_file()


def test_python_dash_m_and_entry_point_agree():
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "--version"],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0 and proc.stdout.startswith("kemitraan ")


def test_the_program_exits_with_the_status_and_frozen_objects(monkeypatch):
    # python -m sim and the kemitraan script: every object frozen before the interpreter's
    # shutdown (which then leaves them out of its last collections), the collector on.
    import gc

    import sim.__main__
    import sim.cli

    seen: list[bool] = []

    def fake_main():
        seen.append(gc.isenabled())
        return 3

    monkeypatch.setattr(sim.cli, "main", fake_main)
    assert gc.get_freeze_count() == 0
    try:
        with pytest.raises(SystemExit) as stop:
            sim.__main__.run()
        assert stop.value.code == 3 and seen == [True]
        assert gc.get_freeze_count() > 0 and gc.isenabled()
    finally:
        gc.unfreeze()


def test_python_dash_m_sim_runs_the_command_line():
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "scenarios"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    assert "baseline" in proc.stdout


def test_the_command_line_imports_no_table_library():
    # A pool's server is started before pandas and pyarrow are imported (sim.cli
    # _start_pool_early), so that its imports overlap them: importing the command line must
    # not bring them in.
    heavy = ("pandas", "pyarrow", "scipy", "mesa", "sim.model")
    assert modules_imported_by("import sim.cli", heavy) == []


@pytest.mark.parametrize(
    ("argv", "cores", "started"),
    [
        (["--workers", "2"], 1, True),
        (["--workers", "1", "--replications", "5"], 2, False),
        (["--replications", "5"], 2, True),
        (["--replications", "5"], 1, False),
        ([], 2, False),  # the scenario's design decides: run_sweep starts it if needed
        (["--replications", "5", "--scheduler", "tcp://127.0.0.1:1"], 2, False),
        (["--workers", "0"], 2, False),  # refused later, with its message
    ],
)
def test_a_pool_server_starts_before_planning_only_when_a_pool_will_run(
    monkeypatch, argv, cores, started
):
    import os

    import sim.cli
    import sim.experiment.pool

    calls: list[str] = []
    monkeypatch.setattr(sim.experiment.pool, "start_server", calls.append)
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    args = sim.cli._parser().parse_args(["run", "baseline.toml", *argv])
    sim.cli._start_pool_early(args, several_runs=(args.replications or 0) > 1)
    assert calls == (["sim.experiment.sweep"] if started else [])
