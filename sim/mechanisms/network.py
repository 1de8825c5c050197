"""Networks and search: who meets whom, and who is looking for partners this quarter.

Agents meet over a community-forum network (jejaring forum masyarakat) whose density is a
lever, mostly inside their own region. The information system (sistem informasi) widens the
search beyond one's own ties: each seeker also queries the whole population for its best
matches in one batched nearest-neighbour search (``scipy.spatial.cKDTree``), and each match
is visible with probability ``network.information_system``. Socialization (sosialisasi)
sets the share of agents looking for partners each quarter.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.state import CommunityState, FloatArray, IntArray, TieTable


def forum_network(rng: np.random.Generator, region: IntArray, density: float, local_share: float, trust: float) -> TieTable:
    """Draw the community-forum network.

    Args:
        rng: Random stream.
        region: Home region of every agent.
        density: Mean number of ties per agent.
        local_share: Share of ties whose second end is in the first end's region.
        trust: Trust every forum tie starts with.

    Returns:
        The tie table (duplicates and self-ties dropped, so the realised density can be a
        little below ``density`` in small populations).
    """
    n = region.shape[0]
    n_ties = int(round(n * density / 2))
    if n < 2 or n_ties == 0:
        return TieTable.from_pairs(n, np.zeros(0, np.int64), np.zeros(0, np.int64), trust, True)
    a = rng.integers(0, n, size=n_ties)
    # Local ties pick uniformly among agents of a's region via the region-sorted order.
    order = np.argsort(region, kind="stable")
    counts = np.bincount(region, minlength=int(region.max()) + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ra = region[a]
    local_pick = order[starts[ra] + np.floor(rng.random(n_ties) * counts[ra]).astype(np.int64)]
    # Non-local ties pick uniformly among agents of the other regions: skip a's block in the order.
    others = n - counts[ra]
    u = np.floor(rng.random(n_ties) * np.maximum(others, 1)).astype(np.int64)
    far_pick = order[np.where(u < starts[ra], u, u + counts[ra]) % n]
    local = (rng.random(n_ties) < local_share) | (others == 0)
    b = np.where(local, local_pick, far_pick)
    return TieTable.from_pairs(n, a, b, trust, True)


def seekers(rng: np.random.Generator, community: CommunityState, socialization: float) -> IntArray:
    """Agents with a free slot who look for partners this quarter.

    The chance is ``socialization x motivation / 0.5``: at the neutral motivation 0.5 it is
    exactly the socialization share; motivated agents look more often.
    """
    free = community.memberships < community.cap
    p = np.clip(socialization * community.motivation / 0.5, 0.0, 1.0)
    return np.flatnonzero(free & (rng.random(community.n) < p))


def search_features(community: CommunityState, complementarity_weight: float) -> tuple[FloatArray, FloatArray]:
    """Points and queries for the partner search.

    Points are ``[sqrt(1-w) * vision, sqrt(w) * endowment]``; a seeker queries with
    ``[sqrt(1-w) * vision, sqrt(w) * need]``. The squared distance is then
    ``(1-w)|v_i - v_j|^2 + w|need_i - endowment_j|^2``: near neighbours share the vision
    and bring what the seeker lacks.
    """
    w = complementarity_weight
    v = np.sqrt(1.0 - w) * community.vision
    points = np.hstack([v, np.sqrt(w) * community.endowment])
    queries = np.hstack([v, np.sqrt(w) * community.need])
    return points, queries


def network_candidates(rng: np.random.Generator, ties: TieTable, who: IntArray, k: int) -> tuple[IntArray, IntArray]:
    """Up to ``k`` random forum neighbours of each seeker (with replacement).

    Returns:
        (seeker, candidate) pairs; seekers without ties get none.
    """
    indptr, neighbours = ties.adjacency()
    degree = indptr[who + 1] - indptr[who]
    has = degree > 0
    who, degree = who[has], degree[has]
    if who.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    offsets = np.floor(rng.random((who.shape[0], k)) * degree[:, None]).astype(np.int64)
    cand = neighbours[indptr[who][:, None] + offsets]
    return np.repeat(who, k), cand.ravel()


def information_candidates(rng: np.random.Generator, points: FloatArray, queries: FloatArray, who: IntArray, k: int, reach: float) -> tuple[IntArray, IntArray]:
    """Best matches anywhere, each visible with probability ``reach``.

    One batched ``cKDTree`` query answers every seeker at once.
    """
    n = points.shape[0]
    if reach <= 0 or who.shape[0] == 0 or n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    kk = min(k + 1, n)
    tree = cKDTree(points)
    _, idx = tree.query(queries[who], k=kk)
    idx = np.asarray(idx).reshape(who.shape[0], kk)
    # Move the seeker itself (usually its own nearest point) to the end of its row, keep k.
    is_self = idx == who[:, None]
    idx = np.take_along_axis(idx, np.argsort(is_self, axis=1, kind="stable"), axis=1)[:, : min(k, n - 1)]
    seeker = np.repeat(who, idx.shape[1])
    cand = idx.ravel().astype(np.int64)
    visible = (cand != seeker) & (rng.random(cand.shape[0]) < reach)
    return seeker[visible], cand[visible]


def find_candidates(rng: np.random.Generator, community: CommunityState, ties: TieTable, who: IntArray, k: int, reach: float, complementarity_weight: float) -> tuple[IntArray, IntArray]:
    """All (seeker, candidate) pairs from both channels, self-pairs and full candidates dropped."""
    s1, c1 = network_candidates(rng, ties, who, k)
    points, queries = search_features(community, complementarity_weight)
    s2, c2 = information_candidates(rng, points, queries, who, k, reach)
    s = np.concatenate([s1, s2])
    c = np.concatenate([c1, c2])
    ok = (s != c) & (community.memberships[c] < community.cap[c])
    return s[ok], c[ok]
