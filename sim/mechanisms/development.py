"""Human development dynamics: the law estimated from BPS's panel, pulled by investment.

Each quarter every component x of every region (life expectancy, expected and mean
schooling, and log expenditure) moves by the status-quo law estimated from BPS's 2016-2021
panel (:mod:`sim.analysis.estimation`, ``docs/estimation.md``), scaled by how the region's
effective investment in the matching activity compares with the status quo's:

    dx = (rate x (G - x) + trend) x (I / I0) ** elasticity       (when the law's change is > 0)

``rate`` is the estimated convergence (areas further from the goalpost G gain faster),
``trend`` the estimated drift every area shares; ``I`` is this quarter's effective investment
per person in the activities that feed the component (health -> life expectancy, education ->
both schooling components, livelihood -> expenditure, social a quarter each), and ``I0`` the
status quo's: the default public budgets at their programme efficiency plus
``dynamics.status_quo_partnerships``. At the status quo the model follows the estimated law; more
investment speeds progress with diminishing returns (elasticity below 1), less slows it. A
quarter never overshoots the goalpost. The index itself comes from :mod:`sim.hdi`.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from sim import hdi
from sim.geography import Regions
from sim.parameters import ACTIVITIES
from sim.state import FloatArray, RegionState

COMPONENTS: tuple[str, ...] = (
    "life_expectancy",
    "expected_schooling",
    "mean_schooling",
    "expenditure",
)
# Regional spread of each component relative to ``population.regional_spread``: Indonesia's
# provinces differ little in life expectancy, more in schooling, most in expenditure (BPS
# 2016: UHH about 64-74 years, RLS about 6-11 years, expenditure about Rp 6.6-17 million).
RELATIVE_SPREAD = np.array([0.5, 1.0, 1.8, 3.0])
# Which activities feed which component: health -> life expectancy, education -> both
# schooling components, livelihood -> expenditure; social activities spread a quarter of
# their output over every component (and build trust, see the trust mechanism).
ACTIVITY_TO_COMPONENT = np.array(
    [
        # LE    EYS   MYS   EXP
        [1.00, 0.00, 0.00, 0.00],  # health
        [0.00, 1.00, 1.00, 0.00],  # education
        [0.00, 0.00, 0.00, 1.00],  # livelihood
        [0.25, 0.25, 0.25, 0.25],  # social
    ]
)
assert ACTIVITY_TO_COMPONENT.shape == (len(ACTIVITIES), len(COMPONENTS))


def component_investment(invest: FloatArray, population: FloatArray) -> FloatArray:
    """Effective investment per person per region and component (Rp this quarter)."""
    return (invest @ ACTIVITY_TO_COMPONENT) / population[:, None]


@cache
def status_quo_investment() -> FloatArray:
    """Effective investment per person per component behind the estimated law (Rp a quarter).

    The default public budgets (programmes and village funds at the default programme
    efficiency, spread by population) plus the status quo's partnership output per person,
    spread evenly over the activities.
    """
    from sim.mechanisms.operation import PROGRAMME_SHARES, VILLAGE_FUND_SHARES
    from sim.parameters import BY_NAME

    default = {name: BY_NAME[name].default for name in BY_NAME}
    programmes = (
        default["funding.central_programmes"] + default["funding.regional_programmes"]
    ) * PROGRAMME_SHARES
    villages = default["funding.village_fund"] * VILLAGE_FUND_SHARES
    public = default["funding.programme_efficiency"] * (programmes + villages) / 4.0
    partnerships = default["dynamics.status_quo_partnerships"] * np.full(
        len(ACTIVITIES), 1.0 / len(ACTIVITIES)
    )
    out = (public + partnerships) @ ACTIVITY_TO_COMPONENT
    out.flags.writeable = False  # computed once and shared: nobody may change it
    return out


def pull(invest: FloatArray, population: FloatArray, dynamics: dict) -> FloatArray:
    """Multiplier on each region's status-quo progress, per component: (I / I0) ** elasticity."""
    ratio = component_investment(invest, population) / status_quo_investment()[None, :]
    elasticity = np.array([dynamics[f"elasticity_{c}"] for c in COMPONENTS])
    return np.maximum(ratio, 0.0) ** elasticity[None, :]


def advance(
    regions: RegionState, invest: FloatArray, dynamics: dict, method: hdi.Method
) -> None:
    """Move every region's components one quarter forward, in place."""
    gp = hdi.goalposts(method)
    scale = pull(invest, regions.population, dynamics)
    goals = (gp.le_max, gp.eys_max, gp.mys_max, np.log(gp.income_max))
    for c, (name, goal) in enumerate(zip(COMPONENTS, goals, strict=True)):
        x = np.log(regions.income) if name == "expenditure" else getattr(regions, name)
        law = (
            dynamics[f"rate_{name}"] * np.maximum(goal - x, 0.0)
            + dynamics[f"trend_{name}"]
        )
        change = np.where(law > 0, law * scale[:, c], law)
        # A quarter never carries a component past its goalpost.
        moved = np.minimum(x + change, np.maximum(x, goal))
        if name == "expenditure":
            regions.income = np.exp(moved)
        else:
            setattr(regions, name, moved)


def regional_index(regions: RegionState, method: hdi.Method) -> FloatArray:
    """The index of every region (IPM 0-100 or HDI 0-1)."""
    return np.asarray(
        hdi.human_development_index(
            regions.life_expectancy,
            regions.expected_schooling,
            regions.mean_schooling,
            regions.income,
            method,
        ),
        dtype=float,
    )


def national_index(regions: RegionState, method: hdi.Method) -> float:
    """The national index from population-weighted national components, as BPS computes it."""
    return float(hdi.human_development_index(*regions.national(), method))


def inequality(values: FloatArray, weights: FloatArray) -> float:
    """Population-weighted coefficient of variation of regional indices."""
    mean = float(weights @ values)
    if mean <= 0:
        return 0.0
    return float(np.sqrt(weights @ (values - mean) ** 2) / mean)


def regions_from(real: Regions) -> RegionState:
    """The starting state of real regions (BPS's or a user's): their own components and populations."""
    return RegionState(
        population=real.population.copy(),
        life_expectancy=real.life_expectancy.copy(),
        expected_schooling=real.expected_schooling.copy(),
        mean_schooling=real.mean_schooling.copy(),
        income=real.expenditure.copy(),
        names=real.names,
        provinces=real.provinces,
    )


def initial_regions(
    rng: np.random.Generator, n: int, start: dict, spread: float, method: hdi.Method
) -> RegionState:
    """Regions spread around the national start values, re-centred so the national components match.

    Populations are uneven (lognormal); every component gets a common regional factor
    (a region ahead in health tends to be ahead in schooling and income), so the spread of
    regional indices resembles a real country's.
    """
    pop = rng.lognormal(0.0, 0.6, n) if n > 1 else np.ones(1)
    pop = (
        1000.0 * start["population"] * pop / pop.sum()
    )  # the parameter is in thousands
    w = pop / pop.sum()
    common = rng.normal(0.0, 1.0, n) if n > 1 else np.zeros(1)
    own = rng.normal(0.0, 1.0, (n, 4)) if n > 1 else np.zeros((1, 4))
    # Unit variance mix: 80% of a component's regional variance is the region's common factor.
    z = (np.sqrt(0.8) * common[:, None] + np.sqrt(0.2) * own) * spread * RELATIVE_SPREAD
    gp = hdi.goalposts(method)
    income0 = start["expenditure"] if method == "ipm" else start["gni_per_capita"]
    national = np.array(
        [
            start["life_expectancy"],
            start["expected_schooling"],
            start["mean_schooling"],
            np.log(income0),
        ]
    )
    # Relative spread for the first three, absolute on the log scale for income.
    values = np.concatenate(
        [national[:3] * (1.0 + z[:, :3]), national[3] + z[:, 3:]], axis=1
    )
    lo = np.array([gp.le_min, gp.eys_min, gp.mys_min, np.log(gp.income_min)]) + 1e-6
    hi = np.array([gp.le_max, gp.eys_max, gp.mys_max, np.log(gp.income_max)])
    # Re-centre so the population-weighted means are the national values, within the goalposts:
    # clipping moves the mean, so shift and clip again until the mean stays put. Income's
    # national value is the arithmetic mean of the regions' (RegionState.national), so it is
    # re-centred by scaling, a shift of its logarithm.
    for _ in range(100):
        gap = (w @ values) - national
        gap[3] = np.log(w @ np.exp(values[:, 3])) - national[3]
        values = np.clip(values - gap, lo, hi)
        if np.all(np.abs(gap) < 1e-12):
            break
    return RegionState(
        population=pop,
        life_expectancy=values[:, 0],
        expected_schooling=values[:, 1],
        mean_schooling=values[:, 2],
        income=np.exp(values[:, 3]),
    )
