"""Validation against stylised facts: the verdict rule and a small end-to-end run."""

from __future__ import annotations

import math

from sim.analysis.validation import FACTS, SETTINGS, markdown, validate, verdict
from sim.scenario import load_text


def test_verdict_rule():
    assert verdict(+1, 0.1, 0.5) == "holds"
    assert verdict(-1, -0.5, -0.1) == "holds"
    assert verdict(+1, -0.5, -0.1) == "fails"
    assert verdict(-1, 0.1, 0.5) == "fails"
    assert verdict(+1, -0.1, 0.1) == "unclear"
    assert verdict(+1, math.nan, math.nan) == "unclear"


def test_validation_table_covers_every_fact_and_setting():
    small = load_text(
        "[scenario]\nyears = 3\n[population]\ncommunity_groups = 40\nngos = 8\nreligious_bodies = 8\n"
        "businesses = 12\nuniversities = 2\n",
        "v.toml",
    )
    table = validate(small, replications=2)
    assert len(table) == len(FACTS) * len(SETTINGS)
    assert set(table["verdict"]) <= {
        "holds",
        "fails",
        "negligible",
        "unclear",
        "not reached",
        "neither reaches",
    }
    assert {"min_effect", "p_holds_holm", "p_fails_holm", "method"} <= set(
        table.columns
    )
    assert (
        table["p_holds_holm"].dropna() >= table["p_holds"].dropna()
    ).all()  # the correction never lowers a p-value
    # Without volunteer labour a non-government part of spending disappears, so the government's
    # share rises by several points, far more than chance moves it even in this small world.
    row = table[
        (table.fact == "gotong_royong_burden") & (table.setting == "baseline")
    ].iloc[0]
    assert row["difference"] > 0
    assert (
        "| fact |" in markdown(table)
        and "Holm" in markdown(table)
        and "minimum effect" in markdown(table)
    )
