"""Scenario files: parse, fill defaults, validate, build.

A scenario is a TOML file whose tables and keys are listed in :mod:`sim.parameters`.
Loading happens in four plain steps, each its own function, so a user (or a test) can
see exactly where a file went wrong:

1. :func:`parse` reads the TOML text into nested dicts;
2. :func:`fill_defaults` adds every key the file leaves out;
3. :func:`validate` checks every key, type and range, and the policy events;
4. :func:`build` returns an immutable :class:`Scenario`.

Every problem raises :class:`ScenarioError` whose message is one line naming the file,
the key and what is allowed; the command line prints it and exits with status 2.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import stat
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from sim import geography, history
from sim.parameters import BY_NAME, HDI_START, PARAMETERS, SECTIONS, Param

# What describes the world at its start; a policy event cannot change it mid-run.
_FIXED_SECTIONS = ("scenario", "geography", "population", "start")
_FIXED_KEYS = (
    "network.forum_density",
    "network.local_share",
    "formation.max_group_size",
)
EVENT_KEYS = ("year", "set", "value", "multiply", "label")
# Largest input file a scenario may name (a regions CSV, an ensemble): BPS's 514 districts take
# 40 KB, so anything near this is a mistake, and reading it must not stall a check.
MAX_INPUT_BYTES = 64 * 2**20


# Longest value shown in an error message; a longer one is cut (its length is said instead).
_SHOWN_MAX = 80
# Characters that would move the cursor, clear the screen, split the line or reorder text on a terminal.
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def printable(text: str) -> str:
    r"""``text`` with every control character escaped (``\x1b``, ``\n``, ``\u202e``), safe to print on one line."""
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if (ch.isprintable() and ch not in _BIDI) or ch == " ":
            out.append(ch)
        elif ch in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[ch])
        elif ord(ch) < 0x100:
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(
                f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}"
            )
    return "".join(out)


def shown(value: Any) -> str:
    """A value as an error message shows it: its repr, escaped, cut to a readable length.

    Never raises: an integer too long to print, a list nested too deep to repr, or a
    megabyte of text each get a short description instead.
    """
    if (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value.bit_length() > 200
    ):
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        text = repr(value)
    except (RecursionError, ValueError, MemoryError):
        return f"a {type(value).__name__} nested too deep to show"
    if len(text) > _SHOWN_MAX:
        text = text[: _SHOWN_MAX - 3] + f"... ({len(text)} characters)"
    return printable(text)


class ScenarioError(ValueError):
    """A scenario file (or override) that cannot be used; the message is one line."""

    def __init__(self, source: str, key: str | None, problem: str):
        """The message is ``source: key: problem`` (a very long key shortened), on one line.

        Args:
            source: The file (or ``--set``, ``model arguments``) the value came from.
            key: The scenario key at fault; None when the whole file is.
            problem: What is wrong and what is allowed.
        """
        self.source = source
        self.key = key
        self.problem = problem
        key_text = key if key is None or len(key) <= 200 else key[:197] + "..."
        where = f"{source}: {key_text}: " if key else f"{source}: "
        # A key or path from the file may hold control characters; they are shown escaped.
        super().__init__(printable(where + problem))


@dataclass(frozen=True, slots=True)
class PolicyEvent:
    """A scheduled change to one lever ("2030: regional budgets -30%").

    Attributes:
        year: Calendar time at which it takes effect (2030.5 is the start of 2030's third quarter).
        key: Dotted parameter name it changes.
        value: New value, or None when ``multiply`` is used.
        multiply: Factor applied to the current value, or None when ``value`` is used.
        label: Short text shown on timelines.
    """

    year: float
    key: str
    value: Any = None
    multiply: float | None = None
    label: str = ""

    def apply(self, current: Any) -> Any:
        """Return the lever's value after this event."""
        if self.multiply is not None:
            # Floats first (as Python's int * float does): a huge product is inf, never a huge int.
            product = float(current) * float(self.multiply)
            return round(product) if isinstance(current, int) else product
        return self.value

    def describe(self) -> str:
        """One-line description, e.g. ``2030.0: funding.regional_programmes x 0.7``."""
        change = (
            f"x {self.multiply:g}" if self.multiply is not None else f"= {self.value!r}"
        )
        text = f"{self.year:g}: {self.key} {change}"
        return printable(f"{text} ({self.label})" if self.label else text)


class Section(Mapping[str, Any]):
    """Read-only view of one table of a scenario, with attribute access."""

    __slots__ = ("_name", "_values")

    def __init__(self, name: str, values: dict[str, Any]):
        """A view of a copy of ``values``, the table ``name`` of a scenario."""
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, key: str) -> Any:
        """The value of ``key``, as ``section.key``."""
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(
                f"scenario section {self._name!r} has no key {key!r}"
            ) from None

    def __setattr__(self, key: str, value: Any) -> None:
        """Refuse: a section cannot change."""
        raise AttributeError("scenarios are immutable; use Scenario.with_overrides")

    def __getitem__(self, key: str) -> Any:
        """The value of ``key``, as ``section[key]``."""
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        """The keys, in the table's order."""
        return iter(self._values)

    def __len__(self) -> int:
        """Number of keys."""
        return len(self._values)

    def __repr__(self) -> str:
        """``Section(name, values)``."""
        return f"Section({self._name!r}, {self._values!r})"


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: every parameter resolved, plus the policy events.

    Attributes:
        values: Nested dict ``{section: {key: value}}`` holding every parameter.
        events: Policy events in time order.
        source: Where it came from (file path or ``"<defaults>"``).
        text: The scenario file's text (empty for built-in defaults).
        design: The file's raw ``[design]`` table, if any (see :mod:`sim.experiment.design`).
        inputs: The files the scenario names and reads (``geography.file``,
            ``dynamics.ensemble``), as ``(key, path, sha256 of the content)``; they are part
            of :attr:`sha256`, so a CSV that changes under a results folder is noticed.
    """

    values: dict[str, dict[str, Any]]
    events: tuple[PolicyEvent, ...] = ()
    source: str = "<defaults>"
    text: str = ""
    design: dict[str, Any] | None = None
    inputs: tuple[tuple[str, str, str], ...] = ()
    _sections: dict[str, Section] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        """Make the read-only section views (``scenario.funding``, ...)."""
        object.__setattr__(
            self, "_sections", {s: Section(s, v) for s, v in self.values.items()}
        )

    def __getattr__(self, name: str) -> Section:
        """Section ``name``, as ``scenario.name``."""
        sections = object.__getattribute__(self, "_sections")
        if name in sections:
            return sections[name]
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:
        """The fields to pickle (the section views are rebuilt, not sent to workers)."""
        return {
            "values": self.values,
            "events": self.events,
            "source": self.source,
            "text": self.text,
            "design": self.design,
            "inputs": self.inputs,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the pickled fields and rebuild the section views."""
        for k, v in state.items():
            object.__setattr__(self, k, v)
        self.__post_init__()

    def regions(self) -> geography.Regions:
        """The real regions this scenario starts from (not for ``geography.regions = 'synthetic'``).

        Raises:
            geography.GeographyError: The regions CSV is gone, or its content is no longer what
                the scenario was loaded with (a run never mixes two versions of one CSV).
        """
        for key, path, digest in self.inputs:
            if key == "geography.file":
                now = file_sha256(Path(path), key, cached=False)
                if now != digest:
                    raise geography.GeographyError(
                        key,
                        f"{shown(path)} has changed since the scenario was loaded (sha256 "
                        f"{digest[:12]}, now {now[:12]}); allowed: the same file for every run",
                    )
        return geography_regions(self.values, self.source)

    def get(self, dotted: str) -> Any:
        """Value of a parameter by dotted name, e.g. ``scn.get("rewards.scheme")``."""
        section, key = dotted.split(".", 1)
        return self.values[section][key]

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.values["scenario"]["name"]

    @property
    def steps(self) -> int:
        """Number of quarterly steps in one run."""
        return round(self.values["scenario"]["years"] * 4)

    @property
    def sha256(self) -> str:
        """SHA-256 of the file's text (of the resolved parameters for built-in defaults).

        The content of every file the scenario reads (:attr:`inputs`) is part of it: the same
        text with another regions CSV is another scenario.
        """
        payload = self.text if self.text else repr(sorted(self.flat().items()))
        for key, _, digest in self.inputs:
            payload += f"\n# input {key} sha256 {digest}"
        return hashlib.sha256(payload.encode()).hexdigest()

    def flat(self) -> dict[str, Any]:
        """Every parameter as ``{"section.key": value}`` in reference order."""
        return {p.name: self.values[p.section][p.key] for p in PARAMETERS}

    def with_events(
        self, events: Sequence[PolicyEvent], source: str = "events"
    ) -> Scenario:
        """A new scenario with more policy events, validated like ``[[events]]`` in a file."""
        if not events:
            return self
        doc: dict[str, Any] = {s: dict(v) for s, v in self.values.items()}
        doc["events"] = [_event_to_dict(e) for e in (*self.events, *events)]
        with _inputs_relative_to(self.source):
            validate(doc, source)
        built = build(doc, source=self.source, text=self.text)
        object.__setattr__(built, "design", self.design)
        return built

    def with_overrides(
        self, overrides: Mapping[str, Any], source: str = "--set"
    ) -> Scenario:
        """A new scenario with some parameters replaced, validated like a file."""
        doc: dict[str, Any] = {s: dict(v) for s, v in self.values.items()}
        for dotted, value in overrides.items():
            section, _, key = dotted.partition(".")
            if dotted not in BY_NAME:
                raise ScenarioError(source, dotted, _unknown_key_hint(dotted))
            doc[section][key] = value
        _follow_index(doc, self.values, overrides)
        doc["events"] = _with_history(
            doc,
            [
                _event_to_dict(e)
                for e in self.events
                if not history.is_historical(e.label)
            ],
        )
        # ``source`` labels the change ("--set", "... (design point 'x')"); the files the
        # scenario names stay relative to its own file.
        with _inputs_relative_to(self.source):
            validate(doc, source)
        built = build(doc, source=self.source, text=self.text)
        object.__setattr__(built, "design", self.design)
        return built


def _index_defaults(index: str) -> dict[str, Any]:
    """The defaults that depend on the index: its target and (for HDI) UNDP's start values."""
    base = {
        "scenario.target": 75.0,
        "geography.regions": BY_NAME["geography.regions"].default,
        "scenario.start_year": BY_NAME["scenario.start_year"].default,
        **{f"start.{k}": BY_NAME[f"start.{k}"].default for k in HDI_START},
    }
    if index == "hdi":
        base.update(
            {
                "scenario.target": 0.75,
                "geography.regions": "synthetic",
                "scenario.start_year": 2015,
                **{f"start.{k}": v for k, v in HDI_START.items()},
            }
        )
    return base


def _follow_index(
    doc: dict[str, dict[str, Any]],
    old: Mapping[str, Mapping[str, Any]],
    overrides: Mapping[str, Any],
) -> None:
    """When an override switches the index, values still at the old index's defaults follow it."""
    new_index, old_index = doc["scenario"]["index"], old["scenario"]["index"]
    if new_index == old_index:
        return
    before, after = _index_defaults(old_index), _index_defaults(new_index)
    for dotted, value in before.items():
        section, key = dotted.split(".", 1)
        if dotted not in overrides and old[section][key] == value:
            doc[section][key] = after[dotted]


def _event_to_dict(e: PolicyEvent) -> dict[str, Any]:
    d: dict[str, Any] = {"year": e.year, "set": e.key, "label": e.label}
    if e.multiply is not None:
        d["multiply"] = e.multiply
    else:
        d["value"] = e.value
    return d


def _unknown_key_hint(dotted: str) -> str:
    close = difflib.get_close_matches(dotted, list(BY_NAME), n=1, cutoff=0.6)
    hint = (
        f"; did you mean '{close[0]}'?"
        if close
        else "; see docs/scenarios.md for every key"
    )
    return "unknown key" + hint


# --- 1. parse --------------------------------------------------------------------------------


def parse(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; a syntax error names its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        return _raise(source, None, f"TOML syntax error: {msg}")
    except RecursionError:
        return _raise(
            source,
            None,
            "arrays or inline tables nested too deep for the TOML reader; allowed: a scenario file (its values are flat)",
        )
    except (
        ValueError
    ) as exc:  # an integer literal longer than Python will convert (4300 digits)
        return _raise(
            source,
            None,
            f"cannot read a value ({str(exc).split(':')[0]}); allowed: numbers a float can hold",
        )


def _raise(source: str, key: str | None, problem: str) -> NoReturn:
    raise ScenarioError(source, key, problem)


# --- 2. fill defaults ------------------------------------------------------------------------


def fill_defaults(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Return a new document with every parameter the file leaves out set to its default.

    The scenario name defaults to the file's stem; the target defaults to 75 on the IPM scale
    and 0.75 on the HDI scale.
    """
    out: dict[str, Any] = {}
    for key, value in doc.items():
        out[key] = dict(value) if isinstance(value, dict) else value
    for p in PARAMETERS:
        section = out.setdefault(p.section, {})
        if not isinstance(section, dict):
            continue  # validate() reports it
        section.setdefault(p.key, p.default)
    scen = out.get("scenario")
    if isinstance(scen, dict):
        if not scen.get("name"):
            scen["name"] = Path(source).stem if source.endswith(".toml") else "scenario"
        user_target = (
            isinstance(doc.get("scenario"), dict) and "target" in doc["scenario"]
        )
        if scen.get("index") == "hdi":
            if not user_target:
                scen["target"] = 0.75
            # UNDP's components exist only nationally: the HDI runs on synthetic regions, from
            # UNDP's 2015 values, unless the file says otherwise.
            geo = doc.get("geography")
            user_geo = geo if isinstance(geo, dict) else {}
            if "regions" not in user_geo and isinstance(out.get("geography"), dict):
                out["geography"]["regions"] = "synthetic"
            if not (
                isinstance(doc.get("scenario"), dict)
                and "start_year" in doc["scenario"]
            ):
                scen["start_year"] = 2015
            # UNDP's own start values, unless the file gives its own.
            given_start = doc.get("start")
            user_start = given_start if isinstance(given_start, dict) else {}
            start = out.get("start")
            if isinstance(start, dict):
                for key, value in HDI_START.items():
                    if key not in user_start:
                        start[key] = value
    out.setdefault("events", [])
    if isinstance(out["events"], list):
        out["events"] = _with_history(out, out["events"])
    return out


def _with_history(doc: Mapping[str, Any], events: list) -> list:
    """The recorded history the run covers (``scenario.history``), before the file's own events."""
    scen = doc.get("scenario")
    if not isinstance(scen, dict) or scen.get("history") is not True:
        return events
    start, years = scen.get("start_year"), scen.get("years")
    if not (
        isinstance(start, (int, float))
        and not isinstance(start, bool)
        and isinstance(years, (int, float))
        and not isinstance(years, bool)
    ):
        return events  # validate() reports it
    try:
        finite = math.isfinite(start) and math.isfinite(years)
    except OverflowError:  # an integer too large for a float
        finite = False
    if not finite:
        return events  # validate() reports it
    # After the file's own events, so errors name the file's events by their own positions;
    # build() puts history first within a quarter, so a file's own event of that quarter wins.
    return events + history.events_between(start, start + years)


# --- 3. validate -----------------------------------------------------------------------------


def validate(doc: Mapping[str, Any], source: str) -> None:
    """Check every table, key, type and range, and every policy event."""
    for section, table in doc.items():
        if section in ("events", "design"):
            continue
        if section not in SECTIONS:
            close = difflib.get_close_matches(
                section, [*SECTIONS, "events", "design"], n=1, cutoff=0.6
            )
            hint = (
                f"; did you mean [{close[0]}]?"
                if close
                else f"; allowed tables: {', '.join(SECTIONS)}, events, design"
            )
            _raise(source, section, "unknown table" + hint)
        if not isinstance(table, dict):
            _raise(
                source,
                section,
                f"must be a table ([{section}]), not a {type(table).__name__}",
            )
        for key, value in table.items():
            dotted = f"{section}.{key}"
            param = BY_NAME.get(dotted)
            if param is None:
                _raise(source, dotted, _unknown_key_hint(dotted))
            _check_value(param, value, source, dotted)
    _check_cross(doc, source)
    events = doc.get("events", [])
    if not isinstance(events, list):
        _raise(source, "events", "must be an array of tables ([[events]])")
    for i, event in enumerate(events):
        _check_event(doc, event, source, f"events[{i}]")
    _check_event_sequence(doc, events, source)


def check_relations(doc: Mapping[str, Any], source: str) -> None:
    """The checks of :func:`validate` that relate several keys, on a document already valid key by key.

    A design whose every value was checked on its own reruns only these for each point (see
    :mod:`sim.experiment.design`). They read the document with ``doc[section]`` and
    ``.get(key)`` only, so that a caller can record which keys a verdict depends on.
    """
    _check_cross(doc, source)
    events = doc.get("events", [])
    scen = doc.get("scenario", {})
    start, years = scen.get("start_year"), scen.get("years")
    for i, e in enumerate(events):
        if not start <= e["year"] < start + years:
            _raise(
                source,
                f"events[{i}].year",
                f"{shown(e['year'])} is not allowed; allowed: a year from {start} to before {start + years:g} (the end of the run)",
            )
    _check_event_sequence(doc, events, source)


def _check_value(param: Param, value: Any, source: str, where: str) -> None:
    kind = param.kind
    if kind is bool:
        if not isinstance(value, bool):
            _raise(
                source, where, f"{shown(value)} is not allowed; allowed: true or false"
            )
        return
    if kind is str:
        if not isinstance(value, str):
            _raise(
                source,
                where,
                f"{shown(value)} is not allowed; allowed: {param.allowed()}",
            )
        if param.choices is not None and value not in param.choices:
            close = difflib.get_close_matches(
                value, list(param.choices), n=1, cutoff=0.5
            )
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            _raise(
                source,
                where,
                f"{shown(value)} is not allowed{hint}; allowed: {param.allowed()}",
            )
        if param.key == "name" and value and not _safe_name(value):
            _raise(
                source,
                where,
                f"{shown(value)} is not allowed; allowed: letters, digits, '-', '_' and '.', not starting with '.'",
            )
        return
    # Numbers: bool is an int in Python but never a valid number here.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _raise(
            source, where, f"{shown(value)} is not allowed; allowed: {param.allowed()}"
        )
    if (
        kind is int
        and not isinstance(value, int)
        and not (isinstance(value, float) and value.is_integer())
    ):
        _raise(
            source,
            where,
            f"{shown(value)} is not allowed; allowed: {param.allowed()}",
        )
    if not _finite(value):
        _raise(
            source, where, f"{shown(value)} is not allowed; allowed: {param.allowed()}"
        )
    if (param.low is not None and value < param.low) or (
        param.high is not None and value > param.high
    ):
        _raise(
            source, where, f"{shown(value)} is out of range; allowed: {param.allowed()}"
        )


def _finite(x: int | float) -> bool:
    """True for a finite number that a float can hold (an integer of 400 digits is not one)."""
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def _safe_name(name: str) -> bool:
    return (
        all(c.isalnum() or c in "-_." for c in name)
        and not name.startswith(".")
        and len(name) <= 100
    )


def _check_cross(doc: Mapping[str, Any], source: str) -> None:
    scen = doc.get("scenario", {})
    if scen.get("index") == "hdi" and scen.get("target", 0) > 1:
        _raise(
            source,
            "scenario.target",
            f"{shown(scen['target'])} is out of range for index = 'hdi'; allowed: a number from 0 to 1",
        )
    _check_geography(doc, source)
    pop = doc.get("population", {})
    kinds = (
        "community_groups",
        "ngos",
        "religious_bodies",
        "businesses",
        "universities",
    )
    if sum(int(pop.get(k, 0)) for k in kinds) < 2 and doc.get("formation", {}).get(
        "enabled", True
    ):
        _raise(
            source,
            "population",
            "a partnership needs at least 2 community agents in all; allowed: a total of 2 or more, or formation.enabled = false",
        )


def _check_geography(doc: Mapping[str, Any], source: str) -> None:
    """The regions must exist: a BPS province by its name, a start year with data, a readable CSV."""
    # doc[section].get(key) only, as check_relations asks, so a design knows what the verdict reads.
    geo, scen = doc["geography"], doc["scenario"]
    regions = geo.get("regions")
    if scen.get("index") == "hdi" and regions != "synthetic":
        _raise(
            source,
            "scenario.index",
            "'hdi' needs UNDP's components, which exist only nationally; allowed: index = 'ipm', "
            "or geography.regions = 'synthetic'",
        )
    try:
        if regions in ("provinces", "districts"):
            geography.check_year(int(scen.get("start_year", 0)))
            if geo.get("province"):
                geography.check_province(geo["province"])
        elif regions == "file":
            if not geo.get("file"):
                _raise(
                    source,
                    "geography.file",
                    "missing; allowed: the path of a regions CSV when geography.regions = 'file'",
                )
            geography_regions(doc, source)
        elif geo.get("province") or geo.get("file"):
            key = "geography.province" if geo.get("province") else "geography.file"
            _raise(
                source,
                key,
                "applies to real regions only; allowed: empty when geography.regions = 'synthetic'",
            )
    except geography.GeographyError as exc:
        _raise(source, exc.key, exc.problem)
    ensemble = doc["dynamics"].get("ensemble")
    if ensemble:
        ensemble_sets(doc, source)


# Sections an ensemble may carry: the dynamics and the partnership pathways' uncertainties.
ENSEMBLE_SECTIONS = (
    "dynamics",
    "targeting",
    "leakage",
    "complementarity",
    "mobilisation",
)


def ensemble_sets(doc: Mapping[str, Any], source: str) -> list[dict[str, float]]:
    """The parameter sets of ``dynamics.ensemble``, checked.

    Args:
        doc: The filled scenario document.
        source: The scenario file (the CSV's path is relative to it).

    Returns:
        One dict per set, from dotted key (``dynamics.*`` or a pathway section's number key)
        to value.
    """
    import csv

    try:
        path = input_file(doc["dynamics"]["ensemble"], source, "dynamics.ensemble")
    except geography.GeographyError as exc:
        _raise(source, exc.key, exc.problem)
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        _raise(
            source,
            "dynamics.ensemble",
            f"{str(path)!r}: cannot read it ({exc.__class__.__name__}); allowed: an ensemble.csv "
            "written by kemitraan calibrate",
        )
    if not rows:
        _raise(
            source,
            "dynamics.ensemble",
            f"{str(path)!r}: no parameter sets; allowed: a CSV with one row per set",
        )
    sets = []
    for i, row in enumerate(rows):
        values = {}
        for key, text in row.items():
            param = BY_NAME.get(key or "")
            if (
                param is None
                or param.section not in ENSEMBLE_SECTIONS
                or param.kind is not float
            ):
                _raise(
                    source,
                    "dynamics.ensemble",
                    f"{str(path)!r}: column {key!r} is not allowed; allowed: number keys of "
                    + ", ".join(f"{s}.*" for s in ENSEMBLE_SECTIONS),
                )
            try:
                value = float(text)
            except (TypeError, ValueError):
                value = math.nan
            _check_value(param, value, source, f"dynamics.ensemble row {i + 1} {key}")
            values[key] = value
        sets.append(values)
    return sets


def regions_file(doc: Mapping[str, Any], source: str) -> Path:
    """The regions CSV of a ``geography.regions = 'file'`` scenario, relative to the scenario file.

    Raises:
        geography.GeographyError: It is not a regular file of at most :data:`MAX_INPUT_BYTES`.
    """
    return input_file(doc["geography"]["file"], source, "geography.file")


def input_file(name: str, source: str, key: str) -> Path:
    """The file a scenario key names (relative to the scenario file), checked before it is read.

    A device, a pipe or a directory would hang or fail the reader, and a file of gigabytes
    would stall it, so each is refused in one line first.

    Raises:
        geography.GeographyError: No such file, not a regular file, unreadable or too large.
    """
    if "\x00" in name:
        raise geography.GeographyError(
            key, f"{shown(name)} holds a NUL character; allowed: a file path"
        )
    path = Path(name)
    base = _INPUT_BASE.get() or source
    if not path.is_absolute() and base.endswith(".toml"):
        path = Path(base).parent / path
    try:
        info = path.stat()
    except FileNotFoundError:
        raise geography.GeographyError(
            key, f"{shown(str(path))}: no such file; allowed: the path of a CSV file"
        ) from None
    except OSError as exc:
        raise geography.GeographyError(
            key,
            f"{shown(str(path))}: cannot read it ({exc.__class__.__name__}); allowed: the path of a CSV file",
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise geography.GeographyError(
            key,
            f"{shown(str(path))} is not a regular file; allowed: the path of a CSV file",
        )
    if info.st_size > MAX_INPUT_BYTES:
        raise geography.GeographyError(
            key,
            f"{shown(str(path))} has {info.st_size:,} bytes; allowed: a CSV of at most "
            f"{MAX_INPUT_BYTES // 2**20} MiB",
        )
    return path


# The scenario file that relative input paths are resolved against while a derived scenario
# (overrides, events, design points) is validated under a label of its own.
_INPUT_BASE: ContextVar[str | None] = ContextVar("_INPUT_BASE", default=None)


@contextmanager
def _inputs_relative_to(source: str) -> Iterator[None]:
    token = _INPUT_BASE.set(source)
    try:
        yield
    finally:
        _INPUT_BASE.reset(token)


_HASHES: dict[tuple[str, int, int, int], str] = {}


def file_sha256(path: Path, key: str, cached: bool = True) -> str:
    """SHA-256 of a scenario's input file (cached by path, inode, size and modification time).

    Raises:
        geography.GeographyError: It cannot be read (gone since it was checked).
    """
    try:
        info = os.stat(path)
        stamp = (str(path.resolve()), info.st_ino, info.st_size, info.st_mtime_ns)
        if cached and stamp in _HASHES:
            return _HASHES[stamp]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise geography.GeographyError(
            key,
            f"{shown(str(path))}: cannot read it ({exc.__class__.__name__}); allowed: the path of a CSV file",
        ) from None
    if len(_HASHES) > 1000:
        _HASHES.clear()
    _HASHES[stamp] = digest
    return digest


def input_hashes(
    doc: Mapping[str, Any], source: str
) -> tuple[tuple[str, str, str], ...]:
    """``(key, path, sha256)`` of every file a validated document reads.

    Raises:
        ScenarioError: A file has gone or become unreadable since it was validated.
    """
    named = []
    if doc["geography"].get("regions") == "file" and doc["geography"].get("file"):
        named.append(("geography.file", doc["geography"]["file"]))
    if doc["dynamics"].get("ensemble"):
        named.append(("dynamics.ensemble", doc["dynamics"]["ensemble"]))
    out = []
    try:
        for key, name in named:
            path = input_file(name, source, key)
            out.append((key, str(path), file_sha256(path, key)))
    except geography.GeographyError as exc:
        _raise(source, exc.key, exc.problem)
    return tuple(out)


def geography_regions(doc: Mapping[str, Any], source: str) -> geography.Regions:
    """The regions a scenario document describes (the CSV is read afresh)."""
    geo, year = doc["geography"], int(doc["scenario"]["start_year"])
    if geo["regions"] == "file":
        regions = geography.from_csv(regions_file(doc, source), year)
        if geo.get("province"):
            keep = [i for i, p in enumerate(regions.provinces) if p == geo["province"]]
            if not keep:
                raise geography.GeographyError(
                    "geography.province",
                    f"{geo['province']!r} is in no row of the regions CSV; "
                    "allowed: a value of its province column",
                )
            regions = geography.subset(regions, keep)
        return regions
    return geography.from_bps(geo["regions"], year, geo.get("province", ""))


def _check_event_sequence(doc: Mapping[str, Any], events: list, source: str) -> None:
    """Apply the events in time order to the file's values: every resulting value must be allowed."""
    # Only the levers the events set are read, so a design can tell which keys this check depends on.
    current = {}
    for e in events:
        section, key = e["set"].split(".", 1)
        current[e["set"]] = doc.get(section, {}).get(key)
    order = sorted(
        range(len(events)),
        key=lambda i: (
            events[i]["year"],
            not history.is_historical(events[i].get("label", "")),
        ),
    )
    for i in order:
        e = events[i]
        param = BY_NAME[e["set"]]
        ev = PolicyEvent(float(e["year"]), e["set"], e.get("value"), e.get("multiply"))
        where = f"events[{i}]"
        try:
            value = ev.apply(current[e["set"]])
        except (
            OverflowError,
            ValueError,
        ):  # int(round(inf)): the product is beyond any number
            _raise(
                source,
                where,
                f"{e['set']} x {shown(ev.multiply)} overflows; allowed: a product within {param.allowed()}",
            )
        _check_value(
            param, value, source, f"{where} ({e['set']} becomes {shown(value)})"
        )
        current[e["set"]] = value


def _check_event(doc: Mapping[str, Any], event: Any, source: str, where: str) -> None:
    if not isinstance(event, dict):
        _raise(
            source, where, "must be a table with keys year, set and value or multiply"
        )
    for key in event:
        if key not in EVENT_KEYS:
            close = difflib.get_close_matches(key, list(EVENT_KEYS), n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            _raise(
                source,
                f"{where}.{key}",
                f"unknown key{hint} (allowed: {', '.join(EVENT_KEYS)})",
            )
    for key in ("year", "set"):
        if key not in event:
            _raise(
                source,
                f"{where}.{key}",
                "missing; every event needs year, set and value or multiply",
            )
    start = doc["scenario"]["start_year"]
    end = start + doc["scenario"]["years"]
    year = event["year"]
    if (
        isinstance(year, bool)
        or not isinstance(year, (int, float))
        or not (start <= year < end)
    ):
        _raise(
            source,
            f"{where}.year",
            f"{shown(year)} is not allowed; allowed: a year from {start} to before {end:g} (the end of the run)",
        )
    target = event["set"]
    param = BY_NAME.get(target) if isinstance(target, str) else None
    if param is None:
        hint = (
            _unknown_key_hint(str(target))
            if isinstance(target, str)
            else "must be a parameter name"
        )
        _raise(source, f"{where}.set", f"{shown(target)}: {hint}")
    if param.section in _FIXED_SECTIONS or param.name in _FIXED_KEYS:
        fixed = ", ".join([f"[{s}]" for s in _FIXED_SECTIONS] + list(_FIXED_KEYS))
        _raise(
            source,
            f"{where}.set",
            f"{shown(target)} describes the starting world and cannot change mid-run; allowed: any key except {fixed}",
        )
    has_value, has_mult = "value" in event, "multiply" in event
    if has_value == has_mult:
        _raise(source, where, "needs exactly one of 'value' or 'multiply'")
    if has_value:
        _check_value(param, event["value"], source, f"{where}.value")
    else:
        m = event["multiply"]
        if param.kind not in (int, float):
            _raise(
                source,
                f"{where}.multiply",
                f"{target} is not a number; use value instead",
            )
        if (
            isinstance(m, bool)
            or not isinstance(m, (int, float))
            or not _finite(m)
            or m < 0
        ):
            _raise(
                source,
                f"{where}.multiply",
                f"{shown(m)} is not allowed; allowed: a number >= 0",
            )
    label = event.get("label", "")
    if not isinstance(label, str):
        _raise(
            source,
            f"{where}.label",
            f"{shown(label)} is not allowed; allowed: a string",
        )


# --- 4. build --------------------------------------------------------------------------------


def build(
    doc: Mapping[str, Any], source: str = "<defaults>", text: str = ""
) -> Scenario:
    """Turn a validated, filled document into a :class:`Scenario`."""
    values: dict[str, dict[str, Any]] = {s: {} for s in SECTIONS}
    for p in PARAMETERS:
        v = doc[p.section][p.key]
        values[p.section][p.key] = p.kind(v) if p.kind in (int, float) else v
    events = []
    for e in doc.get("events", []):
        param = BY_NAME[e["set"]]
        value = e.get("value")
        if value is not None and param.kind in (int, float):
            value = param.kind(value)
        events.append(
            PolicyEvent(
                float(e["year"]),
                e["set"],
                value,
                None if "multiply" not in e else float(e["multiply"]),
                e.get("label", ""),
            )
        )
    events.sort(key=_event_order)  # stable: same-year events keep file order
    return Scenario(
        values=values,
        events=tuple(events),
        source=source,
        text=text,
        design=doc.get("design"),
        inputs=input_hashes(values, source),
    )


def _event_order(event: PolicyEvent) -> tuple[float, bool]:
    """Events in time order; within one time, history first, then the file's own in file order."""
    return (event.year, not history.is_historical(event.label))


# --- the four steps together -----------------------------------------------------------------


def load_text(
    text: str, source: str = "<text>", overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Parse, fill defaults, validate and build a scenario from TOML text."""
    doc = parse(text, source)
    if overrides:
        for dotted, value in overrides.items():
            section, _, key = dotted.partition(".")
            if dotted not in BY_NAME:
                raise ScenarioError("--set", dotted, _unknown_key_hint(dotted))
            table = doc.setdefault(section, {})
            if isinstance(table, dict):
                table[key] = value
    filled = fill_defaults(doc, source)
    validate(filled, source)
    # A [design] table is checked by sim.experiment.design.from_scenario, which builds on this module.
    return build(filled, source=source, text=text)


def load(path: str | Path, overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Load a scenario file.

    Args:
        path: The TOML file, or the name of a shipped scenario (``baseline``).
        overrides: Optional ``{"section.key": value}`` applied on top of the file.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: The file is missing, unreadable, not TOML, or has a bad key or value.
    """
    from sim.shipped import resolve

    # A bare shipped name ("baseline") works from any directory; an existing path wins.
    p = resolve(path)
    source = str(path) if p == Path(path) else str(p)
    if not p.is_file():
        raise ScenarioError(
            source,
            None,
            "no such scenario file; allowed: a path or a shipped name (kemitraan scenarios lists them)"
            if not p.exists()
            else "not a file",
        )
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(
            source,
            None,
            f"cannot read it ({exc.__class__.__name__}); allowed: a UTF-8 TOML file",
        ) from None
    return load_text(text, source, overrides)


def defaults() -> Scenario:
    """The built-in scenario: every parameter at its default."""
    filled = fill_defaults({"scenario": {"name": "defaults"}}, "<defaults>")
    validate(filled, "<defaults>")
    return build(filled)


def parse_override(item: str) -> tuple[str, Any]:
    """Parse ``KEY=VALUE`` from the command line; VALUE is read as a TOML value (bare words as strings)."""
    if "=" not in item:
        raise ScenarioError(
            "--set", item, "expected KEY=VALUE, e.g. rewards.scheme=performance"
        )
    key, raw = item.split("=", 1)
    key = key.strip()
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        # Not one TOML value (a bare word, or nesting/digits beyond the reader): kept as text, so
        # validation refuses it in the usual one line unless the key takes a string.
        value = raw.strip()
    return key, value


def toml_value(v: Any) -> str:
    """A parameter value as TOML."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return str(v)


def dumps(
    scenario: Scenario,
    changes: Mapping[str, Any] | None = None,
    only_changed: bool = True,
) -> str:
    """A scenario as TOML text that loads back to the same parameters and events.

    Args:
        scenario: The scenario.
        changes: Extra ``{"section.key": value}`` to write instead of the scenario's values.
        only_changed: Write only values that differ from the defaults (the name always).
    """
    values = {s: dict(v) for s, v in scenario.values.items()}
    for dotted, value in (changes or {}).items():
        section, key = dotted.split(".", 1)
        values[section][key] = value
    lines: list[str] = []
    for section in SECTIONS:
        rows = [
            (p.key, values[section][p.key])
            for p in PARAMETERS
            if p.section == section
            and (
                not only_changed
                or values[section][p.key] != p.default
                or p.name == "scenario.name"
            )
        ]
        if rows:
            lines.append(f"[{section}]")
            lines += [f"{k} = {toml_value(v)}" for k, v in rows]
            lines.append("")
    for e in scenario.events:
        if history.is_historical(e.label):
            continue  # added again from scenario.history when the text is loaded
        lines += [
            "[[events]]",
            f"year = {toml_value(e.year)}",
            f"set = {toml_value(e.key)}",
        ]
        lines.append(
            f"multiply = {toml_value(e.multiply)}"
            if e.multiply is not None
            else f"value = {toml_value(e.value)}"
        )
        if e.label:
            lines.append(f"label = {toml_value(e.label)}")
        lines.append("")
    return "\n".join(lines)
