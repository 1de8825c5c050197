"""Indonesia's geography: BPS data shipped intact, regions built exactly from it, money at scale."""

from __future__ import annotations

import hashlib
import re
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import geography, hdi
from sim.model import PartnershipModel
from sim.scenario import ScenarioError, load, load_text

ROOT = Path(__file__).resolve().parents[1]


def _run(scenario, replication: int = 0, steps: int | None = None) -> PartnershipModel:
    model = PartnershipModel(scenario, replication=replication)
    for _ in range(steps if steps is not None else scenario.steps):
        model.step()
    return model


def test_shipped_data_match_their_recorded_hashes() -> None:
    readme = (ROOT / "sim" / "data" / "README.md").read_text()
    recorded = dict(re.findall(r"\| `([\w.-]+\.csv)` \| `([0-9a-f]{64})` \|", readme))
    assert len(recorded) == 4
    for name, digest in recorded.items():
        data = resources.files("sim.data").joinpath(name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, name


@pytest.mark.parametrize(
    ("area", "year", "published"),
    [
        ("INDONESIA", 2019, 71.92),
        ("INDONESIA", 2022, 72.91),
        ("DKI JAKARTA", 2019, 80.76),
        ("D I YOGYAKARTA", 2019, 79.99),
        ("JAWA BARAT", 2019, 72.03),
        ("NUSA TENGGARA TIMUR", 2019, 65.23),
        ("PAPUA", 2019, 60.84),
        ("Kota Yogyakarta", 2019, 86.65),
        ("Nduga", 2019, 30.75),
    ],
)
def test_ipm_formula_reproduces_bps_published_values(
    area: str, year: int, published: float
) -> None:
    df = geography.components()
    row = df[(df["area"] == area) & (df["year"] == year)].iloc[0]
    value = hdi.human_development_index(
        row.life_expectancy,
        row.expected_schooling,
        row.mean_schooling,
        row.expenditure_thousand_rp * 1000,
        "ipm",
    )
    assert round(float(value), 2) == published


@pytest.mark.parametrize(
    ("file", "level", "count"),
    [("provinces.toml", "province", 34), ("districts.toml", "district", 514)],
)
def test_shipped_geographies_start_from_bps_2019_components_exactly(
    file: str, level: str, count: int
) -> None:
    scenario = load(ROOT / "scenarios" / file)
    model = PartnershipModel(scenario)
    data = geography.components()
    data = data[(data["level"] == level) & (data["year"] == 2019)].set_index("area")
    r = model.regions
    assert r.n == count and set(r.names) == set(data.index)
    d = data.loc[list(r.names)]
    assert np.array_equal(r.life_expectancy, d["life_expectancy"].to_numpy())
    assert np.array_equal(r.expected_schooling, d["expected_schooling"].to_numpy())
    assert np.array_equal(r.mean_schooling, d["mean_schooling"].to_numpy())
    assert np.array_equal(r.income, d["expenditure_thousand_rp"].to_numpy() * 1000)
    series = model.region_series()
    assert list(series["region_name"].iloc[:count]) == list(r.names)


def test_provinces_national_start_is_within_0_15_of_bps() -> None:
    model = PartnershipModel(load(ROOT / "scenarios" / "provinces.toml"))
    assert abs(model.national_index - 71.92) < 0.15
    pop = geography.census_population()
    assert model.regions.population.sum() == pytest.approx(pop.sum())


def test_district_populations_add_up_to_each_province_and_stay_near_an_equal_split() -> (
    None
):
    r = geography.from_bps("districts", 2019)
    pop = geography.census_population()
    by_province = pd.Series(r.population, index=r.provinces).groupby(level=0).sum()
    assert np.allclose(by_province.loc[pop.index].to_numpy(), pop.to_numpy())
    counts = pd.Series(r.provinces).value_counts()
    equal = (
        pop.loc[list(r.provinces)].to_numpy() / counts.loc[list(r.provinces)].to_numpy()
    )
    ratio = r.population / equal
    # Bounded before normalising to shares: within a few percent of the bounds after it.
    assert (
        ratio.min() >= 0.97 * geography.WEIGHT_BOUNDS[0]
        and ratio.max() <= 1.03 * geography.WEIGHT_BOUNDS[1]
    )


def test_district_shares_recover_weights_that_reproduce_the_province() -> None:
    rng = np.random.default_rng(3)
    x = pd.DataFrame(
        rng.normal([68, 13, 8, 10000], [2, 1, 1, 1500], size=(6, 4)),
        columns=list(geography.COMPONENT_COLUMNS),
    )
    true = np.array([0.25, 0.2, 0.15, 0.15, 0.15, 0.1])
    province = pd.Series(true @ x.to_numpy(), index=x.columns)
    shares = geography.district_shares(x, province)
    assert shares.sum() == pytest.approx(1.0)
    # The fitted shares reproduce the province's components far better than an equal split does.
    fit = np.abs(shares @ x.to_numpy() - province.to_numpy()) / x.std().to_numpy()
    equal = (
        np.abs(np.full(6, 1 / 6) @ x.to_numpy() - province.to_numpy())
        / x.std().to_numpy()
    )
    assert fit.max() < 0.5 * equal.max()


def test_one_province_gains_are_of_the_order_of_its_2019_2022_gains() -> None:
    scenario = load_text(
        '[geography]\nregions = "provinces"\nprovince = "JAWA BARAT"\n[scenario]\nyears = 3\n',
        "one.toml",
    )
    model = _run(scenario)
    assert model.regions.names == ("JAWA BARAT",)
    assert model.regions.population[0] == pytest.approx(
        geography.census_population()["JAWA BARAT"]
    )
    df = geography.components()
    row = df[(df["area"] == "JAWA BARAT")].set_index("year")
    ipm = pd.Series(
        hdi.human_development_index(
            row.life_expectancy,
            row.expected_schooling,
            row.mean_schooling,
            row.expenditure_thousand_rp * 1000,
            "ipm",
        ),
        index=row.index,
    )
    observed = (ipm[2022] - ipm[2019]) / 3
    simulated = (model.national_index - model.start_index) / 3
    assert observed / 3 < simulated < observed * 3


def test_first_year_does_not_drift_beyond_each_regions_recorded_changes() -> None:
    """In the first year every province moves by no more than its largest 2019-2022 change plus 0.5.

    The margin: a province's recorded annual changes are three draws of a noisy series (the
    national one varied from +0.01 to +0.62 over 2019-2022), and BPS rounds each component,
    so half an IPM point stands for ordinary year-to-year variation, not drift.
    """
    scenario = load(ROOT / "scenarios" / "provinces.toml")
    model = _run(scenario, steps=4)
    df = geography.components()
    p = df[df["level"] == "province"].copy()
    p["ipm"] = hdi.human_development_index(
        p.life_expectancy,
        p.expected_schooling,
        p.mean_schooling,
        p.expenditure_thousand_rp * 1000,
        "ipm",
    )
    largest = (
        p.sort_values("year")
        .groupby("area")["ipm"]
        .apply(lambda s: s.diff().abs().max())
    )
    series = model.region_series()
    start = series[series["step"] == 0].set_index("region_name")["index"]
    year1 = series[series["step"] == 4].set_index("region_name")["index"]
    moved = (year1 - start).abs()
    assert (moved <= largest.loc[moved.index] + 0.5).all(), (
        (moved - largest.loc[moved.index]).sort_values().tail()
    )


def test_halving_the_sample_leaves_outcomes_unchanged_within_monte_carlo_error() -> (
    None
):
    """Half the agents, each standing for twice the people: national and regional outcomes agree."""
    base = load(ROOT / "scenarios" / "provinces.toml").with_overrides(
        {"scenario.years": 4.0}
    )
    counts = {
        k: base.get(f"population.{k}")
        for k in (
            "community_groups",
            "ngos",
            "religious_bodies",
            "businesses",
            "universities",
        )
    }
    half = base.with_overrides(
        {f"population.{k}": v // 2 for k, v in counts.items()}
        | {"population.min_agents_per_region": 2}
    )
    reps = 6
    full_runs = [_run(base, r) for r in range(reps)]
    half_runs = [_run(half, r) for r in range(reps)]
    assert half_runs[0].community.n < 0.55 * full_runs[0].community.n
    assert half_runs[0].community.people.sum() == pytest.approx(
        full_runs[0].community.people.sum()
    )

    def national(runs):
        return np.array([m.national_index - m.start_index for m in runs])

    a, b = national(full_runs), national(half_runs)
    se = np.sqrt(a.var(ddof=1) / reps + b.var(ddof=1) / reps)
    assert abs(a.mean() - b.mean()) < 4 * se + 0.02 * a.mean()
    ra = np.array(
        [m.region_index - full_runs[0].region_index + m.region_index for m in full_runs]
    )
    ra = np.array([m.region_index for m in full_runs])
    rb = np.array([m.region_index for m in half_runs])
    start = np.array(full_runs[0]._region_rows[0][:, 2])
    gain_a, gain_b = ra - start, rb - start
    se_r = np.sqrt(
        gain_a.var(axis=0, ddof=1) / reps + gain_b.var(axis=0, ddof=1) / reps
    )
    # Per region: within 4 standard errors, or 10% of the region's gain where chance is tiny.
    assert np.all(
        np.abs(gain_a.mean(0) - gain_b.mean(0))
        < 4 * se_r + 0.1 * np.abs(gain_a.mean(0))
    )
    spend_a = np.mean([m.summary()["total_spending"] for m in full_runs])
    spend_b = np.mean([m.summary()["total_spending"] for m in half_runs])
    assert spend_b == pytest.approx(spend_a, rel=0.03)


def test_money_is_at_real_scale() -> None:
    """A year of the baseline spends what Indonesia's budgets say, not model units."""
    model = _run(load(ROOT / "scenarios" / "provinces.toml"), steps=4)
    s = model.summary()
    people = s["population"]
    assert people == pytest.approx(270.2e6, rel=0.01)
    f = model.params["funding"]
    public = (
        f["central_programmes"] + f["regional_programmes"] + f["village_fund"]
    ) * people
    # A year's government spending is within a few percent of the budgets (shocks, co-funding, rewards).
    assert 0.8 * public < s["government_spending"] < 1.2 * public
    assert s["costs"] > 0


def test_user_csv_regions(tmp_path: Path) -> None:
    csv = tmp_path / "my_regions.csv"
    csv.write_text(
        "area,province,life_expectancy,expected_schooling,mean_schooling,expenditure_thousand_rp,population_thousand\n"
        "Desa A,X,68.0,12.5,7.5,9000,120\nDesa B,X,70.0,13.0,8.5,11000,80\nKota C,Y,72.0,14.0,10.0,15000,300\n"
    )
    toml = tmp_path / "mine.toml"
    toml.write_text(
        '[geography]\nregions = "file"\nfile = "my_regions.csv"\n[scenario]\nyears = 2\n'
    )
    model = _run(load(toml))
    assert model.regions.names == ("Desa A", "Desa B", "Kota C")
    assert np.allclose(model.regions.population, [120e3, 80e3, 300e3])
    only = load(toml, {"geography.province": "X"})
    assert PartnershipModel(only).regions.names == ("Desa A", "Desa B")


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        (
            '[geography]\nprovince = "JAWA BARATT"',
            "geography.province",
            "did you mean 'JAWA BARAT'",
        ),
        ("[scenario]\nstart_year = 2015", "scenario.start_year", "from 2019 to 2022"),
        (
            '[scenario]\nindex = "hdi"\n[geography]\nregions = "provinces"',
            "scenario.index",
            "synthetic",
        ),
        ('[geography]\nregions = "file"', "geography.file", "missing"),
        (
            '[geography]\nregions = "file"\nfile = "nowhere.csv"',
            "geography.file",
            "no such file",
        ),
        (
            '[geography]\nregions = "synthetic"\nprovince = "PAPUA"',
            "geography.province",
            "real regions only",
        ),
    ],
)
def test_bad_geography_is_one_line_naming_the_key(
    text: str, key: str, words: str
) -> None:
    with pytest.raises(ScenarioError) as err:
        load_text(text, "bad.toml")
    message = str(err.value)
    assert "\n" not in message and f"bad.toml: {key}:" in message and words in message


def test_bad_csv_column_is_reported(tmp_path: Path) -> None:
    csv = tmp_path / "r.csv"
    csv.write_text(
        "area,life_expectancy,expected_schooling,mean_schooling\nA,70,12,8\n"
    )
    toml = tmp_path / "s.toml"
    toml.write_text('[geography]\nregions = "file"\nfile = "r.csv"\n')
    with pytest.raises(ScenarioError, match="missing column 'expenditure_thousand_rp'"):
        load(toml)
    csv.write_text(
        "area,life_expectancy,expected_schooling,mean_schooling,expenditure_thousand_rp\nA,95,12,8,9000\n"
    )
    with pytest.raises(ScenarioError, match="life_expectancy of 'A' is 95"):
        load(toml)
