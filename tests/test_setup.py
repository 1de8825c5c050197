"""Tests of the two-command setup: tools/find-python and requirements.lock.

tools/find-python is run with a PATH that holds only fake interpreters (tiny
shell scripts) and the two utilities the script needs (ls, sort), and with
HOME and PYENV_ROOT pointed at temp dirs, so the real machine's Pythons,
pyenv and uv are never seen.
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIND_PYTHON = ROOT / "tools" / "find-python"
LOCK = ROOT / "requirements.lock"

SH = shutil.which("sh")
pytestmark = pytest.mark.skipif(
    SH is None or sys.platform == "win32", reason="needs a POSIX sh"
)

# Answers the two commands find-python runs: the version check (an
# argument containing sys.exit) and the version print.
FAKE_TEMPLATE = """#!/bin/sh
case "$2" in
    *sys.exit*) exit {check_rc} ;;
    *print*) echo {version} ;;
esac
exit 0
"""
# Like a pyenv shim for a version that is not selected.
BROKEN_SHIM = """#!/bin/sh
echo "pyenv: $(basename "$0"): command not found" >&2
exit 127
"""


def write_exe(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def fake_python(path: Path, version: str) -> Path:
    good = tuple(int(p) for p in version.split(".")[:2]) >= (3, 12)
    return write_exe(
        path, FAKE_TEMPLATE.format(check_rc=0 if good else 1, version=version)
    )


@pytest.fixture
def sandbox(tmp_path: Path):
    """bin/ (the whole PATH), an empty HOME and an empty PYENV_ROOT."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("ls", "sort"):
        real = shutil.which(tool)
        assert real, f"{tool} not found"
        (bin_dir / tool).symlink_to(real)
    home = tmp_path / "home"
    home.mkdir()
    pyenv_root = tmp_path / "pyenv"
    pyenv_root.mkdir()
    env = {"PATH": str(bin_dir), "HOME": str(home), "PYENV_ROOT": str(pyenv_root)}
    return bin_dir, pyenv_root, env


def run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SH, str(FIND_PYTHON)],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def assert_not_found(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, proc
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "3.12" in lines[0]
    assert "install" in lines[0]


def test_too_old_python3_only_exits_2_with_install_hint(sandbox):
    bin_dir, _, env = sandbox
    fake_python(bin_dir / "python3", "3.11.7")
    proc = run(env)
    assert_not_found(proc)
    assert "found none" in proc.stderr
    assert "pyenv install 3.12" in proc.stderr
    assert "PYTHON=" in proc.stderr


def test_nothing_at_all_exits_2(sandbox):
    _, _, env = sandbox
    assert_not_found(run(env))


def test_python312_on_path_is_printed(sandbox):
    bin_dir, _, env = sandbox
    fake_python(bin_dir / "python3", "3.11.7")
    good = fake_python(bin_dir / "python3.12", "3.12.4")
    proc = run(env)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(good)


def test_python313_preferred_over_python312(sandbox):
    bin_dir, _, env = sandbox
    fake_python(bin_dir / "python3.12", "3.12.4")
    good = fake_python(bin_dir / "python3.13", "3.13.1")
    proc = run(env)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(good)


def test_broken_shim_is_skipped(sandbox):
    """A python3.12 that exists but does not run must not be chosen."""
    bin_dir, _, env = sandbox
    write_exe(bin_dir / "python3.12", BROKEN_SHIM)
    good = fake_python(bin_dir / "python3", "3.12.4")
    proc = run(env)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(good)
    assert proc.stderr == ""  # the shim's complaint is hidden


def test_too_old_PYTHON_exits_2_naming_it(sandbox, tmp_path):
    bin_dir, _, env = sandbox
    fake_python(bin_dir / "python3.12", "3.12.4")  # must not be used instead
    old = fake_python(tmp_path / "old" / "python", "3.11.7")
    proc = run({**env, "PYTHON": str(old)})
    assert_not_found(proc)
    assert f"PYTHON={old}" in proc.stderr
    assert "3.11.7" in proc.stderr


def test_missing_PYTHON_exits_2_naming_it(sandbox, tmp_path):
    _, _, env = sandbox
    missing = tmp_path / "nowhere" / "python3.12"
    proc = run({**env, "PYTHON": str(missing)})
    assert_not_found(proc)
    assert str(missing) in proc.stderr


def test_good_PYTHON_wins(sandbox, tmp_path):
    bin_dir, _, env = sandbox
    fake_python(bin_dir / "python3.13", "3.13.1")
    chosen = fake_python(tmp_path / "mine" / "python", "3.12.1")
    proc = run({**env, "PYTHON": str(chosen)})
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(chosen)


def test_pyenv_root_without_pyenv_on_path(sandbox):
    bin_dir, pyenv_root, env = sandbox
    fake_python(bin_dir / "python3", "3.11.7")
    write_exe(bin_dir / "python3.12", BROKEN_SHIM)
    good = fake_python(pyenv_root / "versions" / "3.12.9" / "bin" / "python3", "3.12.9")
    proc = run(env)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(good)


def test_pyenv_versions_newest_first(sandbox):
    _, pyenv_root, env = sandbox
    versions = pyenv_root / "versions"
    fake_python(versions / "3.9.18" / "bin" / "python3", "3.9.18")
    fake_python(versions / "3.12.10" / "bin" / "python3", "3.12.10")
    fake_python(versions / "3.12.9" / "bin" / "python3", "3.12.9")
    newest = fake_python(versions / "3.13.2" / "bin" / "python3", "3.13.2")
    fake_python(versions / "3.11.7" / "bin" / "python3", "3.11.7")
    proc = run(env)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(newest)


def test_pyenv_versions_compared_numerically(sandbox):
    """3.12.10 is newer than 3.12.9 (a plain text sort gets this wrong)."""
    _, pyenv_root, env = sandbox
    versions = pyenv_root / "versions"
    fake_python(versions / "3.12.9" / "bin" / "python3", "3.12.9")
    newest = fake_python(versions / "3.12.10" / "bin" / "python3", "3.12.10")
    (versions / "miniconda3-latest").mkdir()  # not a version: ignored
    proc = run(env)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(newest)


def test_pyenv_root_from_pyenv_command(sandbox, tmp_path):
    """With pyenv on PATH, its own `pyenv root` is searched."""
    bin_dir, _, env = sandbox
    other_root = tmp_path / "elsewhere"
    good = fake_python(other_root / "versions" / "3.12.3" / "bin" / "python3", "3.12.3")
    write_exe(bin_dir / "pyenv", f'#!/bin/sh\n[ "$1" = root ] && echo "{other_root}"\n')
    proc = run(env)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(good)


def test_home_pyenv_used_when_PYENV_ROOT_unset(sandbox):
    _, _, env = sandbox
    del env["PYENV_ROOT"]
    home = Path(env["HOME"])
    good = fake_python(
        home / ".pyenv" / "versions" / "3.12.2" / "bin" / "python3", "3.12.2"
    )
    proc = run(env)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(good)


def test_uv_is_the_last_resort(sandbox, tmp_path):
    bin_dir, _, env = sandbox
    good = fake_python(tmp_path / "uv-python" / "python3.12", "3.12.5")
    write_exe(
        bin_dir / "uv", f'#!/bin/sh\n[ "$1 $2" = "python find" ] && echo "{good}"\n'
    )
    proc = run(env)
    assert proc.returncode == 0, proc
    assert proc.stdout.strip() == str(good)


# --- requirements.lock ----------------------------------------------------

PIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9.+!-]+$")


def lock_pins() -> dict[str, str]:
    pins = {}
    for raw in LOCK.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert PIN.match(line), f"not an exact pin: {line!r}"
        name, version = line.split("==")
        key = re.sub(r"[-_.]+", "-", name).lower()
        assert key not in pins, f"pinned twice: {name}"
        pins[key] = version
    return pins


def test_lock_pins_everything_exactly():
    pins = lock_pins()
    for needed in (
        "mesa",
        "numpy",
        "scipy",
        "pandas",
        "pyarrow",
        "matplotlib",
        "tqdm",
        "solara",
        "altair",
        "salib",
        "dask",
        "distributed",
        "pytest",
        "hypothesis",
        "pytest-xdist",
        "statsmodels",
    ):
        assert needed in pins, f"{needed} missing from requirements.lock"
    assert pins["mesa"].startswith("3.5."), pins["mesa"]
    assert "kemitraan" not in pins
