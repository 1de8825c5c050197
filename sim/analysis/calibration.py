"""Calibration with uncertainty: an ensemble of parameter sets, its fit, and its held-out forecast.

The model's status-quo law is estimated from BPS's panel (:mod:`sim.analysis.estimation`, fit
years up to 2021, 2022 held out). Calibration turns that estimate into an **ensemble** that
runs draw from, so results carry parameter uncertainty as well as chance:

* rates and trends: draws from the estimate's sampling distribution (cluster-robust
  covariance), converted to quarterly values (exact compounding), rates floored at 0;
* investment elasticities: the panel has no regional spending, so it cannot identify them;
  they are drawn from their prior range (``ELASTICITY_PRIOR``, from the literature on
  public spending and outcomes), and the report says so.

Each parameter set is then run through the agent model from the fit years' start (2019) to
2021, and from 2021 to the held-out 2022, for every province or district; the report gives the
root-mean-square error per component and for the IPM, beside the estimated law alone and two
naive forecasts computed the same way (last change carried forward; a linear trend).
``kemitraan calibrate`` runs it and writes ``ensemble.csv`` (one row per set: the ``dynamics.*``
keys), ``fit.csv``, ``holdout.csv`` and ``report.md``; a scenario draws from the ensemble with
``dynamics.ensemble = "ensemble.csv"`` (replication r uses set r modulo the ensemble's size).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import estimation, forecast
from sim.model import PartnershipModel
from sim.scenario import Scenario, defaults

# Prior range of the investment elasticities (uniform): Bokhari, Gai and Gottret (2007, Health
# Economics 16(3)) find elasticities of child and maternal mortality to government health
# spending of about -0.3 and -0.5; education and livelihood spending show smaller ones.
ELASTICITY_PRIOR = (0.0, 0.6)
LAW_COMPONENTS = {
    "life_expectancy": "life_expectancy",
    "expected_schooling": "expected_schooling",
    "mean_schooling": "mean_schooling",
    "log_expenditure": "expenditure",
}
GEOGRAPHY = {"province": "provinces", "district": "districts"}
# A smaller sample than the shipped scenarios (agents per region) keeps calibration quick;
# the outcomes do not depend on the sample size (docs/geography.md).
SAMPLE_PER_REGION = 10


def parameter_ensemble(
    level: str,
    n: int,
    seed: int = 20190101,
    fit_years: tuple[int, ...] = estimation.DEFAULT_FIT_YEARS,
) -> pd.DataFrame:
    """``n`` parameter sets (``dynamics.*`` keys), from the estimate's uncertainty and the elasticities' prior."""
    rng = np.random.default_rng(seed)
    est = estimation.estimate(level, fit_years)
    draws = est.draw(n, rng)
    out = {}
    for law_name, key in LAW_COMPONENTS.items():
        q, b = estimation.quarterly_parameters(
            np.maximum(draws[f"{law_name}.rate"].to_numpy(), 0.0),
            draws[f"{law_name}.trend"].to_numpy(),
        )
        out[f"dynamics.rate_{key}"] = q
        out[f"dynamics.trend_{key}"] = b
    for key in LAW_COMPONENTS.values():
        out[f"dynamics.elasticity_{key}"] = rng.uniform(*ELASTICITY_PRIOR, size=n)
    return pd.DataFrame(out)


def _base(level: str, start_year: int, years: float) -> Scenario:
    n = len(estimation.panel(level)["area"].unique())
    total = SAMPLE_PER_REGION * n
    counts = {
        "population.community_groups": int(0.52 * total),
        "population.ngos": int(0.10 * total),
        "population.religious_bodies": int(0.16 * total),
        "population.businesses": int(0.19 * total),
        "population.universities": max(int(0.03 * total), 1),
    }
    return defaults().with_overrides(
        {
            "geography.regions": GEOGRAPHY[level],
            "scenario.start_year": start_year,
            "scenario.years": years,
            "population.min_agents_per_region": 4,
            **counts,
        },
        source="calibration",
    )


def model_predictor(
    level: str,
    parameters: dict[str, float],
    replications: int = 1,
    start_year: int = forecast.ORIGIN_YEAR,
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A forecast, one year on from ``start_year``, by the agent model with these parameters (mean over replications)."""
    scenario = _base(level, start_year, 1.0).with_overrides(
        parameters, source="calibration"
    )

    def predict(frame: pd.DataFrame) -> pd.DataFrame:
        return _run_years(scenario, replications)[start_year + 1].loc[frame.index]

    return predict


def _run_years(scenario: Scenario, replications: int) -> dict[int, pd.DataFrame]:
    """Mean regional components at the start of each simulated year, in BPS's units, by (area, province)."""
    frames = []
    for r in range(replications):
        model = PartnershipModel(scenario, replication=r).run()
        frames.append(model.region_series())
    rs = pd.concat(frames)
    rs = (
        rs[rs["step"] % 4 == 0]
        .groupby(["step", "region"], as_index=False)
        .mean(numeric_only=True)
    )
    names, provinces = (
        model.regions.names,
        model.regions.provinces,
    )  # the same in every replication
    out = {}
    for step, g in rs.groupby("step"):
        idx = pd.MultiIndex.from_arrays(
            [[names[i] for i in g["region"]], [provinces[i] for i in g["region"]]],
            names=["area", "province"],
        )
        out[int(scenario.scenario.start_year + step // 4)] = pd.DataFrame(
            {
                "life_expectancy": g["life_expectancy"].to_numpy(),
                "expected_schooling": g["expected_schooling"].to_numpy(),
                "mean_schooling": g["mean_schooling"].to_numpy(),
                "expenditure_thousand_rp": g["income"].to_numpy() / 1000.0,
            },
            index=idx,
        )
    return out


def fit_errors(
    level: str, parameters: dict[str, float], replications: int = 1
) -> pd.DataFrame:
    """RMSE of the model's 2020 and 2021 (fit years) per component and IPM, run from BPS's 2019."""
    scenario = _base(level, 2019, 2.0).with_overrides(parameters, source="calibration")
    years = _run_years(scenario, replications)
    rows = {
        y: forecast.rmse(years[y], forecast.year_frame(level, y)) for y in (2020, 2021)
    }
    return pd.DataFrame(rows).T.rename_axis("year")


def calibrate(
    level: str,
    n_sets: int = 8,
    replications: int = 1,
    seed: int = 20190101,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, pd.DataFrame]:
    """The ensemble, its fit to 2020-2021 and its held-out 2022 forecast beside the law and naive forecasts."""
    ensemble = parameter_ensemble(level, n_sets, seed)
    fits, preds = [], []
    actual = forecast.year_frame(level, forecast.HOLDOUT_YEAR)
    start = forecast.year_frame(level, forecast.ORIGIN_YEAR)
    for i, row in ensemble.iterrows():
        params = row.to_dict()
        fits.append(fit_errors(level, params, replications).assign(set=i))
        preds.append(model_predictor(level, params, replications)(start))
        if progress:
            progress(int(i) + 1, n_sets)
    mean_forecast = sum(preds) / len(preds)
    est = estimation.estimate(level)
    methods = {
        "model (ensemble mean)": mean_forecast,
        **{
            name: p(start.copy()) for name, p in forecast.predictors(level, est).items()
        },
    }
    holdout = pd.DataFrame(
        {name: forecast.rmse(pred, actual) for name, pred in methods.items()}
    ).T
    members = pd.DataFrame([forecast.rmse(p, actual) for p in preds])
    holdout.loc["model (range over sets)"] = np.nan
    spread = members.max() - members.min()
    fit = pd.concat(fits).reset_index()
    return {
        "ensemble": ensemble,
        "fit": fit,
        "holdout": holdout.rename_axis("forecast"),
        "holdout_spread": spread.to_frame("range").T,
    }


def report_markdown(level: str, results: dict[str, pd.DataFrame]) -> str:
    """The calibration report: method, fit and held-out error per component."""
    fit = results["fit"].groupby("year").mean(numeric_only=True).drop(columns="set")
    holdout = results["holdout"].drop(index="model (range over sets)")
    fit_rows = [[str(y)] + [f"{v:.4g}" for v in row] for y, row in fit.iterrows()]
    lines = [
        f"# Calibration report ({level} level)",
        "",
        (
            f"Ensemble of {len(results['ensemble'])} parameter sets: rates and trends drawn from the panel estimate's "
            "cluster-robust sampling distribution (fit years to 2021), elasticities from their prior "
            f"U{ELASTICITY_PRIOR} (not identified by the panel, which has no regional spending)."
        ),
        "",
        "## Fit: RMSE of the model's 2020 and 2021, run from BPS's 2019 (mean over sets)",
        "",
    ]
    lines += forecast._md_table(["year", *fit.columns], fit_rows)
    lines += ["", "## Held out: RMSE of the 2022 forecast from 2021"]
    lines += forecast.rmse_markdown({level: holdout})
    spread = results["holdout_spread"]
    lines += [
        "",
        "Range of the model's 2022 RMSE over the sets: "
        + ", ".join(f"{c} {v:.3g}" for c, v in spread.iloc[0].items()),
        "",
    ]
    return "\n".join(lines)


def write(results: dict[str, pd.DataFrame], level: str, out: Path) -> None:
    """Write ensemble.csv, fit.csv, holdout.csv and report.md into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    results["ensemble"].to_csv(out / "ensemble.csv", index=False)
    results["fit"].to_csv(out / "fit.csv", index=False)
    results["holdout"].to_csv(out / "holdout.csv")
    (out / "report.md").write_text(report_markdown(level, results))
