"""Macro shocks: history that moves every region at once, such as COVID-19 in 2020.

While ``shocks.expenditure`` is non-zero, every region's per-capita expenditure changes by
that log amount a year (a quarter of it each quarter); while ``shocks.life_expectancy`` is
non-zero, every region's life expectancy changes by that many years a year. The shocks are
levers that scheduled events set and reset (``[[events]]`` in a scenario), so a historical
scenario carries the 2020 shock where it happened, and a scenario about the future can add
its own. Components stay within their goalposts.
"""

from __future__ import annotations

import numpy as np

from sim import hdi
from sim.state import RegionState

QUARTERS = 4.0


def apply(regions: RegionState, shocks: dict, method: hdi.Method) -> None:
    """Move every region's components by one quarter of the shocks in force, in place."""
    gp = hdi.goalposts(method)
    if shocks["expenditure"]:
        regions.income = np.clip(
            regions.income * np.exp(shocks["expenditure"] / QUARTERS),
            gp.income_min,
            gp.income_max,
        )
    if shocks["life_expectancy"]:
        regions.life_expectancy = np.clip(
            regions.life_expectancy + shocks["life_expectancy"] / QUARTERS,
            gp.le_min,
            gp.le_max,
        )
