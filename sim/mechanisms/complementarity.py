"""Complementarity: partnership activity raises the effect of public spending on the same activity and place.

Community work raises the uptake and upkeep of public services (a posyandu volunteer brings
mothers to the clinic, a school committee keeps the building up; community monitoring of
health providers cut child mortality by a third in Björkman and Svensson 2009, QJE 124(2); the
PNPM Generasi block grants improved health and schooling uptake, Olken, Onishi and Wong 2014,
AEJ Applied 6(4)). In each region and activity, public programmes' effective investment is
multiplied by

    1 + strength x P / (P + half)

where ``P`` is partnership output per person there this quarter (Rp). The lift saturates, and
with ``strength`` 0 partnerships and programmes simply add up.
"""

from __future__ import annotations

from sim.state import FloatArray


def lift(
    partnership_output: FloatArray, population: FloatArray, params: dict
) -> FloatArray:
    """Multiplier on programme investment per region and activity, shape of ``partnership_output``.

    Args:
        partnership_output: Partnership output per region and activity this quarter (Rp).
        population: People per region.
        params: The levers (``complementarity`` section).
    """
    cp = params["complementarity"]
    per_person = partnership_output / population[:, None]
    return 1.0 + cp["strength"] * per_person / (per_person + cp["half"])
