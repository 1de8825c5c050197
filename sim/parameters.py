"""Every scenario parameter: meaning, unit, default, allowed range, and the essay's concept.

This table is the single source of truth. Scenario loading validates against it,
``kemitraan check`` prints from it and ``docs/scenarios.md`` is generated from it
(``kemitraan params --markdown``), so the reference page cannot drift from the code.

Money is in rupiah at real scale, for the population the scenario represents. Budgets and
giving are set per person per year (so a province, a district and the whole country give
comparable results without hand-scaling); the model turns them into quarterly sums for each
region's population. Agents are a sample: each community agent stands for the people of its
region divided by the region's agents, and for those people's organisations
(``population.people_per_organisation``), so halving the sample doubles what each agent
represents and leaves the outcomes unchanged within Monte Carlo error (docs/geography.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The four activities a partnership can carry out, in the order used by every array.
ACTIVITIES: tuple[str, ...] = ("health", "education", "livelihood", "social")
# The four resources an agent can bring, in the order used by every array.
RESOURCES: tuple[str, ...] = ("funds", "labour", "expertise", "legitimacy")
# Community component kinds, in the order used by every array.
KINDS: tuple[str, ...] = ("community_group", "ngo", "religious_body", "business", "university")
REWARD_SCHEMES: tuple[str, ...] = ("none", "recognition", "cash_per_participant", "performance", "tournament")
TRUST_FUND_RULES: tuple[str, ...] = ("performance", "need")
GEOGRAPHIES: tuple[str, ...] = ("synthetic", "provinces", "districts", "file")


@dataclass(frozen=True, slots=True)
class Param:
    """One scenario parameter.

    Attributes:
        section: TOML table the key lives in.
        key: Key inside the table.
        default: Value used when the file does not set it.
        unit: Unit of the value ("-" for dimensionless).
        meaning: What it does in the model, in one sentence.
        concept: The essay's concept it represents (Indonesian term where it helps).
        low: Smallest allowed value (numbers only).
        high: Largest allowed value (numbers only).
        choices: Allowed values (strings only).
    """

    section: str
    key: str
    default: Any
    unit: str
    meaning: str
    concept: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    @property
    def name(self) -> str:
        """Dotted name, ``section.key``."""
        return f"{self.section}.{self.key}"

    @property
    def kind(self) -> type:
        """Python type of the value (bool, int, float or str)."""
        return type(self.default)

    def allowed(self) -> str:
        """Human-readable description of the allowed values."""
        if self.choices is not None:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind is bool:
            return "true or false"
        if self.kind is str:
            return "a string"
        word = "an integer" if self.kind is int else "a number"
        return f"{word} from {_fmt(self.low)} to {_fmt(self.high)}"


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def _p(section: str, key: str, default: Any, unit: str, meaning: str, concept: str, low=None, high=None, choices=None) -> Param:
    return Param(section, key, default, unit, meaning, concept, low, high, choices)


# The status-quo law, estimated from BPS's 2016-2021 panel of the 34 provinces by
# sim.analysis.estimation (2022 held out; docs/estimation.md), as quarterly rates and trends:
# each quarter a component closes ``rate`` of its gap to the goalpost and moves by ``trend``.
# ``kemitraan estimate`` prints them; scenarios/districts.toml carries the districts' own.
ESTIMATED = {
    "rate_life_expectancy": 0.001832, "trend_life_expectancy": -0.000129,
    "rate_expected_schooling": 0.003395, "trend_expected_schooling": 0.003217,
    "rate_mean_schooling": 0.000302, "trend_mean_schooling": 0.014780,
    "rate_expenditure": 0.002005, "trend_expenditure": 0.003900,
}
DISTRICT_ESTIMATED = {
    "rate_life_expectancy": 0.001464, "trend_life_expectancy": 0.004606,
    "rate_expected_schooling": 0.002637, "trend_expected_schooling": 0.003040,
    "rate_mean_schooling": 0.001932, "trend_mean_schooling": 0.010769,
    "rate_expenditure": 0.001381, "trend_expenditure": 0.004229,
}

# UNDP's components for Indonesia in 2015 (HDR 2021/22): the [start] defaults when index = "hdi".
HDI_START = {"life_expectancy": 69.6989, "expected_schooling": 13.33804, "mean_schooling": 7.91448, "gni_per_capita": 9815.404}

PARAMETERS: tuple[Param, ...] = (
    # --- scenario -----------------------------------------------------------------------
    _p("scenario", "name", "", "-", "Name of the scenario; results go to results/<name>/. Defaults to the file name.", "-"),
    _p("scenario", "description", "", "-", "What this scenario changes against baseline, in words.", "-"),
    _p("scenario", "start_year", 2019, "year", "Calendar year of the first quarter; for geography provinces, districts or file, the year whose BPS components the regions start from (2019-2022).", "baseline data (data dasar)", 2010, 2100),
    _p("scenario", "years", 16.0, "years", "Horizon of one run; steps = 4 x years.", "-", 0.25, 200),
    _p("scenario", "seed", 20150101, "-", "Root seed; every run's seed derives from it.", "-", 0, 2**63 - 1),
    _p("scenario", "index", "ipm", "-", "Which index is reported: BPS IPM (0-100) or UNDP HDI (0-1).", "IPM / HDI", choices=("ipm", "hdi")),
    _p("scenario", "history", True, "-", "Add Indonesia's recorded history the run covers as events (COVID-19 in 2020, village-fund budgets; see sim/history.py).", "political will, macro shocks"),
    _p("scenario", "target", 75.0, "index points", "Index value whose first crossing is the time to target (on the index's own scale).", "faster human development (percepatan pembangunan manusia)", 0, 100),
    # --- geography ----------------------------------------------------------------------
    _p("geography", "regions", "provinces", "-", "Which regions the world has: synthetic ones, Indonesia's 34 provinces, its 514 districts (kabupaten/kota), or a regions CSV (geography.file).", "target region (kelompok sasaran)", choices=GEOGRAPHIES),
    _p("geography", "province", "", "-", "Keep only this province (BPS spelling, e.g. 'JAWA BARAT'): with regions = 'provinces' the province alone, with 'districts' its districts; empty: all.", "target region (kelompok sasaran)"),
    _p("geography", "file", "", "-", "Regions CSV for regions = 'file' (path relative to the scenario file), in BPS's columns: area, life_expectancy, expected_schooling, mean_schooling, expenditure_thousand_rp; optional province, year, population_thousand.", "baseline data (data dasar)"),
    # --- population ---------------------------------------------------------------------
    _p("population", "community_groups", 400, "agents", "Number of community groups (kelompok masyarakat).", "community components (komponen masyarakat)", 0, 1_000_000),
    _p("population", "ngos", 80, "agents", "Number of NGOs (LSM).", "community components (komponen masyarakat)", 0, 1_000_000),
    _p("population", "religious_bodies", 120, "agents", "Number of religious and customary bodies (lembaga keagamaan dan adat).", "community components (komponen masyarakat)", 0, 1_000_000),
    _p("population", "businesses", 150, "agents", "Number of businesses (dunia usaha).", "community components (komponen masyarakat)", 0, 1_000_000),
    _p("population", "universities", 20, "agents", "Number of universities (perguruan tinggi).", "community components (komponen masyarakat)", 0, 1_000_000),
    _p("population", "regions", 10, "regions", "Number of synthetic regions (geography.regions = 'synthetic' only).", "target region (kelompok sasaran)", 1, 1000),
    _p("population", "regional_spread", 0.07, "-", "Spread of synthetic regions around the national values: relative s.d. of 0.5x, 1x and 1.8x this for life expectancy, expected and mean schooling, s.d. of 3x this on log expenditure (synthetic geography only).", "inequality between regions", 0, 0.2),
    _p("population", "max_partnerships", 3, "partnerships", "Most partnerships one agent can belong to at once.", "capacity of a partner (kapasitas)", 1, 50),
    _p("population", "min_agents_per_region", 4, "agents", "Fewest community agents a region gets when the sample is split over regions by population.", "community components (komponen masyarakat)", 0, 10_000),
    _p("population", "people_per_organisation", 1_000.0, "people", "People one real community organisation stands for (Kemendagri counted about 420,000 registered ormas in 2019, about 640 people each; range 300-5,000): sets how many organisations an agent represents.", "community components (komponen masyarakat)", 1, 1e7),
    # --- start ------------------------------------------------------------------------
    _p("start", "life_expectancy", 71.34, "years", "National life expectancy at birth in the start year (UHH; BPS 2019); synthetic geography only (UNDP's 69.70 of 2015 when index = 'hdi').", "health (kesehatan)", 20, 85),
    _p("start", "expected_schooling", 12.95, "years", "National expected years of schooling in the start year (HLS from age 7; BPS 2019); synthetic geography only (UNDP's 13.34 when index = 'hdi').", "education (pendidikan)", 0, 18),
    _p("start", "mean_schooling", 8.34, "years", "National mean years of schooling of adults 25+ in the start year (RLS; BPS 2019); synthetic geography only (UNDP's 7.91 when index = 'hdi').", "education (pendidikan)", 0, 15),
    _p("start", "expenditure", 11_299_000.0, "Rp per person per year", "Adjusted real per-capita expenditure at 2012 prices (BPS IPM income dimension; BPS 2019); synthetic geography only.", "decent living (standar hidup layak)", 1_007_436, 26_572_352),
    _p("start", "gni_per_capita", 9815.4, "2017 PPP $", "GNI per capita, used instead of expenditure when index = 'hdi'.", "decent living (standar hidup layak)", 100, 75_000),
    _p("start", "population", 266_900.0, "thousand people", "National population split over synthetic regions (BPS projection for 2019); synthetic geography only.", "target group (kelompok sasaran)", 1, 1e7),
    # --- network ------------------------------------------------------------------------
    _p("network", "forum_density", 6.0, "ties per agent", "Mean number of community-forum ties per agent.", "networks of community forums (jejaring forum masyarakat)", 0, 200),
    _p("network", "local_share", 0.8, "-", "Share of forum ties inside an agent's own region.", "networks of community forums (jejaring forum masyarakat)", 0, 1),
    _p("network", "information_system", 0.2, "-", "Chance that a well-matched agent outside one's network is visible, and that a partnership targets the neediest region.", "information system and baseline data (sistem informasi, data dasar)", 0, 1),
    _p("network", "socialization", 0.25, "per quarter", "Share of agents with a free slot that look for partners each quarter (at average motivation).", "socialization campaigns (sosialisasi dan kampanye)", 0, 1),
    _p("network", "candidates", 6, "agents", "Candidates each seeker considers per quarter from each channel (network, information system).", "-", 1, 50),
    # --- formation ----------------------------------------------------------------------
    _p("formation", "enabled", True, "-", "Whether community partnerships can form at all (false: government alone).", "partnership (kemitraan)"),
    _p("formation", "vision_threshold", 0.55, "cosine", "Least vision similarity two partners must share.", "shared vision (kesamaan visi)", 0, 1),
    _p("formation", "complementarity_weight", 0.5, "-", "Weight of complementarity against vision similarity when choosing partners (0: similarity only).", "mutual need (saling membutuhkan)", 0, 1),
    _p("formation", "max_group_size", 4, "members", "Largest partnership; groups grow beyond two by recruiting.", "two or more parties (dua pihak atau lebih)", 2, 12),
    _p("formation", "impact_value", 3.0, "Rp per Rp", "How much a member values one rupiah of human-development output in its priority activity.", "better results by mutual benefit", 0, 20),
    _p("formation", "contribution_rate", 0.5, "-", "Share of an agent's discretionary funds it puts into its partnerships each quarter.", "agreement (kesepakatan)", 0, 1),
    _p("formation", "term", 12, "quarters", "Mean agreed term of a partnership.", "agreement (kesepakatan)", 1, 400),
    # --- regulation ---------------------------------------------------------------------
    _p("regulation", "transaction_cost", 4_000_000.0, "Rp per member organisation", "Cost to each member organisation of forming or joining a partnership (permits, notary, negotiation); a cost, never development spending.", "partnership regulation (peraturan kemitraan)", 0, 1e10),
    _p("regulation", "legal_certainty", 0.7, "-", "Legal certainty; the dissolution hazard is base_hazard x (1 - legal_certainty).", "partnership regulation (peraturan kemitraan)", 0, 1),
    _p("regulation", "base_hazard", 0.06, "per quarter", "Dissolution hazard under no legal certainty and no cohesion.", "partnership regulation (peraturan kemitraan)", 0, 1),
    _p("regulation", "tax_deduction", 0.0, "-", "Share of a business's partnership contribution deductible from taxable income.", "pro-human-development tax reform (reformasi perpajakan)", 0, 1),
    _p("regulation", "tax_rate", 0.22, "-", "Corporate income tax rate the deduction applies to.", "pro-human-development tax reform (reformasi perpajakan)", 0, 1),
    # --- funding ------------------------------------------------------------------------
    _p("funding", "public_scale", 1.0, "-", "Multiplier on every public budget (programmes, co-funding, rewards, capacity building): one lever for the level of public funding.", "on-budget funding level (APBN, APBD)", 0, 10),
    _p("funding", "central_programmes", 1_000_000.0, "Rp per person per year", "Central government (APBN) spending on its own health, education and social programmes (about Rp 270 trillion in 2019; range 0.8-1.3 million per person).", "APBN (on-budget)", 0, 1e8),
    _p("funding", "regional_programmes", 1_300_000.0, "Rp per person per year", "Regional governments' (APBD) health and education spending, transfers included (about Rp 350 trillion in 2019; range 1.0-1.8 million per person), by region population.", "APBD (on-budget)", 0, 1e8),
    _p("funding", "village_fund", 262_000.0, "Rp per person per year", "Village funds (Dana Desa), spent by village governments (Rp 70 trillion in 2019 = 262,000 per person; 20.8 trillion in 2015, 71.2 in 2020, 72 in 2021, 68 in 2022).", "village funds (Dana Desa, APBN transfer)", 0, 1e8),
    _p("funding", "central_cofunding", 10_000.0, "Rp per person per year", "Central budget for co-funding partnerships (no single budget line; range 0-50,000 per person).", "APBN support for community implementation", 0, 1e8),
    _p("funding", "regional_cofunding", 10_000.0, "Rp per person per year", "Regional budgets for co-funding partnerships in their region (range 0-50,000 per person).", "APBD support for community implementation", 0, 1e8),
    _p("funding", "cofunding_match", 1.0, "Rp per Rp", "Public co-funding per rupiah (or volunteer-rupiah) the members bring, while budget lasts.", "support system (sistem pendukung)", 0, 10),
    _p("funding", "programme_efficiency", 0.6, "-", "Share of a direct programme's spending that becomes effective investment.", "government programmes", 0, 1),
    _p("funding", "international_donors", 20_000.0, "Rp per person per year", "International donors' grants to partnerships (ODA grants to Indonesia, roughly USD 300-600 million a year: range 10,000-40,000 per person).", "donors (off-budget)", 0, 1e8),
    _p("funding", "philanthropy", 10_000.0, "Rp per person per year", "Philanthropy grants to partnerships (foundations; range 3,000-40,000 per person).", "donors, CSR (off-budget)", 0, 1e8),
    _p("funding", "donor_overhead", 0.15, "-", "Share of a direct donor grant lost to separate reporting and administration.", "off-budget funding", 0, 1),
    _p("funding", "trust_fund_share", 0.0, "-", "Share of donor money pooled in the Human Development Trust Fund instead of granted directly.", "Human Development Trust Fund (Dana Amanah Pembangunan Manusia)", 0, 1),
    _p("funding", "trust_fund_rule", "need", "-", "How the trust fund grants: by the target region's need or by self-evaluated performance.", "Human Development Trust Fund (Dana Amanah Pembangunan Manusia)", choices=TRUST_FUND_RULES),
    _p("funding", "trust_fund_overhead", 0.05, "-", "Share of a trust-fund grant lost to administration.", "Human Development Trust Fund (Dana Amanah Pembangunan Manusia)", 0, 1),
    _p("funding", "political_will", 0.8, "-", "Stability of public funding; yearly budget shocks have s.d. 0.3 x (1 - political_will).", "political will", 0, 1),
    # --- gotong-royong ------------------------------------------------------------------
    _p("gotong_royong", "enabled", True, "-", "Whether members contribute volunteer labour (false: every activity is paid in money).", "gotong-royong (mutual self-help)"),
    _p("gotong_royong", "volunteer_days", 1.5, "days per person per quarter", "Volunteer days each person an agent stands for gives per quarter at full labour endowment and willingness (range 0.5-4).", "gotong-royong (mutual self-help)", 0, 92),
    _p("gotong_royong", "shadow_wage", 60_000.0, "Rp per day", "Value of one volunteer day: a rural daily wage (BPS farm and construction wages, Rp 53,000-89,000 in 2019).", "gotong-royong (mutual self-help)", 0, 1e7),
    _p("gotong_royong", "warm_glow", 1.0, "-", "Intrinsic value to volunteers of their own labour, relative to its shadow value.", "gotong-royong (mutual self-help)", 0, 5),
    # --- giving -------------------------------------------------------------------------
    _p("giving", "community_groups", 30_000.0, "Rp per person per year", "What community groups (arisan, self-help groups) could put into partnerships, per person of their region (range 10,000-100,000).", "community self-reliance (swadaya masyarakat)", 0, 1e8),
    _p("giving", "ngos", 10_000.0, "Rp per person per year", "NGOs' own funds available for partnerships, per person (range 5,000-30,000).", "NGOs (LSM)", 0, 1e8),
    _p("giving", "religious_bodies", 100_000.0, "Rp per person per year", "Religious and customary giving (zakat, infak, sedekah, church and temple funds) available for partnerships, per person (BAZNAS collected Rp 10 trillion in 2019 through official bodies, about 38,000 per person, and estimates of all giving run far higher: range 40,000-400,000).", "religious and customary bodies (lembaga keagamaan dan adat)", 0, 1e8),
    _p("giving", "businesses", 50_000.0, "Rp per person per year", "Business CSR money available for partnerships, per person (estimates of CSR spending run to Rp 10-20 trillion a year: range 20,000-100,000).", "business (dunia usaha), CSR", 0, 1e8),
    _p("giving", "universities", 5_000.0, "Rp per person per year", "Universities' community-service funds (pengabdian masyarakat), per person (range 2,000-20,000).", "universities (perguruan tinggi)", 0, 1e8),
    # --- rewards ------------------------------------------------------------------------
    _p("rewards", "scheme", "none", "-", "Reward scheme for partnerships.", "reward system (sistem apresiasi, penghargaan dan insentif)", choices=REWARD_SCHEMES),
    _p("rewards", "budget", 1_000.0, "Rp per person per year", "Public budget of the reward scheme (range 0-10,000 per person).", "reward system (sistem apresiasi, penghargaan dan insentif)", 0, 1e7),
    _p("rewards", "winners_share", 0.1, "-", "Share of partnerships recognised (recognition) or awarded (tournament).", "awards (penghargaan)", 0, 1),
    _p("rewards", "recognition_boost", 0.15, "-", "Rise in a member's motivation when its partnership is recognised, as a share of the gap to 1.", "appreciation (apresiasi)", 0, 1),
    _p("rewards", "crowding_out", 0.5, "-", "How strongly cash paid per participant displaces voluntary labour.", "gotong-royong weakened by cash-for-work", 0, 1),
    _p("rewards", "award_cost", 5_000_000.0, "Rp per partnership", "Cost of recognising one real partnership (ceremony, plaque, publicity).", "appreciation (apresiasi)", 1, 1e12),
    _p("rewards", "performance_threshold", 0.5, "score", "Least self-evaluated score that earns a performance grant.", "incentives (insentif)", 0, 1),
    # --- governance ---------------------------------------------------------------------
    _p("governance", "honesty", 0.7, "-", "How honest self-evaluation is (1: scores equal true performance).", "good governance; evaluation by the community itself", 0, 1),
    _p("governance", "quality", 0.7, "-", "Mean governance quality of new partnerships; scales their output.", "good governance", 0, 1),
    # --- institutions -------------------------------------------------------------------
    _p("institutions", "coordination", 0.3, "-", "How much an inventory of institutions removes duplicated effort in the same region and activity.", "inventory and mainstreaming of institutions (kelembagaan)", 0, 1),
    _p("institutions", "duplication_loss", 0.3, "-", "Largest share of output lost when many partnerships overlap uncoordinated.", "inventory and mainstreaming of institutions (kelembagaan)", 0, 1),
    _p("institutions", "overlap_half", 1.0, "partnerships per 100,000 people", "Density of real partnerships in one region and activity at which half the largest duplication loss applies.", "inventory and mainstreaming of institutions (kelembagaan)", 1e-6, 1e6),
    # --- pathways of partnerships ---------------------------------------------------------
    _p("targeting", "reach", 0.3, "-", "Share of a partnership's output that reaches households and places programmes miss (range 0-0.6).", "targeting the neediest (sasaran)", 0, 1),
    _p("targeting", "missed_return", 1.5, "-", "Marginal return in the groups programmes miss, relative to the average household (range 0.7-2.5; below 1 where elites steer targeting).", "targeting the neediest (sasaran)", 0, 10),
    _p("targeting", "need_focus", 2.0, "-", "How sharply informed partnerships favour needier regions: chance proportional to need to this power (0: any region alike).", "information system and baseline data (sistem informasi, data dasar)", 0, 20),
    _p("leakage", "weak_governance", 0.4, "-", "Share of pooled money lost by a partnership of governance 0 (Olken 2007: about a quarter of village road funds missing; range 0.2-0.6).", "good governance", 0, 1),
    _p("leakage", "capture", 0.5, "-", "Extra leakage where one member dominates the contributions (elite capture), per unit of their concentration (range 0-1.5).", "good governance; elite capture", 0, 5),
    _p("leakage", "self_evaluation", 0.2, "-", "Share of leakage removed by fully honest self-evaluation by the community (range 0-0.4).", "evaluation by the community itself", 0, 1),
    _p("leakage", "audit_rate", 0.0, "-", "Share of partnerships audited by government each quarter.", "good governance; audits", 0, 1),
    _p("leakage", "audit_effect", 0.08, "-", "Fall in the share of money lost when a partnership is audited (Olken 2007: about 8 percentage points).", "good governance; audits", 0, 1),
    _p("leakage", "audit_cost", 2_000_000.0, "Rp per partnership", "Government's cost of auditing one real partnership for a quarter (a cost, not development spending).", "good governance; audits", 0, 1e10),
    _p("complementarity", "strength", 0.1, "-", "Largest rise in the effect of public programmes from partnership work on the same activity and place (range 0-0.3).", "partnership with public services (kemitraan dengan pemerintah)", 0, 2),
    _p("complementarity", "half", 20_000.0, "Rp per person per quarter", "Partnership output per person at which half that rise applies.", "partnership with public services (kemitraan dengan pemerintah)", 1, 1e9),
    _p("mobilisation", "money_additionality", 0.5, "-", "Share of members' money that is new development spending rather than displaced from what they would have given anyway (range 0.2-0.9).", "mobilising community resources (mobilisasi sumber daya)", 0, 1),
    _p("mobilisation", "labour_additionality", 0.8, "-", "Share of volunteer labour that would not otherwise have been given (range 0.5-1).", "gotong-royong (mutual self-help)", 0, 1),
    # --- capacity -----------------------------------------------------------------------
    _p("capacity", "budget", 3_000.0, "Rp per person per year", "Human-resource capacity-building budget (training; range 0-20,000 per person).", "human resources capacity building (SDM)", 0, 1e7),
    _p("capacity", "training_effect", 0.01, "per Rp million per organisation", "Capacity gained per Rp million of training per organisation, as a share of the gap to 1, before saturation.", "human resources capacity building (SDM)", 0, 10),
    _p("capacity", "mentoring", 0.05, "per quarter", "Share of the capacity gap to the best mentor (NGO or university) closed each quarter.", "mentoring (pendampingan)", 0, 1),
    _p("capacity", "learning", 0.01, "per quarter", "Share of the capacity gap closed by each quarter of partnership experience.", "capacity grows with partnership", 0, 1),
    _p("capacity", "decay", 0.005, "per quarter", "Share of capacity lost each quarter.", "-", 0, 1),
    # --- trust --------------------------------------------------------------------------
    _p("trust", "initial", 0.3, "-", "Trust between forum members who have not worked together.", "social cohesion (kerukunan)", 0, 1),
    _p("trust", "growth", 0.1, "per quarter", "Share of the gap to full trust closed by each quarter of working together.", "social cohesion (kerukunan)", 0, 1),
    _p("trust", "decay", 0.03, "per quarter", "Share of trust above its floor lost in a quarter without working together.", "social cohesion (kerukunan)", 0, 1),
    _p("trust", "dissolve_below", 0.2, "-", "Partnerships whose members' mean trust falls below this dissolve.", "social cohesion (kerukunan)", 0, 1),
    _p("trust", "social_effect", 0.005, "per Rp million per person", "Trust gained by a region's forum ties per Rp million of social-activity output per person in a quarter.", "kerukunan built by social activities", 0, 100),
    # --- dynamics -----------------------------------------------------------------------
    _p("dynamics", "rate_life_expectancy", ESTIMATED["rate_life_expectancy"], "per quarter", "Share of the life expectancy gap to 85 closed each quarter in the status quo (estimated: convergence).", "status-quo dynamics (estimated from BPS)", 0, 1),
    _p("dynamics", "trend_life_expectancy", ESTIMATED["trend_life_expectancy"], "years per quarter", "Status-quo change of life expectancy each quarter whatever the gap (estimated: the trend).", "status-quo dynamics (estimated from BPS)", -1, 1),
    _p("dynamics", "rate_expected_schooling", ESTIMATED["rate_expected_schooling"], "per quarter", "Share of the expected schooling gap to 18 closed each quarter in the status quo (estimated: convergence).", "status-quo dynamics (estimated from BPS)", 0, 1),
    _p("dynamics", "trend_expected_schooling", ESTIMATED["trend_expected_schooling"], "years per quarter", "Status-quo change of expected schooling each quarter whatever the gap (estimated: the trend).", "status-quo dynamics (estimated from BPS)", -1, 1),
    _p("dynamics", "rate_mean_schooling", ESTIMATED["rate_mean_schooling"], "per quarter", "Share of the mean schooling gap to 15 closed each quarter in the status quo (estimated: convergence).", "status-quo dynamics (estimated from BPS)", 0, 1),
    _p("dynamics", "trend_mean_schooling", ESTIMATED["trend_mean_schooling"], "years per quarter", "Status-quo change of mean schooling each quarter whatever the gap (estimated: the trend).", "status-quo dynamics (estimated from BPS)", -1, 1),
    _p("dynamics", "rate_expenditure", ESTIMATED["rate_expenditure"], "per quarter", "Share of the log expenditure gap to its goalpost closed each quarter in the status quo (estimated: convergence).", "status-quo dynamics (estimated from BPS)", 0, 1),
    _p("dynamics", "trend_expenditure", ESTIMATED["trend_expenditure"], "log Rp per quarter", "Status-quo change of log expenditure each quarter whatever the gap (estimated: the trend).", "status-quo dynamics (estimated from BPS)", -1, 1),
    _p("dynamics", "elasticity_life_expectancy", 0.3, "-", "Elasticity of life expectancy progress to effective health investment per person, against the status quo (literature range 0-0.6; diminishing returns below 1).", "investment pull (pembiayaan pembangunan manusia)", 0, 2),
    _p("dynamics", "elasticity_expected_schooling", 0.2, "-", "Elasticity of expected schooling progress to effective education investment per person, against the status quo (literature range 0-0.6; diminishing returns below 1).", "investment pull (pembiayaan pembangunan manusia)", 0, 2),
    _p("dynamics", "elasticity_mean_schooling", 0.2, "-", "Elasticity of mean schooling progress to effective education investment per person, against the status quo (literature range 0-0.6; diminishing returns below 1).", "investment pull (pembiayaan pembangunan manusia)", 0, 2),
    _p("dynamics", "elasticity_expenditure", 0.2, "-", "Elasticity of log expenditure progress to effective livelihood investment per person, against the status quo (literature range 0-0.6; diminishing returns below 1).", "investment pull (pembiayaan pembangunan manusia)", 0, 2),
    _p("dynamics", "ensemble", "", "-", "Parameter sets to draw from (a kemitraan calibrate ensemble.csv, relative to the scenario file): replication r uses set r modulo their number; empty: the defaults.", "calibration with uncertainty"),
    _p("dynamics", "status_quo_partnerships", 15_000.0, "Rp per person per quarter", "Partnership output per person behind the status-quo path (the estimated law already holds the partnerships of 2016-2021; measured from the baseline, docs/calibration.md).", "status-quo dynamics (estimated from BPS)", 0, 1e9),
    # --- shocks -------------------------------------------------------------------------
    _p("shocks", "expenditure", 0.0, "log change per year", "Macro shock to every region's per-capita expenditure while in force (COVID-19 in 2020: set by an event, reset a year later).", "macro shocks", -0.5, 0.5),
    _p("shocks", "life_expectancy", 0.0, "years per year", "Shock to every region's life expectancy while in force.", "macro shocks", -2, 2),
)

BY_NAME: dict[str, Param] = {p.name: p for p in PARAMETERS}
SECTIONS: tuple[str, ...] = tuple(dict.fromkeys(p.section for p in PARAMETERS))
