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
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from sim import __version__, hdi
from sim.parameters import SECTIONS
from sim.experiment.results import ResultsError, command_line, safe_output_dir
from sim.scenario import Scenario, ScenarioError, load, parse_override, printable

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse with the project's error form: one line, control characters escaped, exit status 2."""

    def error(self, message: str):  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"kemitraan: error: {printable(message)} (see kemitraan {self.prog.split()[-1] if ' ' in self.prog else ''} --help)\n".replace("kemitraan  --help", "kemitraan --help"))


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="kemitraan", description="Community partnerships for human development: an agent-based model on Mesa.")
    ap.add_argument("--version", action="version", version=f"kemitraan {__version__}")
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def sweep_args(p: argparse.ArgumentParser, default_out: str | None) -> None:
        p.add_argument("--out", default=default_out, help="results folder (default: results/<scenario name>)")
        p.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores for a sweep, 1 for a single run)")
        p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786")
        p.add_argument("--resume", action="store_true", help="finish an interrupted sweep: run only the missing runs")
        p.add_argument("--force", action="store_true", help="replace an existing results folder")
        p.add_argument("--steps", type=int, default=None, help="horizon in quarters (overrides scenario.years)")
        p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table format (default parquet)")
        p.add_argument("--no-report", action="store_true", help="skip the figures and HTML report")

    def scenario_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                       help="override a parameter, e.g. --set rewards.scheme=performance (repeatable)")

    run = sub.add_parser("run", help="run a scenario (or its design sweep) and write its results folder")
    run.add_argument("scenario", help="scenario file (TOML)")
    scenario_args(run)
    sweep_args(run, default_out=None)
    run.add_argument("--replications", type=int, default=None, help="replications per design point (default: the file's [design], else 1)")
    run.add_argument("--checked", action="store_true", help="assert the model's invariants every step")

    check = sub.add_parser("check", help="validate a scenario and print its resolved parameters")
    check.add_argument("scenario")
    scenario_args(check)

    cmp_ = sub.add_parser("compare", help="run scenario files as the points of one sweep and compare them with a reference")
    cmp_.add_argument("scenarios", nargs="+", help="scenario files")
    sweep_args(cmp_, default_out="results/experiment")
    cmp_.add_argument("--replications", type=int, default=20, help="runs per scenario (default 20)")
    cmp_.add_argument("--reference", default=None, help="scenario to compare against (default: baseline)")

    rep = sub.add_parser("report", help="write figures and an HTML report for a results folder")
    rep.add_argument("results", help="results folder")
    rep.add_argument("--reference", default=None, help="design point to compare against (default: the design's reference)")

    sens = sub.add_parser("sensitivity", help="Morris screening of every parameter, then Sobol indices for those that matter")
    sens.add_argument("scenario", nargs="?", default="scenarios/baseline.toml")
    sens.add_argument("--trajectories", type=int, default=10, help="Morris trajectories (default 10)")
    sens.add_argument("--samples", type=int, default=64, help="Sobol base sample, a power of 2 (default 64)")
    sens.add_argument("--keep", type=int, default=4, help="parameters kept per outcome after screening (default 4)")
    sens.add_argument("--years", type=float, default=12.0, help="horizon of each run in years (default 12)")
    sens.add_argument("--replications", type=int, default=1, help="replications per design point (default 1)")
    sens.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    sens.add_argument("--out", default="results/sensitivity", help="output folder (default results/sensitivity)")
    sens.add_argument("--resume", action="store_true", help="finish an interrupted analysis")
    sens.add_argument("--force", action="store_true", help="replace earlier results")

    val = sub.add_parser("validate", help="test the stylised facts of the essay and the literature in several settings")
    val.add_argument("scenario", nargs="?", default="scenarios/baseline.toml")
    val.add_argument("--replications", type=int, default=20, help="replications per world (default 20)")
    val.add_argument("--workers", type=int, default=None, help="local worker processes (default: all cores)")
    val.add_argument("--out", default="results/validation", help="output folder (default results/validation)")

    repro = sub.add_parser("reproduce", help="rerun a results folder from its manifest and check every number")
    repro.add_argument("results", help="results folder")
    repro.add_argument("--runs", type=int, default=None, help="check a seeded sample of this many runs (default: all)")
    repro.add_argument("--seed", type=int, default=0, help="seed of the sample (default 0)")

    cal = sub.add_parser("calibrate", help="refit the dynamics to BPS 2015-2016 national IPM and print the values")
    cal.add_argument("scenario", nargs="?", default="scenarios/baseline.toml")
    cal.add_argument("--replications", type=int, default=8)
    cal.add_argument("--share", type=float, default=None, help="share of the 2015-2016 change through investment (default 0.5)")

    viz = sub.add_parser("viz", help="serve the teaching app: live partnership network, charts, two worlds side by side")
    viz.add_argument("scenario", nargs="?", default=None, help="scenario file (default: the built-in baseline)")
    viz.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    viz.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this computer only)")
    viz.add_argument("--lang", choices=("en", "id"), default="en", help="language of the page: English or Bahasa Indonesia")
    viz.add_argument("--fetch-assets", action="store_true", help="cache the page's front-end files with npm (for a classroom without internet), then exit")

    demo = sub.add_parser("demo", help="write a side-by-side figure (PNG, SVG) and animation (GIF, MP4) for slides")
    demo.add_argument("name", choices=("gotong-royong", "reward", "funding-cut"), help="which comparison")
    demo.add_argument("--out", default="results/demo", help="output folder (default results/demo)")
    demo.add_argument("--scenario", default=None, help="scenario file both worlds start from (default: the built-in baseline)")
    demo.add_argument("--lang", choices=("en", "id"), default="en", help="language of the labels")
    demo.add_argument("--replication", type=int, default=0, help="replication shared by both worlds (default 0)")
    demo.add_argument("--agents", type=int, default=None, help="number of community components (default: the scenario's)")
    demo.add_argument("--years", type=float, default=None, help="run length in years (default: the scenario's)")
    demo.add_argument("--no-animation", action="store_true", help="write only the figure")

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
    from sim.experiment.sweep import plan

    # --set goes into the plan (and so into the manifest), not into the file's text.
    overrides = dict(parse_override(o) for o in args.overrides)
    scenario = load(args.scenario)
    sweep = plan(scenario, replications=args.replications, steps=args.steps, overrides=overrides or None, checked=args.checked)
    dest = safe_output_dir(args.out, scenario.name)
    return _run_sweep(args, sweep, dest)


def _run_sweep(args: argparse.Namespace, sweep, dest: Path) -> int:
    import os

    from tqdm import tqdm

    from sim.experiment.sweep import SweepInterrupted, SweepLost, run_sweep

    if args.steps is not None and args.steps < 1:
        raise ScenarioError("--steps", None, f"{args.steps} is not allowed; allowed: an integer >= 1")
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", None, f"{args.workers} is not allowed; allowed: an integer >= 1")
    single = sweep.size == 1
    workers = args.workers or (1 if single else os.cpu_count() or 1)
    executor, client = None, None
    if args.scheduler:
        executor, client = _dask_executor(args.scheduler)
    t0 = time.perf_counter()
    bar = tqdm(total=sweep.size, unit="run", desc=sweep.name, file=sys.stderr, disable=True if single else None, dynamic_ncols=True)

    def progress(done: int, failed: int, total: int) -> None:
        bar.n = done
        bar.set_postfix_str(f"failed {failed}" if failed else "", refresh=False)
        bar.refresh()

    try:
        tables, failed = run_sweep(sweep, dest, workers=workers, executor=executor, resume=args.resume, force=args.force,
                                   fmt=args.format, command=command_line(), progress=progress,
                                   notify=lambda text: print(f"kemitraan: {printable(text)}", file=sys.stderr))
    except SweepInterrupted as exc:
        bar.close()
        print(f"kemitraan: {exc}", file=sys.stderr)
        return 130
    except SweepLost as exc:
        bar.close()
        if client is not None:
            _quiet_dask()  # its reconnect loop would add pages of tracebacks under the one line below
        print(f"kemitraan: error: {printable(str(exc))}", file=sys.stderr)
        return 1
    finally:
        bar.close()
        if client is not None:
            try:
                client.close(timeout=5)
            except Exception:  # noqa: BLE001 - a scheduler already gone cannot be told goodbye
                pass
    elapsed = time.perf_counter() - t0
    runs = tables["runs"]
    if single and failed == 0:
        wall = json.loads((dest / "manifest.json").read_text())["runs"][0].get("wall_seconds", elapsed)
        _print_summary(sweep.scenarios[0], {**runs.iloc[0].to_dict(), "wall_seconds": wall}, elapsed, dest)
    else:
        where = f"the Dask cluster at {args.scheduler}" if args.scheduler else f"{workers} worker{'s' if workers > 1 else ''}"
        print(f"{sweep.name}: {sweep.size} runs ({len(sweep.design.points)} design points x {sweep.design.replications} replications) "
              f"in {elapsed:.1f} s on {where}; results in {dest}/")
        ok = runs[runs["status"] == "ok"] if not runs.empty else runs
        if not ok.empty and sweep.design.type in ("sobol", "morris", "lhs"):
            from sim.analysis.compare import sensitivity

            try:
                table = sensitivity(runs, sweep.design.to_dict(), "years_to_target_or_horizon")
                print(f"Which levers drive years to target ({sweep.design.type}):")
                print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
            except ValueError as exc:
                print(f"No sensitivity indices: {exc}")
        elif not ok.empty and len(sweep.design.points) > 1:
            from sim.analysis.compare import compare, comparison_markdown

            reference = getattr(args, "reference", None) or sweep.design.reference
            if reference in set(ok["point_name"]):
                print(f"Mean (paired difference from {reference!r} [95% CI]):")
                print(comparison_markdown(compare(ok, reference)))
    if not args.no_report and not runs.empty and (runs["status"] == "ok").any():
        from sim.analysis.report import write_report

        path = write_report(dest)
        print(f"Report: {path}")
    if failed:
        print(f"kemitraan: {failed} of {sweep.size} runs failed; their errors and seeds are in the runs table (status, error, run_seed)", file=sys.stderr)
        return 1
    return 0


def _quiet_dask() -> None:
    """Silence Dask's own loggers once the scheduler is known to be gone."""
    import logging

    for name in ("distributed", "distributed.client", "distributed.comm", "distributed.core", "tornado", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _dask_executor(address: str):
    try:
        from distributed import Client
        from distributed.comm import get_address_host_port
    except ImportError:
        raise ResultsError("--scheduler needs Dask distributed, which is not installed; install it with: pip install 'kemitraan[sweep]'") from None
    try:
        # Checked before a Client exists: a Client made from a bad address fails with a long
        # ValueError, and again at exit while being collected.
        get_address_host_port(address if "://" in address else f"tcp://{address}")
    except (ValueError, TypeError) as exc:
        raise ResultsError(f"--scheduler {printable(address)!s}: not a scheduler address ({printable(str(exc))}); allowed: tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786") from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ResultsError(f"--scheduler {printable(address)}: cannot reach the Dask scheduler ({printable(str(exc))})") from None
    return client.get_executor(), client


def _print_summary(scenario: Scenario, s: dict, elapsed: float, dest: Path) -> None:
    method = scenario.scenario.index
    name = "IPM" if method == "ipm" else "HDI"
    fmt = (lambda v: f"{v:.2f}") if method == "ipm" else (lambda v: f"{v:.3f}")
    band = (lambda v: f" ({hdi.ipm_band(v)})") if method == "ipm" else (lambda v: "")
    start, end = s["start_year"], s["start_year"] + s["steps"] / 4
    print(f"Kemitraan: {scenario.name} ({printable(scenario.source)}), seed {s['root_seed']}, replication {s['replication']}")
    if scenario.values["scenario"]["description"]:
        print(f"  {printable(scenario.values['scenario']['description'])}")
    print(f"  {name} {start}: {fmt(s['start_index'])}{band(s['start_index'])} -> {end:g}: {fmt(s['final_index'])}{band(s['final_index'])}")
    if s["reached"]:
        print(f"  Target {name} {fmt(s['target'])}: reached in {_quarter(s['year_reached'])}, {s['years_to_target']:.2f} years after the start")
    else:
        print(f"  Target {name} {fmt(s['target'])}: not reached within {s['censored_at_years']:g} years (censored)")
    print(f"  Government share of spending: {100 * s['government_share']:.1f}%")
    print(f"  Partnerships: {s['partnerships_formed']} formed, {s['partnerships_dissolved']} dissolved, {s['active_partnerships']} active at the end; "
          f"mean lifespan {s['mean_lifespan_years']:.1f} years; cohesion {s['cohesion']:.2f}")
    print(f"  Simulated {s['steps']} quarters in {s['wall_seconds']:.1f} s; results in {dest}/ (written in {elapsed:.1f} s in all)")


def cmd_check(args: argparse.Namespace) -> int:
    scenario = _load(args.scenario, args.overrides)
    from sim.experiment.design import from_scenario
    from sim.parameters import BY_NAME

    design = from_scenario(scenario)  # every check first: nothing says "valid" before an error is found
    print(f"{printable(scenario.source)}: valid scenario {scenario.name!r} ({scenario.steps} quarters from {scenario.scenario.start_year}, sha256 {scenario.sha256[:12]})")
    print("Parameters (* differs from the default):")
    for section in SECTIONS:
        print(f"  [{section}]")
        for key, value in scenario.values[section].items():
            p = BY_NAME[f"{section}.{key}"]
            mark = "*" if value != p.default else " "
            unit = f" {p.unit}" if p.unit != "-" else ""
            print(f"   {mark} {key} = {printable(repr(value))}{unit}")
    if scenario.events:
        print("Policy events:")
        for e in scenario.events:
            print(f"    {e.describe()}")
    if design.type != "none":
        print(f"Design: {design.type}, {len(design.points)} points x {design.replications} replications = {design.size} runs; "
              f"reference {design.reference!r}")
        for p in design.points[:8]:
            print(f"    {p.id:>4}  {printable(p.name)}  {printable(repr(p.overrides))}")
        if len(design.points) > 8:
            print(f"    ... and {len(design.points) - 8} more")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from sim.experiment.sweep import plan_files

    if args.replications < 1:
        raise ScenarioError("--replications", None, f"{args.replications} is not allowed; allowed: an integer >= 1")
    scenarios = [load(p) for p in args.scenarios]
    sweep = plan_files(scenarios, args.replications, steps=args.steps)
    if args.reference is not None and args.reference not in {s.name for s in scenarios}:
        raise ScenarioError("--reference", None, f"{args.reference!r} is not allowed; allowed: one of {', '.join(repr(s.name) for s in scenarios)}")
    return _run_sweep(args, sweep, safe_output_dir(args.out, sweep.name))


def cmd_reproduce(args: argparse.Namespace) -> int:
    from sim.experiment.reproduce import describe_manifest, reproduce

    folder = Path(args.results)
    if args.runs is not None and args.runs < 1:
        raise ScenarioError("--runs", None, f"{args.runs} is not allowed; allowed: an integer >= 1")
    print(describe_manifest(folder))
    result = reproduce(folder, args.runs, args.seed)
    for w in result.version_warnings:
        print(f"warning: versions differ: {w}", file=sys.stderr)
    n = len(result.checked)
    if result.ok:
        print(f"reproduced {n} of {n} runs; every table matches its hash, every planned run is there once, row counts agree")
        return 0
    for problem in result.problems:
        print(f"NOT reproduced: {printable(problem)}")
    if result.differences:
        print(f"NOT reproduced: {printable(result.differences[0].describe())}")
    return 1


def cmd_sensitivity(args: argparse.Namespace) -> int:
    import os

    from tqdm import tqdm

    from sim.analysis import sensitivity as sa

    if args.trajectories < 2 or args.samples < 2 or args.samples & (args.samples - 1) or args.keep < 1 or args.replications < 1:
        raise ScenarioError("sensitivity", None, "allowed: --trajectories >= 2, --samples a power of 2, --keep >= 1, --replications >= 1")
    base = load(args.scenario)
    out = Path(args.out)
    workers = args.workers or os.cpu_count() or 1
    names = [p.name for p in sa.candidates()]
    t0 = time.perf_counter()
    stages = []
    for kind, size in (("morris", args.trajectories), ("sobol", args.samples)):
        if kind == "sobol":
            names = sa.select(stages[0].indices, args.keep)
        bar = tqdm(unit="run", desc=kind, file=sys.stderr, disable=None, dynamic_ncols=True)

        def progress(done: int, failed: int, total: int, bar=bar) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            stages.append(sa.run_stage(base, kind, names, size, args.replications, args.years, out, workers=workers,
                                       resume=args.resume, force=args.force, progress=progress))
        finally:
            bar.close()
        print(f"{kind}: {len(names)} parameters, results in {out / kind}/, indices in {out}/{kind}_*.csv and {kind}_indices.png")
    print(f"Sensitivity analysis of {base.name} in {time.perf_counter() - t0:.0f} s on {workers} workers.")
    for outcome, table in stages[1].indices.items():
        print(f"Sobol indices for {outcome}:")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    import os

    from tqdm import tqdm

    from sim.analysis.validation import markdown, validate

    if args.replications < 2:
        raise ScenarioError("--replications", None, f"{args.replications} is not allowed; allowed: an integer >= 2")
    base = load(args.scenario)
    workers = args.workers or os.cpu_count() or 1
    t0 = time.perf_counter()
    with tqdm(unit="run", desc="validation", file=sys.stderr, disable=None, dynamic_ncols=True) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        table = validate(base, args.replications, workers=workers, progress=progress)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    text = markdown(table)
    table.to_csv(out / "validation.csv", index=False, float_format="%.6g")
    (out / "validation.md").write_text(text + "\n")
    print(f"Stylised facts of {base.name}, {args.replications} replications per world, in {time.perf_counter() - t0:.0f} s on {workers} workers "
          f"(paired difference treatment - reference [95% CI]); tables in {out}/")
    print(text)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from sim.analysis.report import write_report

    folder = Path(args.results)
    if not (folder / "manifest.json").is_file():
        raise ResultsError(f"{folder}: not a results folder (no manifest.json)")
    print(f"Report: {write_report(folder, reference=args.reference)}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.analysis.calibration import INVESTMENT_SHARE, calibrate, check

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


def cmd_viz(args: argparse.Namespace) -> int:
    if args.scenario:
        load(args.scenario)  # a bad file fails here, with the usual one-line error
    if not 0 <= args.port <= 65535:
        raise ScenarioError("--port", None, f"{args.port} is not allowed; allowed: 0 to 65535")
    try:
        from sim import app
    except ImportError as exc:
        raise ResultsError(f"kemitraan viz needs {exc.name or 'solara'}, which is not installed; install it with: pip install 'kemitraan[viz]'") from None

    if args.fetch_assets:
        try:
            app.fetch_assets()
        except RuntimeError as exc:
            print(f"kemitraan: error: {exc}", file=sys.stderr)
            return 1
        return 0
    return app.serve(args.scenario, host=args.host, port=args.port, lang=args.lang)


def cmd_demo(args: argparse.Namespace) -> int:
    from sim.teaching.demo import write_demo

    base = load(args.scenario) if args.scenario else None
    if args.agents is not None and args.agents < 2:
        raise ScenarioError("--agents", None, f"{args.agents} is not allowed; allowed: 2 or more")
    if args.years is not None:
        from sim.parameters import BY_NAME

        p = BY_NAME["scenario.years"]
        if not p.low <= args.years <= p.high:
            raise ScenarioError("--years", None, f"{args.years:g} is out of range; allowed: {p.allowed()}")
    from tqdm import tqdm

    t0 = time.perf_counter()
    with tqdm(unit="quarter", desc=args.name, file=sys.stderr, disable=None) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        files = write_demo(args.name, args.out, base, lang=args.lang, replication=args.replication, agents=args.agents,
                           years=args.years, animation=not args.no_animation, progress=progress)
    print(f"Demo {args.name}: worlds A and B share seed and replication {args.replication}; written in {time.perf_counter() - t0:.1f} s:")
    for path in files.values():
        print(f"  {path}")
    return 0


COMMANDS = {"run": cmd_run, "check": cmd_check, "compare": cmd_compare, "report": cmd_report, "reproduce": cmd_reproduce, "sensitivity": cmd_sensitivity, "validate": cmd_validate, "calibrate": cmd_calibrate, "params": cmd_params, "viz": cmd_viz, "demo": cmd_demo}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ScenarioError, ResultsError) as exc:
        print(f"kemitraan: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("kemitraan: interrupted; finished results folders are intact", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into head: the reader has gone, nothing to report
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())

