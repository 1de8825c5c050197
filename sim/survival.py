"""Survival estimates for censored durations (time to target, partnership lifespans).

A run that ends before its target is reached, or a partnership still active when the run
ends, is right-censored: we know only that the event had not happened yet. Dropping such
cases, or treating the end of the run as the event, biases estimates; Kaplan-Meier
(``scipy.stats.ecdf`` on ``CensoredData``) uses them correctly.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats


def _survival(durations: np.ndarray, observed: np.ndarray):
    data = stats.CensoredData(uncensored=durations[observed], right=durations[~observed])
    return stats.ecdf(data).sf


def kaplan_meier(durations: np.ndarray, observed: np.ndarray, confidence: float = 0.95) -> dict[str, float]:
    """Median duration with a confidence interval, from possibly censored observations.

    Args:
        durations: Time to the event where it happened, time observed otherwise.
        observed: Whether the event happened.
        confidence: Confidence level of the pointwise interval on the survival curve.

    Returns:
        ``median``, ``ci_low``, ``ci_high`` (NaN where the curve or its bound never falls to
        one half within the observations) and ``share_reached`` (share observed).
    """
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    out = {"median": math.nan, "ci_low": math.nan, "ci_high": math.nan,
           "share_reached": float(observed.mean()) if observed.size else math.nan}
    if durations.size == 0 or not observed.any():
        return out
    sf = _survival(durations, observed)
    times = sf.quantiles
    out["median"] = _first_below(times, sf.probabilities)
    if observed.sum() > 1:
        with warnings.catch_warnings():
            # Greenwood's interval is undefined where the curve reaches 0; those points give NaN.
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = sf.confidence_interval(confidence_level=confidence)
        # Greenwood's bounds are undefined where the curve reaches 0; the band closes there.
        low, high = ci.low.evaluate(times), ci.high.evaluate(times)
        zero = sf.probabilities <= 0
        low, high = np.where(zero, 0.0, low), np.where(zero, 0.0, high)
        # The lower survival bound falls first: it gives the early end of the median's interval.
        out["ci_low"] = _first_below(times, low)
        out["ci_high"] = _first_below(times, high)
    return out


def restricted_mean(durations: np.ndarray, observed: np.ndarray) -> float:
    """Restricted mean duration: the area under the Kaplan-Meier curve up to the longest observation."""
    durations = np.asarray(durations, dtype=float)
    observed = np.asarray(observed, dtype=bool)
    if durations.size == 0:
        return math.nan
    if not observed.any():
        return float(durations.max())
    sf = _survival(durations, observed)
    times = np.concatenate([[0.0], sf.quantiles, [durations.max()]])
    surv = np.concatenate([[1.0], sf.probabilities])
    widths = np.diff(times)
    return float(np.sum(surv * np.clip(widths, 0.0, None)))


def _first_below(times: np.ndarray, surv: np.ndarray) -> float:
    hit = np.flatnonzero(np.nan_to_num(surv, nan=1.0) <= 0.5)
    return float(times[hit[0]]) if hit.size else math.nan
