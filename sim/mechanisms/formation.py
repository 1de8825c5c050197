"""Formation: a partnership forms only with shared vision, mutual need and an agreement that pays.

The essay's four conditions (two or more parties, kesamaan visi, kesepakatan, saling
membutuhkan) are tested in that order on batched arrays:

1. seekers propose to candidates found by :mod:`sim.mechanisms.network`;
2. a proposal needs vision similarity at least ``formation.vision_threshold``; it is scored
   by ``(1 - w) x similarity + w x complementarity`` (how much of the seeker's need the
   candidate covers), ``w = formation.complementarity_weight``;
3. each agent takes part in at most one new partnership a quarter: a proposal is kept when
   it is the best for both of its agents (mutual best, a one-round stable choice);
4. the agreement is signed only if every member's expected net benefit over the agreed term
   exceeds the transaction cost that regulation sets.

Groups grow beyond two: partnerships with room recruit the agent that adds most to their
quality, if every member, old and new, is better off with it.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms import network, targeting
from sim.mechanisms.operation import (
    MAX_QUALITY,
    coverage,
    deduction,
    member_constants,
    member_inputs,
    net_benefit,
    quality,
)
from sim.state import (
    NO_MEMBER,
    CommunityState,
    FloatArray,
    IntArray,
    first_occurrences,
    group_product,
    group_sum,
    pair_keys,
    row_sums,
)
from sim.world import World


def covered(need: FloatArray, endowment: FloatArray) -> FloatArray:
    """Share of a need vector that an endowment vector covers, row by row."""
    return row_sums(np.minimum(need, endowment)) / np.maximum(row_sums(need), 1e-12)


def vision_norms(community: CommunityState) -> FloatArray:
    """Each agent's vision length (computed once a run: visions do not change)."""
    vision = community.vision
    return community.derived(
        "vision_norm", lambda: np.linalg.norm(vision, axis=1), vision
    )


def pair_scores(
    community: CommunityState, s: IntArray, c: IntArray, w: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Vision similarity (cosine), complementarity and combined score of proposals s -> c.

    Complementarity is mutual need (saling membutuhkan): the mean of the share of the
    seeker's need the candidate covers and the share of the candidate's need the seeker
    covers, so both sides rank a proposal by the same symmetric score.
    """
    vision, endow = community.vision, community.endowment
    norm = vision_norms(community)
    m = s.shape[0]
    sim, comp = np.empty(m), np.empty(m)
    # Row by row, so in blocks: the same numbers, without (m, 4) temporaries of a million rows.
    for lo in range(0, m, PAIR_BLOCK):
        bs, bc = s[lo : lo + PAIR_BLOCK], c[lo : lo + PAIR_BLOCK]
        # np.take gathers rows several times faster than fancy indexing; norms are per agent.
        vs, vc = np.take(vision, bs, axis=0), np.take(vision, bc, axis=0)
        sim[lo : lo + PAIR_BLOCK] = row_sums(vs * vc) / np.maximum(
            np.take(norm, bs) * np.take(norm, bc), 1e-12
        )
        es, ec = np.take(endow, bs, axis=0), np.take(endow, bc, axis=0)
        comp[lo : lo + PAIR_BLOCK] = 0.5 * (
            covered(1.0 - es, ec) + covered(1.0 - ec, es)
        )
    return sim, comp, (1.0 - w) * sim + w * comp


PAIR_BLOCK = 65_536


def mutual_best(a: IntArray, b: IntArray, score: FloatArray) -> np.ndarray:
    """Proposals that are the best-scoring one for both of their agents.

    Ties are broken by proposal order, so the result is deterministic.
    """
    k = a.shape[0]
    if k == 0:
        return np.zeros(0, dtype=bool)
    prop = np.arange(k)
    if not np.isnan(score).any():
        # Each agent's best score, then the first proposal reaching it: no sort needed.
        size = int(max(a.max(), b.max())) + 1
        best = np.full(size, -np.inf)
        np.maximum.at(best, a, score)
        np.maximum.at(best, b, score)
        first = np.full(size, k)
        top_a, top_b = score == best[a], score == best[b]
        np.minimum.at(first, a[top_a], prop[top_a])
        np.minimum.at(first, b[top_b], prop[top_b])
        return (first[a] == prop) & (first[b] == prop)
    agent = np.concatenate([a, b])
    props = np.concatenate([prop, prop])
    sc = np.concatenate([score, score])
    order = np.lexsort((props, -sc, agent))
    first = np.ones(order.shape[0], dtype=bool)
    first[1:] = agent[order][1:] != agent[order][:-1]
    best_of = np.full(int(agent.max()) + 1, -1)
    best_of[agent[order][first]] = props[order][first]
    return (best_of[a] == prop) & (best_of[b] == prop)


def expected_net_benefit(
    model: World,
    members: IntArray,
    activity: IntArray,
    governance: FloatArray,
    extra_membership: np.ndarray,
    cover: FloatArray | None = None,
) -> FloatArray:
    """Each member's expected net benefit per quarter in a (prospective) group.

    Args:
        model: The model (levers, agents, last quarter's co-funding fill).
        members: (k, width) padded member matrix.
        activity: Activity of each group.
        governance: Governance quality of each group.
        extra_membership: (k, width) bool, true where the membership is new (splits the
            member's funds one more way).
        cover: The groups' coverage, if known (a partnership's own, unchanged members).

    Returns:
        (k, width) expected net benefit, 0 at padding.
    """
    p, community = model.params, model.community
    mask = members != NO_MEMBER
    idx = np.maximum(members, 0)
    after = community.memberships[idx] + extra_membership.astype(np.int64)
    # Inputs of the members only (not of every agent), each split over its memberships after joining.
    funds, labour = member_inputs(community.take(idx.ravel()), p, after.ravel())
    funds, labour = funds.reshape(idx.shape), labour.reshape(idx.shape)
    # Guard the split for agents that have no partnership yet.
    funds = np.where(after > 0, funds, 0.0)
    funds, labour = np.where(mask, funds, 0.0), np.where(mask, labour, 0.0)
    saved = np.where(mask, deduction(community.kind[idx], p, funds), 0.0)
    base = row_sums(funds + labour)
    leverage = (
        1.0
        + p["funding"]["cofunding_match"] * model.expect["cofunding_fill"]
        + model.expect["grant_ratio"]
    )
    output = base * leverage * quality(members, community, governance, cover)
    size = np.maximum(mask.sum(axis=1), 1)
    vis = np.where(mask, community.vision[idx, activity[:, None]], 0.0)
    nb = net_benefit(
        p["formation"]["impact_value"],
        vis,
        (output / size)[:, None],
        funds,
        labour,
        saved,
        p["gotong_royong"]["warm_glow"],
        model.expect["cash_per_participant"]
        * community.organisations[idx]
        / np.maximum(after, 1),
    )
    return np.where(mask, nb, 0.0)


def _target_region(model: World, home: IntArray) -> IntArray:
    """Home region, or with the information system's reach a needy region (targeting)."""
    return targeting.choose_regions(
        model.streams["formation"],
        home,
        model.region_index,
        model.index_scale,
        model.params,
    )


def form(model: World) -> IntArray:
    """Seekers propose, pairs that agree form partnerships. Returns the new partnership ids."""
    p, community = model.params, model.community
    fp = p["formation"]
    if not fp["enabled"]:
        return np.zeros(0, np.int64)
    rng = model.streams["formation"]
    who = network.seekers(
        model.streams["search"], community, p["network"]["socialization"]
    )
    s, c = network.find_candidates(
        model.streams["search"],
        community,
        model.ties,
        who,
        p["network"]["candidates"],
        p["network"]["information_system"],
        fp["complementarity_weight"],
    )
    if s.shape[0] == 0:
        return np.zeros(0, np.int64)
    # The same pair can come from both channels or both directions: keep its first proposal.
    # (Scores are symmetric in the pair, so dropping repeats before scoring changes nothing.)
    first = first_occurrences(pair_keys(s, c, community.n))
    s, c = s[first], c[first]
    sim, _comp, score = pair_scores(community, s, c, fp["complementarity_weight"])
    ok = sim >= fp["vision_threshold"]
    s, c, score = s[ok], c[ok], score[ok]
    keep = mutual_best(s, c, score)
    s, c = s[keep], c[keep]
    if s.shape[0] == 0:
        return np.zeros(0, np.int64)

    width = model.partnerships.width
    members = np.full((s.shape[0], width), NO_MEMBER, dtype=np.int64)
    members[:, 0], members[:, 1] = s, c
    activity = np.argmax(community.vision[s] + community.vision[c], axis=1)
    governance = np.clip(
        rng.normal(p["governance"]["quality"], 0.1, s.shape[0]), 0.0, 1.0
    )
    term = np.maximum(
        1, np.round(fp["term"] * rng.uniform(0.5, 1.5, s.shape[0]))
    ).astype(np.int64)
    new = members != NO_MEMBER
    nb = expected_net_benefit(model, members, activity, governance, new)
    # Each member pays the cost for every real organisation it stands for.
    tc = p["regulation"]["transaction_cost"]
    orgs = community.organisations[np.maximum(members, 0)]
    agree = np.all(np.where(new, term[:, None] * nb - tc * orgs > 0, True), axis=1)
    if not agree.any():
        return np.zeros(0, np.int64)
    members, activity, governance, term = (
        members[agree],
        activity[agree],
        governance[agree],
        term[agree],
    )
    region = _target_region(model, community.region[members[:, 0]])
    return model.open_partnerships(
        members, activity, region, term, governance, transaction_cost=tc
    )


def recruit(model: World, busy: IntArray) -> int:
    """Partnerships with room take in one more member where every member gains.

    Args:
        model: The model.
        busy: Agents that already joined a partnership this quarter (repeats allowed).

    Returns:
        Number of members added.
    """
    p, community, table = model.params, model.community, model.partnerships
    fp = p["formation"]
    if not fp["enabled"]:
        return 0
    ids = table.active_ids()
    ids = ids[table.size[ids] < fp["max_group_size"]]
    rng = model.streams["formation"]
    ids = ids[rng.random(ids.shape[0]) < p["network"]["socialization"]]
    if ids.shape[0] == 0:
        return 0
    members = table.members[ids]
    # Candidates: forum neighbours of a random member, and best matches through the information system.
    lead = members[
        np.arange(ids.shape[0]),
        np.floor(rng.random(ids.shape[0]) * table.size[ids]).astype(np.int64),
    ]
    k = p["network"]["candidates"]
    _, c1 = network.network_candidates(model.streams["search"], model.ties, lead, k)
    # network_candidates drops leads without ties and repeats each kept lead k times, in order.
    indptr = model.ties.list_starts()
    rows1 = np.repeat(np.flatnonzero(indptr[lead + 1] > indptr[lead]), k)
    w = fp["complementarity_weight"]
    gvision = group_sum(members, community.vision)
    gvision = gvision / np.maximum(gvision.sum(axis=1, keepdims=True), 1e-12)
    gap = group_product(members, 1.0 - community.endowment)
    queries = np.hstack([np.sqrt(1.0 - w) * gvision, np.sqrt(w) * gap])
    rows2 = np.zeros(0, np.int64)
    c2 = np.zeros(0, np.int64)
    reach = p["network"]["information_system"]
    if reach > 0 and community.n > 1:
        # Which of the kk best matches are visible is drawn first: only partnerships that see one are searched.
        kk = min(k, community.n)
        vis = (model.streams["search"].random(ids.shape[0] * kk) < reach).reshape(
            ids.shape[0], kk
        )
        look = np.flatnonzero(vis.any(axis=1))
        idx = np.full((ids.shape[0], kk), -1, dtype=np.int64)
        idx[look] = network.nearest_matches(
            table, network.community_tree(community, w), kk
        ).nearest(ids[look], queries[look])
        rows2 = np.repeat(np.arange(ids.shape[0]), kk)[vis.ravel()]
        c2 = idx.ravel()[vis.ravel()]
    rows = np.concatenate([rows1, rows2])
    cand = np.concatenate([c1, c2])
    free = community.memberships[cand] < community.cap[cand]
    already = (np.take(members, rows, axis=0) == cand[:, None]).any(axis=1)
    # Norms per partnership and per agent, then gathered: the same numbers row for row.
    gnorm = np.linalg.norm(gvision, axis=1)
    sim = row_sums(
        np.take(gvision, rows, axis=0) * np.take(community.vision, cand, axis=0)
    ) / np.maximum(np.take(gnorm, rows) * np.take(vision_norms(community), cand), 1e-12)
    joined = np.zeros(community.n, dtype=bool)
    joined[busy] = True
    ok = free & ~already & ~joined[cand] & (sim >= fp["vision_threshold"])
    rows, cand, sim = rows[ok], cand[ok], sim[ok]
    if rows.shape[0] == 0:
        return 0
    comp = covered(
        np.take(gap, rows, axis=0), np.take(community.endowment, cand, axis=0)
    )
    score = (1.0 - w) * sim + w * comp
    # One candidate per partnership and one partnership per candidate: mutual best again,
    # with partnership rows offset so they never collide with agent ids.
    keep = mutual_best(rows + community.n, cand, score)
    rows, cand = rows[keep], cand[keep]
    if rows.shape[0] == 0:
        return 0
    pid = ids[rows]
    old = table.members[pid]
    size = table.size[pid]
    grown = old.copy()
    grown[np.arange(pid.shape[0]), size] = cand
    newflag = np.zeros_like(grown, dtype=bool)
    newflag[np.arange(pid.shape[0]), size] = True
    act, gov = table.activity[pid], table.governance[pid]
    # Each group as it is and as it would be, in one evaluation (every row is its own).
    k = pid.shape[0]
    nb = expected_net_benefit(
        model,
        np.concatenate([old, grown]),
        np.concatenate([act, act]),
        np.concatenate([gov, gov]),
        np.concatenate([np.zeros_like(old, dtype=bool), newflag]),
        np.concatenate(
            [
                member_constants(table, community, pid)[0],
                coverage(grown, community.endowment),
            ]
        ),
    )
    nb_old, nb_new = nb[:k], nb[k:]
    remaining = np.maximum(table.term[pid] - (model.steps - table.start[pid]), 1)
    tc = p["regulation"]["transaction_cost"]
    old_mask = old != NO_MEMBER
    olds_gain = np.all(np.where(old_mask, nb_new >= nb_old, True), axis=1)
    newcomer_gain = (
        remaining * nb_new[np.arange(pid.shape[0]), size]
        - tc * community.organisations[cand]
        > 0
    )
    agree = olds_gain & newcomer_gain
    if not agree.any():
        return 0
    model.add_members(pid[agree], cand[agree], transaction_cost=tc)
    return int(agree.sum())


__all__ = [
    "MAX_QUALITY",
    "expected_net_benefit",
    "form",
    "mutual_best",
    "pair_scores",
    "recruit",
]
