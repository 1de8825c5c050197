"""The held-out forecast.

RMSE and the naive forecasts on constructed data, any predictor scored by the same code, the law
refusing to forecast a year it was fitted on, the BPS table and the ``kemitraan estimate`` command.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import estimation as est
from sim.analysis import forecast as fc
from sim.analysis.estimation import COMPONENTS, GOALS, DynamicsEstimate, EstimationError
from sim.cli import main
from sim.hdi import human_development_index

AREAS = pd.MultiIndex.from_tuples(
    [("A", "P"), ("B", "P"), ("C", "Q"), ("D", "Q")], names=["area", "province"]
)


def frame(le, eys, mys, exp) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "life_expectancy": le,
            "expected_schooling": eys,
            "mean_schooling": mys,
            "expenditure_thousand_rp": exp,
        },
        index=AREAS[: len(le)],
    )


def test_rmse_known_answers():
    actual = frame(
        [70.0, 71.0, 65.0, 68.0],
        [13.0, 13.5, 12.0, 12.5],
        [8.0, 9.0, 7.0, 7.5],
        [10000.0, 12000.0, 8000.0, 9000.0],
    )
    predicted = actual.copy()
    predicted["life_expectancy"] += [1.0, -1.0, 1.0, -1.0]
    predicted["expenditure_thousand_rp"] += [3.0, -4.0, 0.0, 0.0]
    r = fc.rmse(predicted, actual)
    assert r["life_expectancy"] == pytest.approx(1.0)
    assert r["expected_schooling"] == 0.0 and r["mean_schooling"] == 0.0
    assert r["expenditure_thousand_rp"] == pytest.approx(math.sqrt(25.0 / 4))

    def ipm(f):
        return human_development_index(
            f["life_expectancy"],
            f["expected_schooling"],
            f["mean_schooling"],
            f["expenditure_thousand_rp"] * 1000.0,
            "ipm",
        )

    assert r["ipm"] == pytest.approx(
        float(np.sqrt(np.mean((ipm(predicted) - ipm(actual)) ** 2)))
    )
    # rows in another order are matched by area, not by position
    assert fc.rmse(predicted.iloc[::-1], actual).equals(r)
    b = fc.bias(predicted, actual)
    assert b["life_expectancy"] == pytest.approx(0.0) and b[
        "expenditure_thousand_rp"
    ] == pytest.approx(-0.25)


def test_rmse_refuses_other_areas_missing_columns_and_nan():
    actual = frame([70.0, 71.0], [13.0, 13.5], [8.0, 9.0], [10000.0, 12000.0])
    with pytest.raises(EstimationError, match="same areas"):
        fc.rmse(actual.iloc[:1], actual)
    with pytest.raises(EstimationError, match="expenditure_thousand_rp"):
        fc.rmse(actual.drop(columns="expenditure_thousand_rp"), actual)
    bad = actual.copy()
    bad.iloc[0, 0] = np.nan
    with pytest.raises(EstimationError, match="finite"):
        fc.rmse(bad, actual)


def constructed_panel() -> pd.DataFrame:
    """Two areas: area A's components go 1, 2, 4 (2019-2021) then 7; expenditure 1000, 2000, 8000, 16000."""
    rows = []
    for area, scale in (("A", 1.0), ("B", 2.0)):
        for year, v, e in (
            (2016, np.nan, 500.0),
            (2017, np.nan, 500.0),
            (2018, np.nan, 500.0),
            (2019, 1.0, 1000.0),
            (2020, 2.0, 2000.0),
            (2021, 4.0, 8000.0),
            (2022, 7.0, 16000.0),
        ):
            rows.append(
                {
                    "area": area,
                    "province": "P",
                    "year": year,
                    "life_expectancy": v * scale,
                    "expected_schooling": v,
                    "mean_schooling": 3.0,
                    "log_expenditure": math.log(e * 1000.0 * scale),
                }
            )
    return pd.DataFrame(rows)


def test_naive_forecasts_on_a_constructed_example():
    data = constructed_panel()
    start = fc.year_frame("district", 2021, data)
    last = fc.last_change_predictor("district", data=data)(start)
    trend = fc.linear_trend_predictor("district", data=data)(start)
    a, b = ("A", "P"), ("B", "P")
    # last change: 4 + (4 - 2) = 6; linear trend through (1, 2, 4): slope 1.5, mean 7/3 at 2020, so 7/3 + 3 at 2022
    assert last.loc[a, "life_expectancy"] == pytest.approx(6.0) and last.loc[
        b, "life_expectancy"
    ] == pytest.approx(12.0)
    assert trend.loc[a, "expected_schooling"] == pytest.approx(7 / 3 + 3) and trend.loc[
        b, "life_expectancy"
    ] == pytest.approx(2 * (7 / 3 + 3))
    assert last.loc[a, "mean_schooling"] == pytest.approx(3.0) and trend.loc[
        a, "mean_schooling"
    ] == pytest.approx(3.0)
    # expenditure as growth: 2000 -> 8000 is x4, so 32000; the log-linear trend through 1, 2, 8 (x 1000) gives 2^(13/3)
    assert last.loc[a, "expenditure_thousand_rp"] == pytest.approx(32000.0)
    assert trend.loc[a, "expenditure_thousand_rp"] == pytest.approx(
        1000.0 * 2 ** (13 / 3)
    )
    assert trend.loc[b, "expenditure_thousand_rp"] == pytest.approx(
        2000.0 * 2 ** (13 / 3)
    )
    np.testing.assert_allclose(
        fc.no_change_predictor(start).to_numpy(), start.to_numpy()
    )


def test_naive_forecasts_are_exact_on_straight_lines():
    data = constructed_panel()
    for c, slope in (
        ("life_expectancy", 0.3),
        ("expected_schooling", 0.1),
        ("mean_schooling", -0.05),
    ):
        data[c] = np.where(
            data["year"] >= 2019, 5.0 + slope * (data["year"] - 2019), np.nan
        )
    data["log_expenditure"] = 16.0 + 0.02 * (data["year"] - 2016)
    for predictor in (
        fc.last_change_predictor("district", data=data),
        fc.linear_trend_predictor("district", data=data),
    ):
        assert (fc.evaluate(predictor, "district", data=data) < 1e-9).all()


def estimate_with(
    params: dict[str, dict[str, float]], fit_years=(2020, 2021)
) -> DynamicsEstimate:
    names = est.parameter_names()
    mean = np.array([params[n.split(".")[0]][n.split(".")[1]] for n in names])
    return DynamicsEstimate(
        level="district",
        names=names,
        mean=mean,
        cov=np.zeros((len(names), len(names))),
        fit_years=fit_years,
        shock_years=(2020,),
    )


PARAMS = {
    "life_expectancy": {"rate": 0.01, "trend": 0.1, "shock_2020": -5.0},
    "expected_schooling": {"rate": 0.02, "trend": 0.0, "shock_2020": 5.0},
    "mean_schooling": {"rate": 0.0, "trend": 0.05, "shock_2020": 5.0},
    "log_expenditure": {"rate": 0.1, "trend": 0.01, "shock_2020": -1.0},
}


def test_law_forecast_is_one_step_of_the_law_without_the_shock():
    start = frame([70.0, 60.0], [13.0, 10.0], [8.0, 6.0], [10000.0, 5000.0])
    out = fc.law_predictor(estimate_with(PARAMS))(start)
    assert out.loc[("A", "P"), "life_expectancy"] == pytest.approx(
        70.0 + 0.01 * 15.0 + 0.1
    )
    assert out.loc[("B", "P"), "expected_schooling"] == pytest.approx(10.0 + 0.02 * 8.0)
    assert out.loc[("A", "P"), "mean_schooling"] == pytest.approx(8.05)
    log_e = math.log(5000.0 * 1000.0)
    expected = (
        math.exp(log_e + 0.1 * (GOALS["log_expenditure"] - log_e) + 0.01) / 1000.0
    )
    assert out.loc[("B", "P"), "expenditure_thousand_rp"] == pytest.approx(expected)


def test_law_refuses_to_forecast_a_year_it_was_fitted_on():
    with pytest.raises(EstimationError, match="include 2022"):
        fc.law_predictor(estimate_with(PARAMS, fit_years=(2020, 2021, 2022)))


def test_ensemble_rmse_is_the_rmse_of_each_drawn_law():
    data = constructed_panel()
    data["life_expectancy"] = data["life_expectancy"] + 60.0
    data["expected_schooling"] = data["expected_schooling"] + 8.0
    names = est.parameter_names()
    a = np.random.default_rng(1).normal(size=(len(names), len(names)))
    fit = DynamicsEstimate(
        level="district",
        names=names,
        mean=estimate_with(PARAMS).mean,
        cov=a @ a.T / 1e5,
        fit_years=(2020, 2021),
        shock_years=(2020,),
    )
    bands = fc.ensemble_rmse("district", fit, 5, np.random.default_rng(3), data=data)
    draws = fit.draw(5, np.random.default_rng(3))
    for i in (0, 4):
        one = DynamicsEstimate(
            level="district",
            names=names,
            mean=draws.iloc[i].to_numpy(),
            cov=fit.cov,
            fit_years=(2020, 2021),
            shock_years=(2020,),
        )
        expected = fc.evaluate(fc.law_predictor(one), "district", data=data)
        np.testing.assert_allclose(
            bands.iloc[i].to_numpy(), expected.to_numpy(), rtol=1e-10
        )


def test_evaluate_scores_any_predictor():
    data = constructed_panel()
    truth = fc.year_frame("district", 2022, data)

    def oracle(f):
        return truth.loc[f.index]

    assert (fc.evaluate(oracle, "district", data=data) == 0).all()
    got = fc.evaluate(fc.no_change_predictor, "district", data=data)
    assert got["life_expectancy"] == pytest.approx(math.sqrt((3.0**2 + 6.0**2) / 2))
    assert got["mean_schooling"] == 0.0


# --- BPS's data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tables():
    return {lvl: fc.holdout_table(lvl) for lvl in est.LEVELS}


def test_bps_holdout_tables(tables):
    for t in tables.values():
        assert tuple(t.index) == fc.METHODS and list(t.columns) == [
            *fc.FRAME_COLUMNS,
            "ipm",
        ]
        assert np.isfinite(t.to_numpy()).all() and (t.to_numpy() > 0).all()
        # any forecast worth the name beats "no change" on the IPM, which always rises
        assert t.loc["estimated law", "ipm"] < t.loc["no change", "ipm"]


def test_forecasts_table_has_every_area_and_series():
    fit = est.estimate("province")
    long = fc.forecasts("province", fit)
    assert len(long) == 34 * (2 + len(fc.METHODS))
    law = long[long["series"] == "2022 estimated law"].set_index(["area", "province"])
    truth = long[long["series"] == "2022 actual"].set_index(["area", "province"])
    assert fc.rmse(law, truth)["ipm"] == pytest.approx(
        fc.holdout_table("province", fit).loc["estimated law", "ipm"]
    )


def test_estimate_command_writes_tables_and_refuses_bad_input(tmp_path, capsys):
    out = tmp_path / "est"
    assert main(["estimate", "--out", str(out), "--draws", "20"]) == 0
    text = capsys.readouterr().out
    assert "Held-out forecast of 2022" in text and "estimated law" in text
    assert {p.name for p in out.iterdir()} == {
        "estimates.csv",
        "covariance_province.csv",
        "covariance_district.csv",
        "quarterly.csv",
        "form_comparison.csv",
        "forecast_rmse.csv",
        "forecast_bias.csv",
        "forecast_rmse_draws.csv",
        "forecasts_2022.csv",
        "report.md",
    }
    params = pd.read_csv(out / "estimates.csv")
    assert len(params) == 2 * len(COMPONENTS) * 3 and set(params["level"]) == {
        "province",
        "district",
    }
    cov = pd.read_csv(out / "covariance_district.csv", index_col=0)
    assert cov.shape == (12, 12) and np.allclose(
        cov.to_numpy(), cov.to_numpy().T, atol=1e-12
    )
    assert main(["estimate", "--out", str(out)]) == 2  # exists, no --force
    assert "already exists; use --force" in capsys.readouterr().err
    assert main(["estimate", "--out", str(tmp_path / "d0"), "--draws", "0"]) == 2
    assert (
        capsys.readouterr().err.startswith("kemitraan: error: --draws")
        and not (tmp_path / "d0").exists()
    )
    for years in ("2017-2022", "abc", "2020"):
        fresh = tmp_path / f"bad-{years}"
        assert main(["estimate", "--out", str(fresh), "--fit-years", years]) == 2
        err = capsys.readouterr().err
        assert (
            err.startswith("kemitraan: error: --fit-years") and err.count("\n") == 1
        ), err
        assert not fresh.exists()


def test_no_forecast_sees_2022():
    """Scrambling BPS's 2022 figures changes the actuals, never the fit or any forecast."""
    data = est.panel("province")
    scrambled = data.copy()
    is_2022 = scrambled["year"] == 2022
    rng = np.random.default_rng(4)
    for c in COMPONENTS:
        scrambled.loc[is_2022, c] = (
            rng.permutation(scrambled.loc[is_2022, c].to_numpy()) + 0.5
        )
    fit, fit_scrambled = (
        est.estimate("province", frame=data),
        est.estimate("province", frame=scrambled),
    )
    np.testing.assert_array_equal(fit.mean, fit_scrambled.mean)
    np.testing.assert_array_equal(fit.cov, fit_scrambled.cov)
    start = fc.year_frame("province", 2021, data)
    for name, f in fc.predictors("province", fit, data=data).items():
        g = fc.predictors("province", fit_scrambled, data=scrambled)[name]
        pd.testing.assert_frame_equal(f(start.copy()), g(start.copy()), obj=name)
