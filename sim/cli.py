"""The ``kemitraan`` command line (also ``python -m sim``).

Commands:
    run FILE          run a scenario, write results/<name>/ and print a summary
    check FILE        validate a scenario and print every resolved parameter
    compare FILES     run several scenarios with common random numbers and compare them
    estimate          estimate the IPM components' annual law from BPS data and test its 2022 forecast
    params            print the parameter reference (``--markdown`` for docs/scenarios.md)
    scenarios         list the shipped scenarios (usable by name from any directory)

Bad input ends with one line on stderr naming the file, the key and what is allowed, and
exit status 2; nothing is written.

Results go to stdout as plain text; diagnostics (progress, notices, warnings) go through
:mod:`logging` to stderr, more with ``-v``, fewer with ``-q``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from sim import __version__
from sim.experiment.results import ResultsError, command_line, safe_output_dir
from sim.parameters import SECTIONS
from sim.scenario import Scenario, ScenarioError, load, parse_override, printable

EXIT_BAD_INPUT = 2
log = logging.getLogger("sim")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (pytest's capture swaps it)."""

    @property
    def stream(self):
        """The current standard error."""
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


def _configure_logging(verbosity: int) -> None:
    """Diagnostics to stderr as ``kemitraan: message``: INFO by default, -v DEBUG, -q WARNING, -qq ERROR.

    Args:
        verbosity: Count of ``-v`` minus count of ``-q``.
    """
    level = {1: logging.DEBUG, 0: logging.INFO, -1: logging.WARNING}.get(
        verbosity, logging.DEBUG if verbosity > 1 else logging.ERROR
    )
    for h in list(log.handlers):
        if isinstance(h, _StderrHandler):
            log.removeHandler(h)
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("kemitraan: %(message)s"))
    log.addHandler(handler)
    log.setLevel(level)
    log.propagate = False


def _bars_off() -> bool:
    """Progress bars are diagnostics too: ``-q`` turns them off."""
    return not log.isEnabledFor(logging.INFO)


class _Parser(argparse.ArgumentParser):
    """argparse with the project's error form: one line, control characters escaped, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(
            EXIT_BAD_INPUT,
            f"kemitraan: error: {printable(message)} (see kemitraan {self.prog.split()[-1] if ' ' in self.prog else ''} --help)\n".replace(
                "kemitraan  --help", "kemitraan --help"
            ),
        )


def _parser() -> argparse.ArgumentParser:
    ap = _Parser(
        prog="kemitraan",
        description="Community partnerships for human development: an agent-based model on Mesa.",
    )
    ap.add_argument("--version", action="version", version=f"kemitraan {__version__}")
    _verbosity_args(ap, argparse.SUPPRESS)
    sub = ap.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def sweep_args(
        p: argparse.ArgumentParser,
        default_out: str | None,
        out_help: str = "results/<scenario name>",
    ) -> None:
        p.add_argument(
            "--out", default=default_out, help=f"results folder (default: {out_help})"
        )
        p.add_argument(
            "--workers",
            type=int,
            default=None,
            help="local worker processes (default: all cores for a sweep, 1 for a single run)",
        )
        p.add_argument(
            "--scheduler",
            default=None,
            metavar="ADDRESS",
            help="run on a Dask cluster, e.g. tcp://10.0.0.5:8786",
        )
        p.add_argument(
            "--resume",
            action="store_true",
            help="finish an interrupted sweep: run only the missing runs",
        )
        p.add_argument(
            "--force", action="store_true", help="replace an existing results folder"
        )
        p.add_argument(
            "--steps",
            type=int,
            default=None,
            help="horizon in quarters (overrides scenario.years)",
        )
        p.add_argument(
            "--format",
            choices=("parquet", "csv"),
            default="parquet",
            help="table format (default parquet)",
        )
        p.add_argument(
            "--no-report", action="store_true", help="skip the figures and HTML report"
        )

    def scenario_args(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--set",
            dest="overrides",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="override a parameter, e.g. --set rewards.scheme=performance (repeatable)",
        )

    run = sub.add_parser(
        "run", help="run a scenario (or its design sweep) and write its results folder"
    )
    run.add_argument("scenario", help="scenario file (TOML)")
    scenario_args(run)
    sweep_args(run, default_out=None)
    run.add_argument(
        "--replications",
        type=int,
        default=None,
        help="replications per design point (default: the file's [design], else 1)",
    )
    run.add_argument(
        "--checked",
        action="store_true",
        help="assert the model's invariants every step",
    )

    check = sub.add_parser(
        "check", help="validate a scenario and print its resolved parameters"
    )
    check.add_argument("scenario")
    scenario_args(check)

    cmp_ = sub.add_parser(
        "compare",
        help="run scenario files as the points of one sweep and compare them with a reference",
    )
    cmp_.add_argument("scenarios", nargs="+", help="scenario files")
    sweep_args(
        cmp_, default_out=None, out_help="results/experiment, the comparison's name"
    )
    cmp_.add_argument(
        "--replications", type=int, default=20, help="runs per scenario (default 20)"
    )
    cmp_.add_argument(
        "--reference",
        default=None,
        help="scenario to compare against (default: baseline, else the first file); "
        "the output names it",
    )

    rep = sub.add_parser(
        "report", help="write figures and an HTML report for a results folder"
    )
    rep.add_argument("results", help="results folder")
    rep.add_argument(
        "--reference",
        default=None,
        help="design point to compare against (default: the design's reference)",
    )

    sens = sub.add_parser(
        "sensitivity",
        help="Morris screening of every parameter, then Sobol indices, grown until they converge",
    )
    sens.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="scenario file or shipped name (default: the shipped baseline)",
    )
    sens.add_argument(
        "--trajectories", type=int, default=10, help="Morris trajectories (default 10)"
    )
    sens.add_argument(
        "--samples",
        type=int,
        default=64,
        help="first Sobol base sample, a power of 2 (default 64); doubled until converged",
    )
    sens.add_argument(
        "--max-samples",
        type=int,
        default=1024,
        help="largest Sobol base sample tried (default 1024)",
    )
    sens.add_argument(
        "--width",
        type=float,
        default=0.1,
        help="converged when every 95%% interval of a Sobol index is narrower than this (default 0.1)",
    )
    sens.add_argument(
        "--keep",
        type=int,
        default=4,
        help="parameters kept per outcome after screening (default 4)",
    )
    sens.add_argument(
        "--years",
        type=float,
        default=30.0,
        help="first horizon in years (default 30); lengthened while too many runs are censored",
    )
    sens.add_argument(
        "--max-censored",
        type=float,
        default=0.1,
        help="largest share of runs not reaching the target (default 0.1)",
    )
    sens.add_argument(
        "--range",
        dest="ranges",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH",
        help="vary a parameter over this range instead of the rule's (repeatable; wins over --posterior)",
    )
    sens.add_argument(
        "--posterior",
        default=None,
        metavar="ENSEMBLE_CSV",
        help="vary the calibrated parameters over their 2.5-97.5%% range in kemitraan calibrate's ensemble.csv",
    )
    sens.add_argument(
        "--replications",
        type=int,
        default=1,
        help="replications per design point (default 1)",
    )
    sens.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: all cores)",
    )
    sens.add_argument(
        "--out",
        default="results/sensitivity",
        help="output folder (default results/sensitivity)",
    )
    sens.add_argument(
        "--resume", action="store_true", help="finish an interrupted analysis"
    )
    sens.add_argument("--force", action="store_true", help="replace earlier results")

    val = sub.add_parser(
        "validate",
        help="test the stylised facts of the essay and the literature in several settings",
    )
    val.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="scenario file or shipped name (default: the shipped baseline)",
    )
    val.add_argument(
        "--replications",
        type=int,
        default=20,
        help="replications per world (default 20)",
    )
    val.add_argument(
        "--workers",
        type=int,
        default=None,
        help="local worker processes (default: all cores)",
    )
    val.add_argument(
        "--out",
        default="results/validation",
        help="output folder (default results/validation)",
    )

    repro = sub.add_parser(
        "reproduce",
        help="rerun a results folder from its manifest and check every number",
    )
    repro.add_argument("results", help="results folder")
    repro.add_argument(
        "--runs",
        type=int,
        default=None,
        help="check a seeded sample of this many runs (default: all)",
    )
    repro.add_argument(
        "--seed", type=int, default=0, help="seed of the sample (default 0)"
    )

    cal = sub.add_parser(
        "calibrate",
        help="fit an ensemble of dynamics and pathway parameter sets to BPS's 2020-2021 (rejection ABC) and forecast 2022",
    )
    cal.add_argument(
        "--level",
        choices=("province", "district"),
        default="province",
        help="provinces or districts (default provinces)",
    )
    cal.add_argument(
        "--sets", type=int, default=8, help="parameter sets in the ensemble (default 8)"
    )
    cal.add_argument(
        "--candidates",
        type=int,
        default=None,
        help="candidate sets drawn for rejection ABC (default 3 x --sets; the closest --sets are kept)",
    )
    cal.add_argument(
        "--replications", type=int, default=1, help="model runs per set (default 1)"
    )
    cal.add_argument("--seed", type=int, default=20190101)
    cal.add_argument(
        "--out",
        default="results/calibration",
        help="output folder (default results/calibration)",
    )

    viz = sub.add_parser(
        "viz",
        help="serve the teaching app: live partnership network, charts, two worlds side by side",
    )
    viz.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="scenario file (default: the built-in baseline)",
    )
    viz.add_argument(
        "--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)"
    )
    viz.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this computer only)",
    )
    viz.add_argument(
        "--lang",
        choices=("en", "id"),
        default="en",
        help="language of the page: English or Bahasa Indonesia",
    )
    viz.add_argument(
        "--fetch-assets",
        action="store_true",
        help="cache the page's front-end files with npm (for a classroom without internet), then exit",
    )

    demo = sub.add_parser(
        "demo",
        help="write a side-by-side figure (PNG, SVG) and animation (GIF, MP4) for slides",
    )
    demo.add_argument(
        "name",
        choices=("gotong-royong", "reward", "funding-cut"),
        help="which comparison",
    )
    demo.add_argument(
        "--out", default="results/demo", help="output folder (default results/demo)"
    )
    demo.add_argument(
        "--scenario",
        default=None,
        help="scenario file both worlds start from (default: the built-in baseline)",
    )
    demo.add_argument(
        "--lang", choices=("en", "id"), default="en", help="language of the labels"
    )
    demo.add_argument(
        "--replication",
        type=int,
        default=0,
        help="replication shared by both worlds (default 0)",
    )
    demo.add_argument(
        "--agents",
        type=int,
        default=None,
        help="number of community components (default: the scenario's)",
    )
    demo.add_argument(
        "--years",
        type=float,
        default=None,
        help="run length in years (default: the scenario's)",
    )
    demo.add_argument(
        "--no-animation", action="store_true", help="write only the figure"
    )

    estim = sub.add_parser(
        "estimate",
        help="estimate the IPM components' annual law from BPS 2019-2022 data and test its 2022 forecast",
    )
    estim.add_argument(
        "--out",
        default="results/estimate",
        help="output folder (default results/estimate)",
    )
    estim.add_argument(
        "--fit-years",
        default="2017-2021",
        metavar="YEARS",
        help="years t of the changes t-1 -> t fitted, e.g. 2017-2021 or 2019,2020,2021 (default 2017-2021; 2022 is held out)",
    )
    estim.add_argument(
        "--draws",
        type=int,
        default=200,
        help="parameter sets drawn for the forecast's uncertainty band (default 200)",
    )
    estim.add_argument(
        "--seed", type=int, default=0, help="seed of the draws (default 0)"
    )
    estim.add_argument(
        "--force", action="store_true", help="replace an existing output folder"
    )

    # --- kemitraan classroom (issue 15: the participatory room) ---
    room = sub.add_parser(
        "classroom",
        help="open a room where participants play community components from their browsers",
    )
    room.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="scenario file (default: the built-in baseline)",
    )
    room.add_argument(
        "--port", type=int, default=8766, help="port (default 8766; 0 picks a free one)"
    )
    room.add_argument(
        "--lan",
        action="store_true",
        help="listen on the local network so phones can join (default: this computer only)",
    )
    room.add_argument(
        "--lang",
        choices=("en", "id"),
        default="en",
        help="language of the pages: English or Bahasa Indonesia",
    )
    room.add_argument(
        "--code",
        default=None,
        help="join code (default: five random letters and digits)",
    )
    # --- end kemitraan classroom ---
    params = sub.add_parser("params", help="print the parameter reference")
    params.add_argument(
        "--markdown", action="store_true", help="print docs/scenarios.md"
    )
    _analysis_parsers(sub)
    shipped = sub.add_parser(
        "scenarios",
        help="list the shipped scenarios; each runs by name from any directory (kemitraan run baseline)",
    )
    shipped.add_argument(
        "--paths", action="store_true", help="print each file's path too"
    )
    for p in sub.choices.values():
        _verbosity_args(p, argparse.SUPPRESS)
    return ap


def _verbosity_args(p: argparse.ArgumentParser, default) -> None:
    """``-v``/``-q`` before or after the command; counted, so ``-vv`` and ``-qq`` work."""
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=default,
        help="more diagnostics on stderr (-vv: all)",
    )
    p.add_argument(
        "-q",
        "--quiet",
        action="count",
        default=default,
        help="fewer diagnostics on stderr: no progress bars or notices (-qq: errors only)",
    )


def cmd_scenarios(args: argparse.Namespace) -> int:
    """Print the shipped scenarios: name and first description line."""
    from sim.shipped import shipped_scenarios

    for name, path in shipped_scenarios().items():
        text = load(path).values["scenario"].get("description", "")
        line = printable(str(text).split("\n")[0])
        where = f"  ({path})" if args.paths else ""
        print(f"{name:<28} {line}{where}")
    return 0


def _load(path: str, overrides: list[str]) -> Scenario:
    pairs = dict(parse_override(o) for o in overrides)
    return load(path, pairs or None)


def _quarter(year: float) -> str:
    y = int(year + 1e-9)
    q = round((year - y) * 4)
    # The state after step s is the end of quarter s; "2032.75" is the end of 2032 Q3.
    return f"{y} Q{q}" if q else f"{y - 1} Q4"


def _start_pool_early(args: argparse.Namespace, several_runs: bool) -> None:
    """Start a local pool's server before this process's own imports and planning, when a pool will surely run.

    A pool runs when there is no ``--scheduler`` and more than one worker: given by
    ``--workers``, or all cores for a sweep known to have several runs (``several_runs``)
    before it is planned. Its server's imports (the model, Mesa, scipy: about 1.4 s) then
    overlap this process's (pandas and pyarrow, about 0.4 s, with the scenario and the plan),
    and the workers start that much sooner. Otherwise :func:`sim.experiment.sweep.run_sweep`
    starts it once the sweep is planned.

    Args:
        args: The command's arguments.
        several_runs: The sweep has more than one run whatever the scenario says.
    """
    import os

    from sim.experiment.pool import SWEEP_MODULE, start_server

    if args.scheduler or (args.workers is not None and args.workers < 1):
        return  # a cluster's workers, or an error about to be reported
    workers = args.workers or ((os.cpu_count() or 1) if several_runs else 1)
    if workers > 1:
        start_server(SWEEP_MODULE)


def cmd_run(args: argparse.Namespace) -> int:
    """``kemitraan run``: one run, or the file's whole design, into a results folder; returns the exit status."""
    from sim.experiment.pool import collector_paused

    _start_pool_early(args, several_runs=(args.replications or 0) > 1)
    # --set goes into the plan (and so into the manifest), not into the file's text.
    overrides = dict(parse_override(o) for o in args.overrides)
    # numpy, pandas and pyarrow are imported here (reading the scenario's regions, planning):
    # many objects and almost no garbage, so the collector waits.
    with collector_paused():
        from sim.experiment.sweep import plan

        scenario = load(args.scenario)
    log.debug("scenario %s read from %s", scenario.name, scenario.source)
    sweep = plan(
        scenario,
        replications=args.replications,
        steps=args.steps,
        overrides=overrides or None,
        checked=args.checked,
    )
    dest = safe_output_dir(args.out, scenario.name)
    return _run_sweep(args, sweep, dest)


def _run_sweep(args: argparse.Namespace, sweep, dest: Path) -> int:
    import os

    from tqdm import tqdm

    from sim.experiment.sweep import SweepInterrupted, SweepLost, run_sweep

    if args.steps is not None and args.steps < 1:
        raise ScenarioError(
            "--steps", None, f"{args.steps} is not allowed; allowed: an integer >= 1"
        )
    if args.workers is not None and args.workers < 1:
        raise ScenarioError(
            "--workers",
            None,
            f"{args.workers} is not allowed; allowed: an integer >= 1",
        )
    single = sweep.size == 1
    workers = args.workers or (1 if single else os.cpu_count() or 1)
    log.debug(
        "%s: %d runs, %d workers, results to %s", sweep.name, sweep.size, workers, dest
    )
    executor, client = None, None
    if args.scheduler:
        executor, client = _dask_executor(args.scheduler)
    t0 = time.perf_counter()
    bar = tqdm(
        total=sweep.size,
        unit="run",
        desc=sweep.name,
        file=sys.stderr,
        disable=True if single or _bars_off() else None,
        dynamic_ncols=True,
    )

    def progress(done: int, failed: int, total: int) -> None:
        bar.n = done
        bar.set_postfix_str(f"failed {failed}" if failed else "", refresh=False)
        bar.refresh()

    try:
        with _held_dask_logs() if client is not None else contextlib.nullcontext():
            tables, failed = run_sweep(
                sweep,
                dest,
                workers=workers,
                executor=executor,
                resume=args.resume,
                force=args.force,
                fmt=args.format,
                command=command_line(),
                progress=progress,
                notify=lambda text: log.info("%s", printable(text)),
            )
    except SweepInterrupted as exc:
        bar.close()
        log.error("%s", exc)
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
            # A scheduler already gone cannot be told goodbye.
            with contextlib.suppress(Exception):
                client.close(timeout=5)
    elapsed = time.perf_counter() - t0
    runs = tables["runs"]
    if single and failed == 0:
        wall = json.loads((dest / "manifest.json").read_text())["runs"][0].get(
            "wall_seconds", elapsed
        )
        _print_summary(
            sweep.scenarios[0],
            {**runs.iloc[0].to_dict(), "wall_seconds": wall},
            elapsed,
            dest,
        )
    else:
        where = (
            f"the Dask cluster at {args.scheduler}"
            if args.scheduler
            else f"{workers} worker{'s' if workers > 1 else ''}"
        )
        print(
            f"{sweep.name}: {sweep.size} runs ({len(sweep.design.points)} design points x {sweep.design.replications} replications) "
            f"in {elapsed:.1f} s on {where}; results in {dest}/"
        )
        ok = runs[runs["status"] == "ok"] if not runs.empty else runs
        if not ok.empty and sweep.design.type in ("sobol", "morris", "lhs"):
            from sim.analysis.compare import sensitivity

            try:
                table = sensitivity(
                    runs, sweep.design.to_dict(), "years_to_target_or_horizon"
                )
                print(f"Which levers drive years to target ({sweep.design.type}):")
                print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
            except ValueError as exc:
                print(f"No sensitivity indices: {exc}")
        elif not ok.empty and len(sweep.design.points) > 1:
            from sim.analysis.compare import compare, comparison_markdown

            reference = getattr(args, "reference", None) or sweep.design.reference
            if reference in set(ok["point_name"]):
                print(comparison_markdown(compare(ok, reference)))
    if "regions" in tables and not tables["regions"].empty:
        _print_places(sweep.scenarios[0], tables["regions"])
    if not args.no_report and not runs.empty and (runs["status"] == "ok").any():
        from sim.analysis.report import write_report

        path = write_report(dest, reference=getattr(args, "reference", None))
        print(f"Report: {path}")
    if failed:
        log.error(
            "%d of %d runs failed; their errors and seeds are in the runs table (status, error, run_seed)",
            failed,
            sweep.size,
        )
        return 1
    return 0


def _print_places(scenario: Scenario, regions) -> None:
    """Results for a place: the highest and lowest regions, the spread, and the guard against the absurd."""
    from sim.analysis.regions import plausibility_warning, region_outcomes

    target, start = scenario.scenario.target, scenario.scenario.start_year
    table = region_outcomes(regions, target, start)
    n = len(table)
    if n > 1:

        def line(row) -> str:
            when = (
                f"target in {row.year_reached:.2f}"
                if math.isfinite(row.year_reached)
                else "target not reached"
            )
            return f"{row.region_name} {row.final_index:.2f} ({when})"

        shown = [line(r) for r in table.head(3).itertuples()]
        low = [line(r) for r in table.tail(3).itertuples()] if n > 3 else []
        print(
            f"  Regions ({n}): highest {'; '.join(shown)}"
            + (f"; lowest {'; '.join(low)}" if low else "")
        )
        reached = int((table["reached_share"] >= 0.5).sum())
        print(
            f"  Spread at the end: {table['final_index'].max() - table['final_index'].min():.2f} index points; "
            f"{reached} of {n} regions reach the target in most runs"
        )
    warning = plausibility_warning(regions)
    if warning:
        log.warning("%s", warning)


def _quiet_dask() -> None:
    """Silence Dask's own loggers once the scheduler is known to be gone."""
    import logging

    for name in (
        "distributed",
        "distributed.client",
        "distributed.comm",
        "distributed.core",
        "distributed.batched",
        "tornado",
        # Dask's logging configuration gives it a level of its own, which "tornado"'s does not override.
        "tornado.application",
        "asyncio",
    ):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


# Dask's loggers that have handlers of their own (distributed's logging configuration).
_DASK_LOGGERS = ("distributed", "distributed.client", "tornado", "tornado.application")


class _Held(logging.Handler):
    """Holds the records of one of Dask's loggers (see :func:`_held_dask_logs`)."""

    def __init__(self) -> None:
        """An empty holder."""
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the record for later."""
        self.records.append(record)


@contextlib.contextmanager
def _held_dask_logs():
    """Hold Dask's log records while a sweep runs on a cluster, until it is known whether the cluster was lost.

    When the scheduler dies, Dask's client and tornado log from their own threads (a closed
    connection's traceback, even at INFO; a callback's traceback if results were being
    gathered; "failed to reconnect" after ten seconds), sometimes before the sweep learns that
    its tasks are cancelled. A lost cluster is reported in one line
    (:class:`sim.experiment.sweep.SweepLost`), so its records are dropped; any other ending
    prints them, in order, after the sweep (Dask logs nothing in a sweep that goes well).
    """
    loggers = [logging.getLogger(name) for name in _DASK_LOGGERS]
    saved = [logger.handlers[:] for logger in loggers]
    holders = [_Held() for _ in loggers]
    for logger, holder in zip(loggers, holders, strict=True):
        logger.handlers = [holder]
    lost = False
    try:
        yield
    except BaseException as exc:
        from sim.experiment.sweep import SweepLost

        lost = isinstance(exc, SweepLost)
        raise
    finally:
        if lost:
            _quiet_dask()  # before the handlers are back: Dask's threads may still be logging
        for logger, handlers in zip(loggers, saved, strict=True):
            logger.handlers = handlers
        if not lost:
            # A record reaches the holder of each logger it propagates through: once each.
            unique = {id(r): r for h in holders for r in h.records}
            for record in sorted(unique.values(), key=lambda r: r.created):
                logging.getLogger(record.name).handle(record)


def _dask_executor(address: str):
    try:
        from distributed import Client
        from distributed.comm import get_address_host_port
    except ImportError:
        raise ResultsError(
            "--scheduler needs Dask distributed, which is not installed; install it with: pip install 'kemitraan[distributed]'"
        ) from None
    try:
        # Checked before a Client exists: a Client made from a bad address fails with a long
        # ValueError, and again at exit while being collected.
        get_address_host_port(address if "://" in address else f"tcp://{address}")
    except (ValueError, TypeError) as exc:
        raise ResultsError(
            f"--scheduler {printable(address)!s}: not a scheduler address ({printable(str(exc))}); allowed: tcp://HOST:PORT, e.g. tcp://127.0.0.1:8786"
        ) from None
    try:
        client = Client(address, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ResultsError(
            f"--scheduler {printable(address)}: cannot reach the Dask scheduler ({printable(str(exc))})"
        ) from None
    return client.get_executor(), client


def _print_summary(scenario: Scenario, s: dict, elapsed: float, dest: Path) -> None:
    from sim import hdi

    method = scenario.scenario.index
    name = "IPM" if method == "ipm" else "HDI"
    fmt = (lambda v: f"{v:.2f}") if method == "ipm" else (lambda v: f"{v:.3f}")
    band = (lambda v: f" ({hdi.ipm_band(v)})") if method == "ipm" else (lambda v: "")
    start, end = s["start_year"], s["start_year"] + s["steps"] / 4
    print(
        f"Kemitraan: {scenario.name} ({printable(scenario.source)}), seed {s['root_seed']}, replication {s['replication']}"
    )
    if scenario.values["scenario"]["description"]:
        print(f"  {printable(scenario.values['scenario']['description'])}")
    print(
        f"  {name} {start}: {fmt(s['start_index'])}{band(s['start_index'])} -> {end:g}: {fmt(s['final_index'])}{band(s['final_index'])}"
    )
    if s["reached"]:
        print(
            f"  Target {name} {fmt(s['target'])}: reached in {_quarter(s['year_reached'])}, {s['years_to_target']:.2f} years after the start"
        )
    else:
        print(
            f"  Target {name} {fmt(s['target'])}: not reached within {s['censored_at_years']:g} years (censored)"
        )
    print(f"  Government share of spending: {100 * s['government_share']:.1f}%")
    print(
        f"  Partnerships: {s['partnerships_formed']} formed, {s['partnerships_dissolved']} dissolved, {s['active_partnerships']} active at the end; "
        f"mean lifespan {s['mean_lifespan_years']:.1f} years; cohesion {s['cohesion']:.2f}"
    )
    print(
        f"  Simulated {s['steps']} quarters in {s['wall_seconds']:.1f} s; results in {dest}/ (written in {elapsed:.1f} s in all)"
    )


def cmd_check(args: argparse.Namespace) -> int:
    """``kemitraan check``: validate a scenario file and print its resolved parameters and design; returns the exit status."""
    scenario = _load(args.scenario, args.overrides)
    from sim.experiment.design import from_scenario
    from sim.parameters import BY_NAME

    design = from_scenario(
        scenario
    )  # every check first: nothing says "valid" before an error is found
    print(
        f"{printable(scenario.source)}: valid scenario {scenario.name!r} ({scenario.steps} quarters from {scenario.scenario.start_year}, sha256 {scenario.sha256[:12]})"
    )
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
        print(
            f"Design: {design.type}, {len(design.points)} points x {design.replications} replications = {design.size} runs; "
            f"reference {design.reference!r}"
        )
        for point in design.points[:8]:
            print(
                f"    {point.id:>4}  {printable(point.name)}  {printable(repr(point.overrides))}"
            )
        if len(design.points) > 8:
            print(f"    ... and {len(design.points) - 8} more")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``kemitraan compare``: several scenario files as the points of one sweep, against a reference; returns the exit status."""
    from sim.experiment.pool import collector_paused

    if args.replications < 1:
        raise ScenarioError(
            "--replications",
            None,
            f"{args.replications} is not allowed; allowed: an integer >= 1",
        )
    _start_pool_early(
        args, several_runs=args.replications > 1 or len(args.scenarios) > 1
    )
    with collector_paused():  # the heavy imports, as in cmd_run
        from sim.experiment.sweep import plan_files

        scenarios = [load(p) for p in args.scenarios]
    sweep = plan_files(scenarios, args.replications, steps=args.steps)
    if args.reference is not None and args.reference not in {s.name for s in scenarios}:
        raise ScenarioError(
            "--reference",
            None,
            f"{args.reference!r} is not allowed; allowed: one of {', '.join(repr(s.name) for s in scenarios)}",
        )
    return _run_sweep(args, sweep, safe_output_dir(args.out, sweep.name))


def cmd_reproduce(args: argparse.Namespace) -> int:
    """``kemitraan reproduce``: rerun a results folder from its manifest and check every number; returns the exit status."""
    from sim.experiment.reproduce import describe_manifest, reproduce

    folder = Path(args.results)
    if args.runs is not None and args.runs < 1:
        raise ScenarioError(
            "--runs", None, f"{args.runs} is not allowed; allowed: an integer >= 1"
        )
    print(describe_manifest(folder))
    result = reproduce(folder, args.runs, args.seed)
    for w in result.version_warnings:
        log.warning("warning: versions differ: %s", w)
    n = len(result.checked)
    if result.ok:
        print(
            f"reproduced {n} of {n} runs; every table matches its hash, every planned run is there once, row counts agree"
        )
        return 0
    for problem in result.problems:
        print(f"NOT reproduced: {printable(problem)}")
    if result.differences:
        print(f"NOT reproduced: {printable(result.differences[0].describe())}")
    return 1


def _parse_ranges(
    items: list[str], flag: str = "--range"
) -> dict[str, tuple[float, float]]:
    from sim.parameters import BY_NAME

    out = {}
    for item in items:
        key, _, span = item.partition("=")
        lo, _, hi = span.partition(":")
        if key not in BY_NAME:
            raise ScenarioError(
                flag,
                None,
                f"{key!r} is not a parameter; allowed: a key of docs/scenarios.md",
            )
        try:
            a, b = float(lo), float(hi)
        except ValueError:
            raise ScenarioError(
                flag,
                None,
                f"{item!r} is not allowed; allowed: KEY=LOW:HIGH with numbers",
            ) from None
        p = BY_NAME[key]
        if p.low is None or p.high is None:
            # A text or true/false key (or an unbounded one) has no range to sample.
            raise ScenarioError(
                flag,
                None,
                f"{item!r}: {key} takes {p.allowed()}; allowed: a number key with bounds",
            )
        if not (p.low <= a < b <= p.high):
            raise ScenarioError(
                flag,
                None,
                f"{item!r} is out of range; allowed: LOW < HIGH within {p.allowed()}",
            )
        out[key] = (a, b)
    return out


def cmd_sensitivity(args: argparse.Namespace) -> int:
    """``kemitraan sensitivity``: Morris screening of every parameter, then Sobol indices; returns the exit status."""
    import os

    from tqdm import tqdm

    from sim.analysis import sensitivity as sa
    from sim.parameters import BY_NAME

    if (
        args.trajectories < 2
        or args.samples < 2
        or args.samples & (args.samples - 1)
        or args.keep < 1
        or args.replications < 1
    ):
        raise ScenarioError(
            "sensitivity",
            None,
            "allowed: --trajectories >= 2, --samples a power of 2, --keep >= 1, --replications >= 1",
        )
    if (
        args.max_samples < args.samples
        or args.width <= 0
        or not 0 <= args.max_censored < 1
    ):
        raise ScenarioError(
            "sensitivity",
            None,
            "allowed: --max-samples >= --samples, --width > 0, --max-censored from 0 to 1",
        )
    years_high = BY_NAME["scenario.years"].high
    assert years_high is not None  # scenario.years is a bounded number
    max_years = float(years_high)
    if not 0 < args.years <= max_years:
        raise ScenarioError(
            "--years",
            None,
            f"{args.years:g} is out of range; allowed: {BY_NAME['scenario.years'].allowed()}",
        )
    ranges = _parse_ranges(args.ranges)
    if args.posterior is not None:
        try:
            calibrated, sets = sa.posterior_ranges(Path(args.posterior))
        except ValueError as exc:
            raise ScenarioError("--posterior", None, str(exc)) from None
        # An explicit --range is the user's last word on a parameter.
        ranges = {**calibrated, **ranges}
        q_lo, q_hi = sa.POSTERIOR_QUANTILES
        print(
            f"posterior: {len(calibrated)} calibrated parameters vary over their "
            f"{100 * q_lo:g}-{100 * q_hi:g}% range among the {sets} sets of {args.posterior}"
        )
    base = load(args.scenario)
    out = Path(args.out)
    workers = args.workers or os.cpu_count() or 1
    names = [p.name for p in sa.candidates()] + [
        k for k in ranges if k not in {p.name for p in sa.candidates()}
    ]
    t0 = time.perf_counter()

    def stage(kind: str, names: list[str], size: int, years: float, tag: str):
        bar = tqdm(
            unit="run",
            desc=f"{kind}{tag}",
            file=sys.stderr,
            disable=True if _bars_off() else None,
            dynamic_ncols=True,
        )

        def progress(done: int, failed: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            return sa.run_stage(
                base,
                kind,
                names,
                size,
                args.replications,
                years,
                out,
                workers=workers,
                resume=args.resume,
                force=args.force,
                progress=progress,
                ranges=ranges,
                tag=tag,
            )
        finally:
            bar.close()

    years, tag = args.years, ""
    while True:
        morris = stage("morris", names, args.trajectories, years, tag)
        print(
            f"morris: {len(names)} parameters over {years:g} years; {100 * morris.censored:.0f}% of runs never reach the target "
            f"(censored); indices in {out}/morris{tag}_*.csv"
        )
        if morris.censored <= args.max_censored or years >= max_years:
            break
        years = min(max_years, math.ceil(years * 1.5))
        tag = f"_{years:g}y"
        print(
            f"  more than {100 * args.max_censored:.0f}% censored: the horizon is lengthened to {years:g} years"
        )
    if morris.censored > args.max_censored:
        log.warning(
            "warning: %.0f%% of runs never reach the target even over %g years; the time-to-target "
            "indices describe the horizon as much as the model",
            100 * morris.censored,
            years,
        )
    names = sa.select(morris.indices, args.keep)
    last: dict = {}

    def run_at(n: int):
        last["stage"] = stage("sobol", names, n, years, f"_{n}")
        return last["stage"].indices

    import pandas as pd

    def record(history: list[dict[str, float]]) -> None:
        pd.DataFrame(history).to_csv(
            out / "sobol_convergence.csv", index=False, float_format="%.6g"
        )

    tables, history, converged = sa.converge(
        run_at, args.samples, args.max_samples, args.width, on_stage=record
    )
    print(
        f"sobol: {len(names)} parameters, {years:g}-year horizon, {100 * last['stage'].censored:.0f}% censored. Widest 95% interval by base sample:"
    )
    for h in history:
        print(
            f"  N = {h['samples']:>5}: "
            + ", ".join(f"{o} {w:.3f}" for o, w in h.items() if o != "samples")
        )
    n = history[-1]["samples"]
    print(
        (
            "converged"
            if converged
            else f"NOT converged (widest interval above {args.width:g} at the largest sample, {args.max_samples})"
        )
        + f" at N = {n}; indices in {out}/sobol_{n}_*.csv, history in {out}/sobol_convergence.csv"
    )
    print(
        f"Sensitivity analysis of {base.name} in {time.perf_counter() - t0:.0f} s on {workers} workers."
    )
    for outcome, table in tables.items():
        unresolved = int((~sa.resolved(table)).sum())
        what = (
            " (each run's time restricted at the horizon)"
            if outcome == "years_to_target_or_horizon"
            else ""
        )
        print(
            f"Sobol indices for {outcome}{what}; 'not resolved': the 95% interval is wider than the index "
            f"({unresolved} of {len(table)}):"
        )
        print(sa.printable(table).to_string(index=False))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """``kemitraan validate``: test the essay's stylised facts in three settings; returns the exit status."""
    import os

    from tqdm import tqdm

    from sim.analysis.validation import markdown, validate

    if args.replications < 2:
        raise ScenarioError(
            "--replications",
            None,
            f"{args.replications} is not allowed; allowed: an integer >= 2",
        )
    base = load(args.scenario)
    workers = args.workers or os.cpu_count() or 1
    t0 = time.perf_counter()
    with tqdm(
        unit="run",
        desc="validation",
        file=sys.stderr,
        disable=True if _bars_off() else None,
        dynamic_ncols=True,
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        table = validate(
            base,
            args.replications,
            workers=workers,
            progress=progress,
            runs_path=out / "runs.parquet",
        )
    text = markdown(table)
    table.to_csv(out / "validation.csv", index=False, float_format="%.6g")
    (out / "validation.md").write_text(text + "\n")
    print(
        f"Stylised facts of {base.name}, {args.replications} replications per world, in {time.perf_counter() - t0:.0f} s on {workers} workers "
        f"(paired difference treatment - reference [95% CI]); tables in {out}/"
    )
    print(text)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """``kemitraan report``: figures and a self-contained HTML report of a results folder; returns the exit status."""
    from sim.analysis.report import write_report

    folder = Path(args.results)
    if not (folder / "manifest.json").is_file():
        raise ResultsError(f"{folder}: not a results folder (no manifest.json)")
    print(f"Report: {write_report(folder, reference=args.reference)}")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``kemitraan calibrate``: the dynamics ensemble, its fit and its held-out forecast; returns the exit status."""
    from sim.analysis import calibration

    if args.candidates is not None and args.candidates < args.sets:
        raise ScenarioError(
            "--candidates",
            None,
            f"{args.candidates} is not allowed; allowed: an integer >= --sets ({args.sets})",
        )
    for name in ("sets", "replications"):
        if getattr(args, name) < 1:
            raise ScenarioError(
                f"--{name}",
                None,
                f"{getattr(args, name)} is not allowed; allowed: an integer >= 1",
            )
    out = safe_output_dir(args.out, "calibration")
    t0 = time.perf_counter()
    results = calibration.calibrate(
        args.level,
        args.sets,
        args.replications,
        args.seed,
        progress=lambda i, n: log.info("calibration: model run %d of %d", i, n),
        candidates=args.candidates,
    )
    calibration.write(results, args.level, out)
    print(calibration.report_markdown(args.level, results))
    print(
        f'Ensemble and report in {out}/ ({time.perf_counter() - t0:.0f} s); draw from it with dynamics.ensemble = "{out / "ensemble.csv"}"'
    )
    return 0


def _fit_years(text: str) -> tuple[int, ...]:
    from sim.analysis.estimation import HOLDOUT_YEAR

    allowed = f"allowed: years from 2017 to {HOLDOUT_YEAR - 1}, as FIRST-LAST or a comma-separated list"
    try:
        if "-" in text:
            first, last = (int(p) for p in text.split("-"))
            years = tuple(range(first, last + 1))
        else:
            years = tuple(int(p) for p in text.split(","))
    except ValueError:
        raise ScenarioError(
            "--fit-years", None, f"{text!r} is not allowed; {allowed}"
        ) from None
    if not years or min(years) < 2017 or max(years) >= HOLDOUT_YEAR:
        raise ScenarioError("--fit-years", None, f"{text!r} is not allowed; {allowed}")
    return years


def cmd_estimate(args: argparse.Namespace) -> int:
    """``kemitraan estimate``: each IPM component's annual law from BPS's panel, with its forecast test; returns the exit status."""
    import numpy as np
    import pandas as pd

    from sim.analysis import estimation, forecast
    from sim.experiment.results import folder_swap

    years = _fit_years(args.fit_years)
    if args.draws < 1:
        raise ScenarioError(
            "--draws", None, f"{args.draws} is not allowed; allowed: an integer >= 1"
        )
    dest = safe_output_dir(args.out, "estimate")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())) and not args.force:
        raise ResultsError(f"{dest}: already exists; use --force to replace it")
    try:
        estimates = estimation.estimate_all(years)
    except estimation.EstimationError as exc:
        raise ScenarioError("--fit-years", None, str(exc)) from None
    tables = {lvl: forecast.holdout_table(lvl, est) for lvl, est in estimates.items()}
    biases = {
        lvl: forecast.holdout_table(lvl, est, statistic="bias")
        for lvl, est in estimates.items()
    }
    forms = pd.concat(
        [estimation.form_comparison(lvl, years) for lvl in estimates], ignore_index=True
    )
    rng = np.random.default_rng(args.seed)
    bands = pd.concat(
        [
            forecast.ensemble_rmse(lvl, est, args.draws, rng)
            .quantile([0.05, 0.5, 0.95])
            .rename_axis("quantile")
            .reset_index()
            .assign(level=lvl)
            for lvl, est in estimates.items()
        ],
        ignore_index=True,
    )
    params = pd.concat([e.table() for e in estimates.values()], ignore_index=True)
    text = forecast.markdown(estimates, tables, command_line(), biases, forms, bands)
    with folder_swap(dest, "estimates") as tmp:
        params.to_csv(tmp / "estimates.csv", index=False, float_format="%.6g")
        for lvl, est in estimates.items():
            pd.DataFrame(
                est.cov, index=list(est.names), columns=list(est.names)
            ).to_csv(tmp / f"covariance_{lvl}.csv", float_format="%.6g")
        pd.concat(
            [e.quarterly().assign(level=lvl) for lvl, e in estimates.items()],
            ignore_index=True,
        ).to_csv(tmp / "quarterly.csv", index=False, float_format="%.6g")
        for name, tabs in (
            ("forecast_rmse.csv", tables),
            ("forecast_bias.csv", biases),
        ):
            pd.concat(
                [t.reset_index().assign(level=lvl) for lvl, t in tabs.items()],
                ignore_index=True,
            ).to_csv(tmp / name, index=False, float_format="%.6g")
        forms.to_csv(tmp / "form_comparison.csv", index=False, float_format="%.6g")
        bands.to_csv(tmp / "forecast_rmse_draws.csv", index=False, float_format="%.6g")
        pd.concat(
            [forecast.forecasts(lvl, est) for lvl, est in estimates.items()],
            ignore_index=True,
        ).to_csv(tmp / "forecasts_2022.csv", index=False, float_format="%.6g")
        (tmp / "report.md").write_text(text)
    print(text, end="")
    print(
        f"Tables in {dest}/ (estimates.csv, covariance_*.csv, quarterly.csv, form_comparison.csv, forecast_rmse.csv, forecast_bias.csv, forecast_rmse_draws.csv, forecasts_2022.csv, report.md)"
    )
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    """``kemitraan params``: print the parameter reference (plain text or Markdown); returns the exit status."""
    from sim.reference import markdown, plain

    print(markdown() if args.markdown else plain(), end="")
    return 0


def cmd_viz(args: argparse.Namespace) -> int:
    """``kemitraan viz``: serve the live classroom app in the browser; returns the exit status."""
    if args.scenario:
        load(args.scenario)  # a bad file fails here, with the usual one-line error
    if not 0 <= args.port <= 65535:
        raise ScenarioError(
            "--port", None, f"{args.port} is not allowed; allowed: 0 to 65535"
        )
    try:
        import solara  # noqa: F401  (the page is served by a solara server: fail here, not after "Ready")

        from sim import app
    except ImportError as exc:
        raise ResultsError(
            f"kemitraan viz needs {exc.name or 'solara'}, which is not installed; install it with: pip install 'kemitraan[viz]'"
        ) from None

    if args.fetch_assets:
        try:
            app.fetch_assets()
        except RuntimeError as exc:
            print(f"kemitraan: error: {exc}", file=sys.stderr)
            return 1
        return 0
    return app.serve(args.scenario, host=args.host, port=args.port, lang=args.lang)


def cmd_demo(args: argparse.Namespace) -> int:
    """``kemitraan demo``: a side-by-side figure and animation for slides; returns the exit status."""
    from sim.teaching.demo import write_demo

    base = load(args.scenario) if args.scenario else None
    if args.agents is not None and args.agents < 2:
        raise ScenarioError(
            "--agents", None, f"{args.agents} is not allowed; allowed: 2 or more"
        )
    if args.years is not None:
        from sim.parameters import BY_NAME

        p = BY_NAME["scenario.years"]
        if not p.low <= args.years <= p.high:
            raise ScenarioError(
                "--years",
                None,
                f"{args.years:g} is out of range; allowed: {p.allowed()}",
            )
    from tqdm import tqdm

    t0 = time.perf_counter()
    with tqdm(
        unit="quarter",
        desc=args.name,
        file=sys.stderr,
        disable=True if _bars_off() else None,
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        files = write_demo(
            args.name,
            args.out,
            base,
            lang=args.lang,
            replication=args.replication,
            agents=args.agents,
            years=args.years,
            animation=not args.no_animation,
            progress=progress,
        )
    print(
        f"Demo {args.name}: worlds A and B share seed and replication {args.replication}; written in {time.perf_counter() - t0:.1f} s:"
    )
    for path in files.values():
        print(f"  {path}")
    return 0


# --- kemitraan classroom (issue 15) ---
def cmd_classroom(args: argparse.Namespace) -> int:
    """``kemitraan classroom``: serve a room that participants join from their phones; returns the exit status."""
    import secrets

    from sim import app
    from sim.room_app import CODE_ENV, KEY_ENV
    from sim.teaching.room import CODE_ALPHABET, CODE_LENGTH, new_code

    if args.scenario:
        load(args.scenario)  # a bad file fails here, with the usual one-line error
    if not 0 <= args.port <= 65535:
        raise ScenarioError(
            "--port", None, f"{args.port} is not allowed; allowed: 0 to 65535"
        )
    code = (args.code or new_code()).upper()
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        raise ScenarioError(
            "--code",
            None,
            f"{args.code!r} is not allowed; allowed: {CODE_LENGTH} of {CODE_ALPHABET}",
        )
    key = secrets.token_urlsafe(9)
    host = "0.0.0.0" if args.lan else "127.0.0.1"  # noqa: S104 - the trainer asked for the LAN

    def ready(url: str) -> list[str]:
        join = (
            f"http://<this computer's address>:{url.rsplit(':', 1)[1]}"
            if args.lan
            else url
        )
        return [
            f"Ready: trainer (projector): {url}trainer?key={key}",
            f"       participants: {join} with join code {code}",
        ]

    return app.serve(
        args.scenario,
        host=host,
        port=args.port,
        lang=args.lang,
        target="sim.room_app",
        extra_env={CODE_ENV: code, KEY_ENV: key},
        what="Kemitraan room",
        ready_lines=ready,
    )


# --- end kemitraan classroom ---


COMMANDS = {
    "run": cmd_run,
    "check": cmd_check,
    "compare": cmd_compare,
    "report": cmd_report,
    "reproduce": cmd_reproduce,
    "sensitivity": cmd_sensitivity,
    "validate": cmd_validate,
    "calibrate": cmd_calibrate,
    "params": cmd_params,
    "estimate": cmd_estimate,
    "viz": cmd_viz,
    "demo": cmd_demo,
    "classroom": cmd_classroom,
}


# --- analysis commands: scenario discovery and the cheapest path to a target (issue 12) -----------

DEFAULT_LEVERS: tuple[str, ...] = (
    "funding.public_scale=0.5:1.5",
    "funding.trust_fund_share=0:1",
    "regulation.tax_deduction=0:1",
    "network.information_system=0:0.8",
)


def _analysis_parsers(sub) -> None:
    disc = sub.add_parser(
        "discover",
        help="scenario discovery: where in a sampled sweep's space a policy fails its goal (PRIM boxes)",
    )
    disc.add_argument(
        "results",
        help="results folder of a sweep over uncertain conditions (lhs, sobol, morris or factorial)",
    )
    disc.add_argument(
        "--level",
        type=float,
        default=None,
        help="index level of the goal (default: the runs' target)",
    )
    disc.add_argument(
        "--by",
        type=float,
        default=None,
        help="calendar year by which it must be reached (default: the end of the runs)",
    )
    disc.add_argument(
        "--min-density",
        type=float,
        default=0.8,
        help="share of failing runs a box must hold (default 0.8)",
    )
    disc.add_argument(
        "--boxes", type=int, default=2, help="boxes searched for at most (default 2)"
    )
    disc.add_argument(
        "--out", default=None, help="output folder (default RESULTS/discovery)"
    )
    disc.add_argument(
        "--no-report",
        action="store_true",
        help="do not rewrite RESULTS/report/ (by default it is rewritten with the discovery in it)",
    )

    opt = sub.add_parser(
        "optimise",
        help="the cheapest policy mixes that reach a target by a year with a stated probability (Pareto front)",
    )
    opt.add_argument(
        "scenario",
        nargs="?",
        default="baseline",
        help="scenario file or shipped name (default: the shipped baseline)",
    )
    opt.add_argument(
        "--lever",
        dest="levers",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH",
        help=f"a lever and its range (repeatable; default {', '.join(DEFAULT_LEVERS)})",
    )
    opt.add_argument(
        "--level",
        type=float,
        default=None,
        help="index level to reach (default: the scenario's target)",
    )
    opt.add_argument(
        "--by",
        type=float,
        default=None,
        help="calendar year by which to reach it (default: the end of the horizon)",
    )
    opt.add_argument(
        "--probability",
        type=float,
        default=0.8,
        help="required share of replications reaching it in time (default 0.8)",
    )
    opt.add_argument(
        "--replications",
        type=int,
        default=5,
        help="replications per candidate, common random numbers (default 5)",
    )
    opt.add_argument(
        "--trials", type=int, default=60, help="candidates evaluated (default 60)"
    )
    opt.add_argument(
        "--population", type=int, default=12, help="NSGA-II population (default 12)"
    )
    opt.add_argument(
        "--seed", type=int, default=0, help="seed of the search (default 0)"
    )
    opt.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes per candidate (default 1)",
    )
    opt.add_argument(
        "--out",
        default=None,
        help="output folder (default results/<scenario name>_optimise)",
    )


def cmd_discover(args: argparse.Namespace) -> int:
    """``kemitraan discover``: PRIM boxes where a sweep's runs fail the goal, and feature scores; returns the exit status."""
    from sim.analysis import discovery as dsc
    from sim.experiment.results import load_results

    folder = Path(args.results)
    if not (folder / "manifest.json").is_file():
        raise ResultsError(f"{folder}: not a results folder (no manifest.json)")
    if not 0 < args.min_density <= 1 or args.boxes < 1:
        raise ScenarioError(
            "discover", None, "allowed: --min-density above 0 up to 1, --boxes >= 1"
        )
    res = load_results(folder)
    runs, design = res["runs"], res["manifest"].get("design") or {}
    ok = runs[runs["status"] == "ok"]
    if ok.empty:
        raise ResultsError(f"{folder}: no successful run to analyse")
    level = float(ok["target"].iloc[0]) if args.level is None else args.level
    by = (
        float((ok["start_year"] + ok["steps"] / 4).max())
        if args.by is None
        else args.by
    )
    index_name = "IPM" if str(ok["index_method"].iloc[0]) == "ipm" else "HDI"
    try:
        x, failed = dsc.failures(
            runs, design, level=level, by_year=by, timeseries=res.get("timeseries")
        )
    except ValueError as exc:
        raise ResultsError(f"{folder}: {exc}") from None
    goal = dsc.goal_words(index_name, level, by)
    d = dsc.discover(
        x, failed, goal=goal, min_density=args.min_density, max_boxes=args.boxes
    )
    out = Path(args.out) if args.out else folder / "discovery"
    out.mkdir(parents=True, exist_ok=True)
    text = dsc.markdown(d)
    dsc.boxes_table(d).to_csv(out / "boxes.csv", index=False, float_format="%.6g")
    d.scores.to_csv(out / "scores.csv", index=False, float_format="%.6g")
    (out / "discovery.md").write_text(text + "\n")
    (out / "discovery.json").write_text(
        json.dumps(dsc.summary(d, args.min_density), indent=2) + "\n"
    )
    print(
        f"Scenario discovery on {folder} ({len(x)} runs judged): PRIM (EMA Workbench), boxes of density >= {args.min_density:.0%}; "
        f"tables in {out}/"
    )
    print(text)
    if out.resolve() == (folder / "discovery").resolve() and not args.no_report:
        from sim.analysis.report import write_report

        print(f"Report (with the discovery): {write_report(folder)}")
    return 0


def cmd_optimise(args: argparse.Namespace) -> int:
    """``kemitraan optimise``: the Pareto front of the cheapest policy mixes that reach a target in time; returns the exit status."""
    from tqdm import tqdm

    from sim.analysis import optimise as op
    from sim.analysis.costs import format_rupiah

    if (
        args.replications < 1
        or args.trials < 2
        or args.population < 2
        or not 0 < args.probability <= 1
        or args.workers < 1
    ):
        raise ScenarioError(
            "optimise",
            None,
            "allowed: --replications >= 1, --trials >= 2, --population >= 2, --probability above 0 up to 1, "
            "--workers >= 1",
        )
    base = load(args.scenario)
    levers = [
        op.Lever(k, lo, hi)
        for k, (lo, hi) in _parse_ranges(
            args.levers or list(DEFAULT_LEVERS), "--lever"
        ).items()
    ]
    level = float(base.scenario.target) if args.level is None else args.level
    by = (
        float(base.scenario.start_year + base.scenario.years)
        if args.by is None
        else args.by
    )
    out = safe_output_dir(args.out, f"{base.name}_optimise")
    evaluate = op.model_evaluator(
        base, args.replications, level, by, workers=args.workers
    )
    t0 = time.perf_counter()
    with tqdm(
        total=args.trials,
        unit="candidate",
        desc="optimise",
        file=sys.stderr,
        disable=True if _bars_off() else None,
        dynamic_ncols=True,
    ) as bar:

        def progress(done: int, total: int) -> None:
            bar.n = done
            bar.refresh()

        result = op.search(
            evaluate,
            levers,
            probability=args.probability,
            trials=args.trials,
            population=args.population,
            seed=args.seed,
            progress=progress,
        )
    files = op.write_front(base, result, levers, out, level)
    index_name = "IPM" if base.scenario.index == "ipm" else "HDI"
    page = op.write_page(
        base,
        result,
        levers,
        out,
        files,
        question=f"Which mixes of {', '.join(lv.name for lv in levers)} reach {index_name} {level:g} by {by:g} "
        f"with probability at least {args.probability:g}, at the least government cost?",
        method=f"{args.trials} mixes searched by NSGA-II (Optuna, population {args.population}, seed {args.seed}), "
        f"each run {args.replications} times with common random numbers from {args.scenario}; objectives: "
        "government spending over the run (rupiah), restricted mean years to target up to the horizon, regional "
        "inequality of the index at the horizon, all minimised; constraint: the share of replications reaching "
        "the target by the year at least the probability.",
    )
    print(
        f"Searched {args.trials} policy mixes of {', '.join(lv.name for lv in levers)} ({args.replications} replications each, "
        f"NSGA-II) in {time.perf_counter() - t0:.0f} s for {index_name} {level:g} by {by:g} with probability >= {args.probability:g}."
    )
    feasible = int(result.trials["feasible"].sum())
    if result.cheapest is None:
        print(
            f"No mix searched reaches it with that probability ({feasible} of {args.trials} feasible); widen the levers or lower --probability."
        )
        return 0
    c = result.cheapest
    print(
        f"Cheapest: government spending {format_rupiah(c['cost'] * 1.0)} over the run, {c['years']:.2f} years to target (restricted mean), "
        f"P = {c['probability']:.2f}: "
        + ", ".join(f"{lv.name} = {c[lv.name]:.4g}" for lv in levers)
    )
    print(
        f"Pareto front ({len(result.front)} of {feasible} feasible mixes; cost, time and regional inequality), cheapest first; "
        f"each is a scenario file in {out}/:"
    )
    show = result.front.assign(
        cost=result.front["cost"].map(format_rupiah), file=[p.name for p in files]
    )
    print(f"Page: {page}")
    print(
        show[
            [
                "file",
                *[lv.name for lv in levers],
                "cost",
                "years",
                "inequality",
                "probability",
            ]
        ].to_string(index=False, float_format=lambda v: f"{v:.3f}")
    )
    return 0


COMMANDS.update(
    {"discover": cmd_discover, "optimise": cmd_optimise, "scenarios": cmd_scenarios}
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    _configure_logging(getattr(args, "verbose", 0) - getattr(args, "quiet", 0))
    try:
        return COMMANDS[args.command](args)
    except (ScenarioError, ResultsError) as exc:
        print(f"kemitraan: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(
            "kemitraan: interrupted; finished results folders are intact",
            file=sys.stderr,
        )
        return 130
    except (
        BrokenPipeError
    ):  # e.g. piped into head: the reader has gone, nothing to report
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
