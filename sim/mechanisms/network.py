"""Networks and search: who meets whom, and who is looking for partners this quarter.

Agents meet over a community-forum network (jejaring forum masyarakat) whose density is a
lever, mostly inside their own region. The information system (sistem informasi) widens the
search beyond one's own ties: each seeker also queries the whole population for its best
matches in one batched nearest-neighbour search (``scipy.spatial.cKDTree``), and each match
is visible with probability ``network.information_system``. Socialization (sosialisasi)
sets the share of agents looking for partners each quarter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from sim.state import CommunityState, FloatArray, IntArray, TieTable


def forum_network(
    rng: np.random.Generator,
    region: IntArray,
    density: float,
    local_share: float,
    trust: float,
) -> TieTable:
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
    n_ties = round(n * density / 2)
    if n < 2 or n_ties == 0:
        return TieTable.from_pairs(
            n, np.zeros(0, np.int64), np.zeros(0, np.int64), trust, True
        )
    a = rng.integers(0, n, size=n_ties)
    # Local ties pick uniformly among agents of a's region via the region-sorted order.
    order = np.argsort(region, kind="stable")
    counts = np.bincount(region, minlength=int(region.max()) + 1)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    ra = region[a]
    local_pick = order[
        starts[ra] + np.floor(rng.random(n_ties) * counts[ra]).astype(np.int64)
    ]
    # Non-local ties pick uniformly among agents of the other regions: skip a's block in the order.
    others = n - counts[ra]
    u = np.floor(rng.random(n_ties) * np.maximum(others, 1)).astype(np.int64)
    far_pick = order[np.where(u < starts[ra], u, u + counts[ra]) % n]
    local = (rng.random(n_ties) < local_share) | (others == 0)
    b = np.where(local, local_pick, far_pick)
    return TieTable.from_pairs(n, a, b, trust, True)


def seekers(
    rng: np.random.Generator, community: CommunityState, socialization: float
) -> IntArray:
    """Agents with a free slot who look for partners this quarter.

    The chance is ``socialization x motivation / 0.5``: at the neutral motivation 0.5 it is
    exactly the socialization share; motivated agents look more often.
    """
    free = community.memberships < community.cap
    p = np.clip(socialization * community.motivation / 0.5, 0.0, 1.0)
    return np.flatnonzero(free & (rng.random(community.n) < p))


def search_features(
    community: CommunityState, complementarity_weight: float
) -> tuple[FloatArray, FloatArray]:
    """Points and queries for the partner search.

    Points are ``[sqrt(1-w) * vision, sqrt(w) * endowment]``; a seeker queries with
    ``[sqrt(1-w) * vision, sqrt(w) * need]``. The squared distance is then
    ``(1-w)|v_i - v_j|^2 + w|need_i - endowment_j|^2``: near neighbours share the vision
    and bring what the seeker lacks.
    """
    return search_points(community, complementarity_weight), search_queries(
        community, complementarity_weight
    )


def search_points(
    community: CommunityState,
    complementarity_weight: float,
    rows: IntArray | None = None,
) -> FloatArray:
    """The search points (of ``rows`` only, if given: the same numbers as those rows of all points)."""
    w = complementarity_weight
    vision = (
        community.vision if rows is None else np.take(community.vision, rows, axis=0)
    )
    endowment = (
        community.endowment
        if rows is None
        else np.take(community.endowment, rows, axis=0)
    )
    return np.hstack([np.sqrt(1.0 - w) * vision, np.sqrt(w) * endowment])


def search_queries(
    community: CommunityState,
    complementarity_weight: float,
    rows: IntArray | None = None,
) -> FloatArray:
    """The seekers' queries (of ``rows`` only, if given: the same numbers as those rows of all queries)."""
    w = complementarity_weight
    vision = (
        community.vision if rows is None else np.take(community.vision, rows, axis=0)
    )
    endowment = (
        community.endowment
        if rows is None
        else np.take(community.endowment, rows, axis=0)
    )
    return np.hstack([np.sqrt(1.0 - w) * vision, np.sqrt(w) * (1.0 - endowment)])


def network_candidates(
    rng: np.random.Generator, ties: TieTable, who: IntArray, k: int
) -> tuple[IntArray, IntArray]:
    """Up to ``k`` random forum neighbours of each seeker (with replacement).

    Returns:
        (seeker, candidate) pairs; seekers without ties get none.
    """
    indptr = ties.list_starts()
    degree = indptr[who + 1] - indptr[who]
    has = degree > 0
    who, degree = who[has], degree[has]
    if who.shape[0] == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    offsets = np.floor(rng.random((who.shape[0], k)) * degree[:, None]).astype(np.int64)
    cand = ties.neighbours_at(indptr[who][:, None] + offsets)
    return np.repeat(who, k), cand.ravel()


PARALLEL_QUERIES = 4_096  # query rows from which a search uses every core
# Grid cells per unit of a search coordinate, for the order in which large batches are searched.
LOCALITY_CELLS = 8


class SearchTree:
    """The k-d tree (``cKDTree``) the partner search queries, over points that do not change.

    Sliding-midpoint splits without node compaction and leaves of 64 points build and answer
    two to three times faster on these 8-dimensional features than the defaults (median
    splits, leaves of 16), and the points are stored in the tree's own order so that a leaf's
    points sit together in memory; the neighbours found are the same. Only that ordered copy
    is kept (``order`` maps it back to agents).

    Args:
        points: (n, d) points.
    """

    def __init__(self, points: FloatArray):
        """Build the tree twice: once to learn its leaf order, once over the reordered points."""
        self.n, self.dim = points.shape
        first = cKDTree(points, leafsize=64, balanced_tree=False, compact_nodes=False)
        self.order = np.asarray(first.indices, dtype=np.int64)
        del first
        self.tree = cKDTree(
            points[self.order], leafsize=64, balanced_tree=False, compact_nodes=False
        )

    def query(self, queries: FloatArray, k: int, arrange: bool = False) -> IntArray:
        """(m, k) indices of the k nearest points of each query row, nearest first.

        Large batches are split over every core (each row's answer is its own, so the result
        is the same whatever the threads); small ones stay on one, where threads cost more.
        With ``arrange``, a large batch in no useful order is searched in an order that keeps
        neighbouring queries together (a caller whose rows already follow the tree's order
        leaves it off).
        """
        m = queries.shape[0]
        workers = -1 if m >= PARALLEL_QUERIES else 1
        if not arrange or m < PARALLEL_QUERIES:
            _, idx = self.tree.query(queries, k=k, workers=workers)
            return self.order[np.asarray(idx, dtype=np.int64).reshape(m, k)]
        # Neighbouring queries walk the same branches of the tree: searched in an order that
        # keeps them together (by their coordinates on a coarse grid), answers put back in place.
        grid = np.floor(queries * LOCALITY_CELLS).astype(np.int64)
        walk = np.lexsort(grid.T[::-1])
        _, idx = self.tree.query(queries[walk], k=k, workers=workers)
        out = np.empty((m, k), dtype=np.int64)
        out[walk] = self.order[np.asarray(idx, dtype=np.int64).reshape(m, k)]
        return out


def community_tree(
    community: CommunityState, complementarity_weight: float
) -> SearchTree:
    """The search tree over the community's points: built once a run (``CommunityState.derived``).

    Visions and endowments do not change during a run (they are read only); a community
    whose arrays can still be written gets a fresh tree on every call.
    """
    w = complementarity_weight
    return community.derived(
        f"search_tree:{w!r}",
        lambda: SearchTree(search_points(community, w)),
        community.vision,
        community.endowment,
    )


class NearestMatches:
    """The ``k`` nearest points of query rows, remembered while the query stays the same.

    Visions and endowments do not change during a run, so an agent's best matches are the same
    every quarter: they are searched once (:func:`prepare_search`, when the model is built) and
    looked up afterwards. A partnership's query changes only when it takes in a member: its
    remembered answer is checked against its query every call and searched again when the
    query changed. The answers are exactly those of a fresh ``cKDTree`` query (a row's answer
    does not depend on which other rows are searched with it).

    Args:
        tree: The points' search tree.
        k: Neighbours per query (capped at the number of points).
        query_rows: For the community's own queries (key ``i`` is agent ``i``, whose query
            never changes while the tree is the same): a function giving the queries of some
            agents. Then no query is stored or compared.
    """

    def __init__(
        self,
        tree: SearchTree,
        k: int,
        query_rows: Callable[[IntArray], FloatArray] | None = None,
    ):
        """Start with no remembered answers; rows are added as keys are first asked for."""
        self.tree = tree
        self.k = min(k, tree.n)
        self.query_rows = query_rows
        self.queries = np.zeros((0, tree.dim))
        self.found = np.zeros((0, self.k), dtype=np.int64)
        self.known = np.zeros(0, dtype=bool)

    def _grow(self, need: int) -> None:
        if need <= self.known.shape[0]:
            return
        if self.query_rows is not None:
            grow = (
                max(need, self.tree.n) - self.known.shape[0]
            )  # the keys are the agents: room for all at once
        else:
            grow = max(need, 2 * self.known.shape[0]) - self.known.shape[0]
            self.queries = np.concatenate(
                [self.queries, np.zeros((grow, self.queries.shape[1]))]
            )
        self.found = np.concatenate(
            [self.found, np.zeros((grow, self.k), dtype=np.int64)]
        )
        self.known = np.concatenate([self.known, np.zeros(grow, dtype=bool)])

    def nearest(self, keys: IntArray, queries: FloatArray) -> IntArray:
        """(m, k) nearest points, nearest first, of the query rows; ``keys`` (distinct, >= 0) name them for reuse."""
        if self.query_rows is not None:
            raise ValueError("these matches are the community's own: use nearest_rows")
        m = keys.shape[0]
        if m == 0:
            return np.zeros((0, self.k), dtype=np.int64)
        self._grow(int(keys.max()) + 1)
        out = np.take(self.found, keys, axis=0)
        miss = np.flatnonzero(
            ~(
                self.known[keys]
                & np.all(np.take(self.queries, keys, axis=0) == queries, axis=1)
            )
        )
        if miss.shape[0]:
            idx = self.tree.query(queries[miss], self.k, arrange=True)
            out[miss] = idx
            rows = keys[miss]
            self.found[rows] = idx
            self.queries[rows] = queries[miss]
            self.known[rows] = True
        return out

    def nearest_rows(self, rows: IntArray) -> IntArray:
        """(m, k) nearest points of agents ``rows``' own queries, searched only the first time."""
        if self.query_rows is None:
            raise ValueError("nearest_rows needs the community's query function")
        if rows.shape[0] == 0:
            return np.zeros((0, self.k), dtype=np.int64)
        self._grow(int(rows.max()) + 1)
        missing = rows[~self.known[rows]]
        # In blocks, so that the queries and the tree's distance arrays stay small at a million agents.
        for lo in range(0, missing.shape[0], SEARCH_BLOCK):
            part = missing[lo : lo + SEARCH_BLOCK]
            self.found[part] = self.tree.query(self.query_rows(part), self.k)
            self.known[part] = True
        return np.take(self.found, rows, axis=0)


SEARCH_BLOCK = 65_536


def nearest_matches(
    holder: Any,
    tree: SearchTree,
    k: int,
    query_rows: Callable[[IntArray], FloatArray] | None = None,
) -> NearestMatches:
    """The :class:`NearestMatches` kept on ``holder`` (the community, the partnership table), renewed with the tree."""
    memo = getattr(holder, "_nearest_matches", None)
    if (
        memo is None
        or memo.tree is not tree
        or memo.k != min(k, tree.n)
        or (memo.query_rows is None) != (query_rows is None)
    ):
        memo = NearestMatches(tree, k, query_rows)
        holder._nearest_matches = memo  # a cache, not a dataclass field
    return memo


def community_matches(
    community: CommunityState, k: int, complementarity_weight: float
) -> NearestMatches:
    """The community's remembered best matches, ``k`` per agent, for its own queries."""
    w = complementarity_weight
    return nearest_matches(
        community, community_tree(community, w), k, _CommunityQueries(community, w)
    )


class _CommunityQueries:
    """``search_queries(community, w, rows)`` as a picklable callable (the community's own queries)."""

    def __init__(self, community: CommunityState, complementarity_weight: float):
        self.community = community
        self.w = complementarity_weight

    def __call__(self, rows: IntArray) -> FloatArray:
        return search_queries(self.community, self.w, rows)


def prepare_search(community: CommunityState, params: dict) -> None:
    """Search every agent's best matches once, when the model is built (a constant of the run).

    The answers are the ones a seeker's first search would give, so nothing changes but
    when the work is done: the first quarters cost what the later ones do. Agents are
    searched in the tree's order of their points: a query is its point with the endowment
    reflected (``need = 1 - endowment``), which keeps distances, so neighbouring queries walk
    the same part of the tree one after another. Nothing is searched without the
    information system (``network.information_system`` 0) or for a community whose arrays
    can still be written (its tree is not kept).
    """
    if (
        params["network"]["information_system"] <= 0
        or community.n < 2
        or community.vision.flags.writeable
        or community.endowment.flags.writeable
    ):
        return
    memo = community_matches(
        community,
        params["network"]["candidates"] + 1,
        params["formation"]["complementarity_weight"],
    )
    memo.nearest_rows(memo.tree.order)


def information_candidates(
    rng: np.random.Generator,
    points: FloatArray | None,
    queries: FloatArray | None,
    who: IntArray,
    k: int,
    reach: float,
    matches: NearestMatches | None = None,
) -> tuple[IntArray, IntArray]:
    """Best matches anywhere, each visible with probability ``reach``.

    One batched ``cKDTree`` query answers every seeker at once (seekers whose matches are all
    invisible are not searched; ``matches`` remembers answers from earlier quarters). With
    the community's own ``matches`` (:func:`community_matches`), ``points`` and ``queries``
    are not needed.
    """
    own = matches is not None and matches.query_rows is not None
    if matches is not None and own:
        n = matches.tree.n
    else:
        assert points is not None  # needed without the community's own matches
        n = points.shape[0]
    if reach <= 0 or who.shape[0] == 0 or n < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    kk = min(k + 1, n)
    keep = min(k, n - 1)
    visible = (rng.random(who.shape[0] * keep) < reach).reshape(who.shape[0], keep)
    if matches is None:
        assert points is not None
        matches = NearestMatches(SearchTree(points), kk)
    idx = np.full((who.shape[0], kk), -1, dtype=np.int64)
    look = np.flatnonzero(visible.any(axis=1))
    if own:
        idx[look] = matches.nearest_rows(who[look])
    else:
        assert queries is not None
        idx[look] = matches.nearest(who[look], queries[who[look]])
    # Move the seeker itself (usually its own nearest point) to the end of its row, keep k.
    is_self = idx == who[:, None]
    idx = np.take_along_axis(idx, np.argsort(is_self, axis=1, kind="stable"), axis=1)[
        :, :keep
    ]
    seeker = np.repeat(who, keep)
    cand = idx.ravel()
    visible = visible.ravel() & (cand != seeker)
    return seeker[visible], cand[visible]


def find_candidates(
    rng: np.random.Generator,
    community: CommunityState,
    ties: TieTable,
    who: IntArray,
    k: int,
    reach: float,
    complementarity_weight: float,
) -> tuple[IntArray, IntArray]:
    """All (seeker, candidate) pairs from both channels, self-pairs and full candidates dropped."""
    s1, c1 = network_candidates(rng, ties, who, k)
    if reach > 0 and who.shape[0] and community.n > 1:
        s2, c2 = information_candidates(
            rng,
            None,
            None,
            who,
            k,
            reach,
            community_matches(community, k + 1, complementarity_weight),
        )
    else:
        s2, c2 = information_candidates(
            rng, np.zeros((community.n, 0)), None, who, k, reach
        )
    s = np.concatenate([s1, s2])
    c = np.concatenate([c1, c2])
    ok = (s != c) & (community.memberships[c] < community.cap[c])
    return s[ok], c[ok]
