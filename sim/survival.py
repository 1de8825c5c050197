"""Survival estimates for censored durations (time to target, partnership lifespans).

A run that ends before its target is reached, or a partnership still active when the run
ends, is right-censored: we know only that the event had not happened yet. Dropping such
cases, or treating the end of the run as the event, biases estimates; Kaplan-Meier
(``scipy.stats.ecdf`` on ``CensoredData``) uses them correctly.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class KMCurve:
    """A Kaplan-Meier curve of time to target, as a right-continuous step function.

    Attributes:
        times: 0, then every distinct observed time (event or censoring), then the longest
            observation if it is later.
        survival: Share of runs that have *not* reached the target just after each time.
        low, high: Pointwise confidence band of ``survival`` (NaN where undefined).
        n: Number of runs.
        reached: Number of runs that reached the target.
    """

    times: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: int
    reached: int

    @property
    def share_reached(self) -> np.ndarray:
        """Share of runs that have reached the target by each time (1 - survival)."""
        return 1.0 - self.survival

    def median(self) -> tuple[float, float, float]:
        """Median years to target and its confidence interval (NaN where a curve stays above 1/2).

        The interval's ends are where the band's lower and upper curves first fall to 1/2. Where
        the curve itself reaches 0 (every run has reached the target), Greenwood's band is 0
        too (scipy leaves it undefined), so the interval closes there.
        """

        def first(s: np.ndarray) -> float:
            hit = np.flatnonzero(np.nan_to_num(s, nan=1.0) <= 0.5)
            return float(self.times[hit[0]]) if hit.size else math.nan

        return first(self.survival), first(self.low), first(self.high)


def km_curve(
    durations: ArrayLike, observed: ArrayLike, confidence: float = CONFIDENCE
) -> KMCurve:
    """The Kaplan-Meier curve of possibly censored times to target.

    Uses ``scipy.stats.ecdf`` on ``CensoredData``: a run that ends before reaching its
    target is right-censored at the horizon, not dropped and not counted as reaching it.

    Args:
        durations: Years to target where reached, years observed (the horizon) otherwise.
        observed: Whether the target was reached.
        confidence: Level of the pointwise (Greenwood) confidence band.

    Example: times 2, 3, 3 (censored), 5, 8 (censored), 9 give S = 5/6 after 2, 2/3 after
    3, 4/9 after 5 and 8, and 0 after 9.
    """
    d = np.asarray(durations, dtype=float)
    o = np.asarray(observed, dtype=bool)
    keep = np.isfinite(d)
    d, o = d[keep], o[keep]
    n, k = int(d.size), int(o.sum())
    if n == 0:
        z = np.array([0.0])
        return KMCurve(z, np.array([1.0]), np.array([np.nan]), np.array([np.nan]), 0, 0)
    if k == 0:
        t = np.array([0.0, float(d.max())])
        one = np.ones(2)
        return KMCurve(t, one, np.full(2, np.nan), np.full(2, np.nan), n, 0)
    sf = stats.ecdf(stats.CensoredData(uncensored=d[o], right=d[~o])).sf
    times = np.asarray(sf.quantiles, dtype=float)
    surv = np.asarray(sf.probabilities, dtype=float)
    low = np.full(times.size, np.nan)
    high = np.full(times.size, np.nan)
    computed = False
    if n > 1:
        try:
            with warnings.catch_warnings():
                # Greenwood's interval is undefined where the curve reaches 0: NaN there.
                warnings.simplefilter("ignore", RuntimeWarning)
                ci = sf.confidence_interval(confidence_level=confidence)
            low = np.asarray(ci.low.evaluate(times), dtype=float)
            high = np.asarray(ci.high.evaluate(times), dtype=float)
            computed = True
        except (ValueError, ZeroDivisionError, FloatingPointError):
            pass
    if computed:
        # Where the curve is 0 its Greenwood variance is 0 too: the band closes on the curve.
        zero = surv <= 0.0
        low[zero & np.isnan(low)] = 0.0
        high[zero & np.isnan(high)] = 0.0
    t = np.concatenate([[0.0], times])
    s = np.concatenate([[1.0], surv])
    lo = np.concatenate([[1.0], low])
    hi = np.concatenate([[1.0], high])
    end = float(d.max())
    if end > t[-1]:
        t, s, lo, hi = (
            np.append(t, end),
            np.append(s, s[-1]),
            np.append(lo, lo[-1]),
            np.append(hi, hi[-1]),
        )
    return KMCurve(t, s, lo, hi, n, k)


def kaplan_meier(
    durations: np.ndarray, observed: np.ndarray, confidence: float = CONFIDENCE
) -> dict[str, float]:
    """Median duration with a confidence interval, from possibly censored observations.

    Args:
        durations: Time to the event where it happened, time observed otherwise.
        observed: Whether the event happened.
        confidence: Confidence level of the pointwise interval on the survival curve.

    Returns:
        ``median``, ``ci_low``, ``ci_high`` (NaN where the curve or its bound never falls to
        one half within the observations) and ``share_reached`` (share observed).
    """
    observed = np.asarray(observed, dtype=bool)
    curve = km_curve(durations, observed, confidence)
    median, low, high = (
        curve.median() if curve.reached else (math.nan, math.nan, math.nan)
    )
    return {
        "median": median,
        "ci_low": low,
        "ci_high": high,
        "share_reached": float(observed.mean()) if observed.size else math.nan,
    }


def restricted_mean(durations: np.ndarray, observed: np.ndarray) -> float:
    """Restricted mean duration: the area under the Kaplan-Meier curve up to the longest observation."""
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.size == 0:
        return math.nan
    if not observed.any():
        return float(durations.max())
    sf = stats.ecdf(
        stats.CensoredData(uncensored=durations[observed], right=durations[~observed])
    ).sf
    # The sum runs over exactly these terms so that stored results reproduce to the last bit.
    times = np.concatenate([[0.0], sf.quantiles, [durations.max()]])
    surv = np.concatenate([[1.0], sf.probabilities])
    return float(np.sum(surv * np.clip(np.diff(times), 0.0, None)))
