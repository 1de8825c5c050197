"""Kaplan-Meier curves of time to target, runs that never reach it counted as censored."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


# --- Kaplan-Meier curves -------------------------------------------------------------------------

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


def km_curve(durations: Sequence[float], observed: Sequence[bool], confidence: float = CONFIDENCE) -> KMCurve:
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
        t, s, lo, hi = (np.append(t, end), np.append(s, s[-1]), np.append(lo, lo[-1]), np.append(hi, hi[-1]))
    return KMCurve(t, s, lo, hi, n, k)
