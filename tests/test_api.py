"""The model for other tools: a plain function, mesa.batch_run, and EMA Workbench's shapes."""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from mesa.batchrunner import batch_run

from sim.api import SCALAR_OUTCOMES, ema_function, evaluate, load_ema
from sim.experiment.sweep import plan, run_sweep
from sim.model import PartnershipModel
from sim.scenario import load_text

SMALL = {
    "scenario.years": 2.0,
    "population.community_groups": 50,
    "population.ngos": 10,
    "population.religious_bodies": 10,
    "population.businesses": 15,
    "population.universities": 3,
}


def test_evaluate_returns_outcomes_and_is_deterministic():
    a = evaluate({**SMALL, "rewards.scheme": "performance"}, seed=5)
    b = evaluate({**SMALL, "rewards.scheme": "performance"}, seed=5)
    assert set(a) == set(SCALAR_OUTCOMES)
    assert all(
        x == y or (math.isnan(x) and math.isnan(y))
        for x, y in zip(a.values(), b.values(), strict=True)
    )
    c = evaluate({**SMALL, "rewards.scheme": "performance"}, seed=6)
    assert c["final_index"] != a["final_index"]


def test_evaluate_accepts_numpy_values_and_double_underscores():
    params = {k.replace(".", "__"): v for k, v in SMALL.items()}
    params["funding__public_scale"] = np.float64(1.2)
    out = evaluate(params, seed=1)
    assert 0 <= out["government_share"] <= 1


def test_ema_function_takes_keyword_arguments():
    out = ema_function(**{k.replace(".", "__"): v for k, v in SMALL.items()}, seed=2)
    assert isinstance(out["reached"], float)


def test_mesa_batch_run_varies_levers_and_collects_reporters():
    params = {k.replace(".", "__"): v for k, v in SMALL.items()}
    params["rewards__scheme"] = ["none", "recognition"]
    rows = pd.DataFrame(
        batch_run(
            PartnershipModel,
            parameters=params,
            rng=[1, 2],
            max_steps=100,
            display_progress=False,
        )
    )
    assert len(rows) == 4 and {
        "index",
        "government_share",
        "active_partnerships",
    } <= set(rows.columns)
    assert set(rows["rewards__scheme"]) == {"none", "recognition"}
    again = pd.DataFrame(
        batch_run(
            PartnershipModel,
            parameters=params,
            rng=[1, 2],
            max_steps=100,
            display_progress=False,
        )
    )
    assert rows["index"].tolist() == again["index"].tolist()


def test_model_rng_none_draws_a_fresh_seed_and_keeps_it():
    m = PartnershipModel(
        rng=None, **{k.replace(".", "__"): v for k, v in SMALL.items()}
    )
    assert m.root_seed != 20150101 and 0 <= m.root_seed < 2**53
    again = PartnershipModel(
        rng=m.root_seed, **{k.replace(".", "__"): v for k, v in SMALL.items()}
    )
    assert m.run().national_index == again.run().national_index


def test_model_has_one_seeding_argument_in_mesas_convention():
    params = inspect.signature(PartnershipModel).parameters
    # mesa.batch_run passes "seed" when the model names it, else "rng" (Mesa 3.5).
    assert "rng" in params and "seed" not in params
    default = PartnershipModel(scenario=load_text("[scenario]\nseed = 7\n", "s.toml"))
    assert default.root_seed == 7  # no rng: the scenario's seed, as kemitraan run uses
    fixed = [np.random.default_rng(3), np.random.SeedSequence(3)]
    seeds = [PartnershipModel(rng=r).root_seed for r in fixed]
    assert seeds == [
        PartnershipModel(rng=np.random.default_rng(3)).root_seed,
        PartnershipModel(rng=np.random.SeedSequence(3)).root_seed,
    ]
    with pytest.raises(TypeError, match="rng="):
        PartnershipModel(rng="seven")


def _batch(**kwargs) -> pd.DataFrame:
    params = {k.replace(".", "__"): v for k, v in SMALL.items()}
    params["scenario__years"] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", DeprecationWarning
        )  # Mesa deprecates iterations=
        return pd.DataFrame(
            batch_run(
                PartnershipModel,
                parameters=params,
                max_steps=100,
                display_progress=False,
                **kwargs,
            )
        )


def test_mesa_batch_run_iterations_give_distinct_recorded_seeds():
    rows = _batch(iterations=3)
    assert sorted(rows["iteration"]) == [0, 1, 2]
    assert rows["root_seed"].nunique() == 3
    assert rows["index"].nunique() == 3  # three different runs, not one run three times
    # Each row's recorded seed repeats its run exactly.
    again = _batch(rng=rows["root_seed"].tolist())
    assert again["root_seed"].tolist() == rows["root_seed"].tolist()
    assert again["index"].tolist() == rows["index"].tolist()


def test_mesa_batch_run_with_fixed_rng_is_reproducible():
    a, b = _batch(rng=[11, 12, 13]), _batch(rng=[11, 12, 13])
    assert a["root_seed"].tolist() == [11, 12, 13]
    assert a["index"].tolist() == b["index"].tolist()


SWEEP = (
    "[scenario]\nyears = 2\n[population]\ncommunity_groups = 50\nngos = 10\nreligious_bodies = 10\nbusinesses = 15\n"
    'universities = 3\n[design]\ntype = "factorial"\nreplications = 2\n[design.factors]\n'
    '"funding.public_scale" = [0.8, 1.2]\n"trust.initial" = [0.3, 0.5]\n'
)


@pytest.fixture(scope="module")
def sweep_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ema") / "e"
    run_sweep(plan(load_text(SWEEP, "e.toml")), folder)
    return folder


def test_load_ema_speaks_emas_vocabulary(sweep_folder):
    experiments, outcomes = load_ema(sweep_folder, series=True)
    # Uncertainties, then levers, named as ema_function takes them; then EMA's own columns.
    assert list(experiments.columns) == [
        "trust__initial",
        "funding__public_scale",
        "scenario",
        "policy",
        "model",
    ]
    assert len(experiments) == 8
    # scenario: the point in the uncertainties (trust.initial and the replication's seed);
    # policy: the point in the levers (funding.public_scale).
    assert experiments["scenario"].nunique() == 4
    assert experiments["policy"].nunique() == 2
    for _, group in experiments.groupby("scenario"):
        assert group["trust__initial"].nunique() == 1
        assert (
            group["funding__public_scale"].nunique() == 2
        )  # every policy in every scenario
    assert set(experiments["policy"]) == {
        "funding.public_scale=0.8",
        "funding.public_scale=1.2",
    }
    assert "years_to_target" not in outcomes  # NaN when censored; EMA rejects NaN
    scalars = {k: v for k, v in outcomes.items() if v.ndim == 1}
    assert scalars and all(not np.isnan(v).any() for v in scalars.values())
    assert outcomes["index_series"].shape == (8, 9)


def test_ema_workbench_analysis_and_save_results_take_load_ema(sweep_folder, tmp_path):
    from ema_workbench import load_results, save_results
    from ema_workbench.analysis import feature_scoring, prim

    experiments, outcomes = load_ema(sweep_folder)
    scores = feature_scoring.get_feature_scores_all(experiments, outcomes)
    assert set(scores.columns) == set(outcomes)
    assert {"trust__initial", "funding__public_scale"} <= set(scores.index)
    y = outcomes["final_index"] > np.median(outcomes["final_index"])
    box = prim.Prim(experiments, y, mass_min=0.1).find_box()
    assert 0 < box.coverage <= 1
    for series in (False, True):
        path = tmp_path / f"e{series}.tar.gz"
        save_results(load_ema(sweep_folder, series=series), str(path))
        back_x, back_y = load_results(str(path))
        assert list(back_x.columns) == list(experiments.columns)
        assert np.array_equal(back_y["final_index"], outcomes["final_index"])


def test_load_ema_levers_can_be_named(sweep_folder):
    experiments, _ = load_ema(
        sweep_folder, levers=["trust.initial", "funding.public_scale"]
    )
    # Both levers: the replication alone is the scenario, each design point a policy.
    assert experiments["scenario"].nunique() == 2
    assert experiments["policy"].nunique() == 4
