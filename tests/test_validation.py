"""Validation against stylised facts: the verdict rule and a small end-to-end run."""

from __future__ import annotations

import math

from sim.analysis.validation import (
    FACTS,
    SETTINGS,
    fact_settings,
    markdown,
    same_public_money_without_partnerships,
    validate,
    verdict,
)
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
    assert len(table) == sum(len(fact_settings(f)) for f in FACTS)
    assert (table["role"] == "common").sum() == len(FACTS) * len(SETTINGS)
    # Every fact is tested both ways: a setting of its own for it and one against it.
    for fact in FACTS:
        roles = set(table.loc[table["fact"] == fact.key, "role"])
        assert {"common", "for", "against"} <= roles, fact.key
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
        and "against its mechanism" in markdown(table)
    )
    # Where cash cannot crowd anything out, the crowding-out fact vanishes exactly.
    off = table[
        (table.fact == "crowding_out")
        & (table.setting == "against: no motivation crowding")
    ].iloc[0]
    assert off["difference"] == 0.0 and off["verdict"] != "holds"


def test_government_alone_keeps_the_base_scenarios_public_money():
    base = load_text(
        "[funding]\ncentral_programmes = 900000.0\ncentral_cofunding = 20000.0\n"
        "regional_programmes = 1000000.0\nregional_cofunding = 5000.0\n"
        "[capacity]\nbudget = 4000.0\n",
        "g.toml",
    )
    over = same_public_money_without_partnerships(base)
    assert over["formation.enabled"] is False
    assert over["funding.central_programmes"] == 924_000.0
    assert over["funding.regional_programmes"] == 1_005_000.0
    assert over["funding.central_cofunding"] == over["capacity.budget"] == 0.0


def test_facts_are_stated_in_rupiah_at_real_scale():
    """A fact written in the old model money would test a world nobody meant."""
    from sim.parameters import BY_NAME
    from sim.scenario import defaults

    facts = {f.key: f for f in FACTS}

    def default(name: str) -> float:
        return float(BY_NAME[name].default)

    co = facts["cofunding"].treatment_for(defaults())
    assert co["funding.central_cofunding"] == 3 * default("funding.central_cofunding")
    cost = facts["regulation"].treatment_for(defaults())["regulation.transaction_cost"]
    assert cost == 4 * default("regulation.transaction_cost")
    weak = SETTINGS["weak volunteering"]["gotong_royong.volunteer_days"]
    assert weak == default("gotong_royong.volunteer_days") / 3
