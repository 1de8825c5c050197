"""Tests for sim.hdi: the UNDP HDI and the BPS IPM against published values."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.hdi import (
    BPS_IPM,
    METHODS,
    UNDP_HDI,
    bps_ipm,
    education_index,
    geometric_mean,
    goalposts,
    health_index,
    human_development_index,
    income_index,
    index_scale,
    ipm_band,
    undp_hdi,
)

UNDP_CSV = (
    Path(__file__).parent / "data" / "undp_hdr2021-22_hdi_components_1990-2015.csv"
)


# --- UNDP HDI: published values -------------------------------------------------------------


def test_undp_worked_example_income_index() -> None:
    """HDR technical notes: GNI per capita 3,829 (2017 PPP $) gives income index 0.5506."""
    assert round(float(income_index(3829, "hdi")), 3) == 0.551
    assert round(float(income_index(3829, "hdi")), 4) == 0.5506


def test_undp_worked_example_hdi() -> None:
    """Health 0.6971, education 0.3447, income 0.5506 combine to HDI 0.510."""
    assert round(float(geometric_mean(0.6971, 0.3447, 0.5506)), 3) == 0.510
    assert (
        round(float(geometric_mean(0.6971, 0.3447, income_index(3829, "hdi"))), 3)
        == 0.510
    )


def test_indonesia_2021_hdr2021_22() -> None:
    """Indonesia 2021 in HDR 2021/22: HDI 0.705."""
    hdi = undp_hdi(67.5703, 13.74889, 8.55651, 11466.068)
    assert round(float(hdi), 3) == 0.705
    assert float(
        human_development_index(67.5703, 13.74889, 8.55651, 11466.068, "hdi")
    ) == float(hdi)


@pytest.fixture(scope="module")
def undp_table() -> pd.DataFrame:
    """The published UNDP HDR 2021/22 country-years, 1990-2015."""
    return pd.read_csv(UNDP_CSV)


def test_undp_file_is_the_expected_table(undp_table: pd.DataFrame) -> None:
    """Guard against a truncated or altered reference file."""
    assert list(undp_table.columns) == [
        "iso3",
        "year",
        "hdi",
        "le",
        "eys",
        "mys",
        "gnipc",
    ]
    assert len(undp_table) > 4000
    assert not undp_table.isna().to_numpy().any()
    assert not undp_table.duplicated(["iso3", "year"]).any()


def test_undp_file_exercises_clipping(undp_table: pd.DataFrame) -> None:
    """The file has components above their maximum goalposts, so clipping is tested."""
    assert (undp_table["gnipc"] > UNDP_HDI.income_max).any()
    assert (undp_table["eys"] > UNDP_HDI.eys_max).any()


def test_undp_file_every_row_reproduces_published_hdi(undp_table: pd.DataFrame) -> None:
    """Every published country-year HDI is reproduced to 3 decimals, in one vectorised call."""
    t = undp_table
    computed = undp_hdi(
        t["le"].to_numpy(),
        t["eys"].to_numpy(),
        t["mys"].to_numpy(),
        t["gnipc"].to_numpy(),
    )
    assert computed.shape == (len(t),)
    mismatch = np.round(computed, 3) != t["hdi"].to_numpy()
    if mismatch.any():
        shown = t.assign(computed=computed)[mismatch].head(10).to_string()
        pytest.fail(
            f"{mismatch.sum()} of {len(t)} rows differ from the published HDI:\n{shown}"
        )
    # Unrounded values lie within half a unit of the published third decimal.
    assert np.max(np.abs(computed - t["hdi"].to_numpy())) <= 0.0005


# --- BPS IPM: published values --------------------------------------------------------------

BPS_INDONESIA = [
    # year, UHH, HLS, RLS, expenditure (Rp/person/year, 2012 prices), published IPM
    pytest.param(70.78, 12.55, 7.84, 10_150_000, 69.55, id="2015"),
    pytest.param(70.90, 12.72, 7.95, 10_420_000, 70.18, id="2016"),
]


@pytest.mark.parametrize(
    ("uhh", "hls", "rls", "expenditure", "published"), BPS_INDONESIA
)
def test_bps_ipm_indonesia(
    uhh: float, hls: float, rls: float, expenditure: float, published: float
) -> None:
    """BPS national IPM from the published (already rounded) components, to 2 decimals.

    BPS computes from unrounded components; their rounding alone can move the IPM by up to
    about 0.014, so for other years a 0.01 difference would not be a formula error. These two
    years happen to match exactly (see docs/hdi.md).
    """
    assert round(float(bps_ipm(uhh, hls, rls, expenditure)), 2) == published
    ipm = human_development_index(uhh, hls, rls, expenditure, "ipm")
    assert round(float(ipm), 2) == published


def test_bps_ipm_vectorised_matches_published() -> None:
    """Both BPS years in one call."""
    uhh, hls, rls, expenditure, published = (
        np.array(column, dtype=float)
        for column in zip(*(p.values for p in BPS_INDONESIA))
    )
    np.testing.assert_array_equal(
        np.round(bps_ipm(uhh, hls, rls, expenditure), 2), published
    )


def test_bps_expenditure_in_thousands_is_a_unit_error() -> None:
    """Expenditure is in rupiah: thousands (as BPS tables print it) fall below the goalpost."""
    assert float(income_index(10_150, "ipm")) == 0.0
    assert float(bps_ipm(70.78, 12.55, 7.84, 10_150)) == 0.0


# --- IPM bands ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (58.05, "low"),  # Papua 2016, lowest province
        (79.60, "high"),  # DKI Jakarta 2016, highest province
        (0.0, "low"),
        (59.99, "low"),
        (60.0, "medium"),
        (69.99, "medium"),
        (70.0, "high"),
        (79.99, "high"),
        (80.0, "very high"),
        (100.0, "very high"),
    ],
)
def test_ipm_band(value: float, band: str) -> None:
    result = ipm_band(value)
    assert isinstance(result, str)
    assert result == band


def test_ipm_band_array() -> None:
    bands = ipm_band(np.array([[58.05, 60.0], [70.0, 80.0]]))
    assert bands.shape == (2, 2)
    assert bands.tolist() == [["low", "medium"], ["high", "very high"]]


@pytest.mark.parametrize("value", [np.nan, np.inf, -0.01, 100.01, [50.0, np.nan]])
def test_ipm_band_rejects_invalid_values(value: float) -> None:
    with pytest.raises(ValueError, match=r"\[0, 100\]"):
        ipm_band(value)


# --- Goalposts and clipping -----------------------------------------------------------------


def test_goalposts_constants() -> None:
    for g in (UNDP_HDI, BPS_IPM):
        assert (g.le_min, g.le_max, g.eys_min, g.eys_max, g.mys_min, g.mys_max) == (
            20,
            85,
            0,
            18,
            0,
            15,
        )
    assert (UNDP_HDI.income_min, UNDP_HDI.income_max) == (100, 75_000)
    assert (BPS_IPM.income_min, BPS_IPM.income_max) == (1_007_436, 26_572_352)
    with pytest.raises(AttributeError):
        UNDP_HDI.le_max = 90  # type: ignore[misc]


def test_clipping_above_maximum() -> None:
    assert health_index(90) == health_index(85) == 1.0
    assert income_index(100_000, "hdi") == income_index(75_000, "hdi") == 1.0
    assert income_index(40_000_000, "ipm") == income_index(26_572_352, "ipm") == 1.0
    assert education_index(25, 20) == education_index(18, 15) == 1.0
    assert undp_hdi(90, 25, 20, 100_000) == undp_hdi(85, 18, 15, 75_000) == 1.0
    assert bps_ipm(90, 25, 20, 40_000_000) == bps_ipm(85, 18, 15, 26_572_352) == 100.0


def test_clipping_below_minimum() -> None:
    assert health_index(10) == health_index(20) == 0.0
    assert income_index(50, "hdi") == income_index(100, "hdi") == 0.0
    assert income_index(0, "hdi") == 0.0  # no log(0) warning or -inf
    assert income_index(-5, "ipm") == income_index(1_007_436, "ipm") == 0.0
    assert education_index(-1, -1) == education_index(0, 0) == 0.0
    assert undp_hdi(10, 0, 0, 50) == 0.0


def test_education_index_is_mean_of_two_subindices() -> None:
    assert float(education_index(9, 7.5)) == pytest.approx(0.5)
    assert float(education_index(18, 0)) == pytest.approx(0.5)
    assert float(education_index(0, 15)) == pytest.approx(0.5)


def _component(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Values within and beyond the goalposts ``[lo, hi]``."""
    span = hi - lo
    return st.floats(min_value=lo - span, max_value=hi + span, allow_nan=False)


_COMPONENTS = {
    method: (
        _component(g.le_min, g.le_max),
        _component(g.eys_min, g.eys_max),
        _component(g.mys_min, g.mys_max),
        st.floats(min_value=-g.income_min, max_value=3 * g.income_max, allow_nan=False),
    )
    for method, g in (("hdi", UNDP_HDI), ("ipm", BPS_IPM))
}


@st.composite
def _case(draw: st.DrawFn) -> tuple[str, list[float], int, float]:
    method = draw(st.sampled_from(METHODS))
    base = [draw(s) for s in _COMPONENTS[method]]
    k = draw(st.integers(min_value=0, max_value=3))
    hi = draw(_COMPONENTS[method][k])
    return method, base, k, hi


@settings(deadline=None, max_examples=300)
@given(_case())
def test_property_finite_bounded_monotone(
    case: tuple[str, list[float], int, float],
) -> None:
    """Any components give a finite index within [0, scale], non-decreasing in each one."""
    method, base, k, other = case
    lower, upper = sorted((base[k], other))
    lo_args = [*base[:k], lower, *base[k + 1 :]]
    hi_args = [*base[:k], upper, *base[k + 1 :]]
    scale = index_scale(method)
    lo_value = float(human_development_index(*lo_args, method=method))
    hi_value = float(human_development_index(*hi_args, method=method))
    for value in (lo_value, hi_value):
        assert np.isfinite(value)
        assert 0.0 <= value <= scale
    assert hi_value >= lo_value


# --- Shapes, dispatch and errors ------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_broadcasting_shape(method: str) -> None:
    rng = np.random.default_rng(2021)
    g = goalposts(method)
    le = rng.uniform(40, 85, size=(3, 4))
    eys = rng.uniform(5, 18, size=(3, 4))
    mys = rng.uniform(2, 15, size=(3, 4))
    income = rng.uniform(g.income_min, g.income_max, size=(3, 4))
    full = human_development_index(le, eys, mys, income, method)
    assert full.shape == (3, 4)
    # Mixed shapes broadcast: one column of life expectancy, one row of incomes, scalars.
    mixed = human_development_index(le[:, :1], 12.0, 8.0, income[0], method)
    assert mixed.shape == (3, 4)
    np.testing.assert_allclose(
        mixed[1, 2], human_development_index(le[1, 0], 12.0, 8.0, income[0, 2], method)
    )
    # Element-wise equal to scalar calls.
    np.testing.assert_allclose(
        full[2, 3],
        human_development_index(le[2, 3], eys[2, 3], mys[2, 3], income[2, 3], method),
    )


def test_scalar_inputs_give_scalar_outputs() -> None:
    assert np.ndim(undp_hdi(70, 12, 8, 10_000)) == 0
    assert np.ndim(bps_ipm(70, 12, 8, 10_000_000)) == 0
    assert np.ndim(health_index(70)) == 0


def test_dispatcher_matches_method_functions() -> None:
    assert human_development_index(70, 12, 8, 10_000, "hdi") == undp_hdi(
        70, 12, 8, 10_000
    )
    assert human_development_index(70, 12, 8, 1e7, "ipm") == bps_ipm(70, 12, 8, 1e7)


def test_index_scale_and_methods() -> None:
    assert set(METHODS) == {"ipm", "hdi"}
    assert index_scale("ipm") == 100.0
    assert index_scale("hdi") == 1.0


@pytest.mark.parametrize("method", ["HDI", "undp", "", None])
def test_unknown_method_raises(method: object) -> None:
    with pytest.raises(ValueError, match=r"'ipm', 'hdi'"):
        human_development_index(70, 12, 8, 10_000, method)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'ipm', 'hdi'"):
        income_index(10_000, method)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'ipm', 'hdi'"):
        index_scale(method)  # type: ignore[arg-type]
