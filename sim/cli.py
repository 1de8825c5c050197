"""The ``kemitraan`` command line (also ``python -m sim``).

Commands:
    run FILE          run a scenario, write results/<name>/ and print a summary
    check FILE        validate a scenario and print every resolved parameter
    compare FILES     run several scenarios with common random numbers and compare them
    params            print the parameter reference (``--markdown`` for docs/scenarios.md)

Bad input ends with one line on stderr naming the file, the key and what is allowed, and
exit status 2; nothing is written.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sim import __version__, hdi
from sim.parameters import SECTIONS
from sim.results import ResultsError, command_line, now, safe_output_dir, versions, write_results
from sim.scenario import Scenario, ScenarioError, load, parse_override

EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="kemitraan", description="Community partnerships for human development: an agent-based model on Mesa.")
    ap.add_argument("--version", action="version", version=f"kemitraan {__version__}")
    sub = ap.add_subparsers(dest="command", required=True)

    def scenario_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a parameter, e.g. --set rewards.scheme=performance (repeatable)")

    run = sub.add_parser("run", help="run a scenario and write its results folder")
    run.add_argument("scenario", help="scenario file (TOML)")
    scenario_args(run)
    run.add_argument("--out", help="results folder (default: results/<scenario name>)")
    run.add_argument("--force", action="store_true", help="replace an existing results folder")
    run.add_argument("--replication", type=int, default=0, help="replication number (its seed derives from the scenario's seed)")
    run.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table format")
    run.add_argument("--checked", action="store_true", help="assert the model's invariants every step")

    check = sub.add_parser("check", help="validate a scenario and print its resolved parameters")
    check.add_argument("scenario")
    scenario_args(check)

    cmp_ = sub.add_parser("compare", help="run scenarios with common random numbers and compare them with a reference")
    cmp_.add_argument("scenarios", nargs="+", help="scenario files")
    cmp_.add_argument("--replications", type=int, default=20, help="runs per scenario (default 20)")
    cmp_.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    cmp_.add_argument("--reference", default=None, help="scenario to compare against (default: baseline)")
    cmp_.add_argument("--out", default="results/experiment", help="results folder (default results/experiment)")
    cmp_.add_argument("--force", action="store_true", help="replace an existing results folder")
    cmp_.add_argument("--format", choices=("parquet", "csv"), default="parquet")

    cal = sub.add_parser("calibrate", help="refit the dynamics to BPS 2015-2016 national IPM and print the values")
    cal.add_argument("scenario", nargs="?", default="scenarios/baseline.toml")
    cal.add_argument("--replications", type=int, default=8)
    cal.add_argument("--share", type=float, default=None, help="share of the 2015-2016 change through investment (default 0.5)")

    params = sub.add_parser("params", help="print the parameter reference")
    params.add_argument("--markdown", action="store_true", help="print docs/scenarios.md")
    return ap


def _load(path: str, overrides: list[str]) -> Scenario:
    pairs = dict(parse_override(o) for o in overrides)
    return load(path, pairs or None)


def _quarter(year: float) -> str:
    y = int(year + 1e-9)
    q = int(round((year - y) * 4))
    # The state after step s is the end of quarter s; "2032.75" is the end of 2032 Q3.
    return f"{y} Q{q}" if q else f"{y - 1} Q4"


def cmd_run(args: argparse.Namespace) -> int:
    from sim.run import simulate

    scenario = _load(args.scenario, args.overrides)
    dest = safe_output_dir(args.out, scenario.name)
    if dest.exists() and not args.force:
        raise ResultsError(f"{dest}: results folder exists; use --force to replace it")
    started = now()
    t0 = time.perf_counter()
    res = simulate(scenario, args.replication, checked=args.checked)
    elapsed = time.perf_counter() - t0
    s = res.summary
    runs = {"run": 0, **s}
    import pandas as pd

    tables = {"runs": pd.DataFrame([runs]), "timeseries": res.timeseries, "regions": res.regions, "events": res.events}
    manifest = _manifest([scenario], started, [res.summary], replications=1)
    write_results(dest, tables, manifest, force=args.force, fmt=args.format)
    _print_summary(scenario, s, elapsed, dest)
    return 0


def _manifest(scenarios: Sequence[Scenario], started: str, summaries: Sequence[dict], replications: int) -> dict:
    return {
        "kemitraan": __version__,
        "command": command_line(),
        "started": started,
        "finished": now(),
        "versions": versions(),
        "replications": replications,
        "scenarios": [{"name": s.name, "source": s.source, "sha256": s.sha256, "text": s.text,
                       "parameters": s.flat(), "events": [e.describe() for e in s.events]} for s in scenarios],
        "runs": [{"scenario": x["scenario"], "replication": x["replication"], "root_seed": x["root_seed"],
                  "run_seed": x["run_seed"], "wall_seconds": x["wall_seconds"]} for x in summaries],
    }


def _print_summary(scenario: Scenario, s: dict, elapsed: float, dest: Path) -> None:
    method = scenario.scenario.index
    name = "IPM" if method == "ipm" else "HDI"
    fmt = (lambda v: f"{v:.2f}") if method == "ipm" else (lambda v: f"{v:.3f}")
    band = (lambda v: f" ({hdi.ipm_band(v)})") if method == "ipm" else (lambda v: "")
    start, end = s["start_year"], s["start_year"] + s["steps"] / 4
    print(f"Kemitraan: {scenario.name} ({scenario.source}), seed {s['root_seed']}, replication {s['replication']}")
    if scenario.values["scenario"]["description"]:
        print(f"  {scenario.values['scenario']['description']}")
    print(f"  {name} {start}: {fmt(s['start_index'])}{band(s['start_index'])} -> {end:g}: {fmt(s['final_index'])}{band(s['final_index'])}")
    if s["reached"]:
        print(f"  Target {name} {fmt(s['target'])}: reached in {_quarter(s['year_reached'])}, {s['years_to_target']:.2f} years after the start")
    else:
        print(f"  Target {name} {fmt(s['target'])}: not reached within {s['censored_at_years']:g} years (censored)")
    print(f"  Government share of spending: {100 * s['government_share']:.1f}%")
    print(f"  Partnerships: {s['partnerships_formed']} formed, {s['partnerships_dissolved']} dissolved, {s['active_partnerships']} active at the end; "
          f"mean lifespan {s['mean_lifespan_years']:.1f} years; cohesion {s['cohesion']:.2f}")
    print(f"  Simulated {s['steps']} quarters in {elapsed:.1f} s; results in {dest}/")


def cmd_check(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args.overrides)
    from sim.parameters import BY_NAME

    print(f"{scenario.source}: valid scenario {scenario.name!r} ({scenario.steps} quarters from {scenario.scenario.start_year}, sha256 {scenario.sha256[:12]})")
    print("Parameters (* differs from the default):")
    for section in SECTIONS:
        print(f"  [{section}]")
        for key, value in scenario.values[section].items():
            p = BY_NAME[f"{section}.{key}"]
            mark = "*" if value != p.default else " "
            unit = f" {p.unit}" if p.unit != "-" else ""
            print(f"   {mark} {key} = {value!r}{unit}")
    if scenario.events:
        print("Policy events:")
        for e in scenario.events:
            print(f"    {e.describe()}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    import os

    from tqdm import tqdm

    from sim.analysis import compare, comparison_markdown
    from sim.run import run_many

    scenarios = [load(p) for p in args.scenarios]
    if args.replications < 1:
        raise ScenarioError("--replications", None, f"{args.replications} is not allowed; allowed: an integer >= 1")
    dest = Path(args.out)
    if dest.exists() and not args.force:
        raise ResultsError(f"{dest}: results folder exists; use --force to replace it")
    workers = args.workers or os.cpu_count() or 1
    started = now()
    t0 = time.perf_counter()
    total = len(scenarios) * args.replications
    with tqdm(total=total, unit="run", desc="runs", file=sys.stderr, disable=None) as bar:
        tables = run_many(scenarios, args.replications, workers=workers, progress=lambda done, _t: bar.update(done - bar.n))
    elapsed = time.perf_counter() - t0
    table = compare(tables["runs"], args.reference)
    tables["comparison"] = table
    manifest = _manifest(scenarios, started, tables["runs"].to_dict("records"), args.replications)
    manifest["wall_seconds"] = round(elapsed, 2)
    manifest["workers"] = workers
    write_results(dest, tables, manifest, force=args.force, fmt=args.format)
    print(f"{total} runs of {len(scenarios)} scenarios in {elapsed:.1f} s on {workers} workers; results in {dest}/")
    print("Mean (paired difference from the reference [95% CI]):")
    print(comparison_markdown(table))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.calibration import INVESTMENT_SHARE, calibrate, check

    share = INVESTMENT_SHARE if args.share is None else args.share
    if not 0.0 <= share <= 1.0:
        raise ScenarioError("--share", None, f"{share!r} is not allowed; allowed: a number from 0 to 1")
    scenario = load(args.scenario)
    print(f"Now: {check(scenario, args.replications)}")
    fitted = calibrate(scenario, args.replications, share)
    print(f"Fitted (investment share of the 2015-2016 change = {share}); paste into CALIBRATED in sim/parameters.py:")
    for k, v in fitted.items():
        print(f'    "{k}": {v:.7f},')
    refit = scenario.with_overrides({f"dynamics.{k}": v for k, v in fitted.items()})
    print(f"With them: {check(refit, args.replications)}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from sim.reference import markdown, plain

    print(markdown() if args.markdown else plain(), end="")
    return 0


COMMANDS = {"run": cmd_run, "check": cmd_check, "compare": cmd_compare, "calibrate": cmd_calibrate, "params": cmd_params}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ScenarioError, ResultsError) as exc:
        print(f"kemitraan: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("kemitraan: interrupted; finished results folders are intact", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

