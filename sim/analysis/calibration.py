"""Calibration of the human-development dynamics to BPS's published national IPM.

The baseline starts from BPS's 2015 national components and must reach BPS's 2016 values
after four quarters. For each component c, over one year,

    change_c = trend_c * A_c + response_c * B_c,

where ``A_c`` is the sum over the four quarters of the gap to the goalpost and ``B_c`` the
same sum weighted by the investment response (both measured by simulating the baseline,
averaged over replications). One assumption closes the system: the share ``s`` of each
component's change that comes through the investment channel (government programmes and
partnerships) rather than the status-quo trend. Then

    response_c = s * change_c / B_c,    trend_c = (1 - s) * change_c / A_c.

The fitted values are the ``dynamics.*`` defaults in :mod:`sim.parameters`;
``kemitraan calibrate`` reruns this and prints them with the 2016 IPM they give.
"""

from __future__ import annotations

import numpy as np

from sim import hdi
from sim.mechanisms import development
from sim.mechanisms.development import COMPONENTS
from sim.model import PartnershipModel
from sim.scenario import Scenario

# BPS national IPM components (new method); expenditure in rupiah per person per year.
BPS_NATIONAL: dict[int, dict[str, float]] = {
    2015: {"life_expectancy": 70.78, "expected_schooling": 12.55, "mean_schooling": 7.84, "expenditure": 10_150_000.0, "ipm": 69.55},
    2016: {"life_expectancy": 70.90, "expected_schooling": 12.72, "mean_schooling": 7.95, "expenditure": 10_420_000.0, "ipm": 70.18},
}
INVESTMENT_SHARE = 0.5


def _year_sums(scenario: Scenario, replications: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean over replications of A_c and B_c for the first year of ``scenario``.

    The rates are set to zero while measuring, so the components stay at their start values
    (the sums are then exact for the start year's gaps) and the model's investment is read
    after each quarter.
    """
    gp = hdi.goalposts("ipm")
    goals = np.array([gp.le_max, gp.eys_max, gp.mys_max, np.log(gp.income_max)])
    probe = scenario.with_overrides({f"dynamics.{k}_{c}": 0.0 for k in ("trend", "response") for c in COMPONENTS})
    a = np.zeros(4)
    b = np.zeros(4)
    for r in range(replications):
        model = PartnershipModel(probe, replication=r)
        le, eys, mys, income = model.regions.national()
        gap = goals - np.array([le, eys, mys, np.log(income)])
        for _ in range(4):
            model.step()
            resp = development.component_intensity(model.investment, model.regions.population, model.params["dynamics"]["saturation"])
            a += gap / replications
            b += gap * (model.regions.weights @ resp) / replications
    return a, b


def calibrate(scenario: Scenario, replications: int = 8, share: float = INVESTMENT_SHARE) -> dict[str, float]:
    """Fit the trend and response rates so four quarters of ``scenario`` move BPS 2015 to BPS 2016.

    Returns:
        ``{"trend_<component>": ..., "response_<component>": ...}``.
    """
    a, b = _year_sums(scenario, replications)
    y0, y1 = BPS_NATIONAL[2015], BPS_NATIONAL[2016]
    change = np.array([y1[c] - y0[c] for c in COMPONENTS[:3]] + [np.log(y1["expenditure"]) - np.log(y0["expenditure"])])
    out = {}
    for i, c in enumerate(COMPONENTS):
        out[f"trend_{c}"] = float((1 - share) * change[i] / a[i])
        out[f"response_{c}"] = float(share * change[i] / b[i]) if b[i] > 0 else 0.0
    return out


def check(scenario: Scenario, replications: int = 8) -> dict[str, float]:
    """Simulated national IPM after four quarters (mean and range over replications) vs BPS 2016."""
    values = []
    for r in range(replications):
        m = PartnershipModel(scenario.with_overrides({"scenario.years": 1.0}), replication=r).run()
        values.append(m.national_index)
    v = np.array(values)
    return {"published_2016": BPS_NATIONAL[2016]["ipm"], "simulated_mean": float(v.mean()), "simulated_min": float(v.min()), "simulated_max": float(v.max())}
