"""The estimator of the IPM components' annual law.

Known parameters back from synthetic panels, the quarterly conversion, the ensemble draws, and
the fit on BPS's data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import estimation as est
from sim.analysis.estimation import COMPONENTS, GOALS, DynamicsEstimate, EstimationError

TRUE = {
    "life_expectancy": {"rate": 0.006, "trend": 0.05, "shock_2020": 0.04},
    "expected_schooling": {"rate": 0.012, "trend": 0.02, "shock_2020": -0.02},
    "mean_schooling": {"rate": 0.008, "trend": 0.04, "shock_2020": 0.03},
    "log_expenditure": {"rate": 0.006, "trend": 0.017, "shock_2020": -0.045},
}
NOISE = {
    "life_expectancy": 0.06,
    "expected_schooling": 0.08,
    "mean_schooling": 0.08,
    "log_expenditure": 0.01,
}


def synthetic_panel(
    n: int, seed: int, noise_scale: float = 1.0, true=TRUE
) -> pd.DataFrame:
    """A panel shaped like BPS's (expenditure from 2016, the rest from 2019) generated from the law."""
    rng = np.random.default_rng(seed)
    start = {
        "life_expectancy": rng.uniform(60, 75, n),
        "expected_schooling": rng.uniform(10, 16, n),
        "mean_schooling": rng.uniform(5, 11, n),
        "log_expenditure": np.log(rng.uniform(5e6, 16e6, n)),
    }
    years = np.arange(2016, 2023)
    values = {}
    for c in COMPONENTS:
        first, p = est.DATA_YEARS[c][0], true[c]
        path = np.full((n, len(years)), np.nan)
        x = start[c]
        for j, year in enumerate(years):
            if year > first:
                x = (
                    x
                    + p["rate"] * (GOALS[c] - x)
                    + p["trend"]
                    + p["shock_2020"] * (year == 2020)
                    + rng.normal(0.0, NOISE[c] * noise_scale, n)
                )
            if year >= first:
                path[:, j] = x
        values[c] = path.ravel()
    areas = np.repeat([f"A{i}" for i in range(n)], len(years))
    return pd.DataFrame(
        {"area": areas, "province": "P", "year": np.tile(years, n), **values}
    )


def test_noiseless_panel_gives_the_parameters_exactly():
    fit = est.estimate("district", frame=synthetic_panel(60, seed=1, noise_scale=0.0))
    for c in COMPONENTS:
        for k, v in fit.params(c).items():
            assert v == pytest.approx(TRUE[c][k], abs=1e-9), (c, k)


def test_estimator_recovers_known_parameters_within_a_few_standard_errors():
    fit = est.estimate("district", frame=synthetic_panel(500, seed=7))
    table = fit.table()
    for _, r in table.iterrows():
        truth = TRUE[r["component"]][r["parameter"]]
        assert abs(r["estimate"] - truth) < 4 * r["std_error"], r.to_dict()
        assert r["ci_low"] < r["estimate"] < r["ci_high"]
    # informative, not just wide: every rate is told apart from zero
    assert (table.loc[table["parameter"] == "rate", "ci_low"] > 0).all()
    assert set(table["n_obs"]) == {
        1000,
        2500,
    }  # 2 changes per area, 5 for expenditure (its 2016-2019 history)


def test_clustered_intervals_cover_the_truth_about_95_percent_of_the_time():
    inside = []
    for seed in range(30):
        t = est.estimate(
            "district", frame=synthetic_panel(150, seed=100 + seed)
        ).table()
        truth = np.array([TRUE[c][p] for c, p in zip(t["component"], t["parameter"])])
        inside.extend((t["ci_low"] <= truth) & (truth <= t["ci_high"]))
    assert 0.88 <= np.mean(inside) <= 0.995, np.mean(inside)


def test_form_comparison_prefers_the_form_the_data_came_from():
    forms = est.form_comparison(
        "district", frame=synthetic_panel(400, seed=11, noise_scale=0.3)
    )
    aic = forms.pivot(index="component", columns="form", values="aic")
    assert (aic["gap"] < aic["log gap"]).all(), aic
    gap_slopes = forms[forms["form"] == "gap"].set_index("component")["slope"]
    for c in COMPONENTS:
        assert gap_slopes[c] == pytest.approx(TRUE[c]["rate"], rel=0.5)


def test_fit_years_choose_the_changes():
    data = synthetic_panel(50, seed=3)
    fit = est.estimate("district", fit_years=(2020, 2021), frame=data)
    assert fit.n_obs == dict.fromkeys(
        COMPONENTS, 100
    )  # expenditure loses its 2016-2019 history
    assert fit.fit_years == (2020, 2021)
    with_2022 = est.estimate("district", fit_years=(2020, 2021, 2022), frame=data)
    assert with_2022.n_obs["life_expectancy"] == 150


@pytest.mark.parametrize(
    "years, shocks",
    [((2020,), (2020,)), ((2021,), (2020,)), ((2018, 2019, 2021), (2018,)), ((), ())],
)
def test_unidentified_fits_are_refused_in_one_line(years, shocks):
    with pytest.raises(EstimationError) as info:
        est.estimate(
            "district",
            fit_years=years,
            shock_years=shocks,
            frame=synthetic_panel(20, seed=0),
        )
    assert "\n" not in str(info.value) and "allowed" in str(info.value)


def test_unknown_level_is_refused():
    with pytest.raises(EstimationError, match="allowed: province, district"):
        est.panel("kecamatan")


@pytest.mark.parametrize(
    "rate, trend", [(0.006, 0.05), (0.3, -0.2), (0.0, 0.1), (-0.01, 0.02)]
)
def test_four_quarters_compound_exactly_to_one_year(rate, trend):
    q, b = est.quarterly_parameters(rate, trend)
    assert (1 - q) ** 4 == pytest.approx(1 - rate, rel=1e-12)
    x = np.array([40.0, 70.0, 84.0, 90.0])
    quarterly = x.copy()
    for _ in range(4):
        quarterly = est.step(quarterly, 85.0, q, b)
    np.testing.assert_allclose(
        quarterly, est.step(x, 85.0, rate, trend), rtol=1e-12, atol=1e-12
    )


def test_rate_of_one_or_more_has_no_quarterly_rate():
    with pytest.raises(EstimationError):
        est.quarterly_parameters(1.0, 0.0)


def small_estimate() -> DynamicsEstimate:
    names = est.parameter_names()
    mean = np.arange(1, len(names) + 1) / 100.0
    a = np.random.default_rng(0).normal(size=(len(names), len(names)))
    return DynamicsEstimate(
        level="district",
        names=names,
        mean=mean,
        cov=a @ a.T / 1e4,
        fit_years=(2020, 2021),
        shock_years=(2020,),
        df_resid=99,
    )


def test_draws_follow_the_estimate_and_repeat_with_the_seed():
    e = small_estimate()
    d = e.draw(20000, np.random.default_rng(5))
    assert list(d.columns) == list(e.names)
    np.testing.assert_allclose(
        d.mean().to_numpy(), e.mean, atol=4 * np.sqrt(np.diag(e.cov).max() / 20000)
    )
    np.testing.assert_allclose(
        np.cov(d.to_numpy().T), e.cov, atol=0.1 * np.abs(e.cov).max()
    )
    pd.testing.assert_frame_equal(
        e.draw(3, np.random.default_rng(9)), e.draw(3, np.random.default_rng(9))
    )
    with pytest.raises(EstimationError):
        e.draw(0, np.random.default_rng(0))


def test_params_and_quarterly_table():
    e = small_estimate()
    assert e.params("life_expectancy") == {
        "rate": 0.01,
        "trend": 0.02,
        "shock_2020": 0.03,
    }
    q = e.quarterly()
    assert list(q["component"]) == list(COMPONENTS)
    assert ((1 - q["quarterly_rate"]) ** 4).to_numpy() == pytest.approx(
        (1 - q["annual_rate"]).to_numpy()
    )


# --- BPS's data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bps():
    return est.estimate_all()


def test_bps_panel_covers_every_area_and_year():
    for level, n in (("province", 34), ("district", 514)):
        p = est.panel(level)
        assert p.groupby(["area", "province"]).ngroups == n and len(p) == 7 * n
        assert p["log_expenditure"].notna().all()
        assert p.loc[p["year"] >= 2019, list(COMPONENTS)].notna().all().all()
        assert p.loc[p["year"] < 2019, "life_expectancy"].isna().all()


def test_bps_fit_has_the_expected_signs(bps):
    for level, fit in bps.items():
        assert (
            fit.fit_years == est.DEFAULT_FIT_YEARS
            and max(fit.fit_years) < est.HOLDOUT_YEAR
        )
        t = fit.table().set_index(["component", "parameter"])
        assert (
            np.isfinite(t[["estimate", "std_error"]].to_numpy()).all()
            and (t["std_error"] > 0).all()
        )
        # expenditure fell in 2020: COVID's year effect is negative and told apart from zero
        assert t.loc[("log_expenditure", "shock_2020"), "ci_high"] < 0
        assert t.loc[("log_expenditure", "trend"), "ci_low"] > 0
        for c in COMPONENTS:
            assert t.loc[(c, "rate"), "estimate"] > 0, (level, c)
    districts = bps["district"].table()
    # 514 districts tell every convergence rate apart from zero
    assert (districts.loc[districts["parameter"] == "rate", "ci_low"] > 0).all()
    assert bps["district"].n_clusters == 514 and bps["province"].n_clusters == 34


def test_quarterly_conversion_works_on_drawn_sets():
    e = small_estimate()
    d = e.draw(50, np.random.default_rng(2))
    q, b = est.quarterly_parameters(
        d["life_expectancy.rate"], d["life_expectancy.trend"]
    )
    for i in (0, 17, 49):
        qi, bi = est.quarterly_parameters(
            d["life_expectancy.rate"].iloc[i], d["life_expectancy.trend"].iloc[i]
        )
        assert q[i] == pytest.approx(float(qi)) and b[i] == pytest.approx(float(bi))
