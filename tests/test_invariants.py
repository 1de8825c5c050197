"""Model invariants over property-generated scenarios (checked mode asserts them every step)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import PartnershipModel
from sim.parameters import REWARD_SCHEMES, TRUST_FUND_RULES
from sim.scenario import defaults

unit = st.floats(0.0, 1.0)
levers = st.fixed_dictionaries(
    {
        "population.community_groups": st.integers(0, 60),
        "population.ngos": st.integers(0, 15),
        "population.religious_bodies": st.integers(0, 15),
        "population.businesses": st.integers(2, 20),
        "population.universities": st.integers(0, 5),
        "population.regions": st.integers(1, 6),
        "population.max_partnerships": st.integers(1, 5),
        "network.forum_density": st.floats(0.0, 20.0),
        "network.information_system": unit,
        "network.socialization": unit,
        "formation.vision_threshold": unit,
        "formation.complementarity_weight": unit,
        "formation.max_group_size": st.integers(2, 6),
        "formation.enabled": st.booleans(),
        "regulation.transaction_cost": st.floats(0.0, 50.0),
        "regulation.legal_certainty": unit,
        "regulation.tax_deduction": unit,
        "funding.central_cofunding": st.floats(0.0, 5000.0),
        "funding.trust_fund_share": unit,
        "funding.trust_fund_rule": st.sampled_from(TRUST_FUND_RULES),
        "funding.political_will": unit,
        "gotong_royong.enabled": st.booleans(),
        "rewards.scheme": st.sampled_from(REWARD_SCHEMES),
        "rewards.budget": st.floats(0.0, 5000.0),
        "governance.honesty": unit,
        "institutions.coordination": unit,
        "trust.dissolve_below": unit,
        "capacity.budget": st.floats(0.0, 2000.0),
    }
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(levers=levers, replication=st.integers(0, 1000))
def test_invariants_hold_every_step(levers, replication):
    scenario = defaults().with_overrides(
        {**levers, "scenario.years": 3.0, "scenario.history": False}
    )
    m = PartnershipModel(scenario, replication=replication, checked=True).run()
    ts = m.timeseries()
    numeric = ts.select_dtypes("number").to_numpy()
    assert np.isfinite(numeric).all(), "NaN or infinity in the time series"
    assert ((ts["government_share"] >= 0) & (ts["government_share"] <= 1)).all()
    assert (ts["index"].diff().dropna() >= -1e-9).all(), (
        "the index never falls without a shock"
    )  # no history: no shock
