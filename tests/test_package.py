"""The package as a user installs it: wheel and sdist built, installed in a fresh environment.

The build and install work offline: ``python -m build --no-isolation`` with the setuptools
pinned in the test extra, and ``pip install --no-deps --no-index`` of the wheel into a new
virtual environment that sees the project environment's libraries (Mesa, numpy, ...) through
a plain path entry, never its editable install of this repository.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import mesa
import pytest

import sim
from sim.shipped import SCENARIOS_DIR, resolve, shipped_scenarios

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.package

COPY_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".venv-frames",
    "results",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".ruff_cache",
    ".mypy_cache",
)


def _run(cmd: list[str], cwd: Path, env: dict | None = None, timeout: int = 300):
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, (
        f"{cmd}: {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    )
    return proc


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel, built from a copy of the tree (the wheel from the sdist)."""
    work = tmp_path_factory.mktemp("pkg")
    src = work / "src"
    shutil.copytree(ROOT, src, symlinks=True, ignore=COPY_IGNORE)
    out = work / "dist"
    # With no target named, build makes the sdist, then the wheel from the unpacked sdist:
    # a file missing from the sdist breaks the wheel.
    _run(
        [
            sys.executable,
            "-m",
            "build",
            "--no-isolation",
            "--outdir",
            str(out),
            str(src),
        ],
        cwd=work,
    )
    return out


@pytest.fixture(scope="module")
def installed(dist, tmp_path_factory) -> Path:
    """A fresh virtual environment with only the wheel installed; its bin folder."""
    venv = tmp_path_factory.mktemp("venv") / "v"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=venv.parent)
    site = next((venv / "lib").glob("python3*/site-packages"))
    # The project's libraries, as a plain path: its .pth files (the editable install of this
    # checkout among them) are not processed, so `sim` can only come from the wheel.
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site / "project-libraries.pth").write_text("\n".join(deps) + "\n")
    wheel = next(dist.glob("kemitraan-*.whl"))
    _run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
         "install", "--no-deps", "--no-index", "-q", str(wheel)],
        cwd=venv.parent,
    )  # fmt: skip
    return venv / "bin"


def test_wheel_carries_scenarios_data_types_and_license(dist):
    wheel = next(dist.glob("kemitraan-*.whl"))
    assert wheel.name.startswith(f"kemitraan-{sim.__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in shipped_scenarios():
        assert f"sim/scenarios/{name}.toml" in names
    assert "sim/py.typed" in names
    assert {
        f"sim/data/{p.name}" for p in (ROOT / "sim" / "data").glob("*.csv")
    } <= names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    meta = zipfile.ZipFile(wheel).read(
        next(n for n in names if n.endswith(".dist-info/METADATA"))
    )
    text = meta.decode()
    assert "License-Expression: MIT" in text
    assert "Classifier: Framework :: Mesa" in text and "Project-URL: Source" in text
    # Mesa imports networkx on import without declaring it, so the package must (a fresh
    # clone's CI failed on `import mesa` without it).
    assert "Requires-Dist: networkx" in text
    for extra in ("sweep", "distributed", "viz", "test"):
        assert f"Provides-Extra: {extra}" in text
    # SALib and Dask are separate purposes now: the sweep extra does not bring Dask.
    sweep = [ln for ln in text.splitlines() if 'extra == "sweep"' in ln]
    assert any(ln.startswith("Requires-Dist: SALib") for ln in sweep)
    assert not any("dask" in ln.lower() for ln in sweep)


def test_sdist_is_complete(dist):
    sdist = next(dist.glob("kemitraan-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in (
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        "Makefile",
        "requirements.lock",
        "tests/test_golden.py",
        "tests/golden/small_timeseries.csv",
        "sim/scenarios/baseline.toml",
        "scenarios/baseline.toml",
        "docs/api.md",
        "docs/results.md",
        "tools/find-python",
    ):
        assert needed in names, needed
    assert not any(n.startswith("results/") and n != "results/README.md" for n in names)


def test_installed_wheel_runs_a_shipped_scenario_by_name_from_anywhere(
    installed, tmp_path
):
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    where = _run(
        [str(installed / "python"), "-c", "import sim; print(sim.__file__)"],
        cwd=elsewhere,
        env=env,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed.parent), (
        where
    )  # the wheel, not this checkout
    listed = _run([str(installed / "kemitraan"), "scenarios"], cwd=elsewhere, env=env)
    assert re.search(r"^baseline\s+Status quo", listed.stdout, re.M)
    assert re.search(r"^sweeps/rewards\s", listed.stdout, re.M)
    ran = _run(
        [
            str(installed / "kemitraan"),
            "run",
            "baseline",
            "--steps",
            "2",
            "--no-report",
        ],
        cwd=elsewhere,
        env=env,
    )
    assert "Kemitraan: baseline" in ran.stdout
    assert (elsewhere / "results" / "baseline" / "runs.parquet").is_file()
    version = _run([str(installed / "kemitraan"), "--version"], cwd=elsewhere, env=env)
    assert version.stdout.strip() == f"kemitraan {sim.__version__}"


def test_one_version_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "sim.__version__"
    }
    citation = (ROOT / "CITATION.cff").read_text()
    assert f"\nversion: {sim.__version__}\n" in citation


def test_license_file_is_mit_as_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def test_package_data_points_to_real_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    for pattern in project["tool"]["setuptools"]["package-data"]["sim"]:
        assert list((ROOT / "sim").glob(pattern)), pattern


def test_no_dependency_that_sim_never_imports():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    source = "\n".join(p.read_text() for p in (ROOT / "sim").rglob("*.py"))
    modules = {"tqdm": "tqdm", "pyarrow": "pyarrow", "statsmodels": "statsmodels"}
    # Declared for Mesa, which imports it on `import mesa` without declaring it.
    mesa_source = "\n".join(
        p.read_text() for p in Path(mesa.__file__).parent.rglob("*.py")
    )
    for_mesa = {"networkx"}
    for dep in project["dependencies"]:
        name = re.split(r"[<>=\[ ]", dep, maxsplit=1)[0].lower()
        module = modules.get(name, name)
        where = mesa_source if name in for_mesa else source
        assert re.search(rf"^\s*(import|from) {module}\b", where, re.M), dep


def test_shipped_scenarios_resolve_by_name_and_scenarios_links_to_them():
    assert (ROOT / "scenarios").resolve() == SCENARIOS_DIR
    assert resolve("baseline") == SCENARIOS_DIR / "baseline.toml"
    assert resolve("sweeps/rewards.toml") == SCENARIOS_DIR / "sweeps" / "rewards.toml"
    assert resolve("no_such_one") == Path("no_such_one")


def test_commands_default_to_the_shipped_baseline_not_a_relative_path():
    from sim.cli import _parser

    ap = _parser()
    for argv in (["sensitivity"], ["validate"], ["optimise"]):
        args = ap.parse_args(argv)
        assert args.scenario == "baseline"
        assert resolve(args.scenario).is_absolute()
