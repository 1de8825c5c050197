"""Statistics that respect censoring, with effect sizes and a multiplicity correction.

Time to target is right-censored: a run that ends before reaching the target tells us only
that its time is longer than the horizon. Putting the horizon in its place and calling the
mean a "mean time to target" understates the gap (a policy that never reaches the target reads
as a few weeks slower). What *can* be estimated without extrapolating is the **restricted mean
time to target** up to a stated restriction ``tau`` (RMST: the area under the Kaplan-Meier
curve from 0 to ``tau``; Royston & Parmar 2013). The difference of two RMSTs is a valid,
interpretable effect ("over the first ``tau`` years, the target is reached on average d years
later"), and it is a lower bound on the gap in mean times when one side is mostly censored.

Pairing: replication r of every design point shares its seed (common random numbers). When
every censored run is censored at or after ``tau`` (always so when ``tau`` is the horizon),
the Kaplan-Meier RMST equals the mean of ``min(T, tau)`` exactly, so the paired difference of
``min(T_i, tau)`` over replications is the RMST difference and its paired t interval is
valid. Otherwise (censoring before ``tau``), the interval comes from a paired bootstrap over
replications of the Kaplan-Meier RMSTs.

Verdicts: each claim is tested against a stated **minimum effect** ``delta`` (one-sided:
``H0: s * effect <= delta`` where ``s`` is the expected sign), and the p-values of a family of
claims are corrected with **Holm**'s step-down method (``statsmodels``). A claim

* ``holds`` when the corrected p-value of "larger than ``delta`` in the expected direction" is
  below ``alpha``;
* ``fails`` when the corrected p-value of "larger than ``delta`` the other way" is below ``alpha``;
* is ``negligible`` when the whole interval lies within ``(-delta, delta)``;
* is ``unclear`` otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from sim.survival import CONFIDENCE

ALPHA = 0.05
BOOTSTRAP = 2000

# Minimum effects worth the name, per outcome: (size, "abs" | "rel"); "rel" is a share of the
# reference mean. Years: one quarter, the model's time step. Index: 0.1 IPM point (BPS publishes
# two decimals, but a change below a tenth is within year-to-year noise). Shares: one
# percentage point. Counts and lifespans: 5% of the reference.
MIN_EFFECT: dict[str, tuple[float, str]] = {
    "years_to_target_or_horizon": (0.25, "abs"),
    "final_index": (0.1, "abs"),
    "government_share": (0.01, "abs"),
    "participation_share": (0.01, "abs"),
    "business_participation": (0.01, "abs"),
    "cross_sector_share": (0.01, "abs"),
    "cohesion": (0.01, "abs"),
    "partnerships_formed": (0.05, "rel"),
    "mean_active_partnerships": (0.05, "rel"),
    "mean_lifespan_years": (0.05, "rel"),
    "mean_volunteering": (0.05, "rel"),
    "inequality": (0.05, "rel"),
    "government_spending": (0.05, "rel"),
    "total_spending": (0.05, "rel"),
}
DEFAULT_MIN_EFFECT = (0.05, "rel")

TIME_METHOD = "difference in restricted mean time to target up to {tau:g} years (Kaplan-Meier), paired by replication"
MEAN_METHOD = "paired mean difference (t interval over replications)"


@dataclass(frozen=True)
class Effect:
    """A paired difference (treatment - reference) with its interval and what it rests on.

    Attributes:
        estimate, low, high: The difference and its confidence interval.
        se: Its standard error; ``df`` the degrees of freedom (``inf`` for a normal approximation).
        n: Number of pairs.
        method: How it was computed, in words (the restriction included for times).
        censored, censored_ref: Runs not reaching the target, treatment and reference (0 for
            outcomes that are not times).
        tau: The restriction of a restricted mean (NaN for other outcomes).
    """

    estimate: float
    low: float
    high: float
    se: float
    df: float
    n: int
    method: str
    censored: int = 0
    censored_ref: int = 0
    tau: float = math.nan

    def as_dict(self) -> dict[str, float | int | str]:
        """The fields as a plain dict, one table row."""
        return asdict(self)


def _t_effect(diff: np.ndarray, confidence: float, method: str, **extra) -> Effect:
    diff = np.asarray(diff, dtype=float)
    diff = diff[np.isfinite(diff)]
    n = int(diff.size)
    if n == 0:
        return Effect(
            math.nan, math.nan, math.nan, math.nan, math.nan, 0, method, **extra
        )
    m = float(diff.mean())
    if n < 2:
        return Effect(m, math.nan, math.nan, math.nan, math.nan, n, method, **extra)
    se = float(diff.std(ddof=1) / math.sqrt(n))
    h = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * se
    return Effect(m, m - h, m + h, se, float(n - 1), n, method, **extra)


def paired_difference(
    treatment: ArrayLike,
    reference: ArrayLike,
    confidence: float = CONFIDENCE,
) -> Effect:
    """Mean of paired differences with a t interval (for outcomes that are never censored)."""
    d = np.asarray(treatment, dtype=float) - np.asarray(reference, dtype=float)
    return _t_effect(d, confidence, MEAN_METHOD)


def rmst(durations: ArrayLike, observed: ArrayLike, tau: float) -> float:
    """Restricted mean time to the event up to ``tau``: the area under the Kaplan-Meier curve on [0, tau].

    Uses ``scipy.stats.ecdf`` on ``CensoredData``. Example: times 2, 4 (reached) and 10
    (censored), tau 6: S = 1 on [0, 2), 2/3 on [2, 4), 1/3 on [4, 6], area 2 + 4/3 + 2/3 = 4.
    """
    d = np.asarray(durations, dtype=float)
    o = np.asarray(observed, dtype=bool)
    if d.size == 0:
        return math.nan
    if not o.any():
        # No event: S = 1 up to the last observation; beyond it the curve is unknown.
        if d.min() < tau:
            return math.nan
        return float(tau)
    sf = stats.ecdf(stats.CensoredData(uncensored=d[o], right=d[~o])).sf
    t = np.asarray(sf.quantiles, dtype=float)
    s = np.asarray(sf.probabilities, dtype=float)
    if d.max() < tau and s[-1] > 0:
        return math.nan  # the curve is unknown between the last observation and tau
    keep = t < tau
    grid = np.concatenate([[0.0], t[keep], [tau]])
    surv = np.concatenate([[1.0], s[keep]])
    return float(np.sum(surv * np.diff(grid)))


def administrative(durations: np.ndarray, observed: np.ndarray, tau: float) -> bool:
    """Whether every censored run is censored at or after ``tau`` (then RMST = mean of min(T, tau))."""
    return bool(
        np.all(np.asarray(durations)[~np.asarray(observed, dtype=bool)] >= tau - 1e-9)
    )


def rmst_difference(
    durations: ArrayLike,
    observed: ArrayLike,
    ref_durations: ArrayLike,
    ref_observed: ArrayLike,
    tau: float,
    confidence: float = CONFIDENCE,
    *,
    n_boot: int = BOOTSTRAP,
    seed: int = 0,
) -> Effect:
    """Paired difference in restricted mean time to target up to ``tau`` (treatment - reference).

    The arrays are aligned by replication (pair i is replication i of both points). ``durations``
    hold years to target where reached, years observed otherwise.

    Args:
        durations: The treatment's times (to target, or observed when censored).
        observed: Whether the treatment's run reached the target.
        ref_durations: The reference's times, paired with ``durations``.
        ref_observed: Whether the reference's run reached the target.
        tau: The restriction, in years (usually the horizon).
        confidence: Level of the interval.
        n_boot: Bootstrap resamples, used only when some run is censored before ``tau``.
        seed: Seed of the bootstrap.
    """
    d, o = np.asarray(durations, dtype=float), np.asarray(observed, dtype=bool)
    rd, ro = (
        np.asarray(ref_durations, dtype=float),
        np.asarray(ref_observed, dtype=bool),
    )
    if d.shape != rd.shape:
        raise ValueError(f"paired samples differ in size: {d.size} and {rd.size}")
    method = TIME_METHOD.format(tau=tau)
    extra: dict[str, Any] = {
        "censored": int((~o).sum()),
        "censored_ref": int((~ro).sum()),
        "tau": float(tau),
    }
    if administrative(d, o, tau) and administrative(rd, ro, tau):
        # min(T, tau) for reached runs; tau for censored ones (their time is beyond tau).
        a = np.where(o, np.minimum(d, tau), tau)
        b = np.where(ro, np.minimum(rd, tau), tau)
        return _t_effect(a - b, confidence, method, **extra)
    est = rmst(d, o, tau) - rmst(rd, ro, tau)
    rng = np.random.default_rng(seed)
    n = d.size
    boot = np.empty(n_boot)
    for i in range(n_boot):
        idx = rng.integers(0, n, n)
        boot[i] = rmst(d[idx], o[idx], tau) - rmst(rd[idx], ro[idx], tau)
    boot = boot[np.isfinite(boot)]
    if n < 2 or boot.size < 10 or not math.isfinite(est):
        return Effect(
            est,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            n,
            method + " (bootstrap)",
            **extra,
        )
    lo, hi = np.quantile(boot, [0.5 - confidence / 2, 0.5 + confidence / 2])
    return Effect(
        float(est),
        float(lo),
        float(hi),
        float(boot.std(ddof=1)),
        math.inf,
        n,
        method + " (paired bootstrap)",
        **extra,
    )


def min_effect(outcome: str, reference_mean: float = math.nan) -> float:
    """The minimum effect worth the name for an outcome (absolute, in the outcome's unit)."""
    size, kind = MIN_EFFECT.get(outcome, DEFAULT_MIN_EFFECT)
    if kind == "abs":
        return float(size)
    return (
        float(size * abs(reference_mean)) if math.isfinite(reference_mean) else math.nan
    )


def p_beyond(effect: Effect, sign: int, margin: float) -> float:
    """One-sided p-value of ``H0: sign * effect <= margin`` (small when the effect clearly exceeds ``margin`` in direction ``sign``)."""
    if not (math.isfinite(effect.estimate) and math.isfinite(effect.se)):
        return math.nan
    margin = 0.0 if not math.isfinite(margin) else margin
    if effect.se == 0:
        return 0.0 if sign * effect.estimate >= margin - 1e-12 else 1.0
    z = (sign * effect.estimate - margin) / effect.se
    dist = stats.norm if not math.isfinite(effect.df) else stats.t(effect.df)
    return float(dist.sf(z))


def holm(pvalues: ArrayLike, alpha: float = ALPHA) -> np.ndarray:
    """Holm's step-down adjusted p-values (``statsmodels.stats.multitest.multipletests``); NaN stays NaN.

    Example: p = 0.01, 0.04, 0.03 (three tests) give 0.03, 0.06, 0.06.
    """
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if ok.any():
        out[ok] = multipletests(p[ok], alpha=alpha, method="holm")[1]
    return out


def verdict(
    effect: Effect,
    sign: int,
    margin: float,
    p_holds: float,
    p_fails: float,
    alpha: float = ALPHA,
) -> str:
    """``holds`` / ``fails`` / ``negligible`` / ``unclear`` from Holm-corrected one-sided p-values (module docstring)."""
    if math.isfinite(p_holds) and p_holds < alpha:
        return "holds"
    if math.isfinite(p_fails) and p_fails < alpha:
        return "fails"
    if (
        math.isfinite(effect.low)
        and math.isfinite(effect.high)
        and math.isfinite(margin)
        and -margin < effect.low
        and effect.high < margin
    ):
        return "negligible"
    return "unclear"


def direction_verdict(
    effect: Effect, margin: float, p_up: float, p_down: float, alpha: float = ALPHA
) -> str:
    """For comparisons without an expected direction: ``higher`` / ``lower`` (beyond the margin), ``negligible`` or ``unclear``."""
    v = verdict(effect, +1, margin, p_up, p_down, alpha)
    return {"holds": "higher", "fails": "lower"}.get(v, v)


def censored_verdict(
    verdict: str,
    censored: int,
    censored_ref: int,
    n: int,
    higher: str = "higher",
    lower: str = "lower",
) -> str:
    """A time-to-target verdict where most runs of a side never reach the target.

    The restricted mean difference is then a bound, not an estimate of the gap: with the
    treatment mostly censored it is a lower bound on the delay, so only ``higher`` (slower)
    can be concluded, otherwise the point is ``not reached``; with the reference mostly
    censored it bounds the gain from above, so only ``lower`` (faster) can be concluded;
    with both mostly censored, ``neither reaches``. ``negligible`` is never concluded from a bound.
    """
    trt, ref = censored * 2 > n, censored_ref * 2 > n
    if trt and ref:
        return "neither reaches"
    if trt:
        return higher if verdict == higher else "not reached"
    if ref:
        return lower if verdict == lower else "unclear"
    return verdict


def censoring_note(censored: int, n: int, target_text: str, tau: float) -> str:
    """Words for a point whose runs are mostly censored ("" when most runs reach the target)."""
    if n == 0 or censored * 2 <= n:
        return ""
    if censored == n:
        return f"not reached: none of the {n} runs reaches {target_text} within {tau:g} years; its time is beyond the horizon"
    return f"mostly censored: {censored} of {n} runs do not reach {target_text} within {tau:g} years"


def years_behind(
    final: Sequence[float],
    ref_final: Sequence[float],
    ref_start: Sequence[float],
    horizon: float,
    confidence: float = CONFIDENCE,
) -> tuple[Effect, float]:
    """How far behind the reference a point ends, in index points and in years at the reference's pace.

    Where a point (and perhaps the reference) mostly never reaches the target, the restricted
    mean difference is only a bound; the index gap at the horizon still measures the delay. Each
    replication's gap (reference - point, paired by seed) is divided by the reference's mean
    pace over the run (index gained per year); the mean over replications gets a t interval.
    This extrapolates beyond the horizon at the average pace, which overstates a pace that
    slows as the index nears its goalposts, so the years are, if anything, too few.

    Args:
        final: The point's index at the horizon, per replication.
        ref_final: The reference's index at the horizon, paired by replication.
        ref_start: The reference's index at the start.
        horizon: Years of the run.
        confidence: Level of the interval.

    Returns:
        The delay in years (positive: the point is behind) with its interval, and the
        reference's pace in index points a year.
    """
    point = np.asarray(final, dtype=float)
    ref = np.asarray(ref_final, dtype=float)
    pace = float(np.mean(ref - np.asarray(ref_start, dtype=float)) / horizon)
    if not pace > 0:
        nan = math.nan
        return Effect(nan, nan, nan, nan, nan, int(point.size), "no pace"), pace
    delay = (ref - point) / pace
    eff = _t_effect(
        delay,
        confidence,
        "index gap at the horizon over the reference's mean pace (paired t interval)",
    )
    return eff, pace
