"""Evaluation and rewards: partnerships score themselves, reward schemes act on the scores.

Self-evaluation (penilaian oleh masyarakat sendiri): a partnership's score is its true
performance (output per rupiah, relative to the best possible) plus, as governance
weakens, a self-serving bias and noise. Reward schemes (sistem apresiasi, penghargaan dan
insentif), each with its own public budget:

* ``none``;
* ``recognition``: the best-scoring share is recognised; members' motivation rises;
* ``cash_per_participant``: the budget is paid out equally to every member of every active
  partnership; it enters their net benefit, but crowds out volunteering (motivation
  crowding: the village cash-for-work finding);
* ``performance``: grants, pro rata to score x size, to partnerships scoring at least the
  threshold, added to next quarter's pooled money;
* ``tournament``: the budget accumulates and once a year the best-scoring share shares it
  as prizes (added to pooled money) and recognition.

Motivation also follows success: members of partnerships scoring above 0.5 gain, below
lose; every agent's motivation drifts back toward the neutral 0.5.
"""

from __future__ import annotations

import numpy as np

from sim.mechanisms.operation import labour_value, member_constants
from sim.state import NO_MEMBER, FloatArray
from sim.world import World

# How far a dishonest self-evaluation moves toward a perfect score, and its noise.
SELF_BIAS = 0.6
SELF_NOISE = 0.15
# Motivation dynamics per quarter.
SUCCESS_LEARNING = 0.05
MOTIVATION_DRIFT = 0.02
VOLUNTEER_RECOVERY = 0.02
CROWDING_SPEED = 0.25


def self_score(
    rng: np.random.Generator, performance: FloatArray, honesty: float
) -> FloatArray:
    """Self-evaluated scores: exact when honesty is 1, inflated and noisy as it falls."""
    dishonest = 1.0 - honesty
    noise = rng.normal(0.0, SELF_NOISE, performance.shape[0]) * dishonest
    return np.clip(
        performance + dishonest * SELF_BIAS * (1.0 - performance) + noise, 0.0, 1.0
    )


def top_share(score: FloatArray, share: float, limit: int | None = None) -> np.ndarray:
    """Indices of the best ``share`` of scores (at least one when share > 0), ties by position."""
    k = int(np.ceil(share * score.shape[0])) if share > 0 else 0
    if limit is not None:
        k = min(k, limit)
    order = np.lexsort((np.arange(score.shape[0]), -score))
    return order[:k]


def _boost(model: World, members: np.ndarray, amount: float) -> None:
    agents = members[members != NO_MEMBER]
    m = model.community.motivation
    m[agents] += amount * (1.0 - m[agents])


def evaluate_and_reward(model: World) -> None:
    """Score every active partnership, pay the reward scheme, update motivation and volunteering."""
    p, community, table, ledger = (
        model.params,
        model.community,
        model.partnerships,
        model.ledger,
    )
    rp = p["rewards"]
    ids = table.active_ids()
    scores = self_score(
        model.streams["rewards"], table.performance[ids], p["governance"]["honesty"]
    )
    table.score[ids] = scores
    budget = (
        rp["budget"] * model.public_factor * float(model.regions.population.sum()) / 4.0
    )
    scheme = rp["scheme"]
    cash_paid = np.zeros(community.n)
    model.expect["cash_per_participant"] = 0.0

    if scheme != "none":
        ledger.credit("rewards", budget)
    # A model partnership stands for many real ones (its members' mean organisations), and an
    # agent for many organisations: awards and cash are paid for all of them.
    real = member_constants(table, community, ids)[1] if ids.shape[0] else np.zeros(0)
    if scheme == "recognition" and ids.shape[0]:
        ranked = top_share(scores, rp["winners_share"])
        cost = rp["award_cost"] * real[ranked]
        win = ranked[np.cumsum(cost) <= ledger.balance["rewards"] * (1.0 + 1e-12)]
        ledger.spend("rewards", "rewards", float(cost[: win.shape[0]].sum()))
        _boost(model, table.members[ids[win]], rp["recognition_boost"])
    elif scheme == "cash_per_participant":
        participants = np.flatnonzero(community.memberships > 0)
        if participants.shape[0]:
            per_organisation = ledger.balance["rewards"] / float(
                community.organisations[participants].sum()
            )
            cash_paid[participants] = (
                per_organisation * community.organisations[participants]
            )
            ledger.spend("rewards", "rewards", float(cash_paid.sum()))
            model.expect["cash_per_participant"] = per_organisation
    elif scheme == "performance" and ids.shape[0]:
        eligible = scores >= rp["performance_threshold"]
        weight = np.where(eligible, scores * table.size[ids] * real, 0.0)
        if weight.sum() > 0:
            grant = ledger.balance["rewards"] * weight / weight.sum()
            ledger.spend("rewards", "rewards", grant.sum())
            table.pending[ids] += grant
    elif scheme == "tournament" and ids.shape[0] and model.steps % 4 == 0:
        win = top_share(scores, rp["winners_share"])
        prize = (
            ledger.balance["rewards"] * real[win] / max(float(real[win].sum()), 1e-12)
        )
        ledger.spend("rewards", "rewards", float(prize.sum()))
        table.pending[ids[win]] += prize
        _boost(model, table.members[ids[win]], rp["recognition_boost"])
    if scheme in ("none", "recognition", "cash_per_participant", "performance"):
        ledger.lapse(
            "rewards"
        )  # only the tournament carries its fund over to the year's end

    # Success and failure move motivation; everyone drifts back toward neutral.
    if ids.shape[0]:
        members = table.members[ids]
        delta = np.repeat(SUCCESS_LEARNING * (scores - 0.5), members.shape[1])
        flat = members.ravel()
        ok = flat != NO_MEMBER
        np.add.at(community.motivation, flat[ok], delta[ok])
    community.motivation += MOTIVATION_DRIFT * (0.5 - community.motivation)
    np.clip(community.motivation, 0.0, 1.0, out=community.motivation)

    # Crowding out: cash relative to the value of the labour a member volunteers.
    labour = labour_value(community, p["gotong_royong"])
    paid = cash_paid > 0
    crowd = (
        rp["crowding_out"]
        * CROWDING_SPEED
        * cash_paid
        / np.maximum(cash_paid + labour, 1e-12)
    )
    community.volunteer = np.where(
        paid,
        community.volunteer * (1.0 - crowd),
        community.volunteer
        + VOLUNTEER_RECOVERY * (community.volunteer_base - community.volunteer),
    )
