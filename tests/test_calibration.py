"""Calibration with uncertainty: an ensemble from the panel estimate, and runs that draw from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.analysis import calibration, forecast
from sim.model import PartnershipModel
from sim.parameters import BY_NAME
from sim.scenario import ScenarioError, load


def test_ensemble_is_valid_dynamics_and_reproducible() -> None:
    a = calibration.parameter_ensemble("province", 5, seed=1)
    b = calibration.parameter_ensemble("province", 5, seed=1)
    assert a.equals(b) and len(a) == 5
    for column in a.columns:
        p = BY_NAME[column]
        assert p.section == "dynamics" and a[column].between(p.low, p.high).all(), (
            column
        )
    low, high = calibration.ELASTICITY_PRIOR
    assert a.filter(like="elasticity").stack().between(low, high).all()
    assert (a.filter(like="rate") >= 0).all().all()


def test_runs_draw_their_set_by_replication(tmp_path: Path) -> None:
    ens = calibration.parameter_ensemble("province", 3, seed=2)
    ens.to_csv(tmp_path / "ensemble.csv", index=False)
    toml = tmp_path / "s.toml"
    toml.write_text('[scenario]\nyears = 1\n[dynamics]\nensemble = "ensemble.csv"\n')
    scenario = load(toml)
    for r in (0, 1, 4):
        model = PartnershipModel(scenario, replication=r)
        row = ens.iloc[r % 3]
        assert model.params["dynamics"]["rate_life_expectancy"] == pytest.approx(
            row["dynamics.rate_life_expectancy"]
        )


def test_bad_ensemble_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text(
        "dynamics.rate_life_expectancy,funding.public_scale\n0.001,1.0\n"
    )
    toml = tmp_path / "s.toml"
    toml.write_text('[dynamics]\nensemble = "e.csv"\n')
    with pytest.raises(
        ScenarioError, match=r"column 'funding\.public_scale' is not allowed"
    ):
        load(toml)
    (tmp_path / "e.csv").write_text("dynamics.rate_life_expectancy\n7\n")
    with pytest.raises(ScenarioError, match="out of range"):
        load(toml)


def test_model_forecast_of_the_held_out_year_is_scored_like_the_naive_ones() -> None:
    """The agent model's 2022 forecast from 2021, on the same footing as the naive forecasts."""
    params = calibration.parameter_ensemble("province", 1, seed=3).iloc[0].to_dict()
    score = forecast.evaluate(
        calibration.model_predictor("province", params), "province"
    )
    assert set(score.index) >= {"life_expectancy", "ipm"}
    assert np.isfinite(score).all() and score["ipm"] < 1.0
