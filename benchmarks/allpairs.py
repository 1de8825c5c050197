"""The partner search a plain Mesa model would write: every pair scored in Python loops over agents.

This is the comparison for goal 2 of the performance benchmark. It is the model with one part
swapped: the formation mechanism's candidate search. Instead of the forum network plus one
batched nearest-neighbour query (:func:`sim.mechanisms.network.find_candidates`), every seeker
loops over every other community agent with a free slot, scores the pair with a plain Python
function reading the agents' own attributes, and proposes to its best partner above the vision
threshold. That is how ``mesa.examples.advanced.alliance_formation`` forms alliances (it
evaluates every pair of agents with a Python function, ``find_combinations``, and keeps each
agent's best, ``only_best_combination``).

The formation rule is the same: the same seekers, the same score (vision similarity and mutual
need, weighted by ``formation.complementarity_weight``), the same vision threshold, mutual best
choice, and the agreement that must pay every member after the transaction cost. The rest of
the step (recruitment, operation, development, evaluation, trust, capacity, dissolution, data
collection) is the model's own vectorised code, so the ratio of step times measures the partner
search alone, and it is conservative: a plain model would loop in those mechanisms too.

The results differ from the model's (every agent, not only network neighbours and visible
matches, is a candidate); this module is for timing only.
"""

from __future__ import annotations

import math

import numpy as np

from sim.agents import CommunityComponent
from sim.mechanisms import network
from sim.model import PartnershipModel


def pair_value(
    a: CommunityComponent, b: CommunityComponent, w: float
) -> tuple[float, float]:
    """Vision similarity and combined score of a proposal a -> b, in plain Python.

    The formula of :func:`sim.mechanisms.formation.pair_scores`: cosine similarity of the
    visions, and mutual need (the mean of the shares of each one's need the other covers).
    """
    dot = 0.0
    for x, y in zip(a.vision_weights, b.vision_weights, strict=True):
        dot += x * y
    sim = dot / max(a.vision_norm * b.vision_norm, 1e-12)
    ab = 0.0
    for need, have in zip(a.need_levels, b.endowment_levels, strict=True):
        ab += min(need, have)
    ba = 0.0
    for need, have in zip(b.need_levels, a.endowment_levels, strict=True):
        ba += min(need, have)
    comp = 0.5 * (ab / max(a.need_total, 1e-12) + ba / max(b.need_total, 1e-12))
    return sim, (1.0 - w) * sim + w * comp


class AllPairsModel(PartnershipModel):
    """:class:`sim.model.PartnershipModel` with an all-pairs partner search in Python loops.

    Args:
        *args: As for :class:`PartnershipModel`.
        all_pairs: Start with the all-pairs search on (``False``: the model's own search, e.g.
            to warm up to a steady state before timing; switch with :attr:`all_pairs`).
        **kwargs: As for :class:`PartnershipModel`.
    """

    def __init__(self, *args, all_pairs: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.all_pairs = all_pairs
        # Plain per-agent attributes, as a Mesa model without array state would keep them.
        c = self.community
        for agent in self.agents_by_type[CommunityComponent]:
            r = agent.row
            agent.vision_weights = tuple(c.vision[r].tolist())
            agent.vision_norm = math.sqrt(sum(x * x for x in agent.vision_weights))
            agent.endowment_levels = tuple(c.endowment[r].tolist())
            agent.need_levels = tuple((1.0 - c.endowment[r]).tolist())
            agent.need_total = sum(agent.need_levels)

    def step(self) -> None:
        """One quarter, with the all-pairs search in place of the model's candidate search."""
        if not self.all_pairs:
            super().step()
            return
        own = network.find_candidates
        network.find_candidates = self._all_pairs_candidates
        try:
            super().step()
        finally:
            network.find_candidates = own

    def _all_pairs_candidates(
        self, rng, community, ties, who, k, reach, complementarity_weight
    ):
        """Each seeker's best partner among all free agents (signature of ``network.find_candidates``)."""
        threshold = self.params["formation"]["vision_threshold"]
        agents = list(self.agents_by_type[CommunityComponent])
        free = (community.memberships < community.cap).tolist()
        seekers: list[int] = []
        partners: list[int] = []
        for row in who.tolist():
            a = self.community_agents[row]
            best, best_score = -1, -math.inf
            for b in agents:
                if b is a or not free[b.row]:
                    continue
                sim, score = pair_value(a, b, complementarity_weight)
                if sim >= threshold and score > best_score:
                    best, best_score = b.row, score
            if best >= 0:
                seekers.append(row)
                partners.append(best)
        return np.array(seekers, dtype=np.int64), np.array(partners, dtype=np.int64)
