"""Trust and cohesion (kerukunan): trust grows by working together and fades without it.

Ties are the community-forum network plus every pair that has worked together. Each
quarter the members of every active partnership close ``trust.growth`` of their gap to
full trust; every other tie loses ``trust.decay`` of its trust above its floor (the forum
keeps ``trust.initial`` alive; a tie made only by working together fades toward 0 and is
dropped). Social activities raise trust on the forum ties of their region. Cohesion is
the mean trust over all ties; per region it lowers the dissolution hazard.
"""

from __future__ import annotations

import numpy as np

from sim.parameters import ACTIVITIES
from sim.state import (
    FloatArray,
    IntArray,
    PartnershipTable,
    member_pairs,
    pair_keys,
    sorted_unique,
)
from sim.world import World

DROP_BELOW = 0.01
SOCIAL = ACTIVITIES.index("social")


def update(model: World, invest_social: FloatArray) -> None:
    """One quarter of trust dynamics.

    Args:
        model: The model.
        invest_social: Social-activity output per region this quarter (Rp million).
    """
    tp, ties, table = model.params["trust"], model.ties, model.partnerships
    ids = table.active_ids()
    _rows, keys = working_pairs(table, ids, ties.n)
    working = sorted_unique(keys)
    at = ties.ensure(working, tp["initial"], unique=True)
    together = np.zeros(ties.keys.shape[0], dtype=bool)
    together[at] = True
    floor = np.where(ties.forum, tp["initial"], 0.0)
    ties.trust = np.where(
        together,
        ties.trust + tp["growth"] * (1.0 - ties.trust),
        ties.trust - tp["decay"] * np.maximum(ties.trust - floor, 0.0),
    )
    # Social activities build kerukunan among the forum members of their region.
    ri, rj = ties.endpoint_labels(model.community.region)
    per_person = invest_social / model.regions.population / 1e6  # Rp million per person
    lift = np.clip(
        tp["social_effect"] * 0.5 * (per_person[ri] + per_person[rj]),
        0.0,
        1.0,
    )
    ties.trust = np.where(
        ties.forum, ties.trust + lift * (1.0 - ties.trust), ties.trust
    )
    np.clip(ties.trust, 0.0, 1.0, out=ties.trust)
    ties.drop(~ties.forum & ~together & (ties.trust < DROP_BELOW))


def working_pairs(
    table: PartnershipTable, ids: IntArray, n: int
) -> tuple[IntArray, IntArray]:
    """Every pair of members of the partnerships ``ids``: its row in ``ids`` and its pair key.

    The trust update and dissolution both read them in one quarter, when no partnership has
    formed, grown or ended in between: the pairs are remembered with the ids and member rows
    they came from, and made again as soon as either differs.
    """
    members = table.members[ids]
    memo = getattr(table, "_working_pairs", None)
    if (
        memo is not None
        and memo[0] == n
        and np.array_equal(memo[1], ids)
        and np.array_equal(memo[2], members)
    ):
        return memo[3], memo[4]
    rows, a, b = member_pairs(members)
    keys = pair_keys(a, b, n)
    # A cache, not a dataclass field.
    table.__dict__["_working_pairs"] = (n, ids, members, rows, keys)
    return rows, keys


def partnership_trust(model: World, ids: np.ndarray) -> FloatArray:
    """Mean trust among the members of each partnership."""
    ties = model.ties
    rows, keys = working_pairs(model.partnerships, ids, ties.n)
    pos, found = ties.find(keys)
    known = ties.trust[pos] if ties.trust.shape[0] else np.zeros(pos.shape[0])
    t = np.where(found, known, model.params["trust"]["initial"])
    total = np.bincount(rows, weights=t, minlength=ids.shape[0])
    count = np.bincount(rows, minlength=ids.shape[0])
    return np.divide(
        total,
        count,
        out=np.full(ids.shape[0], model.params["trust"]["initial"]),
        where=count > 0,
    )


def cohesion(model: World) -> float:
    """National cohesion: mean trust over all ties (the initial trust when there are none)."""
    t = model.ties.trust
    return float(t.mean()) if t.shape[0] else float(model.params["trust"]["initial"])


def regional_cohesion(model: World) -> FloatArray:
    """Mean trust over the ties of each region's agents."""
    ties, n_regions = model.ties, model.regions.n
    if ties.keys.shape[0] == 0:
        return np.full(n_regions, model.params["trust"]["initial"])
    # A tie between regions counts in both. The j ends are added on top of the i ends' sums in
    # tie order: the same additions, in the same order, as one count over both ends in turn,
    # without two copies of every tie.
    ri, rj = ties.endpoint_labels(model.community.region)
    total = np.bincount(ri, weights=ties.trust, minlength=n_regions)
    np.add.at(total, rj, ties.trust)
    count = np.bincount(ri, minlength=n_regions) + np.bincount(rj, minlength=n_regions)
    return np.divide(
        total,
        count,
        out=np.full(n_regions, model.params["trust"]["initial"]),
        where=count > 0,
    )
