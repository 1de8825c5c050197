"""A local pool's forkserver and the collector's pause around imports (standard library only).

This module imports nothing heavy, so that the command line can start a pool's server
before it imports numpy, pandas and pyarrow itself: the server's imports (the model, Mesa,
scipy: about 1.4 s) then run on the other core beside the command line's own, instead of
after them.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.context
from collections.abc import Iterator

# The model (and Mesa and scipy with it) is imported where a run needs it: in a pool, by
# the server before it forks the workers (see ``server_context``).
MODEL_MODULE = "sim.model"
# What a sweep's pool workers run (sim.experiment.sweep.execute_staged) lives here.
SWEEP_MODULE = "sim.experiment.sweep"


def server_context(module: str) -> multiprocessing.context.BaseContext:
    """The forkserver context, its server importing the model and ``module`` before it forks workers.

    Each worker then starts with numpy, pandas, pyarrow, Mesa and the model already imported
    (a copy of the server's memory) instead of importing them itself, which cost about as much
    CPU time as four baseline runs per worker.

    Args:
        module: The module of the function the workers run.
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(
        ["__main__", *dict.fromkeys(["sim.experiment.run", MODEL_MODULE, module])]
    )
    return ctx


def start_server(module: str) -> None:
    """Start the local pool's forkserver now, so that its imports overlap the caller's work.

    The server imports the model (about a second of CPU) before it can fork the first
    worker. Started as soon as a pool is known to be wanted, rather than when its first task
    is submitted, it does so while this process is still importing and planning the sweep
    and writing its results folder's manifest, on the other core, instead of after them.
    Harmless when it is already running.

    Args:
        module: The module of the function the workers will run (imported by the server).
    """
    from multiprocessing import forkserver

    server_context(module)
    forkserver.ensure_running()


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the block runs (as it was before, after it).

    For imports, which make many objects and almost no garbage: the model's modules (scipy,
    Mesa, the model) make some 60,000 and set off 61 young collections, about 0.08 s.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
