"""The analysis report: figures and a self-contained HTML page for a results folder.

Every results folder here is a tiny sweep (100 agents, a couple of years, a few
replications) run in this process, so the whole module takes seconds.
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.experiment.run
import sim.experiment.sweep
from sim.analysis.compare import compare
from sim.analysis.report import (
    format_diff,
    format_interval,
    format_value,
    km_curve,
    write_report,
)
from sim.experiment.results import load_results
from sim.experiment.sweep import plan, run_sweep
from sim.scenario import load_text
from sim.survival import kaplan_meier

# 60 + 10 + 15 + 12 + 3 = 100 agents in 3 synthetic regions; IPM starts at 71.92, and a target
# of 72.6 is crossed near the end of the horizon, so some points reach it and some do not.
WORLD = """
[scenario]
name = "tiny"
years = {years}
target = 72.6
history = false

[geography]
regions = "synthetic"

[population]
community_groups = 60
ngos = 10
religious_bodies = 15
businesses = 12
universities = 3
regions = 3
"""

VARIANTS = """
[design]
type = "variants"
replications = 3

[[design.variants]]
name = "baseline"

[[design.variants]]
name = "high funding"
set = { "funding.central_programmes" = 1_500_000.0 }

[[design.variants]]
name = "low funding"
set = { "funding.central_programmes" = 500_000.0 }
"""

SOBOL = """
[design]
type = "sobol"
samples = 4
replications = 1

[design.ranges]
"funding.central_programmes" = [3000.0, 9000.0]
"regulation.transaction_cost" = [0.0, 20.0]
"""

FACTORIAL = """
[design]
type = "factorial"
replications = 1

[design.factors]
"funding.central_programmes" = [3000.0, 9000.0]
"rewards.scheme" = ["none", "performance"]
"""

FIGURES = (
    "time_to_target_km",
    "index_trajectories",
    "government_share",
    "partnerships",
    "cohesion",
)


def _sweep(folder: Path, design: str = "", years: float = 2.5) -> Path:
    scenario = load_text(WORLD.format(years=years) + design, "tiny.toml")
    run_sweep(plan(scenario), folder, force=True, command="kemitraan run tiny.toml")
    return folder


@pytest.fixture(scope="module")
def variants(tmp_path_factory) -> Path:
    folder = _sweep(tmp_path_factory.mktemp("report") / "variants", VARIANTS)
    write_report(folder)
    return folder


@pytest.fixture(scope="module")
def page(variants) -> str:
    return (variants / "report" / "report.html").read_text(encoding="utf-8")


# --- Kaplan-Meier curves ----------------------------------------------------------------------


def test_km_curve_matches_hand_computation():
    # Times 2, 3, 3 (censored), 5, 8 (censored), 9. At each event time S drops by the factor
    # (1 - events / at risk), a run censored at t still being at risk at t:
    #   t=2: 6 at risk, 1 event -> 5/6
    #   t=3: 5 at risk (3, 3c, 5, 8c, 9), 1 event -> 5/6 * 4/5 = 2/3
    #   t=5: 3 at risk (5, 8c, 9) -> 2/3 * 2/3 = 4/9; t=8 is a censoring: no drop
    #   t=9: 1 at risk, 1 event -> 0
    curve = km_curve([2, 3, 3, 5, 8, 9], [True, True, False, True, False, True])
    assert curve.times.tolist() == [0, 2, 3, 5, 8, 9]
    assert curve.survival == pytest.approx([1, 5 / 6, 2 / 3, 4 / 9, 4 / 9, 0])
    assert curve.share_reached == pytest.approx([0, 1 / 6, 1 / 3, 5 / 9, 5 / 9, 1])
    assert (curve.n, curve.reached) == (6, 4)
    median, low, high = curve.median()
    assert (
        median
        == 5.0
        == kaplan_meier(
            np.array([2, 3, 3, 5, 8, 9.0]), np.array([1, 1, 0, 1, 0, 1], bool)
        )["median"]
    )
    assert low <= median <= high
    # The band holds the curve and stays within [0, 1].
    finite = np.isfinite(curve.low) & np.isfinite(curve.high)
    assert np.all(curve.low[finite] <= curve.survival[finite] + 1e-12)
    assert np.all(curve.survival[finite] <= curve.high[finite] + 1e-12)


def test_km_curve_all_censored_is_flat_and_has_no_median():
    curve = km_curve([4.0, 4.0, 4.0], [False, False, False])
    assert curve.survival.tolist() == [1.0, 1.0] and curve.times.tolist() == [0.0, 4.0]
    assert all(math.isnan(x) for x in curve.median())


def test_km_curve_one_run_has_no_interval():
    curve = km_curve([2.5], [True])
    median, low, high = curve.median()
    assert median == 2.5 and math.isnan(low) and math.isnan(high)


# --- a variants sweep ---------------------------------------------------------------------------


def test_report_files_exist(variants):
    report = variants / "report"
    assert (report / "report.html").is_file()
    for name in (*FIGURES, "differences"):
        png, svg = (
            report / "figures" / f"{name}.png",
            report / "figures" / f"{name}.svg",
        )
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert b"<svg" in svg.read_bytes()[:2000], name
    assert not [
        p for p in variants.iterdir() if p.name.startswith(".report")
    ]  # no temporary folders left


def test_html_is_self_contained(page):
    assert 'src="http' not in page and "src='http" not in page
    assert "<script" not in page.lower()
    assert "<link" not in page.lower() and "@import" not in page
    srcs = re.findall(r'src="([^"]*)"', page)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "<style>" in page


def test_html_names_every_design_point_and_leads_with_the_headline(variants, page):
    for name in ("baseline", "high funding", "low funding"):
        assert name in page
    order = [
        page.index(f'id="{s}"')
        for s in (
            "headline",
            "time-to-target",
            "comparison",
            "trajectories",
            "provenance",
        )
    ]
    assert order == sorted(order)
    headline = page[page.index('id="headline"') : page.index('id="time-to-target"')]
    assert "high funding</b> brings IPM 72.6 forward by" in headline
    assert "government share of spending" in headline


def test_html_has_the_km_medians_and_comparison_numbers(variants, page):
    runs = load_results(variants)["runs"]
    table = compare(runs, "baseline")
    ttt = table[table["outcome"] == "years_to_target_or_horizon"]
    assert ttt["km_median"].notna().any()
    for r in ttt.itertuples():
        if np.isfinite(r.km_median):
            assert f"{r.km_median:.2f} <span" in page
        assert f"{100 * r.share_reached:.0f}%" in page
    for r in table.itertuples():
        if r.outcome not in (
            "years_to_target_or_horizon",
            "final_index",
            "government_share",
            "cohesion",
            "mean_active_partnerships",
        ):
            continue
        assert format_value(r.mean, r.outcome) in page, (r.point_name, r.outcome)
        if r.point_name != "baseline":
            assert format_diff(r.diff, r.outcome) in page, (r.point_name, r.outcome)
            assert (
                format_interval(r.diff_low, r.diff_high, r.outcome, diff=True) in page
            ), (r.point_name, r.outcome)


def test_provenance_names_scenario_seeds_and_versions(variants, page):
    manifest = json.loads((variants / "manifest.json").read_text())
    prov = page[page.index('id="provenance"') :]
    assert manifest["scenarios"][0]["sha256"] in prov
    assert "kemitraan run tiny.toml" in prov
    assert manifest["started"] in prov and manifest["finished"] in prov
    assert manifest["versions"]["scipy"] in prov
    assert "SeedSequence" in prov and str(manifest["runs"][0]["run_seed"]) in prov


def test_report_is_rewritten_whole_and_reproducible(variants, tmp_path, capsys):
    from sim.cli import main

    folder = tmp_path / "copy"
    shutil.copytree(variants, folder)
    before = {p.name: p.read_bytes() for p in (folder / "report" / "figures").iterdir()}
    page_before = (folder / "report" / "report.html").read_bytes()
    (folder / "report" / "stale.txt").write_text("old")
    assert main(["report", str(folder)]) == 0  # kemitraan report RESULTS_DIR
    path = folder / "report" / "report.html"
    assert str(path) in capsys.readouterr().out
    assert not (folder / "report" / "stale.txt").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".report")]
    after = {p.name: p.read_bytes() for p in (folder / "report" / "figures").iterdir()}
    assert after.keys() == before.keys()
    assert [
        k for k in after if after[k] != before[k]
    ] == []  # same numbers, same bytes (PNG and SVG)
    # The page differs only where it names its folder.
    assert path.read_bytes().replace(
        str(folder.resolve()).encode(), b""
    ) == page_before.replace(str(variants.resolve()).encode(), b"")


def test_reference_can_be_chosen(variants, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(variants, folder)
    page = write_report(folder, reference="high funding").read_text(encoding="utf-8")
    assert "Every design point against high funding" in page
    assert "<b>baseline</b> delays IPM 72.6" in page


# --- other designs --------------------------------------------------------------------------------


def test_single_run(tmp_path):
    folder = _sweep(tmp_path / "one")
    page = write_report(folder).read_text(encoding="utf-8")
    assert "In this run, the IPM went from 71.92" in page
    assert "one run" in page
    for name in FIGURES:
        assert (folder / "report" / "figures" / f"{name}.png").is_file()
    assert not (folder / "report" / "figures" / "differences.png").exists()


def test_sampled_design_draws_sensitivity_not_forty_curves(tmp_path):
    pytest.importorskip("SALib")
    folder = _sweep(tmp_path / "sobol", SOBOL, years=2.0)
    page = write_report(folder).read_text(encoding="utf-8")
    figures = folder / "report" / "figures"
    for name in (
        "sensitivity",
        "outcome_vs_levers",
        "time_to_target_km",
        "index_trajectories",
    ):
        assert (figures / f"{name}.png").is_file() and (
            figures / f"{name}.svg"
        ).is_file(), name
    assert not (figures / "differences.png").exists()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert len(manifest["design"]["points"]) == 16
    for p in manifest["design"]["points"]:
        assert p["name"] in page
    assert "Which levers drive" in page and "Sobol index" in page
    assert "The lever that matters most is" in page
    assert "funding.central_programmes" in page


def test_many_points_become_small_multiples(variants, tmp_path, monkeypatch):
    # Beyond MAX_OVERLAY (8) points a chart becomes one panel per point, at most MAX_PANELS (24)
    # of them, those differing most from the reference; lowered here to keep the sweep tiny.
    import sim.analysis.report.figures

    monkeypatch.setattr(sim.analysis.report.figures, "MAX_OVERLAY", 2)
    monkeypatch.setattr(sim.analysis.report.figures, "MAX_PANELS", 2)
    folder = tmp_path / "copy"
    shutil.copytree(variants, folder)
    page = write_report(folder).read_text(encoding="utf-8")
    assert page.count("One panel per design point") >= 4
    assert "Showing 2 of 3 points" in page
    for name in ("baseline", "high funding", "low funding"):
        assert name in page  # every point stays in the tables


def test_factorial_points_get_readable_labels(tmp_path):
    folder = _sweep(tmp_path / "grid", FACTORIAL, years=1.0)
    page = write_report(folder).read_text(encoding="utf-8")
    for p in json.loads((folder / "manifest.json").read_text())["design"]["points"]:
        assert f'<code class="raw">{p["name"]}</code>' in page
    assert "central programmes: 9000, scheme: performance" in page
    assert "Every design point against central programmes: 3000, scheme: none" in page


def test_failed_runs_are_reported(tmp_path, monkeypatch):
    real = sim.experiment.run.simulate

    def flaky(scenario, replication, **kw):
        if (
            replication == 1
            and scenario.values["funding"]["central_programmes"] == 1_500_000.0
        ):
            raise RuntimeError("budget table missing")
        return real(scenario, replication, **kw)

    for module in (
        sim.experiment.run,
        sim.experiment.sweep,
    ):  # whichever runs the tasks
        if hasattr(module, "simulate"):
            monkeypatch.setattr(module, "simulate", flaky)
    scenario = load_text(WORLD.format(years=2.0) + VARIANTS, "tiny.toml")
    _, failed = run_sweep(plan(scenario), tmp_path / "flaky", workers=1, force=True)
    assert failed == 1
    page = write_report(tmp_path / "flaky").read_text(encoding="utf-8")
    runs = load_results(tmp_path / "flaky")["runs"]
    bad = runs[runs["status"] == "failed"].iloc[0]
    section = page[page.index('id="failures"') : page.index('id="provenance"')]
    assert "RuntimeError: budget table missing" in section
    assert (
        f'<td class="num">{int(bad["run"])}</td><td class="name">high funding</td><td class="num">1</td>'
        in section
    )
    seed = next(
        r["run_seed"]
        for r in json.loads((tmp_path / "flaky" / "manifest.json").read_text())["runs"]
        if r["run"] == bad["run"]
    )
    assert str(seed) in section
    assert "1 of 9 runs failed" in page
    # The failed run is left out: high funding is compared over its 2 good runs.
    table = compare(runs, "baseline")
    n = table[(table["point_name"] == "high funding")]["n"].iloc[0]
    assert (
        n == 2
        and format_value(
            table[
                (table["point_name"] == "high funding")
                & (table["outcome"] == "government_share")
            ]["mean"].iloc[0],
            "government_share",
        )
        in page
    )


def test_older_results_layout_with_a_scenario_column(variants, tmp_path):
    folder = tmp_path / "old"
    shutil.copytree(variants, folder)
    shutil.rmtree(folder / "report")
    manifest = json.loads((folder / "manifest.json").read_text())
    runs = pd.read_parquet(folder / "runs.parquet")
    runs = runs.drop(
        columns=["scenario", "point", "status", "error", "business_participation"]
    ).rename(columns={"point_name": "scenario"})
    runs.to_parquet(folder / "runs.parquet", index=False)
    ts = pd.read_parquet(folder / "timeseries.parquet").drop(columns=["point"])
    ts.to_parquet(folder / "timeseries.parquet", index=False)
    del manifest["design"]
    manifest["replications"] = 3
    (folder / "manifest.json").write_text(json.dumps(manifest))
    page = write_report(folder).read_text(encoding="utf-8")
    assert "Every design point against baseline" in page
    for name in ("baseline", "high funding", "low funding"):
        assert name in page


def test_all_runs_failed_still_gives_a_page(tmp_path, monkeypatch):
    def boom(scenario, replication, **kw):
        raise ValueError("no data")

    for module in (sim.experiment.run, sim.experiment.sweep):
        if hasattr(module, "simulate"):
            monkeypatch.setattr(module, "simulate", boom)
    scenario = load_text(WORLD.format(years=1.0) + VARIANTS, "tiny.toml")
    run_sweep(plan(scenario), tmp_path / "dead", workers=1, force=True)
    page = write_report(tmp_path / "dead").read_text(encoding="utf-8")
    assert "All 9 runs failed" in page and page.count("ValueError: no data") == 9
    assert 'id="provenance"' in page and "target IPM 72.6" in page


# --- costs and comparison.csv ------------------------------------------------------------------


def test_comparison_csv_holds_every_comparison_with_method_and_censoring(variants):
    import pandas as pd

    csv = pd.read_csv(variants / "report" / "comparison.csv")
    for col in (
        "point_name",
        "reference",
        "outcome",
        "estimate",
        "ci_low",
        "ci_high",
        "diff",
        "diff_low",
        "diff_high",
        "method",
        "censored",
        "censored_ref",
        "min_effect",
        "verdict",
    ):
        assert col in csv.columns
    runs = load_results(variants)["runs"]
    points = set(runs["point_name"])
    assert set(csv["point_name"]) == points
    time = csv[csv["outcome"] == "years_to_target_or_horizon"]
    assert (
        len(time) == len(points)
        and time["method"].str.contains("restricted mean").all()
    )
    assert {
        "government_spending_rp",
        "cost_per_index_point_rp",
        "incremental_cost_per_year_saved_rp",
    } <= set(csv["outcome"])
    # The reference's rupiah figure is the runs table's, in the money unit read from the manifest.
    from sim.analysis.costs import rupiah_per_unit

    ref = csv["reference"].iloc[0]
    gov = csv[(csv.point_name == ref) & (csv.outcome == "government_spending_rp")][
        "estimate"
    ].iloc[0]
    per_unit, _ = rupiah_per_unit(load_results(variants)["manifest"])
    assert gov == pytest.approx(
        runs[runs.point_name == ref]["government_spending"].mean() * per_unit, rel=1e-5
    )


def test_page_leads_with_costs_in_rupiah(page):
    assert page.index('id="costs"') < page.index('id="time-to-target"')
    assert "Rp " in page and "comparison.csv" in page and "Holm" in page


def test_rupiah_scaling_and_units_from_the_manifest():
    from sim.analysis.costs import format_rupiah, rupiah_per_unit

    assert format_rupiah(1.234e12) == "Rp 1.23 triliun"
    assert format_rupiah(4.5e8) == "Rp 450 juta"
    assert format_rupiah(-2.5e9) == "-Rp 2.50 miliar"
    assert rupiah_per_unit({})[0] == 1.0  # the model's money is in rupiah
    assert rupiah_per_unit({"units": {"money": "Rp"}})[0] == 1.0
    assert rupiah_per_unit({"units": {"money": 1e9}})[0] == 1e9
    # Without units, the model version decides: version 1 kept Rp juta at model scale.
    assert rupiah_per_unit({"versions": {"model_version": "1"}})[0] == 1e6
    value, note = rupiah_per_unit({"versions": {"model_version": "2"}})
    assert value == 1.0 and "model version 2" in note


def test_cost_per_person_needs_a_population_column():
    import pandas as pd

    from sim.analysis.costs import cost_table

    runs = pd.DataFrame(
        {
            "point_name": ["a"] * 3 + ["b"] * 3,
            "replication": [0, 1, 2] * 2,
            "run": range(6),
            "reached": True,
            "years_to_target": [5.0, 6.0, 7.0, 4.0, 5.0, 6.0],
            "censored_at_years": 10.0,
            "government_spending": [100.0, 110.0, 120.0, 150.0, 160.0, 170.0],
            "total_spending": 200.0,
            "start_index": 70.0,
            "final_index": [75.0, 75.0, 75.0, 76.0, 76.0, 76.0],
        }
    )
    table, notes = cost_table(runs, None, {"units": {"money": "Rp"}}, "a", n_boot=200)
    assert "government_spending_per_person_rp" not in set(table["outcome"]) and any(
        "population" in n for n in notes
    )
    per_year = table[
        (table.point_name == "b")
        & (table.outcome == "incremental_cost_per_year_saved_rp")
    ].iloc[0]
    assert per_year["estimate"] == pytest.approx(
        50.0
    )  # 50 rupiah more for exactly one year saved in every pair
    per_point = table[
        (table.point_name == "b")
        & (table.outcome == "incremental_cost_per_index_point_rp")
    ].iloc[0]
    assert per_point["estimate"] == pytest.approx(50.0)
    with_pop, _ = cost_table(
        runs.assign(population=10.0), None, {"units": {"money": "Rp"}}, "a", n_boot=200
    )
    pp = with_pop[
        (with_pop.point_name == "a")
        & (with_pop.outcome == "government_spending_per_person_rp")
    ].iloc[0]
    assert pp["estimate"] == pytest.approx(11.0)


def test_cost_per_person_per_year_uses_the_population_and_the_horizon():
    import pandas as pd

    from sim.analysis.costs import cost_table

    runs = pd.DataFrame(
        {
            "point_name": ["a"] * 3 + ["b"] * 3,
            "replication": [0, 1, 2] * 2,
            "run": range(6),
            "reached": True,
            "years_to_target": [5.0, 6.0, 7.0, 4.0, 5.0, 6.0],
            "censored_at_years": 10.0,
            "government_spending": [100.0, 110.0, 120.0, 150.0, 160.0, 170.0],
            "total_spending": 200.0,
            "start_index": 70.0,
            "final_index": [75.0, 75.0, 75.0, 76.0, 76.0, 76.0],
            "population": 10.0,
        }
    )
    table, _ = cost_table(runs, None, {"units": {"money": "Rp"}}, "a", n_boot=200)
    t = table.set_index(["point_name", "outcome"])
    # Rp 110 over 10 people and 10 years: Rp 1.1 per person per year; b pays 0.5 more.
    assert t.loc[("a", "government_spending_per_person_year_rp"), "estimate"] == (
        pytest.approx(1.1)
    )
    assert t.loc[("b", "government_spending_per_person_year_rp"), "diff"] == (
        pytest.approx(0.5)
    )
    assert t.loc[("b", "government_spending_per_person_rp"), "diff"] == (
        pytest.approx(5.0)
    )


def _overflowing_tables(html_path: Path, width: int) -> tuple[int, list[str]]:
    """The page's scroll width at ``width`` CSS pixels, and each table wider than its box."""
    import shutil

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=chromium,
            args=["--headless", "--no-sandbox", "--disable-gpu"],
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": 800})
            page.goto(html_path.resolve().as_uri(), timeout=60_000)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            wide = page.evaluate(
                """() => [...document.querySelectorAll('.tablewrap')]
                    .filter(w => w.scrollWidth > w.clientWidth + 1)
                    .map(w => (w.previousElementSibling || w.parentElement).textContent.slice(0, 80))"""
            )
        finally:
            browser.close()
    return int(scroll), list(wide)


@pytest.mark.skipif(
    not (Path("/usr/bin/chromium").is_file()),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)
def test_tables_fit_a_1366_pixel_page(variants, tmp_path):
    # The cost ranking (the widest table), spending by source, the comparison split into tables
    # of four outcomes, the regions table, and a discovery section, in a laptop's 1366 pixels.
    import json
    import shutil

    folder = tmp_path / "variants"
    shutil.copytree(variants, folder)
    # Amounts of a real budget (thousands of triliun) make the widest cells: the tiny world's
    # money read as Rp juta gives them.
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["units"] = {"money": 1e6}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "discovery").mkdir()
    (folder / "discovery" / "discovery.json").write_text(
        json.dumps(
            {
                "goal": "IPM 75 reached by 2030",
                "n_runs": 320,
                "n_failed": 100,
                "min_density": 0.8,
                "notes": [],
                "boxes": [
                    {
                        "coverage": 1.0,
                        "density": 0.83,
                        "mass": 0.38,
                        "runs": 121,
                        "limits": [
                            {
                                "parameter": "funding.public_scale",
                                "low": 0.5,
                                "high": 0.88,
                            },
                            {
                                "parameter": "regulation.legal_certainty",
                                "low": 0.32,
                                "high": 0.98,
                            },
                        ],
                    }
                ],
            }
        )
    )
    (folder / "discovery" / "scores.csv").write_text(
        "parameter,score\nfunding.public_scale,0.587\nregulation.legal_certainty,0.07\n"
    )
    html = write_report(folder)
    text = html.read_text(encoding="utf-8")
    assert 'id="discovery"' in text and "triliun" in text
    scroll, wide = _overflowing_tables(html, 1366)
    assert scroll <= 1366, f"the page is {scroll} px wide"
    assert not wide, f"tables wider than the page: {wide}"


def test_ranking_counts_differences_within_the_minimum_effects_as_ties():
    import pandas as pd

    from sim.analysis.costs import ranking

    # Years, share reaching, government spending: "crumb" is 0.1% cheaper than the reference
    # (a tie), "cheap" 10% cheaper and as fast, "slow" a year slower at the same cost.
    points = {
        "ref": (8.5, 1.0, 1000.0),
        "crumb": (8.5, 1.0, 999.0),
        "cheap": (8.5, 1.0, 900.0),
        "slow": (9.5, 1.0, 1000.0),
    }
    table = pd.DataFrame(
        [
            {
                "point_name": p,
                "reference": "ref",
                "outcome": "years_to_target_or_horizon",
                "mean": y,
                "share_reached": s,
                "censored": 0,
                "n": 10,
            }
            for p, (y, s, _) in points.items()
        ]
    )
    costs = pd.DataFrame(
        [
            {"point_name": p, "outcome": "government_spending_rp", "estimate": c}
            for p, (_, _, c) in points.items()
        ]
    )
    r = ranking(table, costs).set_index("point_name")["dominated_by"]
    assert r["cheap"] == "" and "cheap" in r["ref"] and "crumb" not in r["ref"]
    assert set(r["slow"].split(", ")) == {"ref", "crumb", "cheap"}


def test_ranking_a_difference_of_the_minimum_effect_is_not_a_tie():
    import pandas as pd

    from sim.analysis.costs import ranking

    # "cut" is a quarter of a year slower (the minimum effect: not a tie) and much cheaper.
    points = {"ref": (8.5, 1000.0), "cut": (8.75, 850.0)}
    table = pd.DataFrame(
        [
            {
                "point_name": p,
                "reference": "ref",
                "outcome": "years_to_target_or_horizon",
                "mean": y,
                "share_reached": 1.0,
                "censored": 0,
                "n": 10,
            }
            for p, (y, _) in points.items()
        ]
    )
    costs = pd.DataFrame(
        [
            {"point_name": p, "outcome": "government_spending_rp", "estimate": c}
            for p, (_, c) in points.items()
        ]
    )
    r = ranking(table, costs).set_index("point_name")["dominated_by"]
    assert r["ref"] == "" and r["cut"] == ""
