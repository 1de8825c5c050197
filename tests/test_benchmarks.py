"""Smoke test of the benchmark suite (benchmarks/): every goal's function runs at a tiny size and
returns the keys the report and the JSON file use. The real measurement is ``make bench``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import run as bench
from benchmarks.allpairs import AllPairsModel, pair_value
from sim.mechanisms.formation import pair_scores

TINY = dict(repeats=1, warmup=1, measure=1, subprocesses=False)


@pytest.mark.parametrize("n", [1, 7, 770, 10_000, 100_000])
def test_population_keeps_the_default_proportions(n: int) -> None:
    counts = bench.population(n)
    assert sum(counts.values()) == n
    if n >= 770:
        assert counts["ngos"] / n == pytest.approx(80 / 770, abs=1 / n)


def test_boltzmann_grid_keeps_the_shipped_density() -> None:
    assert bench.boltzmann_side(100) == 10
    assert bench.boltzmann_side(10_000) == 100
    assert bench.boltzmann_side(100_000) == 316


@pytest.mark.parametrize("kind", ["kemitraan", "boltzmann", "allpairs"])
def test_time_steps(kind: str) -> None:
    res = bench.time_steps(kind, 120, warmup=1, measure=2)
    assert {"wall", "cpu", "wall_steps", "cpu_steps", "init"} <= set(res)
    assert len(res["wall_steps"]) == 2 and res["wall"] > 0


def test_goals_one_and_three() -> None:
    g1 = bench.goal_boltzmann(ns=(100, 200), log=lambda _: None, **TINY)
    assert set(g1["by_n"]) == {"100", "200"}
    for r in g1["by_n"].values():
        assert {"ratio_wall", "ratio_cpu", "kemitraan", "boltzmann", "met"} <= set(r)
        assert r["kemitraan"]["step_wall_s"] > 0 and r["boltzmann"]["step_wall_s"] > 0
    g3 = bench.goal_scaling(g1, small=100, large=200)
    assert {"ratio_wall", "ratio_cpu", "boltzmann_ratio_wall", "met", "target"} <= set(g3)


def test_goal_two() -> None:
    g2 = bench.goal_allpairs(n=120, log=lambda _: None, **TINY)
    assert {"speedup_wall", "speedup_cpu", "allpairs", "kemitraan", "met"} <= set(g2)


def test_all_pairs_search_proposes_each_seekers_best_partner() -> None:
    model = AllPairsModel(bench.kemitraan_scenario(60), all_pairs=False)
    for _ in range(2):
        model.step()
    c = model.community
    who = np.arange(0, 60, 3)
    w = model.params["formation"]["complementarity_weight"]
    s, best = model._all_pairs_candidates(None, c, model.ties, who, 6, 0.2, w)
    threshold = model.params["formation"]["vision_threshold"]
    free = c.memberships < c.cap
    for seeker in who:
        others = np.array([j for j in range(60) if j != seeker and free[j]])
        sim, _, score = pair_scores(c, np.full(others.shape[0], seeker), others, w)
        ok = sim >= threshold
        if not ok.any():
            assert seeker not in s
            continue
        chosen = best[s == seeker]
        assert chosen.shape[0] == 1
        assert score[others == chosen[0]][0] == pytest.approx(score[ok].max(), abs=1e-12)
        a, b = model.community_agents[seeker], model.community_agents[int(chosen[0])]
        assert pair_value(a, b, w)[1] == pytest.approx(score[others == chosen[0]][0], abs=1e-12)


def test_goal_four_memory_of_a_child_run() -> None:
    g4 = bench.goal_memory(n=150, years=0.5)
    assert {"peak_rss_gib", "peak_rss_mib", "steps", "events", "met"} <= set(g4)
    assert g4["steps"] == 2 and 20 < g4["peak_rss_mib"] < 2000


def test_goal_five_sweep() -> None:
    g5 = bench.goal_sweep(runs=2, workers=(1,), log=lambda _: None)
    assert set(g5["seconds_by_workers"]) == {"1"} and "met" not in g5


def test_parse_simulated() -> None:
    assert bench.parse_simulated("  Simulated 80 quarters in 0.4 s; results in x/") == (80, 0.4)
    with pytest.raises(ValueError):
        bench.parse_simulated("nothing here")


def test_child_mode_prints_json(capsys) -> None:
    assert bench.main(["--child", "kemitraan", "80", "1", "1"]) == 0
    assert {"wall", "cpu"} <= set(json.loads(capsys.readouterr().out.strip().splitlines()[-1]))


def test_summary_rows_and_machine() -> None:
    g1 = bench.goal_boltzmann(ns=(100, 150), log=lambda _: None, **TINY)
    goals = {"1_boltzmann": g1, "3_scaling": bench.goal_scaling(g1, 100, 150),
             "5_sweep": {"runs": 2, "seconds_by_workers": {"1": 2.0, "2": 1.0}, "speedup": 2.0, "met": True},
             "6_make_run": {"printed_seconds": 0.4, "simulate_seconds_median": 0.38, "met": True}}
    rows = bench.summary_rows(goals)
    assert len(rows) == 5 and all(len(r) == 4 for r in rows)
    info = bench.machine_info()
    assert {"cpu", "cores", "python", "numpy", "mesa", "load_average"} <= set(info)
