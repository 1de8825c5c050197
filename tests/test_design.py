"""Designs: expansion of [design] tables into points, and their validation."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiment.design import from_scenario
from sim.scenario import ScenarioError, load_text

BASE = '[scenario]\nname = "d"\n'


def design(text: str, replications=None):
    return from_scenario(load_text(BASE + text, "d.toml"), replications)


def test_no_design_is_one_point():
    d = design("")
    assert d.type == "none" and d.size == 1 and d.points[0].overrides == {}


def test_factorial_is_the_full_grid():
    d = design(
        '[design]\ntype = "factorial"\nreplications = 5\n[design.factors]\n'
        '"funding.central_programmes" = [3000.0, 6000.0, 9000.0]\n"gotong_royong.enabled" = [true, false]\n'
    )
    assert len(d.points) == 6 and d.size == 30
    combos = {
        (
            p.overrides["funding.central_programmes"],
            p.overrides["gotong_royong.enabled"],
        )
        for p in d.points
    }
    assert combos == {(a, b) for a in (3000.0, 6000.0, 9000.0) for b in (True, False)}
    assert d.varied == ("funding.central_programmes", "gotong_royong.enabled")


def test_variants_with_reference():
    d = design(
        '[design]\nreference = "cash"\n[[design.variants]]\nname = "baseline"\n'
        '[[design.variants]]\nname = "cash"\nset = { "rewards.scheme" = "cash_per_participant" }\n'
    )
    assert [p.name for p in d.points] == ["baseline", "cash"] and d.reference == "cash"


def test_variants_default_reference_is_baseline():
    d = design(
        '[[design.variants]]\nname = "a"\n[[design.variants]]\nname = "baseline"\n'
    )
    assert d.reference == "baseline"


def test_variants_crossed_with_factors():
    d = design(
        '[design]\ntype = "variants"\n[design.factors]\n"rewards.budget" = [100.0, 200.0]\n'
        '[[design.variants]]\nname = "a"\n[[design.variants]]\nname = "b"\nset = { "rewards.scheme" = "tournament" }\n'
    )
    assert len(d.points) == 4 and d.points[3].overrides == {
        "rewards.scheme": "tournament",
        "rewards.budget": 200.0,
    }


def test_lhs_fills_every_stratum():
    d = design(
        '[design]\ntype = "lhs"\nsamples = 20\n[design.ranges]\n"funding.philanthropy" = [0.0, 1000.0]\n"population.regions" = [2, 12]\n'
    )
    x = np.array([p.overrides["funding.philanthropy"] for p in d.points])
    assert len(d.points) == 20
    assert sorted(np.floor(x / 50).astype(int).tolist()) == list(
        range(20)
    )  # one sample per stratum
    assert all(isinstance(p.overrides["population.regions"], int) for p in d.points)


def test_sobol_and_morris_sizes_follow_salib():
    s = design(
        '[design]\ntype = "sobol"\nsamples = 16\n[design.ranges]\n"funding.philanthropy" = [0.0, 1000.0]\n'
        '"regulation.transaction_cost" = [0.0, 20.0]\n"governance.honesty" = [0.0, 1.0]\n'
    )
    assert len(s.points) == 16 * (3 + 2)
    m = design(
        '[design]\ntype = "morris"\nsamples = 5\n[design.ranges]\n"funding.philanthropy" = [0.0, 1000.0]\n'
        '"regulation.transaction_cost" = [0.0, 20.0]\n'
    )
    assert len(m.points) == 5 * (2 + 1)


def test_sampled_designs_are_reproducible_from_the_seed():
    text = '[design]\ntype = "lhs"\nsamples = 8\n[design.ranges]\n"funding.philanthropy" = [0.0, 1000.0]\n'
    assert design(text).points == design(text).points
    other = from_scenario(
        load_text('[scenario]\nname = "d"\nseed = 9\n' + text, "d.toml")
    )
    assert other.points != design(text).points


def test_replications_override():
    assert design("", replications=7).size == 7


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[design]\ntype = "grid"\n', "design.type"),
        ("[design]\nreplications = 0\n", "design.replications"),
        ("[design]\nfactor = {}\n", "design.factor"),
        ('[design]\ntype = "factorial"\n', "design.factors"),
        (
            '[design]\n[design.factors]\n"funding.nope" = [1.0]\n',
            "design.factors.funding.nope",
        ),
        (
            '[design]\n[design.factors]\n"funding.philanthropy" = [-1.0]\n',
            "design.factors.funding.philanthropy",
        ),
        ('[design]\ntype = "lhs"\n', "design.ranges"),
        (
            '[design]\ntype = "lhs"\n[design.ranges]\n"funding.philanthropy" = [5.0, 1.0]\n',
            "design.ranges.funding.philanthropy",
        ),
        (
            '[design]\ntype = "lhs"\n[design.ranges]\n"rewards.scheme" = [0, 1]\n',
            "design.ranges.rewards.scheme",
        ),
        (
            '[design]\ntype = "sobol"\nsamples = 10\n[design.ranges]\n"funding.philanthropy" = [0.0, 1.0]\n"governance.honesty" = [0.0, 1.0]\n',
            "design.samples",
        ),
        (
            '[[design.variants]]\nname = "a"\n[[design.variants]]\nname = "a"\n',
            "design.variants",
        ),
        (
            '[design]\nreference = "zzz"\n[[design.variants]]\nname = "a"\n',
            "design.reference",
        ),
        (
            '[design]\n[design.factors]\n"scenario.seed" = [1, 2]\n',
            "design.factors.scenario.seed",
        ),
    ],
)
def test_bad_designs_are_one_line_errors(text, key):
    with pytest.raises(ScenarioError) as err:
        from_scenario(load_text(BASE + text, "d.toml"))
    assert str(err.value).startswith(f"d.toml: {key}: ") and "\n" not in str(err.value)
