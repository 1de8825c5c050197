"""Diagnostics go through logging (-v more, -q fewer); results stay plain stdout; errors stay one line."""

from __future__ import annotations

import json
import logging

import pytest

from sim.cli import main

SMALL = '[scenario]\nyears = 1\n[geography]\nregions = "synthetic"\n[population]\ncommunity_groups = 40\nngos = 8\nreligious_bodies = 8\nbusinesses = 10\nuniversities = 2\n'


@pytest.fixture
def folder(tmp_path, capsys):
    src = tmp_path / "small.toml"
    src.write_text(SMALL)
    out = tmp_path / "res"
    assert main(["run", str(src), "--out", str(out), "--no-report"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    m["versions"]["numpy"] = "0.0.1"  # reproduce warns about it
    (out / "manifest.json").write_text(json.dumps(m))
    capsys.readouterr()
    return src, out


def test_verbose_adds_debug_lines_on_stderr_only(folder, tmp_path, capsys):
    src, _ = folder
    assert main(["run", str(src), "--out", str(tmp_path / "a"), "--no-report"]) == 0
    quiet = capsys.readouterr()
    assert "read from" not in quiet.err
    assert (
        main(["run", "-v", str(src), "--out", str(tmp_path / "b"), "--no-report"]) == 0
    )
    loud = capsys.readouterr()
    assert f"kemitraan: scenario small read from {src}" in loud.err
    # The results on stdout are the same lines (timings aside), with no diagnostics among them.
    assert "read from" not in loud.out
    assert len(loud.out.splitlines()) == len(quiet.out.splitlines())
    assert loud.out.splitlines()[0] == quiet.out.splitlines()[0]


def test_quiet_levels_hide_warnings_but_never_results(folder, capsys):
    _, out = folder
    assert main(["reproduce", str(out)]) == 0
    default = capsys.readouterr()
    assert "kemitraan: warning: versions differ: numpy" in default.err
    assert main(["-q", "reproduce", str(out)]) == 0
    assert "versions differ" in capsys.readouterr().err  # -q keeps warnings
    assert main(["reproduce", "-qq", str(out)]) == 0
    silent = capsys.readouterr()
    assert silent.err == "" and silent.out == default.out
    assert "reproduced" in silent.out


def test_errors_stay_one_line_with_exit_2_at_any_verbosity(tmp_path, capsys):
    for flags in ([], ["-v"], ["-qq"]):
        assert main([*flags, "run", str(tmp_path / "nope.toml")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("kemitraan: error: ")


def test_logging_configuration_is_not_stacked(folder, capsys):
    _, out = folder
    for _ in range(3):
        main(["reproduce", str(out)])
    err = capsys.readouterr().err
    assert err.count("versions differ: numpy") == 3  # one handler, not one per call
    assert logging.getLogger("sim").propagate is False
