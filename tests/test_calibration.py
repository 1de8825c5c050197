"""Calibration with uncertainty: an ensemble from the panel estimate, and runs that draw from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.analysis import calibration, forecast
from sim.model import PartnershipModel
from sim.parameters import BY_NAME
from sim.scenario import ENSEMBLE_SECTIONS, ScenarioError, load


def test_ensemble_is_valid_dynamics_and_reproducible() -> None:
    a = calibration.parameter_ensemble("province", 5, seed=1)
    b = calibration.parameter_ensemble("province", 5, seed=1)
    assert a.equals(b) and len(a) == 5
    for column in a.columns:
        p = BY_NAME[column]
        assert p.section in ENSEMBLE_SECTIONS, column
        assert a[column].between(p.low, p.high).all(), column
    for key, (low, high) in calibration.PATHWAY_PRIORS.items():
        assert a[key].between(low, high).all(), key
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
        assert model.params["leakage"]["capture"] == pytest.approx(
            row["leakage.capture"]
        )


def test_a_pathway_key_the_scenario_sets_is_not_overridden(tmp_path: Path) -> None:
    """A sweep's lever keeps its value; the ensemble fills only uncertainties left at default."""
    ens = calibration.parameter_ensemble("province", 2, seed=2)
    ens.to_csv(tmp_path / "ensemble.csv", index=False)
    toml = tmp_path / "s.toml"
    toml.write_text(
        '[scenario]\nyears = 1\n[dynamics]\nensemble = "ensemble.csv"\n'
        "[targeting]\nreach = 0.05\n"
    )
    model = PartnershipModel(load(toml), replication=1)
    assert model.params["targeting"]["reach"] == 0.05
    assert model.params["targeting"]["missed_return"] == pytest.approx(
        ens.iloc[1]["targeting.missed_return"]
    )


def test_pathway_priors_are_the_documented_literature_ranges() -> None:
    """Each prior is the range stated in its parameter's description (docs/scenarios.md)."""
    import re

    for key, (low, high) in calibration.PATHWAY_PRIORS.items():
        found = re.search(r"range ([0-9.]+)-([0-9.]+)", BY_NAME[key].meaning)
        assert found, key
        assert (float(found[1]), float(found[2])) == (low, high), key


def test_rejection_abc_keeps_the_closest_candidates() -> None:
    cands = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0, 4.0]})
    kept, where = calibration.accept(cands, np.array([0.5, 0.1, 0.9, 0.1, 0.3]), 3)
    assert list(where) == [1, 3, 4] and list(kept["x"]) == [1.0, 3.0, 4.0]
    post = calibration.prior_posterior(cands, kept)
    assert post.loc["x", "posterior_mean"] == pytest.approx(8 / 3)
    assert 0 < post.loc["x", "range_kept"] < 1


def test_rejection_abc_recovers_a_planted_parameter() -> None:
    """On a toy simulator with a known truth, the kept sets sit nearer the truth than the prior."""
    rng = np.random.default_rng(5)
    theta = rng.uniform(0, 1, 400)
    truth = 0.3
    observed = truth + 0.02 * rng.standard_normal()
    simulated = theta + 0.02 * rng.standard_normal(400)
    kept, _ = calibration.accept(
        pd.DataFrame({"theta": theta}), np.abs(simulated - observed), 20
    )
    assert abs(kept["theta"].mean() - truth) < 0.05
    assert kept["theta"].std() < 0.2 * theta.std()


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


def test_calibrate_end_to_end_writes_an_ensemble_runs_can_draw_from(
    tmp_path: Path,
) -> None:
    results = calibration.calibrate("province", n_sets=2, candidates=4, seed=7)
    assert len(results["ensemble"]) == 2 and results["candidates"]["kept"].sum() == 2
    kept = results["candidates"][results["candidates"]["kept"]]
    rejected = results["candidates"][~results["candidates"]["kept"]]
    assert kept["distance"].max() <= rejected["distance"].min()
    assert set(results["posterior"].index) == set(results["ensemble"].columns)
    calibration.write(results, "province", tmp_path)
    for name in ("ensemble", "candidates", "posterior", "fit", "holdout"):
        assert (tmp_path / f"{name}.csv").is_file()
    assert "rejection ABC" in (tmp_path / "report.md").read_text()
    toml = tmp_path / "s.toml"
    toml.write_text('[scenario]\nyears = 1\n[dynamics]\nensemble = "ensemble.csv"\n')
    model = PartnershipModel(load(toml), replication=1)
    assert model.params["leakage"]["weak_governance"] == pytest.approx(
        results["ensemble"].iloc[1]["leakage.weak_governance"]
    )
