"""Capacity building (SDM) and mentoring (pendampingan).

Three forces raise capacity, one lowers it, each quarter:

* training: the capacity budget is spent on all agents in proportion to their capacity
  gap; an agent's gain is ``gap x (1 - exp(-training_effect x spend))``;
* mentoring: in a partnership with an NGO or a university, the other members close
  ``capacity.mentoring`` of their gap to the best mentor's capacity;
* learning by doing: members close ``capacity.learning`` of their gap to 1;
* decay: everyone loses ``capacity.decay`` of their capacity.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import KINDS
from sim.state import MENTOR_KINDS, NO_MEMBER
from sim.world import World

# Whether each kind (index into KINDS) mentors its partners: NGOs and universities.
MENTORS = np.isin(np.arange(len(KINDS)), MENTOR_KINDS)


def build_capacity(model: World) -> None:
    """One quarter of training, mentoring, learning and decay."""
    cp, community, table, ledger = (
        model.params["capacity"],
        model.community,
        model.partnerships,
        model.ledger,
    )
    cap = community.capacity
    n = community.n
    budget = (
        cp["budget"] * model.public_factor * float(model.regions.population.sum()) / 4.0
    )
    ledger.credit("central", budget)
    gap = 1.0 - cap
    # Training goes to organisations in proportion to their capacity gap; its effect depends on
    # the spending per organisation (Rp million), so the sample size does not change it.
    orgs = community.organisations
    need = gap * orgs
    if n and need.sum() > 0 and budget > 0:
        spend = budget * need / need.sum()
        ledger.spend("central", "capacity", spend.sum())
        training = gap * (
            1.0 - np.exp(-cp["training_effect"] * spend / 1e6 / np.maximum(orgs, 1e-12))
        )
    else:
        training = np.zeros(n)
    ledger.lapse("central")

    ids = table.active_ids()
    mentoring = np.zeros(n)
    learning = np.zeros(n)
    if ids.shape[0]:
        members = table.members[ids]
        mask = members != NO_MEMBER
        idx = np.maximum(members, 0)
        is_mentor = mask & MENTORS[community.kind[idx]]
        member_cap = np.take(cap, idx)
        best = np.where(is_mentor, member_cap, -1.0).max(axis=1)
        gain = np.where(
            mask & (best[:, None] > member_cap),
            cp["mentoring"] * (best[:, None] - member_cap),
            0.0,
        )
        # An agent in several partnerships takes its best mentor's lesson, not the sum.
        np.maximum.at(mentoring, idx[mask], gain[mask])
        in_any = np.zeros(n, dtype=bool)
        in_any[idx[mask]] = True
        learning[in_any] = cp["learning"] * (1.0 - cap[in_any])
    community.capacity = np.clip(
        cap + training + mentoring + learning - cp["decay"] * cap, 0.0, 1.0
    )
