"""The vectorised reference: mesa-frames' Boltzmann wealth model, timed step by step.

Run with the interpreter of its own environment (``benchmarks/.venv-frames``, made by
``python -m benchmarks.run``: mesa-frames 0.1.0a0, the only release, pins numpy 1.26, which
does not install beside this project's numpy)::

    benchmarks/.venv-frames/bin/python benchmarks/frames_boltzmann.py N WARMUP MEASURE

It prints one JSON line with the same keys as ``benchmarks.run.time_steps``. The model is the
one mesa-frames documents and benchmarks itself with (its README, "Usage"): every agent with
wealth gives one unit to an agent drawn at random from all agents, in one Polars
operation per step. There is no grid and no Gini coefficient, so it does less per agent
than Mesa's own example (which moves every agent on a grid and records the Gini
coefficient); it is the fastest Boltzmann a Mesa user can write, which is why it is the
reference. Nothing from this project is imported (it runs in another environment).
"""

from __future__ import annotations

import json
import sys
import time
from statistics import median

import polars as pl
from mesa_frames import AgentSetPolars, ModelDF


class MoneyAgents(AgentSetPolars):
    """N agents with one unit of wealth each, as a Polars data frame."""

    def __init__(self, n: int, model: ModelDF):
        super().__init__(model)
        self += pl.DataFrame(
            {"unique_id": pl.arange(n, eager=True), "wealth": pl.ones(n, eager=True)}
        )

    def step(self) -> None:
        self.do("give_money")

    def give_money(self) -> None:
        """Every agent with wealth gives one unit to a random agent (receivers drawn with replacement)."""
        self.select(self.wealth > 0)
        receivers = self.agents.sample(n=len(self.active_agents), with_replacement=True)
        self["active", "wealth"] -= 1
        income = receivers.group_by("unique_id").len()
        self[income, "wealth"] += income["len"]


class MoneyModel(ModelDF):
    """The model: one agent set, stepped as a whole."""

    def __init__(self, n: int):
        super().__init__()
        self.agents += MoneyAgents(n, self)

    def step(self) -> None:
        self.agents.do("step")


def time_steps(n: int, warmup: int, measure: int) -> dict:
    """Build the model, run ``warmup`` steps, time ``measure`` steps (wall and CPU)."""
    t0 = time.perf_counter()
    model = MoneyModel(n)
    init = time.perf_counter() - t0
    times = {
        "warmup_wall_steps": [],
        "warmup_cpu_steps": [],
        "wall_steps": [],
        "cpu_steps": [],
    }
    for phase, count in (("warmup_", warmup), ("", measure)):
        for _ in range(count):
            w0, c0 = time.perf_counter(), time.process_time()
            model.step()
            times[f"{phase}wall_steps"].append(time.perf_counter() - w0)
            times[f"{phase}cpu_steps"].append(time.process_time() - c0)
    wealth = model.agents["wealth"]
    total = float(
        sum(
            wealth.sum()
            for wealth in (wealth.values() if isinstance(wealth, dict) else [wealth])
        )
    )
    return {
        "wall": median(times["wall_steps"]),
        "cpu": median(times["cpu_steps"]),
        "init": init,
        "wealth_total": total,
        **times,
    }


if __name__ == "__main__":
    n, warmup, measure = (int(x) for x in sys.argv[1:4])
    print(json.dumps(time_steps(n, warmup, measure)))
