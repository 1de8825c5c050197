"""Targeting: partnerships reach groups and places that programmes miss.

Programmes reach the average household of a region; a share ``targeting.reach`` of a
partnership's output reaches households the programmes miss (remote hamlets, the uninsured,
children out of school), where the marginal return is ``targeting.missed_return`` times the
average. Community-based targeting can do as well as a means test and be better accepted
(Alatas et al. 2012, AER 102(4)), but where local elites steer it the "missed" groups are the
already served: a ``missed_return`` below 1 makes a partnership worse than a programme.

A partnership chooses its target region from its members' home region or, through the
information system (``network.information_system``), from the needy regions: with probability
proportional to ``need ** targeting.need_focus`` (need = 1 - index / scale), so partnerships
spread over the needy regions instead of crowding into the single neediest one.
"""

from __future__ import annotations

import numpy as np

from sim.state import FloatArray, IntArray


def return_multiplier(params: dict) -> float:
    """Output multiplier of a partnership against a programme's average household."""
    tp = params["targeting"]
    return 1.0 + tp["reach"] * (tp["missed_return"] - 1.0)


def choose_regions(
    rng: np.random.Generator,
    home: IntArray,
    region_index: FloatArray,
    scale: float,
    params: dict,
) -> IntArray:
    """Target region of each new partnership: home, or (informed) a needy region drawn by need."""
    informed = rng.random(home.shape[0]) < params["network"]["information_system"]
    need = (
        np.clip(1.0 - region_index / scale, 1e-12, None)
        ** params["targeting"]["need_focus"]
    )
    p = need / need.sum()
    drawn = rng.choice(region_index.shape[0], size=home.shape[0], p=p)
    return np.where(informed, drawn, home)
