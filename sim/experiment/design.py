"""Experimental designs: a scenario's ``[design]`` table expanded into design points.

A design point is a named set of parameter overrides; every point is run
``replications`` times, and replication r uses the same seed at every point (common random
numbers), so differences between points are the levers', not chance's. Designs:

* ``factorial``: the full grid over ``[design.factors]`` (each key a list of values);
* ``variants``: an explicit list of named ``[[design.variants]]``, each a set of overrides
  (crossed with the factorial grid when both are given);
* ``lhs``: a Latin hypercube (``scipy.stats.qmc``) of ``samples`` points over ``[design.ranges]``;
* ``sobol``: Saltelli's sampling for Sobol indices (SALib), ``samples`` x (k + 2) points;
* ``morris``: Morris trajectories (SALib), ``samples`` x (k + 1) points.

Example::

    [design]
    type = "factorial"
    replications = 20

    [design.factors]
    "funding.central_programmes" = [3000.0, 6000.0, 9000.0]
    "gotong_royong.enabled" = [true, false]
"""

from __future__ import annotations

import difflib
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.parameters import BY_NAME
from sim.scenario import Scenario, ScenarioError, _check_value

DESIGN_TYPES: tuple[str, ...] = ("none", "factorial", "variants", "lhs", "sobol", "morris")
SAMPLED: tuple[str, ...] = ("lhs", "sobol", "morris")
DESIGN_KEYS: tuple[str, ...] = ("type", "replications", "samples", "reference", "levels", "factors", "ranges", "variants")
MAX_POINTS = 1_000_000


@dataclass(frozen=True)
class DesignPoint:
    """One point of a design.

    Attributes:
        id: Position in the design (0-based).
        name: Readable name (a variant's name, ``key=value,...`` for a grid, ``sample-0007``).
        overrides: Parameter overrides applied to the scenario at this point.
    """

    id: int
    name: str
    overrides: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Design:
    """A validated design.

    Attributes:
        type: One of DESIGN_TYPES.
        replications: Runs per design point.
        points: The design points.
        varied: Dotted names of the parameters the design varies, in order.
        ranges: For sampled designs, ``{name: (low, high)}``.
        reference: Name of the point others are compared with.
        samples: For sampled designs, the base sample size.
        levels: Morris grid levels.
    """

    type: str
    replications: int
    points: tuple[DesignPoint, ...]
    varied: tuple[str, ...]
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    reference: str | None = None
    samples: int = 0
    levels: int = 4

    @property
    def size(self) -> int:
        """Number of runs: points x replications."""
        return len(self.points) * self.replications

    def problem(self) -> dict[str, Any]:
        """The SALib problem dict of a sampled design."""
        names = list(self.ranges)
        return {"num_vars": len(names), "names": names, "bounds": [list(self.ranges[n]) for n in names]}

    def matrix(self) -> np.ndarray:
        """Sampled designs: the (points x parameters) matrix of values, in ``varied`` order."""
        return np.array([[float(p.overrides[k]) for k in self.varied] for p in self.points])

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form for the manifest."""
        return {"type": self.type, "replications": self.replications, "samples": self.samples, "levels": self.levels,
                "reference": self.reference, "varied": list(self.varied), "ranges": {k: list(v) for k, v in self.ranges.items()},
                "points": [{"id": p.id, "name": p.name, "overrides": p.overrides} for p in self.points]}


def _err(source: str, key: str, problem: str):
    raise ScenarioError(source, key, problem)


def _param(source: str, where: str, name: Any):
    if not isinstance(name, str) or name not in BY_NAME:
        close = difflib.get_close_matches(str(name), list(BY_NAME), n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else "; allowed: any key in docs/scenarios.md"
        _err(source, where, f"unknown parameter {name!r}{hint}")
    p = BY_NAME[name]
    if p.section in ("scenario",) and p.key in ("name", "description", "seed"):
        _err(source, where, f"{name!r} cannot be varied by a design; allowed: any model parameter")
    return p


def parse_design(raw: Mapping[str, Any] | None, scenario: Scenario, source: str) -> Design:
    """Validate a ``[design]`` table (None: a single point) and expand it into points."""
    if raw is None:
        return Design("none", 1, (DesignPoint(0, scenario.name, {}),), (), reference=scenario.name)
    if not isinstance(raw, Mapping):
        _err(source, "design", "must be a table ([design])")
    for key in raw:
        if key not in DESIGN_KEYS:
            close = difflib.get_close_matches(key, list(DESIGN_KEYS), n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(DESIGN_KEYS)}"
            _err(source, f"design.{key}", "unknown key" + hint)
    kind = raw.get("type", "variants" if "variants" in raw else "factorial" if "factors" in raw else "none")
    if kind not in DESIGN_TYPES:
        _err(source, "design.type", f"{kind!r} is not allowed; allowed: one of {', '.join(map(repr, DESIGN_TYPES))}")
    reps = raw.get("replications", 1)
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= 100_000:
        _err(source, "design.replications", f"{reps!r} is not allowed; allowed: an integer from 1 to 100000")
    reference = raw.get("reference")
    if reference is not None and not isinstance(reference, str):
        _err(source, "design.reference", f"{reference!r} is not allowed; allowed: the name of a design point")

    if kind in SAMPLED:
        design = _sampled(raw, kind, reps, scenario, source)
    else:
        variants = _variants(raw.get("variants"), source) if "variants" in raw else [(None, {})]
        grid = _grid(raw.get("factors"), source) if "factors" in raw else [{}]
        if kind == "factorial" and "factors" not in raw:
            _err(source, "design.factors", "missing; a factorial design needs [design.factors]")
        if kind == "variants" and "variants" not in raw:
            _err(source, "design.variants", "missing; a variants design needs [[design.variants]]")
        points = []
        for (vname, vset), cell in itertools.product(variants, grid):
            over = {**vset, **cell}
            cell_name = ",".join(f"{k}={_show(v)}" for k, v in cell.items())
            name = "|".join(x for x in (vname, cell_name) if x) or scenario.name
            points.append(DesignPoint(len(points), name, over))
        names = [p.name for p in points]
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            _err(source, "design.variants", f"two design points are both named {dup!r}; allowed: distinct names")
        varied = tuple(dict.fromkeys(k for p in points for k in p.overrides))
        design = Design(kind, reps, tuple(points), varied)
    if len(design.points) > MAX_POINTS:
        _err(source, "design", f"{len(design.points)} points is too many; allowed: at most {MAX_POINTS}")
    ref = reference or ("baseline" if any(p.name == "baseline" for p in design.points) else design.points[0].name)
    if ref not in {p.name for p in design.points}:
        _err(source, "design.reference", f"{ref!r} is not a design point; allowed: one of {', '.join(repr(p.name) for p in design.points[:10])}")
    # Every point must make a valid scenario (e.g. an hdi target with an ipm index).
    for p in design.points:
        scenario.with_overrides(p.overrides, source=f"{source} (design point {p.name!r})")
    return Design(design.type, design.replications, design.points, design.varied, design.ranges, ref, design.samples, design.levels)


def show_value(v: Any) -> str:
    """A parameter value as it appears in design point names (TOML spelling for booleans)."""
    return _show(v)


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def _variants(raw: Any, source: str) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(raw, list) or not raw:
        _err(source, "design.variants", "must be a non-empty array of tables ([[design.variants]])")
    out = []
    for i, v in enumerate(raw):
        where = f"design.variants[{i}]"
        if not isinstance(v, Mapping):
            _err(source, where, "must be a table with 'name' and 'set'")
        for key in v:
            if key not in ("name", "set"):
                _err(source, f"{where}.{key}", "unknown key; allowed: name, set")
        name = v.get("name")
        if not isinstance(name, str) or not name:
            _err(source, f"{where}.name", "missing; every variant needs a name")
        sets = v.get("set", {})
        if not isinstance(sets, Mapping):
            _err(source, f"{where}.set", "must be a table of parameter = value")
        over = {}
        for k, val in sets.items():
            p = _param(source, f"{where}.set.{k}", k)
            _check_value(p, val, source, f"{where}.set.{k}")
            over[k] = val
        out.append((name, over))
    return out


def _grid(raw: Any, source: str) -> list[dict[str, Any]]:
    if not isinstance(raw, Mapping) or not raw:
        _err(source, "design.factors", "must be a table of parameter = [values]")
    axes = []
    for k, values in raw.items():
        where = f"design.factors.{k}"
        p = _param(source, where, k)
        if not isinstance(values, list) or not values:
            _err(source, where, "must be a non-empty list of values")
        for val in values:
            _check_value(p, val, source, where)
        axes.append([(k, val) for val in values])
    size = math.prod(len(a) for a in axes)
    if size > MAX_POINTS:
        _err(source, "design.factors", f"the grid has {size} points; allowed: at most {MAX_POINTS}")
    return [dict(cell) for cell in itertools.product(*axes)]


def _sampled(raw: Mapping[str, Any], kind: str, reps: int, scenario: Scenario, source: str) -> Design:
    ranges_raw = raw.get("ranges")
    if not isinstance(ranges_raw, Mapping) or not ranges_raw:
        _err(source, "design.ranges", f"missing; a {kind} design needs [design.ranges] with parameter = [low, high]")
    ranges: dict[str, tuple[float, float]] = {}
    for k, bounds in ranges_raw.items():
        where = f"design.ranges.{k}"
        p = _param(source, where, k)
        if p.kind not in (int, float):
            _err(source, where, f"{k} is not a number; allowed: numeric parameters (use a factorial design for {p.allowed()})")
        if (not isinstance(bounds, list) or len(bounds) != 2 or any(isinstance(b, bool) or not isinstance(b, (int, float)) for b in bounds)
                or not bounds[0] < bounds[1]):
            _err(source, where, f"{bounds!r} is not allowed; allowed: [low, high] with low < high")
        for b in bounds:
            _check_value(p, b, source, where)
        ranges[k] = (float(bounds[0]), float(bounds[1]))
    if kind == "sobol" and len(ranges) < 2:
        _err(source, "design.ranges", "a sobol design needs at least 2 parameters")
    samples = raw.get("samples", 64)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        _err(source, "design.samples", f"{samples!r} is not allowed; allowed: an integer >= 2")
    if kind == "sobol" and samples & (samples - 1):
        _err(source, "design.samples", f"{samples} is not allowed for sobol; allowed: a power of 2 (e.g. 64, 128, 256)")
    levels = raw.get("levels", 4)
    if isinstance(levels, bool) or not isinstance(levels, int) or levels < 2 or levels % 2:
        _err(source, "design.levels", f"{levels!r} is not allowed; allowed: an even integer >= 2")
    names = list(ranges)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(ranges[n]) for n in names]}
    # The design's own random numbers derive from the scenario's root seed, apart from the runs'.
    seed = int(np.random.SeedSequence(scenario.scenario.seed, spawn_key=(2**31 - 1,)).generate_state(1)[0])
    if kind == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(seed)).random(samples)
        lo = np.array([ranges[n][0] for n in names])
        hi = np.array([ranges[n][1] for n in names])
        x = qmc.scale(unit, lo, hi) if len(names) else unit
    elif kind == "sobol":
        from SALib.sample import sobol as sobol_sample

        x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris as morris_sample

        x = morris_sample.sample(problem, samples, num_levels=levels, seed=seed)
    points = []
    width = len(str(x.shape[0] - 1))
    for i, row in enumerate(x):
        over = {n: (int(round(v)) if BY_NAME[n].kind is int else float(v)) for n, v in zip(names, row, strict=True)}
        points.append(DesignPoint(i, f"sample-{i:0{width}d}", over))
    return Design(kind, reps, tuple(points), tuple(names), ranges, samples=samples, levels=levels)


def from_scenario(scenario: Scenario, replications: int | None = None) -> Design:
    """The design declared in a scenario (its ``[design]`` table), optionally with other replications."""
    design = parse_design(scenario.design, scenario, scenario.source)
    if replications is not None:
        if replications < 1:
            _err("--replications", "replications", f"{replications} is not allowed; allowed: an integer >= 1")
        design = Design(design.type, replications, design.points, design.varied, design.ranges, design.reference, design.samples, design.levels)
    return design
