"""Indonesia's geography: the regions a scenario runs on, from BPS data or a user's CSV.

A scenario's ``[geography]`` chooses its regions:

* ``"synthetic"``: ``population.regions`` made-up regions spread around the ``[start]`` values
  (the teaching world; see :func:`sim.mechanisms.development.initial_regions`);
* ``"provinces"``: Indonesia's 34 provinces (of 2019), from BPS's published components;
* ``"districts"``: its 514 regencies and cities (kabupaten/kota);
* ``"file"``: a regions CSV the user supplies, in the same columns as BPS's table.

``geography.province`` keeps only one province (for ``"provinces"``: that province alone; for
``"districts"``: its districts). Start values are the components of ``scenario.start_year``.

Populations: provinces carry their 2020 census populations. BPS's district populations are not
in the shipped data, so each province's population is split over its districts by the weights
closest to an equal split that reproduce the province's published components as
population-weighted means of its districts' (:func:`district_shares`); a user's CSV may give
real populations in a ``population_thousand`` column. ``docs/geography.md`` explains both.
"""

from __future__ import annotations

import difflib
import warnings
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.parameters import GEOGRAPHIES

# pandas is imported by the functions that read tables, not with this module: the command
# line imports it (through sim.scenario) before it starts a pool's server, which should
# begin its own imports as early as it can (see sim.experiment.pool.start_server).
if TYPE_CHECKING:
    import pandas as pd

COMPONENT_COLUMNS: tuple[str, ...] = (
    "life_expectancy",
    "expected_schooling",
    "mean_schooling",
    "expenditure_thousand_rp",
)
DATA_YEARS = (2019, 2022)
# How hard the district weights are pulled toward an equal split, against matching the
# province's components (both measured in standard deviations of the districts' values).
EQUAL_SPLIT_PULL = 0.05
# Estimated district weights stay within this factor of an equal split.
WEIGHT_BOUNDS = (0.2, 5.0)
# Ranges a user's CSV must respect (the goalposts of the IPM, and a positive expenditure).
CSV_RANGES = {
    "life_expectancy": (20.0, 85.0),
    "expected_schooling": (0.0, 18.0),
    "mean_schooling": (0.0, 15.0),
    "expenditure_thousand_rp": (1.0, 1e6),
    "population_thousand": (1e-3, 1e7),
}


class GeographyError(ValueError):
    """A geography that cannot be built: ``key`` is the scenario key at fault."""

    def __init__(self, key: str, problem: str):
        """The message is ``key: problem``."""
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")


@dataclass(frozen=True)
class Regions:
    """The regions a run starts from, one row each.

    Attributes:
        names: Region names, as BPS spells them.
        provinces: The province of each region (its own name for a province).
        population: People in each region (persons).
        life_expectancy: Years (UHH).
        expected_schooling: Years (HLS).
        mean_schooling: Years (RLS).
        expenditure: Adjusted real per-capita expenditure, Rp per person per year (2012 prices).
        population_source: How the populations were obtained, in words.
    """

    names: tuple[str, ...]
    provinces: tuple[str, ...]
    population: np.ndarray
    life_expectancy: np.ndarray
    expected_schooling: np.ndarray
    mean_schooling: np.ndarray
    expenditure: np.ndarray
    population_source: str

    @property
    def n(self) -> int:
        """Number of regions."""
        return len(self.names)


# --- the shipped BPS tables ------------------------------------------------------------------


def _read(name: str) -> pd.DataFrame:
    import pandas as pd

    with resources.files("sim.data").joinpath(name).open("rb") as fh:
        return pd.read_csv(fh)


@cache
def components() -> pd.DataFrame:
    """BPS's IPM components for Indonesia, provinces and districts, 2019-2022 (a copy: do not modify)."""
    return _read("bps_ipm_components_2019-2022.csv")


@cache
def national_series() -> pd.DataFrame:
    """BPS's national components and published IPM, 2014-2022."""
    return _read("bps_ipm_national_2014-2022.csv")


@cache
def expenditure_history() -> pd.DataFrame:
    """Adjusted per-capita expenditure of every area, 2016-2018 (thousand Rp)."""
    return _read("bps_expenditure_per_capita_2016-2018.csv")


@cache
def census_population() -> pd.Series:
    """2020 census population of each province, persons, indexed by province name."""
    import pandas as pd

    df = _read("bps_population_census2020_provinces.csv")
    return pd.Series(
        df["population_thousand"].to_numpy() * 1000.0, index=df["province"].to_numpy()
    )


def province_names() -> tuple[str, ...]:
    """The 34 provinces as BPS spells them, in BPS's order."""
    df = components()
    return tuple(df.loc[df["level"] == "province", "area"].drop_duplicates())


def check_province(name: str) -> None:
    """Raise :class:`GeographyError` unless ``name`` is a province (exact BPS spelling)."""
    names = province_names()
    if name in names:
        return
    close = difflib.get_close_matches(name.upper(), list(names), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise GeographyError(
        "geography.province",
        f"{name!r} is not a province{hint}; allowed: one of BPS's 34 province names, "
        "e.g. 'JAWA BARAT', 'PAPUA' (see docs/geography.md)",
    )


def check_year(year: int) -> None:
    """Raise :class:`GeographyError` unless BPS components exist for ``year``."""
    if not DATA_YEARS[0] <= year <= DATA_YEARS[1]:
        raise GeographyError(
            "scenario.start_year",
            f"{year} has no BPS components; allowed: a year from "
            f"{DATA_YEARS[0]} to {DATA_YEARS[1]} for geography provinces or districts",
        )


# --- district populations ----------------------------------------------------------------------


def district_shares(district: pd.DataFrame, province: pd.Series) -> np.ndarray:
    """Estimated population shares of one province's districts.

    The shares closest to an equal split (within :data:`WEIGHT_BOUNDS` of it) whose
    population-weighted means of the districts' four components come nearest the province's
    own published components, each measured in standard deviations of the districts' values.

    Args:
        district: The province's districts, one row each, with :data:`COMPONENT_COLUMNS`.
        province: The province's row with the same columns.

    Returns:
        Shares summing to one, in the districts' order.
    """
    n = len(district)
    if n == 1:
        return np.ones(1)
    x = district[list(COMPONENT_COLUMNS)].to_numpy(dtype=float)
    target = province[list(COMPONENT_COLUMNS)].to_numpy(dtype=float)
    scale = np.maximum(x.std(axis=0), 1e-9)
    # Unknowns are u = n * share (1 at an equal split): the means are x.T @ u / n.
    fit_rows = (x / scale).T / n
    pull_rows = np.sqrt(EQUAL_SPLIT_PULL) * np.eye(n)
    sum_rows = 100.0 * np.ones((1, n)) / n
    a = np.vstack([fit_rows, pull_rows, sum_rows])
    b = np.concatenate(
        [target / scale, np.sqrt(EQUAL_SPLIT_PULL) * np.ones(n), [100.0]]
    )
    # Here, not at the top: every command reads scenarios through this module, and scipy's
    # optimizers took 0.23-0.27 s to import (after pandas) for a sweep's parent, which never fits shares.
    from scipy.optimize import lsq_linear

    u = lsq_linear(a, b, bounds=WEIGHT_BOUNDS).x
    return u / u.sum()


@cache
def _district_population(year: int) -> pd.Series:
    """Estimated population of every district (persons), indexed by district name."""
    import pandas as pd

    df = components()
    d = df[(df["level"] == "district") & (df["year"] == year)]
    p = df[(df["level"] == "province") & (df["year"] == year)].set_index("area")
    pop = census_population()
    out: dict[str, float] = {}
    for prov, group in d.groupby("province", sort=False):
        shares = district_shares(group, p.loc[prov])
        out.update(zip(group["area"], pop[prov] * shares, strict=True))
    return pd.Series(out)


# --- building the regions ----------------------------------------------------------------------


def from_bps(level: str, year: int, province: str = "") -> Regions:
    """Provinces or districts (optionally of one province) with their ``year`` components."""
    assert level in GEOGRAPHIES[1:3], level
    check_year(year)
    if province:
        check_province(province)
    df = components()
    level_name = {"provinces": "province", "districts": "district"}[level]
    rows = df[(df["level"] == level_name) & (df["year"] == year)]
    if province:
        rows = rows[
            (rows["province"] == province)
            if level == "districts"
            else (rows["area"] == province)
        ]
    if level == "provinces":
        population = census_population()[rows["area"]].to_numpy()
        source = "BPS 2020 census (SP2020) province populations"
    else:
        population = _district_population(year)[rows["area"]].to_numpy()
        source = (
            "estimated: each province's 2020 census population split over its districts by the weights closest "
            "to an equal split that reproduce the province's components (docs/geography.md)"
        )
    return _regions(rows, population, source)


def from_csv(path: Path, year: int, key: str = "geography.file") -> Regions:
    """Regions from a user's CSV in BPS's columns (``area`` and the four components).

    Optional columns: ``province``; ``year`` (then the rows of ``year`` are used);
    ``population_thousand`` (otherwise every region gets the same population, 1,000 thousand).

    Raises:
        GeographyError: The file is missing, unreadable, lacks a column, or has a bad value.
    """
    import pandas as pd

    try:
        # A row longer than the header would silently become an index (shifting every value
        # one column): index_col=False plus the parser's warning as an error refuses it.
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            df = pd.read_csv(path, index_col=False)
    except FileNotFoundError:
        raise GeographyError(
            key,
            f"{str(path)!r}: no such file; allowed: a CSV with columns area, "
            + ", ".join(COMPONENT_COLUMNS),
        ) from None
    except (
        OSError,
        UnicodeDecodeError,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        pd.errors.ParserWarning,
    ) as exc:
        raise GeographyError(
            key,
            f"{str(path)!r}: cannot read it as CSV ("
            + (
                "a row has more fields than the header"
                if isinstance(exc, pd.errors.ParserWarning)
                else exc.__class__.__name__
            )
            + "); allowed: a UTF-8 CSV with one header line",
        ) from None
    missing = [c for c in ("area", *COMPONENT_COLUMNS) if c not in df.columns]
    if missing:
        raise GeographyError(
            key,
            f"{str(path)!r}: missing column {missing[0]!r}; allowed: a CSV with columns area, "
            + ", ".join(COMPONENT_COLUMNS)
            + " (optional: province, year, population_thousand)",
        )
    if "year" in df.columns:
        df = df[pd.to_numeric(df["year"], errors="coerce") == year]
        if df.empty:
            raise GeographyError(
                key,
                f"{str(path)!r}: no rows for year {year} (scenario.start_year); allowed: rows whose "
                "year is the start year, or no year column",
            )
    if df.empty:
        raise GeographyError(
            key, f"{str(path)!r}: no regions (no rows); allowed: one row per area"
        )
    for column in ("area", "province"):
        names = df[column] if column in df.columns else pd.Series([], dtype=object)
        bad_name = ~names.map(
            lambda v: isinstance(v, str) and v.isprintable() and v.strip() != ""
        )
        if bad_name.any():
            raise GeographyError(
                key,
                f"{str(path)!r}: {column} of row {int(df.index[bad_name][0]) + 2} is empty or holds "
                "control characters; allowed: a name of printable characters",
            )
    if df["area"].duplicated().any():
        raise GeographyError(
            key,
            f"{str(path)!r}: area {df['area'][df['area'].duplicated()].iloc[0]!r} appears twice; "
            "allowed: one row per area",
        )
    for column, (low, high) in CSV_RANGES.items():
        if column not in df.columns:
            continue
        values = _numbers(df[column])
        bad = ~values.between(low, high)
        if bad.any():
            row = df.index[bad][0]
            raise GeographyError(
                key,
                f"{str(path)!r}: {column} of {df.loc[row, 'area']!r} is {str(df.loc[row, column])[:40]}; "
                f"allowed: a number from {low:g} to {high:g}",
            )
        df[column] = values
    if "province" not in df.columns:
        df = df.assign(province=df["area"])
    if "population_thousand" in df.columns:
        population = df["population_thousand"].to_numpy(dtype=float) * 1000.0
        source = f"{path.name}: population_thousand column"
    else:
        population = np.full(len(df), 1e6)
        source = f"{path.name} gives no populations: every region weighs the same (1 million people)"
    return _regions(df, population, source)


def _numbers(column: pd.Series) -> pd.Series:
    """A CSV column as floats, NaN where a cell is not a number a float can hold."""
    import pandas as pd

    try:
        return pd.to_numeric(column, errors="coerce").astype(float)
    except (OverflowError, ValueError, TypeError):  # an integer of hundreds of digits
        return column.map(_float).astype(float)


def _float(value: object) -> float:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (OverflowError, ValueError, TypeError):
        return float("nan")
    return x if np.isfinite(x) else float("nan")


def subset(regions: Regions, keep: list[int]) -> Regions:
    """The regions at positions ``keep``."""
    idx = np.asarray(keep, dtype=np.int64)
    return Regions(
        names=tuple(regions.names[i] for i in keep),
        provinces=tuple(regions.provinces[i] for i in keep),
        population=regions.population[idx],
        life_expectancy=regions.life_expectancy[idx],
        expected_schooling=regions.expected_schooling[idx],
        mean_schooling=regions.mean_schooling[idx],
        expenditure=regions.expenditure[idx],
        population_source=regions.population_source,
    )


def _regions(rows: pd.DataFrame, population: np.ndarray, source: str) -> Regions:
    return Regions(
        names=tuple(rows["area"].astype(str)),
        provinces=tuple(rows["province"].astype(str)),
        population=np.asarray(population, dtype=float),
        life_expectancy=rows["life_expectancy"].to_numpy(dtype=float),
        expected_schooling=rows["expected_schooling"].to_numpy(dtype=float),
        mean_schooling=rows["mean_schooling"].to_numpy(dtype=float),
        expenditure=rows["expenditure_thousand_rp"].to_numpy(dtype=float) * 1000.0,
        population_source=source,
    )
