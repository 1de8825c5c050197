"""The parameter reference, generated from :mod:`sim.parameters` (``docs/scenarios.md``)."""

from __future__ import annotations

from sim.parameters import PARAMETERS, SECTIONS, Param

SECTION_TEXT = {
    "scenario": "What is run: name, calendar start, horizon, seed, which index and its target.",
    "geography": "Which regions the world has: Indonesia's provinces or districts from BPS data, a regions CSV, or synthetic ones (docs/geography.md).",
    "population": "The sample of community components: how many of each kind, how they split over regions, what each stands for.",
    "start": "National index components in the start year, for synthetic regions only (defaults: BPS 2019, Indonesia).",
    "network": "Community forums, the information system and socialization: who meets whom.",
    "formation": "When a partnership forms: shared vision, mutual need, an agreement that pays.",
    "regulation": "Macro regulation: transaction costs, legal certainty, tax deductions.",
    "funding": "On-budget (APBN, APBD) and off-budget (donors, trust fund) money, and political will.",
    "gotong_royong": "Volunteer labour (mutual self-help) and how it is valued.",
    "giving": "What each kind of community component can put into partnerships, in rupiah per person per year.",
    "rewards": "The reward system (appreciation, awards, incentives) and its budget.",
    "governance": "Good governance and honest self-evaluation by the community.",
    "institutions": "Inventory and mainstreaming of institutions: coordination against duplication.",
    "targeting": "Pathway: partnerships reach groups and places programmes miss; where informed partnerships go.",
    "leakage": "Pathway: money lost to weak governance and elite capture, cut by self-evaluation and audits.",
    "complementarity": "Pathway: partnership work raises the effect of public programmes in the same place and activity.",
    "mobilisation": "Pathway: how much of members' money and labour is new rather than displaced.",
    "capacity": "Human-resource capacity building (SDM) and mentoring (pendampingan).",
    "trust": "Trust between agents and social cohesion (kerukunan).",
    "dynamics": "The status-quo law estimated from BPS's panel, and how investment pulls it (docs/estimation.md, docs/calibration.md).",
    "shocks": "Macro shocks every region feels while in force; history sets them (COVID-19 in 2020).",
}

HEADER = """# Scenario reference

Every key a scenario file (TOML) can set, generated from `sim/parameters.py` by
`kemitraan params --markdown` (a test keeps this page equal to that output).
A file sets only what it changes; everything else takes the default below. Money is in
rupiah at real scale: budgets and giving per person per year, for the population the scenario
represents (docs/geography.md); one step is one quarter.

Loading runs in four steps: parse the TOML, fill defaults, validate (unknown keys get a
did-you-mean, values are checked against the ranges below), build. Any problem is one line
naming the file and the key, with exit status 2, and nothing is run or written.
`kemitraan check FILE` prints the resolved parameters, marking those that differ from the
defaults.

Policy events change a lever during a run:

```toml
[[events]]
year = 2030            # takes effect at the start of this (possibly fractional) year
set = "funding.regional_programmes"
multiply = 0.7         # or: value = 2800.0
label = "regional budgets -30%"
```

Events may change any key outside `[scenario]`, `[population]`, `[start]` and `[network]`.

"""


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, float):
        return f"{v:g}" if abs(v) < 1e6 else f"{v:.6g}"
    return str(v)


def _range(p: Param) -> str:
    if p.choices is not None:
        return ", ".join(f'"{c}"' for c in p.choices)
    if p.kind is bool:
        return "true, false"
    if p.kind is str:
        return "text"
    return p.allowed().split(" from ", 1)[1].replace(" to ", " – ")


# The [design] table, key by key: (key, meaning, used by, allowed, default). The validation
# itself is in sim/experiment/design.py; tests/test_reference_design.py keeps the two in step.
DESIGN_ROWS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "type",
        (
            "which design: one run (`none`), a full grid (`factorial`), named variants (`variants`), or a sample over "
            "ranges (`lhs`, `sobol`, `morris`)"
        ),
        "all",
        '"none", "factorial", "variants", "lhs", "sobol", "morris"',
        "`variants` if `[[design.variants]]` is given, else `factorial` if `[design.factors]` is, else `none`",
    ),
    (
        "replications",
        "runs per design point; replication r has the same seed at every point (common random numbers)",
        "all",
        "integer 1 – 100000",
        "1",
    ),
    (
        "reference",
        "the design point others are compared with (report, `kemitraan compare`, comparison.csv)",
        "all",
        "a design point's name",
        "`baseline` if a point has that name, else the first point",
    ),
    (
        "factors",
        "table of `parameter = [values]`: the grid is every combination; a point is named `a.b=x,c.d=y`",
        "factorial, variants",
        "any parameter key, each value allowed for it",
        "-",
    ),
    (
        "variants",
        (
            'array of tables `{ name = "...", set = { parameter = value, ... } }`: named points, crossed with `factors` '
            "when both are given (a point is then named by the variant and the grid cell, joined by a vertical bar)"
        ),
        "variants",
        "distinct names; keys and values as in the file",
        "-",
    ),
    (
        "ranges",
        "table of `parameter = [low, high]` sampled over",
        "lhs, sobol, morris",
        "numeric parameters, low < high, both allowed",
        "-",
    ),
    (
        "samples",
        (
            "Latin hypercube points; Sobol base sample N (N x (k + 2) points for k ranges, Saltelli); Morris trajectories "
            "(samples x (k + 1) points)"
        ),
        "lhs, sobol, morris",
        "integer >= 2; a power of 2 for sobol",
        "64",
    ),
    (
        "levels",
        "grid levels of Morris trajectories",
        "morris",
        "even integer >= 2",
        "4",
    ),
)

DESIGN_TEXT = """## [design]

A scenario file may add a `[design]`: the file then describes a sweep, every design point a copy
of the scenario with some keys changed. `kemitraan run FILE` runs it and `kemitraan check FILE`
shows its size and first points. The design's own random numbers (the sample) derive from
`scenario.seed`, apart from the runs'. At most 1,000,000 design points.

```toml
[design]
type = "factorial"
replications = 20
reference = "funding.public_scale=1,gotong_royong.enabled=true"

[design.factors]
"funding.public_scale" = [0.5, 1.0, 1.5]
"gotong_royong.enabled" = [true, false]
```

"""


def design_markdown() -> str:
    """The ``[design]`` section: every key, what it means, which designs use it, what is allowed, the default."""
    out = [
        DESIGN_TEXT,
        "| key | meaning | used by | allowed | default |\n|---|---|---|---|---|\n",
    ]
    for key, meaning, used, allowed, default in DESIGN_ROWS:
        out.append(f"| `{key}` | {meaning} | {used} | {allowed} | {default} |\n")
    return "".join(out) + "\n"


def markdown() -> str:
    """The whole reference page as Markdown."""
    out = [HEADER]
    for section in SECTIONS:
        out.append(f"## [{section}]\n\n{SECTION_TEXT[section]}\n\n")
        out.append(
            "| key | meaning | unit | default | range | essay's concept |\n|---|---|---|---|---|---|\n"
        )
        for p in PARAMETERS:
            if p.section == section:
                out.append(
                    f"| `{p.key}` | {p.meaning} | {p.unit} | {_value(p.default)} | {_range(p)} | {p.concept} |\n"
                )
        out.append("\n")
    out.append(design_markdown())
    return "".join(out)


def plain() -> str:
    """The reference as plain text for the terminal."""
    lines = []
    for section in SECTIONS:
        lines.append(f"[{section}]")
        for p in PARAMETERS:
            if p.section == section:
                lines.append(
                    f"  {p.key} = {_value(p.default)}  ({p.unit}; {_range(p)})  {p.meaning}"
                )
    return "\n".join(lines) + "\n"
