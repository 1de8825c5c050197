"""Human development dynamics estimated from BPS's provincial and district panel.

One annual law per IPM component ``c`` (life expectancy, expected schooling, mean schooling,
log adjusted per-capita expenditure), for area ``i`` and year ``t``::

    x[i,t] - x[i,t-1] = rate_c * (G_c - x[i,t-1]) + trend_c + shock_c * [t == 2020] + e[i,t]

``G_c`` is the IPM goalpost (LE 85, EYS 18, MYS 15 years; expenditure ln 26,572,352 Rp, the
law for expenditure is on log rupiah). ``rate_c`` is the share of the gap to the goalpost that
closes in a year, ``trend_c`` the drift every area shares whatever its gap (in the component's
units a year), and ``shock_c`` the year effect of the 2019->2020 change (COVID-19), estimated
so that the shock is neither ignored nor allowed to bend the rate and trend.

The form was chosen from the data (``docs/estimation.md``): the change is proportional to the
gap, not to its log (lower AIC for all three non-monetary components on districts); it needs an
intercept (the trend) because schooling and expenditure rise at nearly the same pace at every
gap; provinces and districts are fitted separately because a province is the
population-weighted aggregate of its districts (pooling would count the same people twice, and
a province's changes are far less noisy than a district's); each area counts once (district
populations are themselves estimated).

The four component equations are fitted as one stacked OLS with component-specific regressors
(point estimates identical to four separate regressions) and standard errors clustered by area,
so the covariance also holds the correlation between the components of one area.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

import numpy as np
import pandas as pd
import statsmodels.api as sm
from numpy.typing import ArrayLike
from scipy import stats

from sim import geography
from sim.hdi import BPS_IPM

COMPONENTS: tuple[str, ...] = (
    "life_expectancy",
    "expected_schooling",
    "mean_schooling",
    "log_expenditure",
)
"""The components the law moves; expenditure as ln(rupiah per person per year)."""

GOALS: dict[str, float] = {
    "life_expectancy": BPS_IPM.le_max,
    "expected_schooling": BPS_IPM.eys_max,
    "mean_schooling": BPS_IPM.mys_max,
    "log_expenditure": math.log(BPS_IPM.income_max),
}
"""The goalpost ``G_c`` each component converges toward."""

LEVELS: tuple[str, ...] = ("province", "district")
SHOCK_YEARS: tuple[int, ...] = (2020,)
"""Years whose change (from the year before) gets its own year effect: COVID-19."""
DEFAULT_FIT_YEARS: tuple[int, ...] = (2017, 2018, 2019, 2020, 2021)
"""Years ``t`` of the changes ``t-1 -> t`` fitted by default; 2022 is held out for the forecast."""
HOLDOUT_YEAR = 2022
DATA_YEARS: dict[str, tuple[int, int]] = dict.fromkeys(COMPONENTS, (2019, 2022)) | {
    "log_expenditure": (2016, 2022)
}
"""First and last year with data, per component."""

# The 2016-2018 expenditure table spells four districts by their old names.
_HISTORY_RENAMES = {
    "Kota Baru": "Kotabaru",
    "Toba Samosir": "Toba Samosir / Toba",
    "Mamuju Utara": "Mamuju Utara / Pasangkayu",
    "Maluku Tenggara Barat": "Maluku Tenggara Barat / Kepulauan Tanimbar",
}


class EstimationError(ValueError):
    """A fit that cannot be made as asked (the message is one line)."""


# --- the panel -------------------------------------------------------------------------------


def panel(level: str) -> pd.DataFrame:
    """BPS's components of every area of one level, in the law's units, one row per area and year.

    Args:
        level: ``"province"`` (34) or ``"district"`` (514).

    Returns:
        Columns ``area``, ``province``, ``year`` and the four :data:`COMPONENTS`
        (``log_expenditure`` = ln of expenditure in rupiah); 2016-2022, with NaN for the
        non-monetary components before 2019. Sorted by area and year.
    """
    if level not in LEVELS:
        raise EstimationError(
            f"level {level!r} is not allowed; allowed: {', '.join(LEVELS)}"
        )
    return _bps_panel(level).copy()


@cache
def _bps_panel(level: str) -> pd.DataFrame:
    comp = geography.components()
    comp = comp.loc[
        comp["level"] == level,
        ["area", "province", "year", *COMPONENTS[:3], "expenditure_thousand_rp"],
    ]
    hist = geography.expenditure_history()
    hist = hist.loc[
        hist["level"] == level, ["area", "province", "year", "expenditure_thousand_rp"]
    ]
    hist = hist.assign(area=hist["area"].replace(_HISTORY_RENAMES))
    both = pd.concat([hist, comp], ignore_index=True)
    both["log_expenditure"] = np.log(both.pop("expenditure_thousand_rp") * 1000.0)
    both = both.sort_values(["area", "province", "year"], ignore_index=True)
    counts = both.groupby(["area", "province"]).size()
    if (
        counts != 7
    ).any():  # every area must have 2016-2018 history and 2019-2022 components
        raise EstimationError(
            f"BPS tables do not match for {list(counts[counts != 7].index)[:3]}"
        )
    return both[["area", "province", "year", *COMPONENTS]]


def changes(frame: pd.DataFrame, fit_years: Iterable[int]) -> pd.DataFrame:
    """The annual changes of a panel, long: one row per area, component and year ``t``.

    Args:
        frame: A :func:`panel`-shaped frame (``area``, ``province``, ``year`` and components).
        fit_years: Years ``t`` of the changes ``t-1 -> t`` to keep.

    Returns:
        Columns ``area_id``, ``component``, ``year``, ``previous``, ``change``, ``gap``
        (``G_c - previous``); only rows where both years have data.
    """
    years = sorted(set(fit_years))
    out = []
    wide_all = frame.assign(area_id=frame["area"] + "|" + frame["province"]).pivot(
        index="area_id", columns="year", values=list(COMPONENTS)
    )
    for c in COMPONENTS:
        wide = wide_all[c]
        for t in years:
            if t not in wide.columns or t - 1 not in wide.columns:
                continue
            prev, now = wide[t - 1].to_numpy(), wide[t].to_numpy()
            ok = ~(np.isnan(prev) | np.isnan(now))
            out.append(
                pd.DataFrame(
                    {
                        "area_id": wide.index[ok],
                        "component": c,
                        "year": t,
                        "previous": prev[ok],
                        "change": (now - prev)[ok],
                        "gap": GOALS[c] - prev[ok],
                    }
                )
            )
    if not out:
        return pd.DataFrame(
            columns=["area_id", "component", "year", "previous", "change", "gap"]
        )
    return pd.concat(out, ignore_index=True)


# --- the estimate ----------------------------------------------------------------------------


def parameter_names(shock_years: Iterable[int] = SHOCK_YEARS) -> tuple[str, ...]:
    """Names of the parameters, ``"<component>.<rate|trend|shock_YYYY>"``, in the estimate's order."""
    per = ("rate", "trend", *(f"shock_{y}" for y in shock_years))
    return tuple(f"{c}.{p}" for c in COMPONENTS for p in per)


@dataclass(frozen=True)
class DynamicsEstimate:
    """Point estimates and covariance of the annual law for one level.

    Attributes:
        level: ``"province"`` or ``"district"``.
        names: Parameter names (see :func:`parameter_names`).
        mean: Point estimates, in the order of ``names``.
        cov: Their cluster-robust covariance.
        fit_years: Years ``t`` of the changes ``t-1 -> t`` fitted.
        shock_years: Years with their own year effect.
        n_obs: Observations (area-years) per component.
        n_clusters: Areas (clusters of the standard errors).
        df_resid: Degrees of freedom for the intervals (clusters - 1).
    """

    level: str
    names: tuple[str, ...]
    mean: np.ndarray
    cov: np.ndarray
    fit_years: tuple[int, ...]
    shock_years: tuple[int, ...]
    n_obs: Mapping[str, int] = field(default_factory=dict)
    n_clusters: int = 0
    df_resid: int = 0

    def params(self, component: str) -> dict[str, float]:
        """The point estimates of one component, e.g. ``{"rate": 0.006, "trend": 0.02, "shock_2020": 0.04}``."""
        return {
            n.split(".", 1)[1]: float(v)
            for n, v in zip(self.names, self.mean)
            if n.split(".", 1)[0] == component
        }

    def std_errors(self) -> np.ndarray:
        """Standard errors, in the order of ``names``."""
        return np.sqrt(np.diag(self.cov))

    def table(self) -> pd.DataFrame:
        """Tidy table: level, component, parameter, estimate, std_error, ci_low, ci_high (95 %), n_obs, n_clusters."""
        se = self.std_errors()
        t = (
            stats.t.ppf(0.975, self.df_resid)
            if self.df_resid > 0
            else stats.norm.ppf(0.975)
        )
        comp, par = zip(*(n.split(".", 1) for n in self.names))
        return pd.DataFrame(
            {
                "level": self.level,
                "component": comp,
                "parameter": par,
                "estimate": self.mean,
                "std_error": se,
                "ci_low": self.mean - t * se,
                "ci_high": self.mean + t * se,
                "n_obs": [self.n_obs.get(c, 0) for c in comp],
                "n_clusters": self.n_clusters,
            }
        )

    def draw(self, n: int, rng: np.random.Generator) -> pd.DataFrame:
        """``n`` parameter sets from the multivariate normal of the estimate, one row each.

        Args:
            n: Number of sets (>= 1).
            rng: Source of randomness (the caller seeds it, so an ensemble is reproducible).

        Returns:
            A frame with one column per name in ``names``.
        """
        if n < 1:
            raise EstimationError(f"n = {n} is not allowed; allowed: an integer >= 1")
        # Cholesky factors are unique, so the same seed gives the same sets with any LAPACK (an
        # eigendecomposition's signs may differ between libraries); a covariance that is only
        # positive semi-definite (e.g. a noiseless fit) falls back to eigh.
        method: Literal["cholesky", "eigh"]
        try:
            np.linalg.cholesky(self.cov)
            method = "cholesky"
        except np.linalg.LinAlgError:
            method = "eigh"
        draws = rng.multivariate_normal(self.mean, self.cov, size=n, method=method)
        return pd.DataFrame(draws, columns=list(self.names))

    def quarterly(self) -> pd.DataFrame:
        """The law per quarter, one row per component (see :func:`quarterly_parameters`)."""
        rows = []
        for c in COMPONENTS:
            p = self.params(c)
            q = quarterly_parameters(p["rate"], p["trend"])
            rows.append(
                {
                    "component": c,
                    "goal": GOALS[c],
                    "annual_rate": p["rate"],
                    "annual_trend": p["trend"],
                    "quarterly_rate": float(q[0]),
                    "quarterly_trend": float(q[1]),
                }
            )
        return pd.DataFrame(rows)


def _design(ch: pd.DataFrame, shock_years: tuple[int, ...]) -> pd.DataFrame:
    """Stacked design: each component's gap, intercept and year dummies, zero on other components' rows."""
    cols = {}
    for c in COMPONENTS:
        on = (ch["component"] == c).to_numpy(dtype=float)
        cols[f"{c}.rate"] = on * ch["gap"].to_numpy()
        cols[f"{c}.trend"] = on
        for y in shock_years:
            cols[f"{c}.shock_{y}"] = on * (ch["year"].to_numpy() == y)
    return pd.DataFrame(cols, index=ch.index)


def _check_identified(
    ch: pd.DataFrame, shock_years: tuple[int, ...], fit_years: tuple[int, ...]
) -> None:
    """Every component needs a change in each shock year and one outside them, or its trend and shock collide."""
    for c in COMPONENTS:
        years = set(ch.loc[ch["component"] == c, "year"])
        first, last = DATA_YEARS[c]
        if not years - set(shock_years):
            raise EstimationError(
                f"fit years {list(fit_years)}: {c} has no change outside the shock years {list(shock_years)}; "
                f"allowed: fit years that also include a year from {first + 1} on that is not a shock year"
            )
        if missing := sorted(set(shock_years) - years):
            raise EstimationError(
                f"shock years {missing}: {c} has no change then; allowed: years from {first + 1} to {last}"
            )


def estimate(
    level: str,
    fit_years: Iterable[int] = DEFAULT_FIT_YEARS,
    shock_years: Iterable[int] = SHOCK_YEARS,
    frame: pd.DataFrame | None = None,
) -> DynamicsEstimate:
    """Fit the annual law of every component for one level.

    Args:
        level: ``"province"`` or ``"district"`` (used to read BPS's panel unless ``frame`` is given).
        fit_years: Years ``t`` of the changes ``t-1 -> t`` to fit (default 2017-2021: the
            expenditure history's 2016->2019 changes, the 2019->2020 COVID change and 2020->2021;
            2022 held out). Years without data for a component are skipped for it.
        shock_years: Years with a year effect (default 2020); each must be a fit year.
        frame: A :func:`panel`-shaped frame to fit instead of BPS's (synthetic data in tests).

    Returns:
        The estimate, with cluster-robust (by area) covariance.

    Raises:
        EstimationError: If a parameter cannot be identified from the fit years.
    """
    fit_years = tuple(sorted({int(y) for y in fit_years}))
    shock_years = tuple(sorted({int(y) for y in shock_years}))
    if not fit_years:
        raise EstimationError(
            "fit years: none given; allowed: years t of changes t-1 -> t, e.g. 2017-2021"
        )
    if not set(shock_years) <= set(fit_years):
        raise EstimationError(
            f"shock years {list(shock_years)}: not all among the fit years {list(fit_years)}; "
            "allowed: shock years that are fit years"
        )
    data = panel(level) if frame is None else frame
    ch = changes(data, fit_years)
    _check_identified(ch, shock_years, fit_years)
    X = _design(ch, shock_years)  # noqa: N806 - the design matrix, as in the statistics texts
    groups = pd.factorize(ch["area_id"])[0]
    # The trend columns sum to one, an implicit constant: saying so spares statsmodels a rank check.
    fit = sm.OLS(ch["change"].to_numpy(), X, hasconst=True).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    n_clusters = len(np.unique(groups))
    return DynamicsEstimate(
        level=level,
        names=tuple(X.columns),
        mean=np.asarray(fit.params, dtype=float),
        cov=np.asarray(fit.cov_params(), dtype=float),
        fit_years=fit_years,
        shock_years=shock_years,
        n_obs={c: int((ch["component"] == c).sum()) for c in COMPONENTS},
        n_clusters=n_clusters,
        df_resid=n_clusters - 1,
    )


def form_comparison(
    level: str,
    fit_years: Iterable[int] = DEFAULT_FIT_YEARS,
    shock_years: Iterable[int] = SHOCK_YEARS,
    frame: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """How well the change is explained by the gap itself or by its log, per component (the choice of form).

    Each component is fitted alone, by OLS with the same trend and year effects, once on the
    gap ``G - x`` (the chosen form) and once on ``ln(G - x)``. Lower AIC is better; the two
    fits have the same number of parameters, so AIC orders them as the residual variance does.

    Returns:
        Columns ``level``, ``component``, ``form`` (``"gap"``, ``"log gap"``), ``aic``, ``r_squared``, ``slope``.
    """
    fit_years = tuple(sorted({int(y) for y in fit_years}))
    shock_years = tuple(sorted({int(y) for y in shock_years}))
    ch = changes(panel(level) if frame is None else frame, fit_years)
    _check_identified(ch, shock_years, fit_years)
    rows = []
    for c in COMPONENTS:
        g = ch[ch["component"] == c]
        for form, x in (
            ("gap", g["gap"].to_numpy()),
            ("log gap", np.log(g["gap"].to_numpy())),
        ):
            X = np.column_stack(  # noqa: N806 - the design matrix, as in the statistics texts
                [
                    x,
                    np.ones(len(g)),
                    *((g["year"].to_numpy() == y).astype(float) for y in shock_years),
                ]
            )
            fit = sm.OLS(g["change"].to_numpy(), X, hasconst=True).fit()
            rows.append(
                {
                    "level": level,
                    "component": c,
                    "form": form,
                    "aic": float(fit.aic),
                    "r_squared": float(fit.rsquared),
                    "slope": float(fit.params[0]),
                }
            )
    return pd.DataFrame(rows)


def estimate_all(
    fit_years: Iterable[int] = DEFAULT_FIT_YEARS,
    shock_years: Iterable[int] = SHOCK_YEARS,
) -> dict[str, DynamicsEstimate]:
    """:func:`estimate` for provinces and districts, keyed by level."""
    return {lvl: estimate(lvl, fit_years, shock_years) for lvl in LEVELS}


# --- the law, applied ------------------------------------------------------------------------


def step(
    x: ArrayLike, goal: float, rate: ArrayLike, trend: ArrayLike, shock: ArrayLike = 0.0
) -> np.ndarray:
    """One year (or, with quarterly parameters, one quarter) of the law: ``x + rate * (goal - x) + trend + shock``.

    Broadcasts: e.g. ``x`` of shape ``(areas,)`` with ``rate`` and ``trend`` of shape ``(sets, 1)``
    gives every drawn parameter set's step for every area.
    """
    x = np.asarray(x, dtype=float)
    return x + np.asarray(rate) * (goal - x) + np.asarray(trend) + np.asarray(shock)


def quarterly_parameters(
    rate: ArrayLike, trend: ArrayLike
) -> tuple[np.ndarray, np.ndarray]:
    """The quarterly rate and trend whose four quarters compound exactly to one year of the law.

    Four quarters of ``x <- x + q (G - x) + b`` take the gap ``G - x`` to
    ``(1-q)^4 (G - x) - b (1 + (1-q) + (1-q)^2 + (1-q)^3)``; the annual law takes it to
    ``(1-rate) (G - x) - trend``. They agree for every ``x`` when ``(1-q)^4 = 1 - rate`` and
    ``b = trend * q / rate`` (``trend / 4`` when ``rate`` is 0). A year effect converts like
    the trend (as a shock spread over the year's four quarters). Works elementwise on arrays,
    e.g. on the columns of :meth:`DynamicsEstimate.draw`.

    Args:
        rate: Annual convergence rate(s), each below 1 (a negative rate, divergence, converts too).
        trend: Annual trend(s), in the component's units.

    Returns:
        ``(q, b)``: quarterly rate(s) and quarterly trend(s).

    Raises:
        EstimationError: If a rate is 1 or more (the gap would close, or overshoot, within a year).
    """
    rate = np.asarray(rate, dtype=float)
    trend = np.asarray(trend, dtype=float)
    if not np.all(rate < 1.0):
        raise EstimationError(
            f"annual rate {rate.max()!r} is not allowed; allowed: rates below 1"
        )
    q = 1.0 - (1.0 - rate) ** 0.25
    # q / rate -> 1/4 as rate -> 0; the guarded division keeps that limit exact at 0.
    ratio = np.divide(q, rate, out=np.full_like(q, 0.25), where=rate != 0.0)
    return q, trend * ratio
