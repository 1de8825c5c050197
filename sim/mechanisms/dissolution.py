"""Dissolution: partnerships end, and the reason is recorded.

Checked in this order each quarter, the first that applies is the reason:

1. ``funding_cut``: co-funding and grants fell by more than half while they were over a
   third of the pooled money (the support system pulled out);
2. ``low_trust``: members' mean trust fell below ``trust.dissolve_below``;
3. ``net_benefit``: some member's smoothed net benefit turned negative (no longer worth it);
4. ``term_ended``: the agreed term is over and the members do not renew (they renew with a
   probability equal to their mean trust, if every member still gains);
5. ``legal_uncertainty``: a dispute the law does not settle, with hazard
   ``base_hazard x (1 - legal_certainty) x (1 - regional cohesion)``.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import trust
from sim.state import NO_MEMBER
from sim.world import World

REASONS: tuple[str, ...] = (
    "funding_cut",
    "low_trust",
    "net_benefit",
    "term_ended",
    "legal_uncertainty",
)
# A partnership needs this many quarters before its realised benefit can end it.
GRACE_QUARTERS = 2


def dissolve(model: World) -> np.ndarray:
    """End the partnerships that meet a dissolution rule. Returns the ids dissolved."""
    p, table = model.params, model.partnerships
    ids = table.active_ids()
    if ids.shape[0] == 0:
        return ids
    rng = model.streams["dissolution"]
    age = model.steps - table.start[ids]
    prev, now = table.cofunding_prev[ids], table.cofunding[ids]
    cut = (prev > 0) & (now < 0.5 * prev) & (prev > table.pooled[ids] / 3.0)
    t = trust.partnership_trust(model, ids)
    low_trust = t < p["trust"]["dissolve_below"]
    nb = table.net_benefit[ids]
    mask = table.members[ids] != NO_MEMBER
    losing = (age >= GRACE_QUARTERS) & np.any(mask & (nb < 0), axis=1)
    over = age >= table.term[ids]
    renew = over & ~losing & (rng.random(ids.shape[0]) < t)
    term_ended = over & ~renew
    coh = trust.regional_cohesion(model)[table.region[ids]]
    hazard = (
        p["regulation"]["base_hazard"]
        * (1.0 - p["regulation"]["legal_certainty"])
        * (1.0 - coh)
    )
    dispute = rng.random(ids.shape[0]) < hazard
    # Renewal restarts the agreed term.
    table.start[ids[renew]] = model.steps
    conditions = np.stack([cut, low_trust, losing, term_ended, dispute])
    ends = conditions.any(axis=0)
    reason = np.argmax(conditions, axis=0)
    gone = ids[ends]
    model.close_partnerships(gone, reason[ends])
    return gone
