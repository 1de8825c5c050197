"""Where a step's time goes: CPU time of every phase of the model's schedule.

Usage (from the repository root, inside the venv)::

    python -m benchmarks.profile                      # N = 100,000, steps 9-16
    python -m benchmarks.profile --n 10000 --steps 8
    python -m benchmarks.profile --pyinstrument       # the same steps under pyinstrument (pip install pyinstrument)

Each mechanism function the model calls is wrapped with a timer (``time.process_time``, so
other programs on the machine disturb it less than wall time); nested phases (the two search
channels inside formation, event logging inside the bookkeeping) are listed under their
parent. Needs nothing beyond the model's own dependencies.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

# (module, function, label, parent label) in schedule order.
PHASES: tuple[tuple[str, str, str, str | None], ...] = (
    ("sim.mechanisms.formation", "form", "formation.form", None),
    (
        "sim.mechanisms.network",
        "network_candidates",
        "network channel (forum ties)",
        "formation.form",
    ),
    (
        "sim.mechanisms.network",
        "information_candidates",
        "information channel (k-d tree)",
        "formation.form",
    ),
    ("sim.mechanisms.formation", "pair_scores", "pair scores", "formation.form"),
    ("sim.mechanisms.formation", "mutual_best", "mutual best", "formation.form"),
    ("sim.mechanisms.formation", "recruit", "formation.recruit", None),
    (
        "sim.mechanisms.network",
        "SearchTree.query",
        "k-d tree search",
        "formation.recruit",
    ),
    ("sim.mechanisms.operation", "operate", "operation.operate", None),
    ("sim.mechanisms.development", "advance", "development.advance", None),
    (
        "sim.mechanisms.rewards",
        "evaluate_and_reward",
        "rewards.evaluate_and_reward",
        None,
    ),
    ("sim.mechanisms.trust", "update", "trust.update", None),
    ("sim.mechanisms.capacity", "build_capacity", "capacity.build_capacity", None),
    ("sim.mechanisms.dissolution", "dissolve", "dissolution.dissolve", None),
)
MODEL_METHODS: tuple[tuple[str, str | None], ...] = (
    ("open_partnerships", None),
    ("add_members", None),
    ("close_partnerships", None),
    ("_record", None),
)


def profile_phases(
    n: int = 100_000, warmup: int = 8, steps: int = 8
) -> dict[str, object]:
    """CPU seconds per step of each phase over steps ``warmup + 1 .. warmup + steps``.

    Returns:
        ``step``: CPU seconds per step; ``phases``: {label: (seconds per step, parent)};
        ``active_partnerships`` at the end.
    """
    import importlib

    from benchmarks.run import kemitraan_scenario
    from sim import model as model_module

    spent: defaultdict[str, float] = defaultdict(float)
    spent_wall: defaultdict[str, float] = defaultdict(float)
    parents: dict[str, str | None] = {}
    restore = []

    stack: list[str] = []

    def timed(fn, label, nested):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            # A nested phase is booked under the top-level phase running it (the network
            # channel runs in formation and in recruitment).
            key = f"{stack[0]} / {label}" if nested and stack else label
            if nested and stack:
                parents[key] = stack[0]
            if not nested:
                stack.append(label)
            t0, w0 = time.process_time(), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[key] += time.process_time() - t0
                spent_wall[key] += time.perf_counter() - w0
                if not nested:
                    stack.pop()

        return wrapper

    rows: defaultdict[str, int] = defaultdict(int)

    def counted(fn, label):
        # The k-d search's cost is per query row: the rows searched are counted beside its time.
        @functools.wraps(fn)
        def wrapper(self, queries, *args, **kwargs):
            key = f"{stack[0]} / {label}" if stack else label
            rows[key] += queries.shape[0]
            return fn(self, queries, *args, **kwargs)

        return wrapper

    for mod_name, name, label, parent in PHASES:
        # "Class.method" names a method: the class is patched.
        owner: Any = importlib.import_module(mod_name)
        *path, attr = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        if hasattr(owner, attr):
            restore.append((owner, attr, getattr(owner, attr)))
            fn = getattr(owner, attr)
            if attr == "query":
                fn = counted(fn, label)
            setattr(owner, attr, timed(fn, label, parent is not None))
            parents.setdefault(label, None)
    cls = model_module.PartnershipModel
    for name, _ in MODEL_METHODS:
        if hasattr(cls, name):
            restore.append((cls, name, getattr(cls, name)))
            setattr(cls, name, timed(getattr(cls, name), f"model.{name}", True))
    try:
        model = cls(kemitraan_scenario(n))
        for _ in range(warmup):
            model.step()
        spent.clear()
        spent_wall.clear()
        rows.clear()
        t0, w0 = time.process_time(), time.perf_counter()
        for _ in range(steps):
            model.step()
        total = time.process_time() - t0
        total_wall = time.perf_counter() - w0
    finally:
        for owner, name, original in reversed(restore):
            setattr(owner, name, original)
    return {
        "n": n,
        "step": total / steps,
        "step_wall": total_wall / steps,
        "phases": {k: (v / steps, parents.get(k)) for k, v in spent.items()},
        "rows": {k: v / steps for k, v in rows.items()},
        "wall": {k: v / steps for k, v in spent_wall.items()},
        "active_partnerships": int(model.metrics["active_partnerships"]),
    }


def print_profile(res: dict) -> None:
    """One line per phase: CPU ms a step, its share of the step's CPU, wall ms (lower where threads run)."""
    step = res["step"]
    wall = res.get("wall", {})
    print(
        f"N = {res['n']:,}: {step * 1000:.1f} ms CPU per step, {res.get('step_wall', step) * 1000:.1f} ms wall "
        f"({res['active_partnerships']:,} active partnerships)"
    )
    print(f"  {'phase':40s} {'CPU':>8s}  {'share':>6s}  {'wall':>8s}")

    def line(indent: str, name: str, key: str, sec: float, width: int) -> None:
        searched = res.get("rows", {}).get(key)
        extra = f"  ({searched:,.0f} rows)" if searched is not None else ""
        print(
            f"{indent}{name:{width}s} {sec * 1000:5.1f} ms  {100 * sec / step:5.1f}%  "
            f"{wall.get(key, sec) * 1000:5.1f} ms{extra}"
        )

    phases = res["phases"]
    top = [(k, v) for k, (v, parent) in phases.items() if parent is None]
    for label, sec in sorted(top, key=lambda kv: -kv[1]):
        line("  ", label, label, sec, 40)
        for child, (csec, parent) in sorted(phases.items(), key=lambda kv: -kv[1][0]):
            if parent == label:
                line("    ", child.split(" / ", 1)[1], child, csec, 38)
    rest = step - sum(v for _, v in top)
    print(
        f"  {'rest (data collection, index, schedule)':40s} {rest * 1000:5.1f} ms  {100 * rest / step:5.1f}%"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.profile", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--n", type=int, default=100_000, help="community agents (default 100,000)"
    )
    parser.add_argument(
        "--warmup", type=int, default=8, help="steps before profiling (default 8)"
    )
    parser.add_argument(
        "--steps", type=int, default=8, help="steps profiled (default 8)"
    )
    parser.add_argument(
        "--pyinstrument",
        action="store_true",
        help="profile with pyinstrument instead (must be installed)",
    )
    args = parser.parse_args(argv)
    if args.pyinstrument:
        from pyinstrument import Profiler

        from benchmarks.run import kemitraan_scenario
        from sim.model import PartnershipModel

        model = PartnershipModel(kemitraan_scenario(args.n))
        for _ in range(args.warmup):
            model.step()
        prof = Profiler(interval=0.001)
        prof.start()
        for _ in range(args.steps):
            model.step()
        prof.stop()
        print(prof.output_text(unicode=False, color=False))
        return 0
    print_profile(profile_phases(args.n, args.warmup, args.steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
