"""Shared fixtures: a small, fast world and a model factory.

The small world has 150 community agents in 3 synthetic regions and runs 16 quarters (4 years), so
one run takes a few hundredths of a second and every mechanism test can afford several
runs. ``make_model`` builds a :class:`sim.model.PartnershipModel` on it with any levers
changed, either as a dotted dict (``{"rewards.scheme": "recognition"}``) or as keyword
arguments with a double underscore for the dot (``rewards__scheme="recognition"``).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from sim.model import PartnershipModel
from sim.scenario import Scenario, defaults, load_text

# 80 + 20 + 25 + 20 + 5 = 150 agents, 3 regions, 16 quarterly steps.
SMALL: dict[str, Any] = {
    "population.community_groups": 80,
    "population.ngos": 20,
    "population.religious_bodies": 25,
    "population.businesses": 20,
    "population.universities": 5,
    "population.regions": 3,
    "geography.regions": "synthetic",
    "scenario.years": 4.0,
}
SMALL_STEPS = 16
SMALL_AGENTS = 150


def modules_imported_by(statement: str, modules: Iterable[str]) -> list[str]:
    """Which of ``modules`` a fresh interpreter has imported after running ``statement`` (sorted)."""
    names = sorted(modules)
    code = (
        f"import sys\n{statement}\nprint(*[m for m in {names!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def small_scenario(overrides: Mapping[str, Any] | None = None) -> Scenario:
    """The small world with some levers changed (validated like a scenario file)."""
    return defaults().with_overrides({**SMALL, **dict(overrides or {})}, source="tests")


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return repr(v)


def small_scenario_text(
    overrides: Mapping[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> str:
    """TOML text of the small world, with overrides and ``[[events]]`` tables."""
    tables: dict[str, dict[str, Any]] = {}
    for dotted, value in {**SMALL, **dict(overrides or {})}.items():
        section, key = dotted.split(".", 1)
        tables.setdefault(section, {})[key] = value
    lines: list[str] = []
    for section, kv in tables.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in kv.items()]
        lines.append("")
    for ev in events or []:
        lines.append("[[events]]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in ev.items()]
        lines.append("")
    return "\n".join(lines)


def build_model(
    overrides: Mapping[str, Any] | None = None,
    *,
    seed: int | None = None,
    replication: int = 0,
    checked: bool = True,
    run: bool = False,
    events: list[dict[str, Any]] | None = None,
    **levers: Any,
) -> PartnershipModel:
    """A model of the small world; ``run=True`` runs it to its horizon."""
    merged = dict(overrides or {})
    merged.update({k.replace("__", "."): v for k, v in levers.items()})
    if events:
        scenario = load_text(small_scenario_text(merged, events), source="tests.toml")
    else:
        scenario = small_scenario(merged)
    seeding = {} if seed is None else {"rng": seed}  # none: the scenario's seed
    model = PartnershipModel(
        scenario, replication=replication, checked=checked, **seeding
    )
    return model.run() if run else model


@pytest.fixture
def small() -> Scenario:
    """The small scenario at default levers."""
    return small_scenario()


@pytest.fixture
def make_model() -> Callable[..., PartnershipModel]:
    """Factory: ``make_model(overrides=None, *, seed, replication, checked=True, run=False, events, **levers)``."""
    return build_model


@pytest.fixture
def blank_model() -> PartnershipModel:
    """A small model where nothing forms by itself: a stage for hand-made partnerships."""
    return build_model({"formation.enabled": False})
