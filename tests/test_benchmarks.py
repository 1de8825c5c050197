"""Smoke test of the benchmark suite (benchmarks/) at a tiny size.

Every goal's function runs and returns the keys the report and the JSON file use. The real
measurement is ``make bench``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import run as bench
from benchmarks.allpairs import AllPairsModel, pair_value
from sim.mechanisms.formation import pair_scores

TINY = {"repeats": 1, "warmup": 1, "measure": 1, "subprocesses": False}


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
    assert {"ratio_wall", "ratio_cpu", "boltzmann_ratio_wall", "met", "target"} <= set(
        g3
    )


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
        assert score[others == chosen[0]][0] == pytest.approx(
            score[ok].max(), abs=1e-12
        )
        a, b = model.community_agents[seeker], model.community_agents[int(chosen[0])]
        assert pair_value(a, b, w)[1] == pytest.approx(
            score[others == chosen[0]][0], abs=1e-12
        )


def test_goal_four_memory_of_a_child_run() -> None:
    g4 = bench.goal_memory(n=150, years=0.5)
    assert {"peak_rss_gib", "peak_rss_mib", "steps", "events", "met"} <= set(g4)
    assert g4["steps"] == 2 and 20 < g4["peak_rss_mib"] < 2000


def test_goal_five_sweep_against_batch_run() -> None:
    g5 = bench.goal_sweep(runs=2, workers=(1,), log=lambda _: None)
    assert set(g5["kemitraan_run"]) == set(g5["batch_run"]) == {"1"}
    assert g5["batch_run"]["1"]["rows"] == 2  # mesa.batch_run made one row per run
    assert g5["ratio_by_workers"]["1"] == pytest.approx(
        g5["kemitraan_run"]["1"]["runs_per_second"]
        / g5["batch_run"]["1"]["runs_per_second"]
    )
    assert isinstance(g5["met"], bool)


def test_first_steps_from_goal_one() -> None:
    g1 = bench.goal_boltzmann(
        ns=(100,),
        repeats=1,
        warmup=2,
        measure=2,
        subprocesses=False,
        log=lambda _: None,
    )
    g9 = bench.goal_first_steps(g1)
    r = g9["by_n"]["100"]
    assert r["ratio_wall"] == pytest.approx(
        r["first_steps_wall_s"] / r["steady_wall_s"]
    )
    assert g1["by_n"]["100"]["target"] == 1.0


def test_boltzmann_targets_by_size() -> None:
    assert bench.TARGETS["boltzmann_ratio"] == {1_000: 1.0, 10_000: 1.0, 100_000: 0.15}


def test_geographies_skip_missing_files(tmp_path, monkeypatch) -> None:
    g10 = bench.goal_geographies(names=("no_such_geography",), log=lambda _: None)
    assert g10 == {
        "no_such_geography": {
            "skipped": "scenarios/no_such_geography.toml does not exist"
        }
    }


def test_frames_reference_runs_or_says_why() -> None:
    python = bench.frames_python(log=lambda _: None)
    if python is None:
        assert bench.FRAMES_STATUS["note"]  # skipped with a reason, never silently
        g7 = bench.goal_frames(
            n=100, repeats=1, warmup=1, measure=1, log=lambda _: None
        )
        assert g7["met"] is None and g7["skipped"]
        return
    res = bench.time_steps_in_subprocess("frames", 500, 1, 2)
    assert res["wealth_total"] == 500.0  # money is only moved, never made
    assert len(res["wall_steps"]) == 2 and res["peak_rss_mib"] > 0


def test_goal_eight_small() -> None:
    g8 = bench.goal_million(n=300, warmup=1, measure=1, log=lambda _: None)
    assert {"step_wall_s", "peak_rss_gib", "init_s", "met", "frames"} <= set(g8)
    assert 0 < g8["peak_rss_gib"] < 2


def test_parse_simulated() -> None:
    assert bench.parse_simulated("  Simulated 80 quarters in 0.4 s; results in x/") == (
        80,
        0.4,
    )
    with pytest.raises(ValueError):
        bench.parse_simulated("nothing here")


def test_child_mode_prints_json(capsys) -> None:
    assert bench.main(["--child", "kemitraan", "80", "1", "1"]) == 0
    assert {"wall", "cpu"} <= set(
        json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    )


def test_summary_rows_and_machine() -> None:
    g1 = bench.goal_boltzmann(ns=(100, 150), log=lambda _: None, **TINY)
    goals = {
        "1_boltzmann": g1,
        "3_scaling": bench.goal_scaling(g1, 100, 150),
        "5_sweep": {
            "runs": 2,
            "ratio_by_workers": {"1": 1.5},
            "kemitraan_run": {"1": {"runs_per_second": 3.0}},
            "batch_run": {"1": {"runs_per_second": 2.0}},
            "met": True,
        },
        "6_make_run": {
            "printed_seconds": 0.4,
            "simulate_seconds_median": 0.38,
            "command_seconds": 2.5,
            "met": True,
        },
        "7_frames": {"n": 100, "skipped": "no Python 3.12 found", "met": None},
        "9_first_steps": bench.goal_first_steps(g1),
        "10_geographies": {
            "provinces": {"skipped": "scenarios/provinces.toml does not exist"}
        },
    }
    rows = bench.summary_rows(goals)
    assert len(rows) == 2 + 1 + 1 + 1 + 1 + 2 + 1 and all(len(r) == 4 for r in rows)
    info = bench.machine_info()
    assert {"cpu", "cores", "python", "numpy", "mesa", "load_average"} <= set(info)


def test_profile_books_the_search_under_recruitment_and_restores() -> None:
    """The profiler counts the k-d rows recruitment searches and puts every patched function back."""
    from benchmarks import profile
    from sim.mechanisms import network

    query = network.SearchTree.query
    res = profile.profile_phases(n=3000, warmup=3, steps=2)
    key = "formation.recruit / k-d tree search"
    assert res["phases"][key][1] == "formation.recruit"
    assert res["rows"][key] > 0
    assert 0 < res["phases"][key][0] <= res["phases"]["formation.recruit"][0]
    assert network.SearchTree.query is query
