"""The performance benchmark suite (issues 6 and 16): every goal measured, printed next to its target, saved as JSON.

Usage (from the repository root, inside the venv)::

    python -m benchmarks.run                 # the full suite, benchmarks/results.json
    python -m benchmarks.run --quick         # fewer repeats and shorter sweeps, benchmarks/results-quick.json
    python -m benchmarks.run --goals 1,3     # only some goals (goal 3 needs goal 1's timings, goal 9 goal 1's)

Goals (targets from the issues):

1. A step of the full model with N community agents against a step of Mesa's own Boltzmann
   wealth example (``mesa.examples``) with N agents: ratio <= 1.0 at N = 1,000 and 10,000,
   <= 0.15 at N = 100,000.
2. Against an all-pairs partner search in Python loops over agents (:mod:`benchmarks.allpairs`),
   the model's step is at least 100 times faster at 2,000 agents.
3. A step at 100,000 agents takes at most 12 times a step at 10,000.
4. Peak memory of one run at 100,000 agents stays under 1.5 GiB.
5. A 100-run sweep of the baseline through ``kemitraan run`` (whole command, 1 and 2 workers)
   against ``mesa.batch_run`` of the same runs (same model, seeds and replications): runs per
   second of each, same run.
6. ``make run`` (the baseline): the simulation time it prints under 10 seconds; the whole
   command's time beside it.
7. The vectorised reference: a step of the model against a step of mesa-frames' Boltzmann
   (:mod:`benchmarks.frames_boltzmann`, in its own environment) at 100,000 agents, ratio <= 3
   (also shown at 1,000,000). Skipped, with the reason, where mesa-frames cannot be installed.
8. A million agents: a step under 2 s and the run's peak memory under 1.5 GiB.
9. The first steps of a run (1 to 8) cost at most 1.3 times the steady ones (9 to 16), at each
   N of goal 1.
10. The provinces and districts geographies at national scale (``scenarios/provinces.toml``,
    ``scenarios/districts.toml``): step times and a whole run, where the files exist.

How step times are taken: each measurement is a fresh Python process (no state shared between
models), which builds the model, runs ``--warmup`` steps (partnerships form in the first ones),
then times each of the next ``--measure`` steps with ``time.perf_counter`` (wall) and
``time.process_time`` (CPU). A process reports the median of its steps; a figure is the median
over ``--repeats`` processes. The two models being compared run alternately (A B, B A, A B, ...)
so that a change in the machine's load falls on both. Wall time is what the goals ask for; CPU
time is reported beside it because it moves less when other programs share the machine.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from statistics import median
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POPULATION = {
    "community_groups": 400,
    "ngos": 80,
    "religious_bodies": 120,
    "businesses": 150,
    "universities": 20,
}
GIB = 1024**3

TARGETS = {
    "boltzmann_ratio": {1_000: 1.0, 10_000: 1.0, 100_000: 0.15},
    "allpairs_speedup": 100.0,
    "scaling_ratio": 12.0,
    "peak_memory_gib": 1.5,
    "make_run_seconds": 10.0,
    "frames_ratio": 3.0,
    "million_step_seconds": 2.0,
    "million_peak_gib": 1.5,
    "first_steps_ratio": 1.3,
}
FRAMES_VENV = ROOT / "benchmarks" / ".venv-frames"
FRAMES_REQUIREMENTS = ROOT / "benchmarks" / "frames-requirements.txt"
GEOGRAPHIES = ("provinces", "districts")


# --- what is run ---------------------------------------------------------------------------


def population(n: int) -> dict[str, int]:
    """Community kinds for n agents, in the default proportions (400:80:120:150:20), summing to n."""
    total = sum(DEFAULT_POPULATION.values())
    counts = {k: round(n * v / total) for k, v in DEFAULT_POPULATION.items()}
    counts["community_groups"] += n - sum(counts.values())
    return counts


def kemitraan_scenario(n: int, years: float | None = None):
    """The baseline scenario with n community agents (10 regions, as in the baseline)."""
    from sim.scenario import load

    overrides: dict[str, Any] = {f"population.{k}": v for k, v in population(n).items()}
    if years is not None:
        overrides["scenario.years"] = years
    return load(ROOT / "scenarios" / "baseline.toml", overrides)


def boltzmann_side(n: int) -> int:
    """Grid side keeping the shipped example's density (100 agents on 10 x 10)."""
    return max(1, round(10 * math.sqrt(n / 100)))


def _step_times(model, warmup: int, measure: int) -> dict[str, Any]:
    warm_wall, warm_cpu = [], []
    for _ in range(warmup):
        t0, c0 = time.perf_counter(), time.process_time()
        model.step()
        warm_wall.append(time.perf_counter() - t0)
        warm_cpu.append(time.process_time() - c0)
    wall, cpu = [], []
    for _ in range(measure):
        t0, c0 = time.perf_counter(), time.process_time()
        model.step()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return {
        "wall": median(wall),
        "cpu": median(cpu),
        "wall_steps": wall,
        "cpu_steps": cpu,
        "warmup_wall_steps": warm_wall,
        "warmup_cpu_steps": warm_cpu,
    }


def time_steps(kind: str, n: int, warmup: int = 8, measure: int = 8) -> dict[str, Any]:
    """Build one model and time its steps ``warmup + 1 .. warmup + measure`` (in this process).

    Args:
        kind: ``kemitraan`` (the model), ``boltzmann`` (Mesa's example) or ``allpairs`` (the
            model warmed up with its own search, then timed with the all-pairs search).
        n: Community agents (Boltzmann: agents).
        warmup: Steps run before timing.
        measure: Steps timed.

    Returns:
        ``wall`` and ``cpu``: median seconds per timed step; the single steps, timed and
        warm-up (the first steps of a run, when partnerships form and, in the model, each
        seeker's best matches are searched for the first time); ``init`` seconds.
    """
    t0 = time.perf_counter()
    if kind == "kemitraan":
        from sim.model import PartnershipModel

        model = PartnershipModel(kemitraan_scenario(n))
    elif kind == "allpairs":
        from benchmarks.allpairs import AllPairsModel

        model = AllPairsModel(kemitraan_scenario(n), all_pairs=False)
    elif kind.startswith("scenario:"):
        from sim.model import PartnershipModel
        from sim.scenario import load

        model = PartnershipModel(load(kind.split(":", 1)[1]))
    elif kind == "boltzmann":
        from mesa.examples.basic.boltzmann_wealth_model.model import (
            BoltzmannScenario,
            BoltzmannWealth,
        )

        side = boltzmann_side(n)
        model = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=42))
    else:
        raise ValueError(f"unknown model kind {kind!r}")
    init = time.perf_counter() - t0
    if kind == "allpairs":
        for _ in range(warmup):
            model.step()
        model.all_pairs = True
        warmup = 0
    out = _step_times(model, warmup, measure)
    out["init"] = init
    if kind != "boltzmann":
        out["active_partnerships"] = int(model.metrics["active_partnerships"])
        out["agents"] = int(model.community.n)
    return out


def time_steps_in_subprocess(
    kind: str, n: int, warmup: int, measure: int
) -> dict[str, Any]:
    """:func:`time_steps` in a fresh Python process (``python -m benchmarks.run --child ...``).

    ``frames`` (mesa-frames' Boltzmann) runs :mod:`benchmarks.frames_boltzmann` with its own
    environment's interpreter. The child's peak resident memory (``ru_maxrss``, from
    ``os.wait4``) is added as ``peak_rss_mib``.
    """
    if kind == "frames":
        python = frames_python()
        if python is None:
            raise RuntimeError(f"mesa-frames is not available: {FRAMES_STATUS['note']}")
        cmd = [
            str(python),
            str(ROOT / "benchmarks" / "frames_boltzmann.py"),
            str(n),
            str(warmup),
            str(measure),
        ]
    else:
        cmd = [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--child",
            kind,
            str(n),
            str(warmup),
            str(measure),
        ]
    out, err, code, usage = _run_child(cmd)
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{err[-2000:]}")
    res = json.loads(out.strip().splitlines()[-1])
    res["peak_rss_mib"] = usage.ru_maxrss / 1024  # Linux: KiB
    return res


def _run_child(
    cmd: list[str], env: dict[str, str] | None = None
) -> tuple[str, str, int, Any]:
    """Run ``cmd`` in ROOT; (stdout, stderr, exit code, its own resource usage)."""
    with (
        tempfile.TemporaryFile("w+") as out_file,
        tempfile.TemporaryFile("w+") as err_file,
    ):
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=out_file, stderr=err_file, text=True, env=env
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own resource usage
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        return out_file.read(), err_file.read(), proc.returncode, usage


FRAMES_STATUS: dict[str, Any] = {}


def _python312_candidates() -> list[str]:
    """Interpreters that may be Python 3.12 (numpy 1.26, which mesa-frames pins, has no wheels for 3.13)."""
    found = [os.environ["FRAMES_PYTHON"]] if os.environ.get("FRAMES_PYTHON") else []
    found += [p for p in (shutil.which("python3.12"),) if p]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found += [
        str(p / "bin" / "python3") for p in sorted(pyenv.glob("3.12*"), reverse=True)
    ]
    return found


def frames_python(log: Callable[[str], None] = print) -> Path | None:
    """The interpreter of mesa-frames' own environment, made on first use; None (and a note) where it cannot be.

    The environment is ``benchmarks/.venv-frames`` (never committed), with the pins of
    ``benchmarks/frames-requirements.txt``, installed with pip from the package index.
    """
    if FRAMES_STATUS:
        return FRAMES_STATUS.get("python")
    python = FRAMES_VENV / "bin" / "python"
    check = [
        str(python),
        "-c",
        "import mesa_frames, polars, numpy; print(numpy.__version__, polars.__version__)",
    ]
    if not python.exists():
        base = next(
            (
                c
                for c in _python312_candidates()
                if subprocess.run(
                    [c, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 12))"],
                    capture_output=True,
                ).returncode
                == 0
            ),
            None,
        )
        if base is None:
            FRAMES_STATUS.update(
                python=None,
                note="no Python 3.12 found (mesa-frames 0.1.0a0 pins numpy 1.26, which has no wheels "
                "for Python 3.13); set FRAMES_PYTHON=/path/to/python3.12",
            )
            return None
        log(
            f"    making mesa-frames' environment {FRAMES_VENV.relative_to(ROOT)} with {base}"
        )
        made = subprocess.run(
            [base, "-m", "venv", str(FRAMES_VENV)], capture_output=True, text=True
        )
        if made.returncode == 0:
            made = subprocess.run(
                [
                    str(python),
                    "-m",
                    "pip",
                    "install",
                    "-q",
                    "-r",
                    str(FRAMES_REQUIREMENTS),
                ],
                capture_output=True,
                text=True,
            )
        if made.returncode != 0:
            shutil.rmtree(FRAMES_VENV, ignore_errors=True)
            FRAMES_STATUS.update(
                python=None,
                note=f"mesa-frames could not be installed: {(made.stderr or made.stdout).strip()[-300:]}",
            )
            return None
    ok = subprocess.run(check, capture_output=True, text=True)
    if ok.returncode != 0:
        FRAMES_STATUS.update(
            python=None,
            note=f"{FRAMES_VENV.relative_to(ROOT)} does not import mesa_frames: {ok.stderr.strip()[-300:]}",
        )
        return None
    numpy_version, polars_version = ok.stdout.split()
    FRAMES_STATUS.update(
        python=python,
        note=f"mesa-frames 0.1.0a0, numpy {numpy_version}, polars {polars_version} ({FRAMES_VENV.relative_to(ROOT)})",
    )
    return python


def compare(
    a: str,
    b: str,
    n: int,
    repeats: int,
    warmup: int,
    measure: int,
    subprocesses: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Time models ``a`` and ``b`` alternately, ``repeats`` times each; median step times and their ratio a/b."""
    timer = time_steps_in_subprocess if subprocesses else time_steps
    runs: dict[str, list[dict[str, Any]]] = {a: [], b: []}
    for r in range(repeats):
        for kind in (a, b) if r % 2 == 0 else (b, a):
            res = timer(kind, n, warmup, measure)
            runs[kind].append(res)
            log(
                f"    {kind:>9s} N={n:>7,d} repeat {r + 1}/{repeats}: {res['wall'] * 1000:9.1f} ms wall, {res['cpu'] * 1000:9.1f} ms CPU per step"
            )
    out: dict[str, Any] = {
        "n": n,
        "repeats": repeats,
        "warmup_steps": warmup,
        "measured_steps": measure,
    }
    for kind in (a, b):
        out[kind] = {
            "step_wall_s": median(x["wall"] for x in runs[kind]),
            "step_cpu_s": median(x["cpu"] for x in runs[kind]),
            "init_s": median(x["init"] for x in runs[kind]),
            "warmup_step_wall_s": (
                median(float(np.mean(x["warmup_wall_steps"])) for x in runs[kind])
                if all(x["warmup_wall_steps"] for x in runs[kind])
                else None
            ),
            "warmup_step_cpu_s": (
                median(float(np.mean(x["warmup_cpu_steps"])) for x in runs[kind])
                if all(x.get("warmup_cpu_steps") for x in runs[kind])
                else None
            ),
            "runs": runs[kind],
        }
    out["ratio_wall"] = out[a]["step_wall_s"] / out[b]["step_wall_s"]
    out["ratio_cpu"] = out[a]["step_cpu_s"] / out[b]["step_cpu_s"]
    return out


# --- the goals -----------------------------------------------------------------------------


def goal_boltzmann(
    ns: Sequence[int] = (1_000, 10_000, 100_000),
    repeats: int = 5,
    warmup: int = 8,
    measure: int = 8,
    subprocesses: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Goal 1: model step / Boltzmann step at each N (target <= 1.0 at 1,000 and 10,000, <= 0.15 at 100,000)."""
    out: dict[str, Any] = {
        "target": ", ".join(
            f"N={n:,}: ratio <= {t:g}" for n, t in TARGETS["boltzmann_ratio"].items()
        ),
        "by_n": {},
    }
    for n in ns:
        res = compare(
            "kemitraan", "boltzmann", n, repeats, warmup, measure, subprocesses, log
        )
        res["target"] = TARGETS["boltzmann_ratio"].get(n, 1.0)
        res["met"] = res["ratio_wall"] <= res["target"]
        out["by_n"][str(n)] = res
    out["met"] = all(v["met"] for v in out["by_n"].values())
    return out


def goal_allpairs(
    n: int = 2000,
    repeats: int = 3,
    warmup: int = 8,
    measure: int = 4,
    subprocesses: bool = True,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Goal 2: all-pairs step / model step at n agents (target >= 100)."""
    res = compare(
        "allpairs", "kemitraan", n, repeats, warmup, measure, subprocesses, log
    )
    res["speedup_wall"] = res.pop("ratio_wall")
    res["speedup_cpu"] = res.pop("ratio_cpu")
    res["target"] = f"speedup >= {TARGETS['allpairs_speedup']:g}"
    res["met"] = res["speedup_wall"] >= TARGETS["allpairs_speedup"]
    return res


def goal_scaling(
    boltzmann: dict[str, Any], small: int = 10_000, large: int = 100_000
) -> dict[str, Any]:
    """Goal 3: model step at ``large`` / model step at ``small``, from goal 1's timings (target <= 12)."""
    a = boltzmann["by_n"][str(large)]["kemitraan"]
    b = boltzmann["by_n"][str(small)]["kemitraan"]
    ratio_wall = a["step_wall_s"] / b["step_wall_s"]
    bz = (
        boltzmann["by_n"][str(large)]["boltzmann"]["step_wall_s"]
        / boltzmann["by_n"][str(small)]["boltzmann"]["step_wall_s"]
    )
    return {
        "small_n": small,
        "large_n": large,
        "ratio_wall": ratio_wall,
        "ratio_cpu": a["step_cpu_s"] / b["step_cpu_s"],
        "agents_ratio": large / small,
        "boltzmann_ratio_wall": bz,
        "target": f"ratio <= {TARGETS['scaling_ratio']:g}",
        "met": ratio_wall <= TARGETS["scaling_ratio"],
    }


def goal_first_steps(boltzmann: dict[str, Any]) -> dict[str, Any]:
    """Goal 9: mean step 1-8 / median step 9-16 of the model, from goal 1's processes (target <= 1.3 at each N)."""
    out: dict[str, Any] = {
        "target": f"ratio <= {TARGETS['first_steps_ratio']:g}",
        "by_n": {},
    }
    for n, r in boltzmann["by_n"].items():
        k = r["kemitraan"]
        if k["warmup_step_wall_s"] is None:
            continue
        ratio = k["warmup_step_wall_s"] / k["step_wall_s"]
        out["by_n"][n] = {
            "first_steps_wall_s": k["warmup_step_wall_s"],
            "steady_wall_s": k["step_wall_s"],
            "ratio_wall": ratio,
            "ratio_cpu": k["warmup_step_cpu_s"] / k["step_cpu_s"],
            "init_s": k["init_s"],
            "met": ratio <= TARGETS["first_steps_ratio"],
        }
    out["met"] = all(v["met"] for v in out["by_n"].values()) if out["by_n"] else None
    return out


def goal_frames(
    n: int = 100_000,
    repeats: int = 3,
    warmup: int = 8,
    measure: int = 8,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Goal 7: model step / mesa-frames' Boltzmann step at n agents (target <= 3); skipped with a note without mesa-frames."""
    if frames_python(log) is None:
        log(f"    skipped: {FRAMES_STATUS['note']}")
        return {
            "n": n,
            "skipped": FRAMES_STATUS["note"],
            "met": None,
            "target": f"ratio <= {TARGETS['frames_ratio']:g}",
        }
    res = compare("kemitraan", "frames", n, repeats, warmup, measure, True, log)
    res.update(
        environment=FRAMES_STATUS["note"],
        target=f"ratio <= {TARGETS['frames_ratio']:g}",
        met=res["ratio_wall"] <= TARGETS["frames_ratio"],
    )
    return res


def goal_million(
    n: int = 1_000_000,
    warmup: int = 2,
    measure: int = 3,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Goal 8: at a million agents, a step (steps ``warmup + 1 ..``) under 2 s and the process's peak memory under 1.5 GiB.

    One fresh process builds the model and runs the steps; its peak resident memory is read
    from its own resource usage. mesa-frames' Boltzmann at the same N is timed beside it
    where it is installed (no target: shown for scale).
    """
    res = time_steps_in_subprocess("kemitraan", n, warmup, measure)
    gib = res["peak_rss_mib"] / 1024
    out: dict[str, Any] = {
        "n": n,
        "warmup_steps": warmup,
        "measured_steps": measure,
        "step_wall_s": res["wall"],
        "step_cpu_s": res["cpu"],
        "init_s": res["init"],
        "warmup_wall_steps": res["warmup_wall_steps"],
        "wall_steps": res["wall_steps"],
        "peak_rss_gib": gib,
        "active_partnerships": res.get("active_partnerships"),
        "target": f"step < {TARGETS['million_step_seconds']:g} s, peak < {TARGETS['million_peak_gib']:g} GiB",
        "met": res["wall"] < TARGETS["million_step_seconds"]
        and gib < TARGETS["million_peak_gib"],
    }
    log(
        f"    kemitraan N={n:,}: {res['wall']:.2f} s wall, {res['cpu']:.2f} s CPU per step; built in {res['init']:.1f} s; peak {res['peak_rss_mib']:.0f} MiB"
    )
    if frames_python(log) is not None:
        fr = time_steps_in_subprocess("frames", n, warmup, measure)
        out["frames"] = {
            "step_wall_s": fr["wall"],
            "step_cpu_s": fr["cpu"],
            "peak_rss_gib": fr["peak_rss_mib"] / 1024,
        }
        out["frames_ratio_wall"] = res["wall"] / fr["wall"]
        log(f"    mesa-frames N={n:,}: {fr['wall'] * 1000:.0f} ms wall per step")
    else:
        out["frames"] = {"skipped": FRAMES_STATUS["note"]}
    return out


_MEMORY_CHILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from benchmarks.run import kemitraan_scenario
from sim.experiment.run import simulate
t0 = time.perf_counter()
res = simulate(kemitraan_scenario({n}, {years!r}))
tables = (res.timeseries, res.regions, res.events)  # made when first read: all three, as before
print(json.dumps({{"seconds": time.perf_counter() - t0, "events": len(res.events), "steps": int(res.summary["steps"]),
                  "active_partnerships": int(res.summary["active_partnerships"])}}))
"""


def goal_memory(n: int = 100_000, years: float | None = None) -> dict[str, Any]:
    """Goal 4: peak resident memory of one whole run at n agents, tables included (target < 1.5 GiB).

    The run (``sim.experiment.run.simulate``: model, every step, then the time series, region and event
    tables) is a child process; its peak RSS is read from its own resource usage
    (``os.wait4``: ``ru_maxrss``, the figure ``getrusage(RUSAGE_CHILDREN)`` reports for it).
    """
    code = _MEMORY_CHILD.format(root=str(ROOT), n=n, years=years)
    with (
        tempfile.TemporaryFile("w+") as out_file,
        tempfile.TemporaryFile("w+") as err_file,
    ):
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=ROOT,
            stdout=out_file,
            stderr=err_file,
            text=True,
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own resource usage
        proc.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        out, err = out_file.read(), err_file.read()
    if proc.returncode != 0:
        raise RuntimeError(f"memory run failed:\n{err[-2000:]}")
    maxrss_kib = usage.ru_maxrss  # Linux: KiB
    info = json.loads(out.strip().splitlines()[-1])
    gib = maxrss_kib * 1024 / GIB
    return {
        "n": n,
        "peak_rss_gib": gib,
        "peak_rss_mib": maxrss_kib / 1024,
        **info,
        "target": f"< {TARGETS['peak_memory_gib']} GiB",
        "met": gib < TARGETS["peak_memory_gib"],
    }


_BATCH_RUN_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
import mesa
from sim.model import PartnershipModel
from sim.scenario import load
scenario = load({scenario!r})
t0 = time.perf_counter()
rows = mesa.batch_run(PartnershipModel, parameters={{"scenario": [scenario], "replication": range({runs})}}, number_processes={workers},
                      data_collection_period=-1, max_steps=scenario.steps, display_progress=False, rng=[scenario.scenario.seed])
print(len(rows), time.perf_counter() - t0)
"""


def _adopt_orphans() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``).

    ``kemitraan run``'s pool workers are children of its forkserver, which outlives
    ``kemitraan run`` by a moment; adopted and waited for here, their CPU time is counted in
    ``RUSAGE_CHILDREN`` like that of ``mesa.batch_run``'s workers.

    Returns:
        Whether this process now adopts orphans (False where the system cannot).
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(36, 1, 0, 0, 0) == 0)  # 36: PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _reap_adopted(timeout: float = 30.0) -> None:
    """Wait for every descendant adopted by this process to end (the forkserver and its workers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no child left
        if pid == 0:
            time.sleep(0.01)


def _timed(
    cmd: list[str], reap: bool = False
) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run a command; (the process, wall seconds, CPU seconds of the children waited for).

    Wall time ends when the command exits. With ``reap``, this process (an adopter, see
    :func:`_adopt_orphans`) also waits for the descendants that outlive the command by a
    moment, so that their CPU time is counted too.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if reap:
        _reap_adopted()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return proc, wall, cpu


def goal_sweep(
    runs: int = 100,
    workers: Sequence[int] = (1, 2),
    log: Callable[[str], None] = print,
    repeats: int = 1,
) -> dict[str, Any]:
    """Goal 5: a ``runs``-run baseline sweep, ``kemitraan run`` against ``mesa.batch_run``, with each number of workers.

    Both are whole fresh processes timed from the outside (interpreter start, imports, the
    pool, every run, and for ``kemitraan run`` the crash-safe chunks, the journal, the final
    tables and the manifest). ``kemitraan run`` runs with ``--no-report``: the HTML report is
    not part of a sweep (``mesa.batch_run`` draws nothing either); ``kemitraan report`` of the
    1-worker folder is timed on its own beside it. ``mesa.batch_run`` runs the same model class
    with the same root seed and replications 0 .. runs-1, so the same runs; it keeps each run's
    final metrics in memory and writes nothing.

    With ``repeats`` above 1, the two commands alternate that many times at each number of
    workers (``kemitraan run``, ``mesa.batch_run``, ``kemitraan run``, ...) and each is
    reported by its median wall and CPU time, every single time kept beside it.

    CPU seconds are those of the command and all its descendants: ``mesa.batch_run``'s
    workers are its children; ``kemitraan run``'s are children of its forkserver, which this
    process adopts and waits for where the system allows (Linux; ``cpu_all_descendants``).
    """
    scenario = ROOT / "scenarios" / "baseline.toml"
    # Only where a pool runs: an adopting process must reap every orphan (see _reap_adopted),
    # which a process running other children alongside (a test session) should not do.
    adopted = any(w > 1 for w in workers) and _adopt_orphans()
    out: dict[str, Any] = {
        "runs": runs,
        "repeats": repeats,
        "report": False,
        "cpu_count": os.cpu_count(),
        "cpu_all_descendants": adopted,
        "kemitraan_run": {},
        "batch_run": {},
        "target": "kemitraan run faster than mesa.batch_run at each number of workers",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for w in workers:
            folder = Path(tmp) / f"sweep-{w}"
            cmd = [
                sys.executable,
                "-m",
                "sim",
                "run",
                str(scenario),
                "--replications",
                str(runs),
                "--workers",
                str(w),
                "--out",
                str(folder),
                "--force",
                "--no-report",
            ]
            code = _BATCH_RUN_CHILD.format(
                root=str(ROOT), scenario=str(scenario), runs=runs, workers=w
            )
            k_times: list[dict[str, Any]] = []
            b_times: list[dict[str, Any]] = []
            for _ in range(max(1, repeats)):
                load = _load()
                proc, seconds, cpu = _timed(cmd, reap=adopted)
                if proc.returncode != 0:
                    raise RuntimeError(
                        f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}"
                    )
                k_times.append(
                    {
                        "seconds": seconds,
                        "cpu_seconds": cpu if adopted or w == 1 else None,
                        "load_average": load,
                    }
                )
                load_b = _load()
                proc, seconds_b, cpu_b = _timed(
                    [sys.executable, "-c", code], reap=adopted
                )
                if proc.returncode != 0:
                    raise RuntimeError(f"mesa.batch_run failed:\n{proc.stderr[-2000:]}")
                count, inside = proc.stdout.split()[-2:]
                b_times.append(
                    {
                        "seconds": seconds_b,
                        "cpu_seconds": cpu_b,
                        "rows": int(count),
                        "batch_run_seconds": float(inside),
                        "load_average": load_b,
                    }
                )
                cpu_text = (
                    f", CPU {cpu:.1f} s vs {cpu_b:.1f} s"
                    if k_times[-1]["cpu_seconds"] is not None
                    else ""
                )
                log(
                    f"    {runs} runs, {w} worker(s): kemitraan run {seconds:.1f} s ({runs / seconds:.2f} runs/s), "
                    f"mesa.batch_run {seconds_b:.1f} s ({runs / seconds_b:.2f} runs/s){cpu_text}; "
                    f"load {load[0] if load else float('nan'):.1f} / {load_b[0] if load_b else float('nan'):.1f}"
                )
            if w == 1:
                rproc, rsec, rcpu = _timed(
                    [sys.executable, "-m", "sim", "report", str(folder)]
                )
                if rproc.returncode != 0:
                    raise RuntimeError(
                        f"kemitraan report failed:\n{rproc.stderr[-2000:]}"
                    )
                out["report_seconds"] = {"wall": rsec, "cpu": rcpu}
            out["kemitraan_run"][str(w)] = _median_of(k_times, runs)
            out["batch_run"][str(w)] = _median_of(b_times, runs)
    k, b = out["kemitraan_run"], out["batch_run"]
    out["ratio_by_workers"] = {
        w: k[w]["runs_per_second"] / b[w]["runs_per_second"] for w in k
    }
    out["cpu_ratio_by_workers"] = {
        w: b[w]["cpu_seconds"] / k[w]["cpu_seconds"]
        for w in k
        if k[w].get("cpu_seconds") and b[w].get("cpu_seconds")
    }
    if "1" in out["cpu_ratio_by_workers"]:
        out["cpu_ratio_1_worker"] = out["cpu_ratio_by_workers"]["1"]
    if "1" in k and "2" in k:
        out["kemitraan_speedup_2_workers"] = k["1"]["seconds"] / k["2"]["seconds"]
    out["met"] = all(r >= 1.0 for r in out["ratio_by_workers"].values())
    return out


def _median_of(times: list[dict[str, Any]], runs: int) -> dict[str, Any]:
    """One command's measurements: the median wall and CPU time (and runs per second), the load when it started, every time."""
    seconds = median(t["seconds"] for t in times)
    cpus = [t["cpu_seconds"] for t in times if t["cpu_seconds"] is not None]
    summary = {k: v for k, v in times[0].items() if k not in ("seconds", "cpu_seconds")}
    return {
        **summary,
        "seconds": seconds,
        "runs_per_second": runs / seconds,
        "cpu_seconds": median(cpus) if cpus else None,
        "times": times,
    }


class _LoadStamped(dict):
    """The goals, each stamped with the load averages when its measurement ended (the machine may be shared).

    With ``save`` set, the report so far is written after each goal, so that a suite stopped
    part way still leaves what it measured.
    """

    save: Callable[[], None] | None = None

    def __setitem__(self, key: str, value: Any) -> None:
        if isinstance(value, dict):
            value.setdefault("load_average_after", _load())
        super().__setitem__(key, value)
        if self.save is not None:
            self.save()


def _load() -> list[float] | None:
    """The 1-, 5- and 15-minute load averages now (None where the system has none)."""
    return list(os.getloadavg()) if hasattr(os, "getloadavg") else None


SIMULATED = re.compile(r"Simulated (\d+) quarters in ([0-9.]+) s")


def parse_simulated(text: str) -> tuple[int, float]:
    """(quarters, seconds) from the command line's "Simulated 80 quarters in 0.4 s" line."""
    m = SIMULATED.search(text)
    if m is None:
        raise ValueError("no 'Simulated N quarters in X s' line in the output")
    return int(m.group(1)), float(m.group(2))


def goal_make_run(repeats: int = 3) -> dict[str, Any]:
    """Goal 6: ``make run`` (the baseline): the simulation time it prints (target < 10 s) and the whole command's time.

    ``make run`` itself is run, with ``SCENARIO`` naming a temporary ``--out`` folder so that
    ``results/baseline/`` is left alone (the command it runs is then
    ``kemitraan run scenarios/baseline.toml --out <tmp> --force``); its wall time from start to
    exit covers make, Python's start, imports, the run, the tables and the HTML report. Where
    make is missing the same command is run directly. The in-process time of the same run
    (``sim.experiment.run.simulate``, median of ``repeats``) is given to more decimals.
    """
    from sim.experiment.run import simulate
    from sim.scenario import load

    make = shutil.which("make")
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(repeats):
            dest = Path(tmp) / f"baseline-{r}"
            if make:
                cmd = [
                    make,
                    "-s",
                    "--no-print-directory",
                    "run",
                    f"SCENARIO=scenarios/baseline.toml --out {dest}",
                ]
            else:
                cmd = [
                    sys.executable,
                    "-m",
                    "sim",
                    "run",
                    str(ROOT / "scenarios" / "baseline.toml"),
                    "--out",
                    str(dest),
                    "--force",
                ]
            t0 = time.perf_counter()
            proc = subprocess.run(
                cmd, cwd=ROOT, capture_output=True, text=True, check=False
            )
            times.append(time.perf_counter() - t0)
            if proc.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    quarters, printed = parse_simulated(proc.stdout)
    scenario = load(ROOT / "scenarios" / "baseline.toml")
    in_process = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = simulate(scenario)
        # The tables are made when first read; the figure has always included them.
        _ = (res.timeseries, res.regions, res.events)
        in_process.append(time.perf_counter() - t0)
    return {
        "quarters": quarters,
        "printed_seconds": printed,
        "simulate_seconds_median": median(in_process),
        "command_seconds": median(times),
        "command_seconds_all": times,
        "command": "make run SCENARIO='scenarios/baseline.toml --out <tmp>'"
        if make
        else "kemitraan run scenarios/baseline.toml --out <tmp> --force",
        "target": f"< {TARGETS['make_run_seconds']:g} s",
        "met": printed < TARGETS["make_run_seconds"],
    }


def goal_geographies(
    names: Sequence[str] = GEOGRAPHIES,
    repeats: int = 1,
    warmup: int = 8,
    measure: int = 8,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Goal 10: the national geographies (``scenarios/<name>.toml`` as shipped): step times and a whole run.

    A file that does not exist (yet) is skipped with a note. No target: the figures show what
    a national run costs.
    """
    out: dict[str, Any] = {}
    for name in names:
        path = ROOT / "scenarios" / f"{name}.toml"
        if not path.exists():
            out[name] = {"skipped": f"scenarios/{name}.toml does not exist"}
            log(f"    {name}: skipped, scenarios/{name}.toml does not exist")
            continue
        steps = [
            time_steps_in_subprocess(f"scenario:{path}", 0, warmup, measure)
            for _ in range(repeats)
        ]
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [
                sys.executable,
                "-m",
                "sim",
                "run",
                str(path),
                "--out",
                str(Path(tmp) / name),
                "--force",
            ]
            t0 = time.perf_counter()
            proc = subprocess.run(
                cmd, cwd=ROOT, capture_output=True, text=True, check=False
            )
            command = time.perf_counter() - t0
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
        quarters, printed = parse_simulated(proc.stdout)
        out[name] = {
            "agents": steps[0].get("agents"),
            "step_wall_s": median(x["wall"] for x in steps),
            "step_cpu_s": median(x["cpu"] for x in steps),
            "first_steps_wall_s": median(
                float(np.mean(x["warmup_wall_steps"])) for x in steps
            )
            if warmup
            else None,
            "init_s": median(x["init"] for x in steps),
            "peak_rss_mib": max(x["peak_rss_mib"] for x in steps),
            "run_quarters": quarters,
            "run_simulated_seconds": printed,
            "run_command_seconds": command,
        }
        log(
            f"    {name}: {out[name]['agents']:,} agents, {out[name]['step_wall_s'] * 1000:.1f} ms a step; "
            f"whole run {quarters} quarters in {printed:.1f} s ({command:.1f} s the whole command)"
        )
    return out


# --- the machine ----------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """CPU, cores, memory, load, and the versions that matter."""
    import mesa
    import pandas
    import scipy

    cpu = platform.processor() or platform.machine()
    mhz = None
    try:
        text = Path("/proc/cpuinfo").read_text()
        m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
        cpu = m.group(1).strip() if m else cpu
        f = re.search(r"^cpu MHz\s*:\s*([0-9.]+)$", text, re.M)
        mhz = float(f.group(1)) if f else None
    except OSError:
        pass
    mem = None
    try:
        m = re.search(r"^MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        mem = round(int(m.group(1)) / 1024**2, 1) if m else None
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpu_mhz": mhz,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "memory_gib": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pandas.__version__,
        "mesa": mesa.__version__,
        "env": {
            k: v
            for k, v in os.environ.items()
            if k.startswith(("OPENBLAS", "OMP_", "MKL_"))
        },
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


# --- the report -----------------------------------------------------------------------------


def summary_rows(goals: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(goal, measured, target, verdict) rows for the printed table."""
    rows = []

    def verdict(ok: bool | None) -> str:
        return "-" if ok is None else ("met" if ok else "NOT MET")

    g = goals.get("1_boltzmann")
    if g:
        for n, r in g["by_n"].items():
            rows.append(
                (
                    f"1. step vs Boltzmann, N={int(n):,}",
                    f"{r['ratio_wall']:.2f} ({r['kemitraan']['step_wall_s'] * 1000:.1f} vs {r['boltzmann']['step_wall_s'] * 1000:.1f} ms; CPU {r['ratio_cpu']:.2f})",
                    f"<= {r.get('target', 1.0):g}",
                    verdict(r["met"]),
                )
            )
    g = goals.get("2_allpairs")
    if g:
        rows.append(
            (
                f"2. speedup vs all-pairs, N={g['n']:,}",
                f"{g['speedup_wall']:.0f}x ({g['allpairs']['step_wall_s'] * 1000:.0f} vs {g['kemitraan']['step_wall_s'] * 1000:.1f} ms; CPU {g['speedup_cpu']:.0f}x)",
                ">= 100x",
                verdict(g["met"]),
            )
        )
    g = goals.get("3_scaling")
    if g:
        rows.append(
            (
                f"3. step {g['large_n']:,} / step {g['small_n']:,}",
                f"{g['ratio_wall']:.1f} (CPU {g['ratio_cpu']:.1f}; Boltzmann {g['boltzmann_ratio_wall']:.1f})",
                "<= 12",
                verdict(g["met"]),
            )
        )
    g = goals.get("4_memory")
    if g:
        rows.append(
            (
                f"4. peak memory, one run N={g['n']:,}",
                f"{g['peak_rss_gib']:.2f} GiB ({g['peak_rss_mib']:.0f} MiB)",
                "< 1.5 GiB",
                verdict(g["met"]),
            )
        )
    g = goals.get("5_sweep")
    if g:
        for w, ratio in g["ratio_by_workers"].items():
            k, b = g["kemitraan_run"][w], g["batch_run"][w]
            rows.append(
                (
                    f"5. sweep of {g['runs']} runs, {w} worker(s): kemitraan run / mesa.batch_run",
                    f"{ratio:.2f}x ({k['runs_per_second']:.2f} vs {b['runs_per_second']:.2f} runs/s"
                    + (
                        f"; CPU {b['cpu_seconds'] / k['cpu_seconds']:.2f}x"
                        if k.get("cpu_seconds") and b.get("cpu_seconds")
                        else ""
                    )
                    + (f"; median of {g['repeats']}" if g.get("repeats", 1) > 1 else "")
                    + f"; load {k['load_average'][0]:.1f})"
                    if k.get("load_average")
                    else ")",
                    ">= 1 (faster)",
                    verdict(ratio >= 1.0),
                )
            )
    g = goals.get("6_make_run")
    if g:
        rows.append(
            (
                "6. make run: simulation time / whole command",
                f"{g['printed_seconds']:.1f} s / {g['command_seconds']:.1f} s (in process {g['simulate_seconds_median']:.2f} s)",
                "< 10 s",
                verdict(g["met"]),
            )
        )
    g = goals.get("7_frames")
    if g:
        if "skipped" in g:
            rows.append(
                (
                    f"7. step vs mesa-frames' Boltzmann, N={g['n']:,}",
                    f"skipped: {g['skipped'][:60]}",
                    "<= 3",
                    "-",
                )
            )
        else:
            rows.append(
                (
                    f"7. step vs mesa-frames' Boltzmann, N={g['n']:,}",
                    f"{g['ratio_wall']:.2f} ({g['kemitraan']['step_wall_s'] * 1000:.1f} vs {g['frames']['step_wall_s'] * 1000:.1f} ms; CPU {g['ratio_cpu']:.2f})",
                    "<= 3",
                    verdict(g["met"]),
                )
            )
    g = goals.get("8_million")
    if g:
        extra = (
            f"; mesa-frames {g['frames']['step_wall_s']:.2f} s"
            if "step_wall_s" in g.get("frames", {})
            else ""
        )
        rows.append(
            (
                f"8. N={g['n']:,}: step / peak memory",
                f"{g['step_wall_s']:.2f} s (CPU {g['step_cpu_s']:.2f}) / {g['peak_rss_gib']:.2f} GiB{extra}",
                "< 2 s / < 1.5 GiB",
                verdict(g["met"]),
            )
        )
    g = goals.get("9_first_steps")
    if g:
        for n, r in g["by_n"].items():
            rows.append(
                (
                    f"9. first steps 1-8 / steady 9-16, N={int(n):,}",
                    f"{r['ratio_wall']:.2f} ({r['first_steps_wall_s'] * 1000:.1f} vs {r['steady_wall_s'] * 1000:.1f} ms; CPU {r['ratio_cpu']:.2f})",
                    "<= 1.3",
                    verdict(r["met"]),
                )
            )
    g = goals.get("10_geographies")
    if g:
        for name, r in g.items():
            if not isinstance(r, dict):
                continue  # the load average stamped on the goal
            if "skipped" in r:
                rows.append(
                    (f"10. {name} (national)", f"skipped: {r['skipped']}", "-", "-")
                )
            else:
                rows.append(
                    (
                        f"10. {name} (national), {r['agents']:,} agents",
                        f"{r['step_wall_s'] * 1000:.1f} ms a step; run {r['run_simulated_seconds']:.1f} s, command {r['run_command_seconds']:.1f} s",
                        "-",
                        "-",
                    )
                )
    return rows


def print_table(rows: list[tuple[str, str, str, str]]) -> None:
    widths = [max(len(r[i]) for r in rows) for i in range(4)] if rows else [0] * 4
    head = ("goal", "measured", "target", "")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="kemitraan performance benchmarks (issues 6 and 16).",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer repeats and shorter sweeps"
    )
    parser.add_argument(
        "--goals",
        default="1,2,3,4,5,6,7,8,9,10",
        help="comma-separated goals to run (default: all)",
    )
    parser.add_argument(
        "--repeats",
        type=int,
        help="processes per model and N for goals 1-3 and 7 (default 5, quick 3)",
    )
    parser.add_argument(
        "--sweep-runs",
        type=int,
        help="runs in the goal-5 sweep (default 100, quick 40)",
    )
    parser.add_argument(
        "--sweep-repeats",
        type=int,
        default=1,
        help="times each goal-5 command is run, alternating, reported by the median (default 1)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="JSON file to write (default benchmarks/results.json, quick: results-quick.json)",
    )
    parser.add_argument(
        "--child",
        nargs=4,
        metavar=("KIND", "N", "WARMUP", "MEASURE"),
        help=argparse.SUPPRESS,
    )
    args = parser.parse_args(argv)

    if args.child:
        kind, n, warmup, measure = args.child
        print(json.dumps(time_steps(kind, int(n), int(warmup), int(measure))))
        return 0

    goals_wanted = {g.strip() for g in args.goals.split(",") if g.strip()}
    repeats = args.repeats or (3 if args.quick else 5)
    sweep_runs = args.sweep_runs or (40 if args.quick else 100)
    out_path = args.out or (
        ROOT / "benchmarks" / ("results-quick.json" if args.quick else "results.json")
    )
    started = time.perf_counter()
    report: dict[str, Any] = {
        "command": "python -m benchmarks.run "
        + " ".join(argv if argv is not None else sys.argv[1:]),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "settings": {
            "quick": args.quick,
            "repeats": repeats,
            "warmup_steps": 8,
            "measured_steps": 8,
            "sweep_runs": sweep_runs,
            "kemitraan_population": "baseline scenario, default kind proportions scaled to N, 10 regions",
            "boltzmann_grid": "BoltzmannScenario(n=N, width=height=round(10*sqrt(N/100)), rng=42)",
            "frames_model": "benchmarks/frames_boltzmann.py (mesa-frames' documented Boltzmann, Polars, no grid)",
        },
        "goals": _LoadStamped(),
    }
    goals = report["goals"]
    out_path.parent.mkdir(parents=True, exist_ok=True)
    goals.save = lambda: out_path.write_text(
        json.dumps(dict(report, partial=True), indent=2, default=str) + "\n"
    )
    m = report["machine"]
    print(
        f"kemitraan benchmarks on {m['cpu']} ({m['cores']} cores), Python {m['python']}, numpy {m['numpy']}, mesa {m['mesa']}; "
        f"load average {', '.join(f'{x:.2f}' for x in m['load_average'] or [])}"
    )
    if goals_wanted & {"1", "3", "9"}:
        print(
            "Goal 1: model step vs Mesa's Boltzmann wealth example (alternating fresh processes)"
        )
        goals["1_boltzmann"] = goal_boltzmann(repeats=repeats)
    if "3" in goals_wanted and "1_boltzmann" in goals:
        goals["3_scaling"] = goal_scaling(goals["1_boltzmann"])
    if "9" in goals_wanted and "1_boltzmann" in goals:
        goals["9_first_steps"] = goal_first_steps(goals["1_boltzmann"])
    if "2" in goals_wanted:
        print(
            "Goal 2: model step vs an all-pairs partner search in Python loops (benchmarks/allpairs.py)"
        )
        goals["2_allpairs"] = goal_allpairs(
            repeats=max(2, repeats - 2) if args.quick else 3
        )
    if "7" in goals_wanted:
        print(
            "Goal 7: model step vs mesa-frames' vectorised Boltzmann (its own environment)"
        )
        goals["7_frames"] = goal_frames(
            repeats=max(2, repeats - 2) if args.quick else 3
        )
    if "4" in goals_wanted:
        print("Goal 4: peak memory of one run at 100,000 agents (child process)")
        goals["4_memory"] = goal_memory()
        print(
            f"    peak RSS {goals['4_memory']['peak_rss_mib']:.0f} MiB, {goals['4_memory']['steps']} steps in {goals['4_memory']['seconds']:.1f} s"
        )
    if "8" in goals_wanted:
        print("Goal 8: a million agents, step time and peak memory (child process)")
        goals["8_million"] = goal_million()
    if "5" in goals_wanted:
        print(
            f"Goal 5: sweep of {sweep_runs} baseline runs, kemitraan run vs mesa.batch_run, 1 and 2 workers"
            + (f", each {args.sweep_repeats} times" if args.sweep_repeats > 1 else "")
        )
        goals["5_sweep"] = goal_sweep(sweep_runs, repeats=args.sweep_repeats)
    if "6" in goals_wanted:
        print("Goal 6: make run (kemitraan run scenarios/baseline.toml)")
        goals["6_make_run"] = goal_make_run()
    if "10" in goals_wanted:
        print("Goal 10: the national geographies")
        goals["10_geographies"] = goal_geographies()
    report["frames_environment"] = FRAMES_STATUS.get("note")
    report["machine"]["load_average_end"] = (
        list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    )
    report["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["suite_seconds"] = time.perf_counter() - started
    print()
    print_table(summary_rows(goals))
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(
        f"\n{len(goals)} goal(s) in {report['suite_seconds']:.0f} s; wrote {out_path.relative_to(ROOT) if out_path.is_relative_to(ROOT) else out_path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
