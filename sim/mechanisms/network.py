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


def search_tree(points: FloatArray) -> cKDTree:
    """The k-d tree the partner search queries.

    Sliding-midpoint splits without node compaction build and answer faster on these
    8-dimensional features than the default median splits; the neighbours found are the same.
    """
    return cKDTree(points, balanced_tree=False, compact_nodes=False)


def community_tree(community: CommunityState, points: FloatArray) -> cKDTree:
    """The search tree over ``points``, reused while the points stay equal.

    Visions and endowments do not change during a run, so the tree is built once and kept on
    the community (checked against the points every call, so a changed array is never missed).
    """
    cached = getattr(community, "_search_tree", None)
    if cached is not None and cached[0].shape == points.shape and np.array_equal(cached[0], points):
        return cached[1]
    tree = search_tree(points)
    community._search_tree = (points, tree)  # type: ignore[attr-defined]  # not a dataclass field: a cache
    return tree


def ranked_neighbours(tree: cKDTree, queries: FloatArray, wanted: np.ndarray, exclude: IntArray | None = None) -> IntArray:
    """Nearest points of each query at the ranks where ``wanted`` is true.

    Args:
        tree: Tree over the points.
        queries: (m, d) query points.
        wanted: (m, k) bool; column r asks for the (r+1)-th nearest point.
        exclude: Optional point per query row never counted (the seeker itself).

    Returns:
        (m, k) point indices, ``-1`` where not wanted. Each row is searched only as deep as
        its last wanted rank and rows that want nothing are not searched, so the answers are
        those of one full ``k``-nearest query at a fraction of its cost.
    """
    m, k = wanted.shape
    out = np.full((m, k), -1, dtype=np.int64)
    depth = np.where(wanted.any(axis=1), k - np.argmax(wanted[:, ::-1], axis=1), 0)
    extra = 0 if exclude is None else 1
    for d in np.unique(depth[depth > 0]).tolist():
        rows = np.flatnonzero(depth == d)
        kq = d + extra
        _, idx = tree.query(queries[rows], k=kq)
        idx = np.asarray(idx, dtype=np.int64).reshape(rows.shape[0], kq)
        if exclude is not None:
            # Move the excluded point (when found) to the end of its row, keep d.
            is_self = idx == exclude[rows, None]
            idx = np.take_along_axis(idx, np.argsort(is_self, axis=1, kind="stable"), axis=1)
        out[rows, :d] = idx[:, :d]
    return out


def information_candidates(rng: np.random.Generator, points: FloatArray, queries: FloatArray, who: IntArray, k: int, reach: float,
                           tree: cKDTree | None = None) -> tuple[IntArray, IntArray]:
    """Best matches anywhere, each visible with probability ``reach``.

    One batched ``cKDTree`` search answers every seeker at once. Which of a seeker's k best
    matches are visible is drawn first, so the search goes only as deep as the visible ones.
    """
    n = points.shape[0]
    if reach <= 0 or who.shape[0] == 0 or n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    keep = min(k, n - 1)
    visible = (rng.random(who.shape[0] * keep) < reach).reshape(who.shape[0], keep)
    tree = search_tree(points) if tree is None else tree
    idx = ranked_neighbours(tree, queries[who], visible, exclude=who)
    seeker = np.repeat(who, keep)
    cand = idx.ravel()
    visible = visible.ravel() & (cand != seeker)
    return seeker[visible], cand[visible]


def find_candidates(rng: np.random.Generator, community: CommunityState, ties: TieTable, who: IntArray, k: int, reach: float, complementarity_weight: float) -> tuple[IntArray, IntArray]:
    """All (seeker, candidate) pairs from both channels, self-pairs and full candidates dropped."""
    s1, c1 = network_candidates(rng, ties, who, k)
    points, queries = search_features(community, complementarity_weight)
    tree = community_tree(community, points) if reach > 0 and who.shape[0] and points.shape[0] > 1 else None
    s2, c2 = information_candidates(rng, points, queries, who, k, reach, tree)
    s = np.concatenate([s1, s2])
    c = np.concatenate([c1, c2])
    ok = (s != c) & (community.memberships[c] < community.cap[c])
    return s[ok], c[ok]
