"""The results tables' data dictionary: every column's unit and meaning.

This table is the single source of the units written into each Parquet file as field
metadata (keys ``unit`` and ``description``) and of ``docs/results.md``
(``python -m sim.experiment.columns > docs/results.md``; a test checks it is current). A
varied parameter's column in the runs table takes its unit from :mod:`sim.parameters`.

Forms that travel to other tools: seeds below 2**53 as numbers and, for the 63-bit
``run_seed``, also as two exact 32-bit halves; ``members`` and ``kinds`` as list columns in
Parquet (``;``-joined text in CSV); CSV booleans as ``TRUE``/``FALSE``, missing values empty
(R's ``read.csv`` reads both as logical and ``NA``; spreadsheets as booleans and blanks),
floats with a decimal point and no thousands separator.
"""

from __future__ import annotations

from dataclasses import dataclass

INDEX = "index points (IPM 0-100, HDI 0-1; see index_method)"
RUPIAH_QUARTER = "rupiah per quarter (real scale, whole population)"
RUPIAH_RUN = "rupiah (real scale, whole population, over the run)"
SHARE = "share 0-1"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a results table.

    Attributes:
        unit: Its unit (``-`` for identifiers, text and counts without a unit).
        meaning: What it holds, in one sentence.
    """

    unit: str
    meaning: str


_KEYS = {
    "run": Column("-", "Run id: point * replications + replication."),
    "point": Column("-", "Design point id, from 0."),
    "replication": Column(
        "-", "Replication number; with the root seed it fixes every draw."
    ),
    "step": Column("quarter", "Step: quarters since the start (0 is the start)."),
    "year": Column(
        "year", "Calendar time at the end of the step (2019.25 = end of Q1)."
    ),
}

_OUTCOMES = {
    "point_name": Column("-", "Design point name."),
    "status": Column("-", "ok, or failed (the error column says why)."),
    "error": Column(
        "-", "The error of a failed run, with where it was raised; empty if ok."
    ),
    "run_seed": Column(
        "-",
        "Fingerprint of the run's seed sequence (63 bits; exact in Parquet, DuckDB and pandas).",
    ),
    "run_seed_hi": Column(
        "-", "run_seed // 2**32: with run_seed_lo, run_seed exact in any 53-bit tool."
    ),
    "run_seed_lo": Column("-", "run_seed % 2**32."),
    "root_seed": Column("-", "Root seed (scenario.seed) the run's seed derives from."),
    "scenario": Column("-", "Scenario name."),
    "steps": Column("quarter", "Quarters simulated."),
    "start_year": Column("year", "First year simulated."),
    "index_method": Column("-", "ipm (BPS IPM, 0-100) or hdi (UNDP HDI, 0-1)."),
    "target": Column(INDEX, "National index level the run tries to reach."),
    "start_index": Column(INDEX, "National index at the start."),
    "final_index": Column(INDEX, "National index at the end."),
    "reached": Column("boolean", "Whether the national index reached the target."),
    "years_to_target": Column(
        "years",
        "Years from the start to the target, interpolated within the quarter the index crossed it; missing (NA) when censored.",
    ),
    "year_reached": Column(
        "year", "Year the target was reached; missing when censored."
    ),
    "censored_at_years": Column(
        "years", "Length of the run: a censored run's time is at least this."
    ),
    "government_share": Column(
        SHARE,
        "Government's (central, regional, rewards) share of all development spending, volunteer labour included.",
    ),
    "government_spending": Column(RUPIAH_RUN, "Government's development spending."),
    "total_spending": Column(
        RUPIAH_RUN, "All development spending, volunteer labour at its shadow wage."
    ),
    "costs": Column(
        RUPIAH_RUN, "Costs that are not development spending (overheads, audits)."
    ),
    "government_costs": Column(RUPIAH_RUN, "The government's part of those costs."),
    "leakage": Column(RUPIAH_RUN, "Pooled money lost to weak governance and capture."),
    "output_per_rupiah_partnerships": Column(
        "effective output per rupiah",
        "Partnerships' effective development output per rupiah pooled on their books (after mobilisation, leakage, quality, duplication and targeting); missing when no partnership pooled any money.",
    ),
    "output_per_rupiah_partnerships_with_complementarity": Column(
        "effective output per rupiah",
        "The same with the rise partnerships gave public programmes added (complementarity); missing when no partnership pooled any money.",
    ),
    "output_per_rupiah_programmes": Column(
        "effective output per rupiah",
        "Public programmes' effective output per rupiah (funding.programme_efficiency).",
    ),
    "population": Column("persons", "Population of the regions simulated."),
    "regions": Column("count", "Regions simulated."),
    "regions_reached": Column("count", "Regions whose index reached the target."),
    "index_spread": Column(INDEX, "Highest minus lowest regional index at the end."),
    "partnerships_formed": Column("count", "Partnerships formed over the run."),
    "partnerships_dissolved": Column("count", "Partnerships dissolved over the run."),
    "members_added": Column("count", "Members who joined existing partnerships."),
    "active_partnerships": Column("count", "Partnerships active at the end."),
    "mean_active_partnerships": Column(
        "count", "Mean number of active partnerships over the steps."
    ),
    "mean_lifespan_years": Column(
        "years",
        "Restricted mean lifespan of partnerships (Kaplan-Meier; active ones censored); missing if none formed.",
    ),
    "participation_share": Column(
        SHARE, "Share of community agents in at least one partnership."
    ),
    "business_participation": Column(
        SHARE, "Share of businesses in at least one partnership."
    ),
    "cross_sector_share": Column(
        SHARE, "Share of active partnerships with members of more than one kind."
    ),
    "cohesion": Column("trust 0-1", "Mean trust over all ties."),
    "mean_volunteering": Column(
        SHARE, "Mean willingness to give volunteer labour (gotong-royong)."
    ),
    "inequality": Column(
        "ratio", "Population-weighted coefficient of variation of regional indices."
    ),
}

_SERIES = {
    "index": Column(INDEX, "National index."),
    "life_expectancy": Column("years", "Life expectancy at birth (national)."),
    "expected_schooling": Column("years", "Expected years of schooling (national)."),
    "mean_schooling": Column("years", "Mean years of schooling (national)."),
    "income": Column(
        "IPM: rupiah per person per year (adjusted real expenditure, 2012 prices); HDI: GNI per capita, 2017 PPP $",
        "Income indicator (national).",
    ),
    "index_min": Column(INDEX, "Lowest regional index."),
    "index_max": Column(INDEX, "Highest regional index."),
    "inequality": _OUTCOMES["inequality"],
    "active_partnerships": Column("count", "Active partnerships."),
    "formed": Column("count", "Partnerships formed in the step."),
    "dissolved": Column("count", "Partnerships dissolved in the step."),
    "members_added": Column(
        "count", "Members who joined existing partnerships in the step."
    ),
    "participation_share": _OUTCOMES["participation_share"],
    "business_participation": _OUTCOMES["business_participation"],
    "cross_sector_share": _OUTCOMES["cross_sector_share"],
    "cohesion": _OUTCOMES["cohesion"],
    "mean_capacity": Column("capacity 0-1", "Mean organisational capacity."),
    "mean_motivation": Column("motivation 0-1", "Mean motivation of community agents."),
    "mean_volunteering": _OUTCOMES["mean_volunteering"],
    "spend_central": Column(RUPIAH_QUARTER, "Central government (APBN) spending."),
    "spend_regional": Column(RUPIAH_QUARTER, "Regional government (APBD) spending."),
    "spend_rewards": Column(RUPIAH_QUARTER, "Reward system payments."),
    "spend_donors": Column(RUPIAH_QUARTER, "Donor and philanthropy grants."),
    "spend_trust_fund": Column(RUPIAH_QUARTER, "Human Development Trust Fund grants."),
    "spend_community": Column(RUPIAH_QUARTER, "Members' own money."),
    "spend_volunteer_labour": Column(
        RUPIAH_QUARTER, "Volunteer labour at its shadow wage."
    ),
    "spend_total": Column(RUPIAH_QUARTER, "All development spending in the step."),
    "government_share": Column(SHARE, "Government's share of the step's spending."),
    "budget_shock": Column(
        "multiplier", "Yearly public budget shock in force (1 = none)."
    ),
}

_REGIONS = {
    "region": Column("-", "Region id, from 0, in the scenario's order."),
    "region_name": Column(
        "-", "Region name (BPS spelling for provinces and districts)."
    ),
    "index": Column(INDEX, "The region's index."),
    "life_expectancy": Column("years", "Life expectancy at birth."),
    "expected_schooling": Column("years", "Expected years of schooling."),
    "mean_schooling": Column("years", "Mean years of schooling."),
    "income": _SERIES["income"],
}

_EVENTS = {
    "partnership": Column("-", "Partnership id within the run."),
    "event": Column("-", "formed, joined or dissolved."),
    "members": Column(
        "-",
        "Member agent ids: a list of integers in Parquet, ';'-joined in CSV.",
    ),
    "kinds": Column(
        "-",
        "Member kinds in the members' order: a list of strings in Parquet, ';'-joined in CSV.",
    ),
    "size": Column("count", "Members."),
    "activity": Column("-", "health, education, livelihood or social."),
    "region": _REGIONS["region"],
    "reason": Column("-", "Why it dissolved, or joined:<agent id>; empty for formed."),
    "lifespan_years": Column("years", "Age at dissolution; missing otherwise."),
}

TABLES: dict[str, dict[str, Column]] = {
    "runs": {
        "run": _KEYS["run"],
        "point": _KEYS["point"],
        "point_name": _OUTCOMES["point_name"],
        "replication": _KEYS["replication"],
        **{k: c for k, c in _OUTCOMES.items() if k != "point_name"},
    },
    "timeseries": {**_KEYS, **_SERIES},
    "regions": {**_KEYS, **_REGIONS},
    "events": {**_KEYS, **_EVENTS},
}


def column(table: str, name: str) -> Column | None:
    """A column's entry; a varied parameter's (dotted name) comes from :mod:`sim.parameters`.

    Args:
        table: ``runs``, ``timeseries``, ``regions`` or ``events``.
        name: The column's name.

    Returns:
        Its entry, or None when the dictionary does not know it.
    """
    entry = TABLES.get(table, {}).get(name)
    if entry is not None or table != "runs":
        return entry
    from sim.parameters import BY_NAME

    param = BY_NAME.get(name)
    if param is None:
        return None
    return Column(param.unit, f"Design parameter: {param.meaning}")


def field_metadata(table: str, name: str) -> dict[bytes, bytes]:
    """Parquet field metadata for a column: ``unit`` and ``description``, or nothing if unknown."""
    entry = column(table, name)
    if entry is None:
        return {}
    return {b"unit": entry.unit.encode(), b"description": entry.meaning.encode()}


def markdown() -> str:
    """The data dictionary as Markdown (``docs/results.md``)."""
    lines = [
        "# Results tables: the data dictionary",
        "",
        "Generated from `sim/experiment/columns.py` by",
        "`python -m sim.experiment.columns > docs/results.md`; do not edit by hand.",
        "The same units are in every Parquet file as field metadata (`unit`, `description`).",
        "",
        "A results folder (`kemitraan run`) holds `runs`, `timeseries`, `regions` and `events`",
        "as Parquet (default) or CSV (`--format csv`), and `manifest.json` (scenario texts,",
        "seeds, versions, SHA-256 of every table). The runs table also has one column per",
        "parameter the design varies, named by its dotted key, with the unit of",
        "`docs/scenarios.md`.",
        "",
        "Forms that travel: seeds are integers; the 63-bit `run_seed` is also given as",
        "`run_seed_hi` and `run_seed_lo` (each below 2**32), exact in tools with 53-bit",
        "numbers (R, spreadsheets, JavaScript). In CSV, booleans are `TRUE`/`FALSE`,",
        "missing values are empty, floats use a decimal point with up to 17 significant",
        "digits, and list columns are `;`-joined.",
        "",
    ]
    for table, cols in TABLES.items():
        lines += [f"## {table}", "", "| column | unit | meaning |", "|---|---|---|"]
        lines += [f"| `{k}` | {c.unit} | {c.meaning} |" for k, c in cols.items()]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown(), end="")
