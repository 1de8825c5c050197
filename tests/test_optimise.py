"""The optimiser finds a known optimum on a small synthetic problem (not the model)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.optimise import Lever, pareto, search


def synthetic(v: dict[str, float]) -> dict[str, float]:
    # Reaching the target in time needs a + 2b >= 0.8 (probability 1, else 0.5): the cheapest
    # feasible mix (cost a + b) is a = 0, b = 0.4, cost 0.4. Lever a buys more time than b.
    a, b = v["a"], v["b"]
    return {
        "cost": a + b,
        "years": 10 - 5 * a - 2 * b,
        "inequality": (a - b) ** 2,
        "probability": 1.0 if a + 2 * b >= 0.8 else 0.5,
    }


def test_search_finds_the_cheapest_feasible_mix():
    res = search(
        synthetic,
        [Lever("a", 0.0, 1.0), Lever("b", 0.0, 1.0)],
        probability=0.8,
        trials=240,
        population=24,
        seed=1,
    )
    assert res.cheapest is not None
    assert res.cheapest["cost"] == pytest.approx(0.4, abs=0.05)
    assert res.cheapest["b"] == pytest.approx(0.4, abs=0.06)
    assert res.front["feasible"].all()
    # The front is non-dominated and shows the trade-off: cheaper points are slower.
    f = res.front.sort_values("cost")
    assert len(pareto(f)) == len(f)
    assert f["years"].iloc[0] > f["years"].iloc[-1]


def test_search_is_reproducible():
    levers = [Lever("a", 0.0, 1.0), Lever("b", 0.0, 1.0)]
    one = search(synthetic, levers, probability=0.8, trials=30, population=10, seed=5)
    two = search(synthetic, levers, probability=0.8, trials=30, population=10, seed=5)
    pd.testing.assert_frame_equal(one.trials, two.trials)


def test_pareto_drops_dominated_rows():
    frame = pd.DataFrame(
        {"cost": [1, 2, 2, 3], "years": [5, 4, 5, 3], "inequality": [0, 0, 0, 0]}
    )
    assert list(pareto(frame).index) == [0, 1, 3]
    assert np.isfinite(frame["cost"]).all()


def test_every_front_point_is_a_rerunnable_scenario_on_the_page(tmp_path):
    from sim.analysis.optimise import write_front, write_page
    from sim.scenario import load, load_text
    from tests.conftest import small_scenario_text

    base = load_text(small_scenario_text(), "small.toml")
    levers = [
        Lever("funding.public_scale", 0.5, 1.5),
        Lever("capacity.budget", 0.0, 20_000.0),
    ]

    def evaluate(v: dict[str, float]) -> dict[str, float]:
        a = v["funding.public_scale"] - 0.5
        b = v["capacity.budget"] / 20_000.0
        return synthetic({"a": a, "b": b})

    res = search(evaluate, levers, probability=0.8, trials=40, population=10, seed=2)
    files = write_front(base, res, levers, tmp_path, level=75.0)
    page = write_page(
        base, res, levers, tmp_path, files, question="q", method="m"
    ).read_text()
    assert files and len(files) == len(res.front)
    for path, (_, row) in zip(files, res.front.iterrows(), strict=True):
        scn = load(path)  # a valid scenario file ...
        flat = scn.flat()
        assert flat["funding.public_scale"] == pytest.approx(
            row["funding.public_scale"]
        )  # ... that sets the mix found
        assert flat["scenario.target"] == 75.0
        assert f'href="{path.name}"' in page
    assert "Pareto front" in page and "The cheapest mix" in page
    assert "data:image/png;base64," in page  # the figure travels with the page
