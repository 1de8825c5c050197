"""Indonesia's recent history as scheduled events, added to every run whose years it covers.

With ``scenario.history = true`` (the default) a scenario's runs carry these events where they
fall between its start and its end, before the file's own ``[[events]]``; ``kemitraan check``
lists them. Each says where its number comes from.

* COVID-19 (2020): every region's per-capita expenditure falls. BPS's national adjusted
  expenditure went from 11,059 (2018) to 11,299 (2019) to 11,013 thousand rupiah (2020): the
  2020 change (log -0.0256) less the 2019 one (+0.0215) is a shock of -0.047 against the path.
  A simulated year's state at its first quarter holds BPS's figures of that year, so a change
  that BPS's 2020 figures show happens in the four quarters before 2020.0: the shock is in force
  from 2019.0 and lifted at 2020.0 (a run starting in 2020 starts from the shocked figures and
  gets no event). Only the national 2018-2020 figures are used, so the held-out 2022 stays out.
* Village funds (Dana Desa): the APBN allocation per person changes with the yearly budget
  (Rp trillion: 70 in 2019, 71.2 in 2020, 72 in 2021, 68 in 2022; populations 266.9, 270.2,
  272.7 and 275.8 million), as a multiplier on ``funding.village_fund`` so a scenario's own
  level is kept.
"""

from __future__ import annotations

from typing import Any

HISTORY_LABEL = "history: "

EVENTS: tuple[dict[str, Any], ...] = (
    {
        "year": 2019.0,
        "set": "shocks.expenditure",
        "value": -0.047,
        "label": HISTORY_LABEL + "COVID-19: the fall in BPS's 2020 expenditure",
    },
    {
        "year": 2020.0,
        "set": "shocks.expenditure",
        "value": 0.0,
        "label": HISTORY_LABEL + "COVID-19 shock lifted",
    },
    {
        "year": 2020.0,
        "set": "funding.village_fund",
        "multiply": 1.0046,
        "label": HISTORY_LABEL + "Dana Desa 2020 (Rp 71.2 trillion)",
    },
    {
        "year": 2021.0,
        "set": "funding.village_fund",
        "multiply": 1.0019,
        "label": HISTORY_LABEL + "Dana Desa 2021 (Rp 72 trillion)",
    },
    {
        "year": 2022.0,
        "set": "funding.village_fund",
        "multiply": 0.934,
        "label": HISTORY_LABEL + "Dana Desa 2022 (Rp 68 trillion)",
    },
)


def events_between(start: float, end: float) -> list[dict[str, Any]]:
    """The historical events that fall in ``[start, end)``, as ``[[events]]`` tables."""
    return [dict(e) for e in EVENTS if start <= e["year"] < end]


def is_historical(label: str) -> bool:
    """Whether an event came from this history rather than from the scenario file."""
    return label.startswith(HISTORY_LABEL)
