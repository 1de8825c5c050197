"""The model for other tools: a plain function, mesa.batch_run, and EMA Workbench's shapes."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
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
    assert m.root_seed != 20150101
    again = PartnershipModel(
        seed=m.root_seed, **{k.replace(".", "__"): v for k, v in SMALL.items()}
    )
    assert m.run().national_index == again.run().national_index


def test_load_ema_shapes(tmp_path):
    text = (
        "[scenario]\nyears = 2\n[population]\ncommunity_groups = 50\nngos = 10\nreligious_bodies = 10\nbusinesses = 15\n"
        'universities = 3\n[design]\ntype = "factorial"\nreplications = 2\n[design.factors]\n"funding.public_scale" = [0.8, 1.2]\n'
    )
    run_sweep(plan(load_text(text, "e.toml")), tmp_path / "e")
    experiments, outcomes = load_ema(tmp_path / "e")
    assert list(experiments.columns) == [
        "funding.public_scale",
        "scenario",
        "policy",
        "model",
    ]
    assert len(experiments) == 4
    assert outcomes["final_index"].shape == (4,)
    assert outcomes["index_series"].shape == (4, 9)
