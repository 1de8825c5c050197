"""The held-out test of the estimated law: forecast 2022 from 2021 for every province and district.

A forecast is any callable ``predict(frame_2021) -> frame_2022``: both frames are indexed by
``(area, province)`` and hold BPS's four component columns (:data:`FRAME_COLUMNS`, expenditure in
thousand rupiah as BPS publishes it). :func:`evaluate` scores any such callable against BPS's
2022 figures, so the full agent model's forecast can be scored by the same code as the law's.

Three forecasts are built here, each from the 2021 values and nothing from 2022:

* the estimated law (:mod:`sim.analysis.estimation`) with the 2020 shock switched off;
* the last change carried forward (each area's 2020->2021 change added to its 2021 value);
* each area's linear trend through 2019-2021, extended one year;

plus no change at all (2022 = 2021), the floor any forecast should beat. The two naive
forecasts work in the law's units (expenditure in log rupiah, i.e. growth rates), so that they
differ from the law only in how they use the past.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.analysis.estimation import (
    COMPONENTS,
    GOALS,
    HOLDOUT_YEAR,
    LEVELS,
    DynamicsEstimate,
    EstimationError,
    estimate,
    panel,
    step,
)
from sim.hdi import human_development_index

FRAME_COLUMNS: tuple[str, ...] = (
    "life_expectancy",
    "expected_schooling",
    "mean_schooling",
    "expenditure_thousand_rp",
)
"""The columns of a forecast frame (BPS's units)."""
ORIGIN_YEAR = HOLDOUT_YEAR - 1
METHODS: tuple[str, ...] = ("estimated law", "last change", "linear trend", "no change")

type Predictor = Callable[[pd.DataFrame], pd.DataFrame]


# --- frames ------------------------------------------------------------------------------------


def _to_law_units(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame[list(FRAME_COLUMNS[:3])].copy()
    out["log_expenditure"] = np.log(frame["expenditure_thousand_rp"] * 1000.0)
    return out


def _to_bps_units(law: pd.DataFrame) -> pd.DataFrame:
    out = law[list(COMPONENTS[:3])].copy()
    out["expenditure_thousand_rp"] = np.exp(law["log_expenditure"]) / 1000.0
    return out


def year_frame(level: str, year: int, data: pd.DataFrame | None = None) -> pd.DataFrame:
    """BPS's components of one level in one year, indexed by ``(area, province)``, in BPS's units.

    Args:
        level: ``"province"`` or ``"district"``.
        year: 2019-2022 (2016-2018 only hold expenditure).
        data: A :func:`sim.analysis.estimation.panel`-shaped frame to use instead of BPS's.
    """
    p = panel(level) if data is None else data
    rows = p.loc[p["year"] == year].set_index(["area", "province"])
    return _to_bps_units(rows[list(COMPONENTS)])


def ipm(frame: pd.DataFrame) -> pd.Series:
    """BPS's IPM of every row of a forecast frame."""
    values = human_development_index(
        frame["life_expectancy"].to_numpy(),
        frame["expected_schooling"].to_numpy(),
        frame["mean_schooling"].to_numpy(),
        frame["expenditure_thousand_rp"].to_numpy() * 1000.0,
        "ipm",
    )
    return pd.Series(values, index=frame.index, name="ipm")


# --- scoring -----------------------------------------------------------------------------------


def forecast_errors(predicted: pd.DataFrame, actual: pd.DataFrame) -> pd.DataFrame:
    """Forecast minus actual, per area, for each component (BPS's units) and the IPM (points).

    ``predicted`` must cover exactly the areas of ``actual`` (in any order).

    Raises:
        EstimationError: If the areas differ, a column is missing or a forecast is not finite.
    """
    missing = [c for c in FRAME_COLUMNS if c not in predicted.columns]
    if missing:
        raise EstimationError(
            f"forecast has no column {missing[0]!r}; allowed: a frame with {', '.join(FRAME_COLUMNS)}"
        )
    if not predicted.index.sort_values().equals(actual.index.sort_values()):
        raise EstimationError(
            f"forecast covers {len(predicted)} areas, the actual year {len(actual)}; allowed: the same areas"
        )
    pred = predicted.loc[actual.index, list(FRAME_COLUMNS)]
    if not np.isfinite(pred.to_numpy(dtype=float)).all():
        raise EstimationError(
            "forecast has missing or infinite values; allowed: finite numbers for every area"
        )
    err = pred - actual[list(FRAME_COLUMNS)]
    err["ipm"] = ipm(pred) - ipm(actual)
    return err


def rmse(predicted: pd.DataFrame, actual: pd.DataFrame) -> pd.Series:
    """Root mean squared error per component and for the IPM; every area counts once (see :func:`forecast_errors`)."""
    return np.sqrt((forecast_errors(predicted, actual) ** 2).mean()).rename("rmse")


def bias(predicted: pd.DataFrame, actual: pd.DataFrame) -> pd.Series:
    """Mean error (forecast - actual) per component and for the IPM: negative = too low."""
    return forecast_errors(predicted, actual).mean().rename("bias")


STATISTICS = {"rmse": rmse, "bias": bias}


def evaluate(
    predict: Predictor,
    level: str,
    origin: int = ORIGIN_YEAR,
    target: int = HOLDOUT_YEAR,
    data: pd.DataFrame | None = None,
    statistic: str = "rmse",
) -> pd.Series:
    """Score ``predict(frame_origin) -> frame_target`` against BPS's figures for ``target``.

    Args:
        predict: The forecast; it is given only the origin year's frame (:func:`year_frame`).
        level: ``"province"`` or ``"district"``.
        origin: The year forecast from (default 2021).
        target: The year forecast (default 2022, held out of the default fit).
        data: A panel to use instead of BPS's (tests).
        statistic: ``"rmse"`` (:func:`rmse`) or ``"bias"`` (:func:`bias`).

    Returns:
        The statistic per component and for the IPM.
    """
    start = year_frame(level, origin, data)
    return STATISTICS[statistic](predict(start.copy()), year_frame(level, target, data))


# --- the forecasts -----------------------------------------------------------------------------


def law_predictor(est: DynamicsEstimate, target: int = HOLDOUT_YEAR) -> Predictor:
    """One year of the estimated law from the given frame, every year effect switched off.

    Raises:
        EstimationError: If the estimate was fitted on the year it would forecast (or later).
    """
    if max(est.fit_years) >= target:
        raise EstimationError(
            f"fit years {list(est.fit_years)} include {target}; allowed: fit years before the forecast year {target}"
        )

    def predict(frame: pd.DataFrame) -> pd.DataFrame:
        law = _to_law_units(frame)
        for c in COMPONENTS:
            p = est.params(c)
            law[c] = step(law[c].to_numpy(), GOALS[c], p["rate"], p["trend"])
        return _to_bps_units(law)

    return predict


def _history(
    level: str, years: tuple[int, ...], data: pd.DataFrame | None
) -> dict[int, pd.DataFrame]:
    p = panel(level) if data is None else data
    return {y: _to_law_units(year_frame(level, y, p)) for y in years}


def last_change_predictor(
    level: str, origin: int = ORIGIN_YEAR, data: pd.DataFrame | None = None
) -> Predictor:
    """Each area's change from ``origin - 1`` to ``origin`` added again (expenditure: its growth rate)."""
    past = _history(level, (origin - 1, origin), data)
    change = past[origin] - past[origin - 1]

    def predict(frame: pd.DataFrame) -> pd.DataFrame:
        law = _to_law_units(frame)
        return _to_bps_units(law + change.loc[law.index])

    return predict


def linear_trend_predictor(
    level: str,
    origin: int = ORIGIN_YEAR,
    span: int = 3,
    data: pd.DataFrame | None = None,
) -> Predictor:
    """Each area's least-squares line through its last ``span`` years (default 2019-2021), one year on."""
    years = tuple(range(origin - span + 1, origin + 1))
    past = _history(level, years, data)
    t = np.asarray(years, dtype=float)
    stack = np.stack([past[y].to_numpy() for y in years])  # years x areas x components
    slope = ((t - t.mean())[:, None, None] * (stack - stack.mean(axis=0))).sum(
        axis=0
    ) / ((t - t.mean()) ** 2).sum()
    ahead = stack.mean(axis=0) + slope * (origin + 1 - t.mean())
    fitted = pd.DataFrame(ahead, index=past[origin].index, columns=past[origin].columns)

    def predict(frame: pd.DataFrame) -> pd.DataFrame:
        return _to_bps_units(fitted.loc[frame.index])

    return predict


def no_change_predictor(frame: pd.DataFrame) -> pd.DataFrame:
    """2022 = 2021: the floor any forecast should beat."""
    return frame[list(FRAME_COLUMNS)].copy()


def predictors(
    level: str,
    est: DynamicsEstimate,
    origin: int = ORIGIN_YEAR,
    data: pd.DataFrame | None = None,
) -> dict[str, Predictor]:
    """The four forecasts of :data:`METHODS`, keyed by name."""
    return {
        "estimated law": law_predictor(est, origin + 1),
        "last change": last_change_predictor(level, origin, data),
        "linear trend": linear_trend_predictor(level, origin, data=data),
        "no change": no_change_predictor,
    }


def holdout_table(
    level: str,
    est: DynamicsEstimate | None = None,
    data: pd.DataFrame | None = None,
    statistic: str = "rmse",
) -> pd.DataFrame:
    """RMSE (or bias) of the 2022 forecasts of one level: one row per method, one column per component and the IPM.

    Args:
        level: ``"province"`` or ``"district"``.
        est: The estimate to forecast with (default: :func:`estimate` with its default fit years,
            which hold 2022 out).
        data: A panel to use instead of BPS's (tests).
        statistic: ``"rmse"`` or ``"bias"``.
    """
    if level not in LEVELS:
        raise EstimationError(
            f"level {level!r} is not allowed; allowed: {', '.join(LEVELS)}"
        )
    est = estimate(level, frame=data) if est is None else est
    rows = {
        name: evaluate(f, level, data=data, statistic=statistic)
        for name, f in predictors(level, est, data=data).items()
    }
    table = pd.DataFrame(rows).T
    table.index.name = "method"
    return table


def ensemble_rmse(
    level: str,
    est: DynamicsEstimate,
    n: int,
    rng: np.random.Generator,
    data: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """RMSE of the law's 2022 forecast under ``n`` parameter sets drawn from the estimate.

    Shows how much of the held-out error the parameters' uncertainty could move; one row per
    drawn set (columns as :func:`rmse`). The draws come from :meth:`DynamicsEstimate.draw`;
    each set's forecast is :func:`law_predictor`'s, computed for all sets at once.
    """
    law_predictor(est)  # refuses an estimate fitted on the held-out year
    start = _to_law_units(year_frame(level, ORIGIN_YEAR, data))
    actual = year_frame(level, HOLDOUT_YEAR, data)
    draws = est.draw(n, rng)
    pred = {}
    for c in COMPONENTS:
        x = start[c].to_numpy()[None, :]
        pred[c] = step(
            x,
            GOALS[c],
            draws[f"{c}.rate"].to_numpy()[:, None],
            draws[f"{c}.trend"].to_numpy()[:, None],
        )
    pred["expenditure_thousand_rp"] = np.exp(pred.pop("log_expenditure")) / 1000.0
    out = {
        c: np.sqrt(((pred[c] - actual[c].to_numpy()[None, :]) ** 2).mean(axis=1))
        for c in FRAME_COLUMNS
    }
    le, eys, mys = (pred[c] for c in FRAME_COLUMNS[:3])
    ipm_pred = human_development_index(
        le,
        eys,
        mys,
        pred["expenditure_thousand_rp"] * 1000.0,
        "ipm",
    )
    out["ipm"] = np.sqrt(
        ((ipm_pred - ipm(actual).to_numpy()[None, :]) ** 2).mean(axis=1)
    )
    return pd.DataFrame(out, index=pd.RangeIndex(n, name="draw"))


def forecasts(
    level: str, est: DynamicsEstimate, data: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every area's 2021 values, its 2022 forecasts by each method and BPS's 2022 figures, long."""
    start = year_frame(level, ORIGIN_YEAR, data)
    frames = {
        "2021 actual": start,
        "2022 actual": year_frame(level, HOLDOUT_YEAR, data),
    }
    frames |= {
        f"2022 {name}": f(start.copy())
        for name, f in predictors(level, est, data=data).items()
    }
    out = []
    for what, frame in frames.items():
        f = frame.assign(ipm=ipm(frame))
        out.append(f.reset_index().assign(level=level, series=what))
    return pd.concat(out, ignore_index=True)[
        ["level", "area", "province", "series", *FRAME_COLUMNS, "ipm"]
    ]


# --- the written report ------------------------------------------------------------------------

_UNITS = {
    "life_expectancy": "years",
    "expected_schooling": "years",
    "mean_schooling": "years",
    "log_expenditure": "log Rp",
    "expenditure_thousand_rp": "thousand Rp",
    "ipm": "IPM points",
}


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(r) + " |" for r in rows
    ]


def estimates_markdown(table: pd.DataFrame) -> list[str]:
    """The tidy estimate table (both levels) as Markdown lines: estimate [95 % CI] per parameter."""
    params = list(dict.fromkeys(table["parameter"]))
    lines: list[str] = []
    for level, g in table.groupby("level", sort=False):
        first = g.iloc[0]
        lines += [
            "",
            f"{level.capitalize()}s ({int(first['n_clusters'])} areas; standard errors clustered by area):",
            "",
        ]
        rows = []
        for comp, gc in g.groupby("component", sort=False):
            cells = [f"{comp} ({_UNITS[comp]})"]
            for p in params:
                r = gc[gc["parameter"] == p].iloc[0]
                cells.append(
                    f"{r['estimate']:.4g} [{r['ci_low']:.3g}, {r['ci_high']:.3g}]"
                )
            rows.append([*cells, str(int(gc["n_obs"].iloc[0]))])
        lines += _md_table(["component", *params, "area-years"], rows)
    return lines


def rmse_markdown(tables: dict[str, pd.DataFrame], what: str = "RMSE") -> list[str]:
    """Held-out tables (one per level) as Markdown lines; for RMSE the best method of each column in bold."""
    lines: list[str] = []
    for level, t in tables.items():
        lines += [
            "",
            f"{level.capitalize()}s, {what} of the 2022 forecast from 2021:",
            "",
        ]
        best = t.idxmin() if what == "RMSE" else t.abs().idxmin()
        rows = [
            [m]
            + [
                (f"**{t.loc[m, c]:.4g}**" if best[c] == m else f"{t.loc[m, c]:.4g}")
                for c in t.columns
            ]
            for m in t.index
        ]
        lines += _md_table(["method", *(f"{c} ({_UNITS[c]})" for c in t.columns)], rows)
    return lines


def forms_markdown(forms: pd.DataFrame) -> list[str]:
    """The gap-or-log-gap comparison as Markdown lines: AIC of each form per level and component."""
    wide = forms.pivot_table(
        index=["level", "component"], columns="form", values="aic", sort=False
    )
    rows = [
        [
            lvl,
            comp,
            f"{r['gap']:.1f}",
            f"{r['log gap']:.1f}",
            f"{r['log gap'] - r['gap']:+.1f}",
        ]
        for (lvl, comp), r in wide.iterrows()
    ]
    return _md_table(
        [
            "level",
            "component",
            "AIC, gap",
            "AIC, log gap",
            "difference (> 0 favours gap)",
        ],
        rows,
    )


def markdown(
    estimates: dict[str, DynamicsEstimate],
    tables: dict[str, pd.DataFrame],
    command: str,
    biases: dict[str, pd.DataFrame] | None = None,
    forms: pd.DataFrame | None = None,
    bands: pd.DataFrame | None = None,
) -> str:
    """The short report of ``kemitraan estimate``: the law, its estimates and the held-out test."""
    any_est = next(iter(estimates.values()))
    lines = [
        "# Human development dynamics estimated from BPS data",
        "",
        f"Produced by `{command}`.",
        "",
        (
            "Annual law per component: change = rate * (goal - previous) + trend + shock * [year = 2020]; "
            "goals LE 85, EYS 18, MYS 15 years, log expenditure ln 26,572,352 Rp. "
            f"Fitted on the changes ending in {', '.join(map(str, any_est.fit_years))} "
            f"(year effects: {', '.join(map(str, any_est.shock_years))}); 2022 held out."
        ),
        "",
        "## Estimates (95 % intervals)",
    ]
    lines += estimates_markdown(
        pd.concat([e.table() for e in estimates.values()], ignore_index=True)
    )
    if forms is not None:
        lines += [
            "",
            "## Form: change on the gap or on its log (each component alone, same trend and year effects)",
            "",
        ]
        lines += forms_markdown(forms)
    lines += ["", "## Held-out forecast of 2022"]
    lines += rmse_markdown(tables)
    if bands is not None:
        lines += [
            "",
            "The estimated law's RMSE under parameter sets drawn from the estimate (5 %, 50 %, 95 % quantiles):",
            "",
        ]
        rows = [
            [r["level"], f"{r['quantile']:.0%}"]
            + [f"{r[c]:.4g}" for c in (*FRAME_COLUMNS, "ipm")]
            for _, r in bands.iterrows()
        ]
        lines += _md_table(
            [
                "level",
                "quantile",
                *(f"{c} ({_UNITS[c]})" for c in (*FRAME_COLUMNS, "ipm")),
            ],
            rows,
        )
    if biases is not None:
        lines += rmse_markdown(biases, "mean error (forecast - actual)")
    lines += [
        "",
        (
            "The estimated law runs with the 2020 year effect switched off; the naive forecasts work in the "
            "law's units (expenditure as a growth rate). See docs/estimation.md."
        ),
    ]
    return "\n".join(lines) + "\n"
