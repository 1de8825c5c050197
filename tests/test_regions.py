"""Results for a place: per-region outcomes, censoring, spread, and the guard against the absurd."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.regions import (
    implausible_gains,
    plausibility_warning,
    reached_by_year,
    region_outcomes,
    spread,
)


def table(paths: dict[str, list[float]], runs: int = 1) -> pd.DataFrame:
    """A regions table with one row per run, yearly step and region, from each region's yearly index."""
    rows = []
    for run in range(runs):
        for region, (name, path) in enumerate(paths.items()):
            for year, value in enumerate(path):
                rows.append(
                    {
                        "run": run,
                        "step": 4 * year,
                        "year": 2019 + year,
                        "region": region,
                        "region_name": name,
                        "index": value,
                    }
                )
    return pd.DataFrame(rows)


def test_region_outcomes_rank_and_time_to_target_with_censoring() -> None:
    df = table({"A": [70, 72, 74, 76], "B": [74, 75.5, 76, 77], "C": [60, 61, 62, 63]})
    out = region_outcomes(df, target=75, start_year=2019).set_index("region_name")
    assert list(out.index) == ["B", "A", "C"] and list(out["rank"]) == [1, 2, 3]
    assert (
        out.loc["A", "median_years_to_target"] == 3.0
        and out.loc["A", "year_reached"] == 2022.0
    )
    assert out.loc["B", "median_years_to_target"] == 1.0
    # C never reaches it: censored, not given the horizon.
    assert (
        np.isnan(out.loc["C", "median_years_to_target"])
        and out.loc["C", "reached_share"] == 0.0
    )
    assert out.loc["A", "gain_per_year"] == pytest.approx(2.0)


def test_median_counts_censored_runs_as_later_than_the_horizon() -> None:
    df = pd.concat(
        [
            table({"A": [70, 76, 77]}).assign(run=0),
            table({"A": [70, 71, 72]}).assign(run=1),
            table({"A": [70, 71, 73]}).assign(run=2),
        ]
    )
    out = region_outcomes(df, target=75, start_year=2019)
    assert out.loc[0, "reached_share"] == pytest.approx(1 / 3)
    assert np.isnan(
        out.loc[0, "median_years_to_target"]
    )  # two of three censored: no median


def test_reached_by_year_and_spread() -> None:
    df = table({"A": [70, 72, 76], "B": [74, 75.5, 76]})
    by = reached_by_year(df, 75, 2019)
    assert list(by["regions_reached"]) == [0, 1, 2]
    sp = spread(df)
    assert list(sp["gap"]) == [4.0, 3.5, 0.0]


def test_guard_names_regions_gaining_implausibly_fast_for_years() -> None:
    df = table(
        {
            "Fast": [50, 53, 56, 59, 60],
            "Burst": [50, 53, 53.5, 54, 57],
            "Normal": [70, 70.5, 71, 71.5, 72],
        }
    )
    assert implausible_gains(df) == ["Fast"]
    assert plausibility_warning(df).count("Fast") == 1
    assert plausibility_warning(table({"Normal": [70, 70.5, 71, 71.5]})) is None


def test_mis_scaled_scenario_triggers_the_warning(tmp_path) -> None:
    """Ten times the public budgets: regions run away and the run says so."""
    from sim.cli import main

    toml = tmp_path / "scaled.toml"
    toml.write_text(
        "[scenario]\nyears = 4\nhistory = false\n[funding]\ncentral_programmes = 30_000_000.0\n"
        "regional_programmes = 30_000_000.0\n[dynamics]\nrate_expected_schooling = 0.2\nrate_life_expectancy = 0.2\n"
        "rate_expenditure = 0.2\nrate_mean_schooling = 0.2\n"
    )
    import contextlib
    import io

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["run", str(toml), "--out", str(tmp_path / "out"), "--no-report"])
    assert code == 0
    assert "gain more than 2 index points a year over 3 years" in err.getvalue()
