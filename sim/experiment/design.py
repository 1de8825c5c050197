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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn, overload

import numpy as np

from sim.parameters import BY_NAME
from sim.scenario import (
    Scenario,
    ScenarioError,
    _check_value,
    _event_to_dict,
    _follow_index,
    check_relations,
    shown,
)

DESIGN_TYPES: tuple[str, ...] = (
    "none",
    "factorial",
    "variants",
    "lhs",
    "sobol",
    "morris",
)
SAMPLED: tuple[str, ...] = ("lhs", "sobol", "morris")
DESIGN_KEYS: tuple[str, ...] = (
    "type",
    "replications",
    "samples",
    "reference",
    "levels",
    "factors",
    "ranges",
    "variants",
)
MAX_POINTS = 1_000_000
# Most runs (points x replications) one sweep may plan: its manifest lists every run.
MAX_RUNS = 10_000_000


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
    points: Sequence[DesignPoint]
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
        return {
            "num_vars": len(names),
            "names": names,
            "bounds": [list(self.ranges[n]) for n in names],
        }

    def matrix(self) -> np.ndarray:
        """Sampled designs: the (points x parameters) matrix of values, in ``varied`` order."""
        return np.array(
            [[float(p.overrides[k]) for k in self.varied] for p in self.points]
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form for the manifest."""
        return {
            "type": self.type,
            "replications": self.replications,
            "samples": self.samples,
            "levels": self.levels,
            "reference": self.reference,
            "varied": list(self.varied),
            "ranges": {k: list(v) for k, v in self.ranges.items()},
            "points": [
                {"id": p.id, "name": p.name, "overrides": p.overrides}
                for p in self.points
            ],
        }


class GridPoints(Sequence[DesignPoint]):
    """The points of variants crossed with a factorial grid, made one at a time when asked for.

    A grid of a million points is described by a few lists; holding it as this view keeps
    checking and printing it as fast as reading its description. Point ``i`` is the same as
    in ``itertools.product(variants, *axes)`` (the last factor varies fastest).
    """

    def __init__(
        self,
        variants: Sequence[tuple[str | None, dict[str, Any]]],
        axes: list[list[tuple[str, Any]]],
        fallback: str,
    ):
        """Describe the grid without making its points.

        Args:
            variants: Named variants (name, overrides); one ``(None, {})`` for a plain grid.
            axes: Per factor, its levels as ``(key, value)``.
            fallback: Name of a point that neither a variant nor a factor names.
        """
        self.variants, self.axes, self.fallback = variants, axes, fallback
        self._len = len(variants) * math.prod(len(a) for a in axes)

    def __len__(self) -> int:
        """Number of points: variants times the product of the factors' levels."""
        return self._len

    def _point(
        self,
        i: int,
        vname: str | None,
        vset: dict[str, Any],
        cell: Sequence[tuple[str, Any]],
    ) -> DesignPoint:
        cell_name = ",".join(f"{k}={_show(v)}" for k, v in cell)
        name = "|".join(x for x in (vname, cell_name) if x) or self.fallback
        return DesignPoint(i, name, {**vset, **dict(cell)})

    @overload
    def __getitem__(self, i: int) -> DesignPoint: ...
    @overload
    def __getitem__(self, i: slice) -> list[DesignPoint]: ...
    def __getitem__(self, i):
        """Point ``i`` (negative counts from the end), or a list of points for a slice."""
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._len))]
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError(i)
        rest, cell = i, []
        for axis in reversed(self.axes):
            rest, j = divmod(rest, len(axis))
            cell.append(axis[j])
        vname, vset = self.variants[rest]
        return self._point(i, vname, vset, cell[::-1])

    def __iter__(self) -> Iterator[DesignPoint]:
        """The points in order, without indexing each one afresh."""
        for i, ((vname, vset), cell) in enumerate(
            itertools.product(self.variants, itertools.product(*self.axes))
        ):
            yield self._point(i, vname, vset, cell)

    def index(self, name: str, *args: Any) -> int:
        """Position of the point called ``name`` (ValueError if none), found from the axes, not by scanning."""
        for vi, (vname, _) in enumerate(self.variants):
            rest = name
            if vname is not None:
                if not self.axes:
                    if name == vname:
                        return vi
                    continue
                if not name.startswith(vname + "|"):
                    continue
                rest = name[len(vname) + 1 :]
            elif not self.axes:
                if name == self.fallback:
                    return vi
                continue
            found = self._match(rest, 0)
            if found is not None:
                flat = 0
                for axis, j in zip(self.axes, found, strict=True):
                    flat = flat * len(axis) + j
                return vi * (self._len // len(self.variants)) + flat
        raise ValueError(name)

    def _match(self, text: str, a: int) -> list[int] | None:
        """Indices of the axis values that spell ``text`` from axis ``a`` on (backtracks over ',' in values)."""
        if a == len(self.axes):
            return [] if text == "" else None
        for j, (k, v) in enumerate(self.axes[a]):
            piece = f"{k}={_show(v)}" + ("," if a + 1 < len(self.axes) else "")
            if text.startswith(piece):
                tail = self._match(text[len(piece) :], a + 1)
                if tail is not None:
                    return [j, *tail]
        return None

    def __contains__(self, point: object) -> bool:
        """Whether ``point`` is this grid's point of the same id, equal in every field."""
        return (
            isinstance(point, DesignPoint)
            and 0 <= point.id < self._len
            and self[point.id] == point
        )


def _point_names_distinct(points: Sequence[DesignPoint]) -> str | None:
    """A name two points share, or None. A grid's names are distinct when each axis's values are."""
    if isinstance(points, GridPoints) and not any(
        v and "|" in v for v, _ in points.variants
    ):
        vnames = [v for v, _ in points.variants]
        if len(set(vnames)) != len(vnames):
            return next(v for v in vnames if vnames.count(v) > 1)
        for axis in points.axes:
            shown_values = [_show(v) for _, v in axis]
            if len(set(shown_values)) != len(shown_values):
                dup = next(x for x in shown_values if shown_values.count(x) > 1)
                cell = [f"{k}={_show(v)}" for k, v in (ax[0] for ax in points.axes)]
                cell[points.axes.index(axis)] = f"{axis[0][0]}={dup}"
                return "|".join(x for x in (points.variants[0][0], ",".join(cell)) if x)
        return None
    seen: set[str] = set()
    for p in points:
        if p.name in seen:
            return p.name
        seen.add(p.name)
    return None


class _Reads(dict):
    """A table of a scenario document that notes which keys a check reads."""

    def __init__(self, section: str, values: Mapping[str, Any], reads: set[str]):
        super().__init__(values)
        self._section, self._reads = section, reads

    def get(self, key: str, default: Any = None) -> Any:
        self._reads.add(f"{self._section}.{key}")
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self._reads.add(f"{self._section}.{key}")
        return super().__getitem__(key)


class PointChecker:
    """Checks that design points make valid scenarios, each distinct case once.

    Every value of a design was checked on its own when the design was read; what is left are
    the checks that relate several keys (:func:`sim.scenario.check_relations`). A point is
    checked in full (``Scenario.with_overrides``), and the keys those checks read are noted;
    a later point that agrees with an earlier one on every key that was read gets the same
    verdict, so a grid of a million points whose factors no check relates is checked once.
    """

    def __init__(self, scenario: Scenario, source: str):
        """Check points against ``scenario``; errors name ``source`` (the scenario file)."""
        self.scenario, self.source = scenario, source
        self.read_sets: list[tuple[str, ...]] = []
        self.seen: set[tuple[Any, ...]] = set()
        self.full_checks = 0

    def _signature(
        self, keys: tuple[str, ...], overrides: Mapping[str, Any]
    ) -> tuple[Any, ...]:
        return (keys, tuple(overrides.get(k, _BASE) for k in keys))

    def known(self, overrides: Mapping[str, Any]) -> bool:
        """True when a point agreeing with these overrides on every key read was already found valid."""
        return any(
            self._signature(keys, overrides) in self.seen for keys in self.read_sets
        )

    def check(self, name: str, overrides: Mapping[str, Any]) -> set[str]:
        """Check one point (raises ScenarioError naming it); returns the keys its verdict depends on."""
        if self.known(overrides):
            return set()
        self.scenario.with_overrides(
            overrides, source=f"{self.source} (design point {name!r})"
        )
        self.full_checks += 1
        doc = {s: dict(v) for s, v in self.scenario.values.items()}
        for dotted, value in overrides.items():
            section, key = dotted.split(".", 1)
            doc[section][key] = value
        _follow_index(doc, self.scenario.values, overrides)
        reads: set[str] = {
            "scenario.index"
        }  # the index also moves other defaults (_follow_index)
        recorded: dict[str, Any] = {s: _Reads(s, v, reads) for s, v in doc.items()}
        recorded["events"] = [_event_to_dict(e) for e in self.scenario.events]
        check_relations(recorded, self.source)
        keys = tuple(sorted(reads))
        if keys not in self.read_sets:
            self.read_sets.append(keys)
        self.seen.add(self._signature(keys, overrides))
        return reads


_BASE = object()  # "not overridden" in a point's signature


def check_points(
    points: Sequence[DesignPoint], scenario: Scenario, source: str
) -> PointChecker:
    """Check that every design point makes a valid scenario, in time proportional to the distinct cases."""
    checker = PointChecker(scenario, source)
    if not isinstance(points, GridPoints):
        for p in points:
            checker.check(p.name, p.overrides)
        return checker
    # A grid: only the axes holding a key that some check reads need crossing; the others are
    # checked value by value already. The keys read can grow as new cases are met; then again.
    while True:
        reads = set().union(*checker.read_sets)
        relevant = [i for i, axis in enumerate(points.axes) if axis[0][0] in reads]
        vary_variants = any(k in reads for _, vset in points.variants for k in vset)
        variants = points.variants if vary_variants else points.variants[:1]
        grown = False
        for (vname, vset), picks in itertools.product(
            variants, itertools.product(*(range(len(points.axes[i])) for i in relevant))
        ):
            cell = [
                axis[0] for axis in points.axes
            ]  # the axes no check reads stay at their first value
            for i, j in zip(relevant, picks, strict=True):
                cell[i] = points.axes[i][j]
            point = points._point(0, vname, vset, cell)
            if checker.check(point.name, point.overrides) - reads:
                grown = True  # a new key matters: cross its axis too
                break
        if not grown:
            return checker


def _err(source: str, key: str, problem: str) -> NoReturn:
    raise ScenarioError(source, key, problem)


def _param(source: str, where: str, name: Any):
    if not isinstance(name, str) or name not in BY_NAME:
        close = difflib.get_close_matches(str(name), list(BY_NAME), n=1, cutoff=0.6)
        hint = (
            f"; did you mean '{close[0]}'?"
            if close
            else "; allowed: any key in docs/scenarios.md"
        )
        _err(source, where, f"unknown parameter {shown(name)}{hint}")
    p = BY_NAME[name]
    if p.section in ("scenario",) and p.key in ("name", "description", "seed"):
        _err(
            source,
            where,
            f"{shown(name)} cannot be varied by a design; allowed: any model parameter",
        )
    return p


def parse_design(
    raw: Mapping[str, Any] | None, scenario: Scenario, source: str
) -> Design:
    """Validate a ``[design]`` table (None: a single point) and expand it into points."""
    if raw is None:
        return Design(
            "none", 1, (DesignPoint(0, scenario.name, {}),), (), reference=scenario.name
        )
    if not isinstance(raw, Mapping):
        _err(source, "design", "must be a table ([design])")
    for key in raw:
        if key not in DESIGN_KEYS:
            close = difflib.get_close_matches(key, list(DESIGN_KEYS), n=1, cutoff=0.5)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else f"; allowed: {', '.join(DESIGN_KEYS)}"
            )
            _err(source, f"design.{key}", "unknown key" + hint)
    kind = raw.get(
        "type",
        "variants"
        if "variants" in raw
        else "factorial"
        if "factors" in raw
        else "none",
    )
    if kind not in DESIGN_TYPES:
        _err(
            source,
            "design.type",
            f"{shown(kind)} is not allowed; allowed: one of {', '.join(map(repr, DESIGN_TYPES))}",
        )
    reps = raw.get("replications", 1)
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= 100_000:
        _err(
            source,
            "design.replications",
            f"{shown(reps)} is not allowed; allowed: an integer from 1 to 100000",
        )
    reference = raw.get("reference")
    if reference is not None and not isinstance(reference, str):
        _err(
            source,
            "design.reference",
            f"{shown(reference)} is not allowed; allowed: the name of a design point",
        )

    if kind in SAMPLED:
        design = _sampled(raw, kind, reps, scenario, source)
    else:
        variants: Sequence[tuple[str | None, dict[str, Any]]] = (
            _variants(raw.get("variants"), source)
            if "variants" in raw
            else [(None, {})]
        )
        axes = _axes(raw.get("factors"), source) if "factors" in raw else []
        if kind == "factorial" and "factors" not in raw:
            _err(
                source,
                "design.factors",
                "missing; a factorial design needs [design.factors]",
            )
        if kind == "variants" and "variants" not in raw:
            _err(
                source,
                "design.variants",
                "missing; a variants design needs [[design.variants]]",
            )
        size = len(variants) * math.prod(len(a) for a in axes)
        if size > MAX_POINTS:
            _err(
                source,
                "design.factors" if axes else "design.variants",
                f"the design has {size} points; allowed: at most {MAX_POINTS}",
            )
        points = GridPoints(variants, axes, scenario.name)
        dup = _point_names_distinct(points)
        if dup is not None:
            _err(
                source,
                "design.variants",
                f"two design points are both named {shown(dup)}; allowed: distinct names",
            )
        varied = tuple(
            dict.fromkeys(
                [k for _, vset in variants for k in vset] + [a[0][0] for a in axes]
            )
        )
        design = Design(kind, reps, points, varied)
    if len(design.points) > MAX_POINTS:
        _err(
            source,
            "design",
            f"{len(design.points)} points is too many; allowed: at most {MAX_POINTS}",
        )
    if len(design.points) * reps > MAX_RUNS:
        _err(
            source,
            "design.replications",
            f"{len(design.points)} points x {reps} replications is {len(design.points) * reps} runs; allowed: at most {MAX_RUNS} runs",
        )
    ref = reference or (
        "baseline" if _has_point(design.points, "baseline") else design.points[0].name
    )
    if not _has_point(design.points, ref):
        _err(
            source,
            "design.reference",
            f"{shown(ref)} is not a design point; allowed: one of {', '.join(shown(p.name) for p in design.points[:10])}",
        )
    # Every point must make a valid scenario (e.g. an hdi target with an ipm index).
    check_points(design.points, scenario, source)
    return Design(
        design.type,
        design.replications,
        design.points,
        design.varied,
        design.ranges,
        ref,
        design.samples,
        design.levels,
    )


def _has_point(points: Sequence[DesignPoint], name: str) -> bool:
    if isinstance(points, GridPoints):
        try:
            points.index(name)
            return True
        except ValueError:
            return False
    return any(p.name == name for p in points)


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
        _err(
            source,
            "design.variants",
            "must be a non-empty array of tables ([[design.variants]])",
        )
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


def _axes(raw: Any, source: str) -> list[list[tuple[str, Any]]]:
    """The factorial grid's axes, each value checked once (the grid itself is never built here)."""
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
    return axes


def _sampled(
    raw: Mapping[str, Any], kind: str, reps: int, scenario: Scenario, source: str
) -> Design:
    ranges_raw = raw.get("ranges")
    if not isinstance(ranges_raw, Mapping) or not ranges_raw:
        _err(
            source,
            "design.ranges",
            f"missing; a {kind} design needs [design.ranges] with parameter = [low, high]",
        )
    ranges: dict[str, tuple[float, float]] = {}
    for k, bounds in ranges_raw.items():
        where = f"design.ranges.{k}"
        p = _param(source, where, k)
        if p.kind not in (int, float):
            _err(
                source,
                where,
                f"{k} is not a number; allowed: numeric parameters (use a factorial design for {p.allowed()})",
            )
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or any(
                isinstance(b, bool) or not isinstance(b, (int, float)) for b in bounds
            )
            or not bounds[0] < bounds[1]
        ):
            _err(
                source,
                where,
                f"{shown(bounds)} is not allowed; allowed: [low, high] with low < high",
            )
        for b in bounds:
            _check_value(p, b, source, where)
        ranges[k] = (float(bounds[0]), float(bounds[1]))
    if kind == "sobol" and len(ranges) < 2:
        _err(source, "design.ranges", "a sobol design needs at least 2 parameters")
    samples = raw.get("samples", 64)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        _err(
            source,
            "design.samples",
            f"{shown(samples)} is not allowed; allowed: an integer >= 2",
        )
    if kind == "sobol" and samples & (samples - 1):
        _err(
            source,
            "design.samples",
            f"{samples} is not allowed for sobol; allowed: a power of 2 (e.g. 64, 128, 256)",
        )
    levels = raw.get("levels", 4)
    if (
        isinstance(levels, bool)
        or not isinstance(levels, int)
        or levels < 2
        or levels % 2
        or levels > 1000
    ):
        _err(
            source,
            "design.levels",
            f"{shown(levels)} is not allowed; allowed: an even integer from 2 to 1000",
        )
    # Sized from the parameters before anything is sampled: Saltelli's scheme gives N (k + 2)
    # points without second-order terms, Morris N (k + 1), a Latin hypercube N.
    k = len(ranges)
    size = samples * {"lhs": 1, "sobol": k + 2, "morris": k + 1}[kind]
    if size > MAX_POINTS:
        per = {
            "lhs": "",
            "sobol": f" x (k + 2) = {k + 2}",
            "morris": f" x (k + 1) = {k + 1}",
        }[kind]
        _err(
            source,
            "design.samples",
            f"{shown(samples)} samples{per} make {size} points; allowed: at most {MAX_POINTS} points",
        )
    names = list(ranges)
    problem = {
        "num_vars": len(names),
        "names": names,
        "bounds": [list(ranges[n]) for n in names],
    }
    # The design's own random numbers derive from the scenario's root seed, apart from the runs'.
    seed = int(
        np.random.SeedSequence(
            scenario.scenario.seed, spawn_key=(2**31 - 1,)
        ).generate_state(1)[0]
    )
    if kind == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(
            d=len(names), seed=np.random.default_rng(seed)
        ).random(samples)
        lo = np.array([ranges[n][0] for n in names])
        hi = np.array([ranges[n][1] for n in names])
        x = qmc.scale(unit, lo, hi) if names else unit
    elif kind == "sobol":
        sobol_sample = _salib("sobol", source)

        x = sobol_sample.sample(problem, samples, calc_second_order=False, seed=seed)
    else:
        morris_sample = _salib("morris", source)

        x = morris_sample.sample(problem, samples, num_levels=levels, seed=seed)
    points = []
    width = len(str(x.shape[0] - 1))
    for i, row in enumerate(x):
        over = {
            n: (round(v) if BY_NAME[n].kind is int else float(v))
            for n, v in zip(names, row, strict=True)
        }
        points.append(DesignPoint(i, f"sample-{i:0{width}d}", over))
    return Design(
        kind, reps, tuple(points), tuple(names), ranges, samples=samples, levels=levels
    )


def _salib(module: str, source: str):
    """SALib's sampler, or one line saying how to install it (it is in the 'sweep' extra)."""
    import importlib

    try:
        return importlib.import_module(f"SALib.sample.{module}")
    except ImportError:
        _err(
            source,
            "design.type",
            f"a {module} design needs SALib, which is not installed; install it with: pip install 'kemitraan[sweep]' (or pip install SALib)",
        )


def from_scenario(scenario: Scenario, replications: int | None = None) -> Design:
    """The design declared in a scenario (its ``[design]`` table), optionally with other replications."""
    design = parse_design(scenario.design, scenario, scenario.source)
    if replications is not None:
        if not 1 <= replications <= 100_000:
            _err(
                "--replications",
                "replications",
                f"{shown(replications)} is not allowed; allowed: an integer from 1 to 100000",
            )
        if len(design.points) * replications > MAX_RUNS:
            _err(
                "--replications",
                "replications",
                f"{len(design.points)} points x {replications} replications is too many runs; allowed: at most {MAX_RUNS}",
            )
        design = Design(
            design.type,
            replications,
            design.points,
            design.varied,
            design.ranges,
            design.reference,
            design.samples,
            design.levels,
        )
    return design
