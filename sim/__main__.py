"""``python -m sim`` runs the ``kemitraan`` command line; :func:`run` is also the ``kemitraan`` program."""

import gc
import sys


def run() -> None:
    """Run the command line as this process's program and exit with its status.

    Two costs that only a whole process pays, and that no number depends on, are cut:

    * the cyclic collector is paused while the command line's modules are imported: pandas,
      pyarrow and the rest make some 60,000 objects and almost no garbage, and the 54 young
      collections among them cost about 0.05 s;
    * every object left is frozen (``gc.freeze``) once the command has finished, so that the
      interpreter's shutdown leaves them out of its last full collections, which traversed
      every module's objects again: 0.35-0.4 s of a sweep process's exit (``strace`` from the
      last write to the exit), down to about 0.1 s. Objects are still freed by their
      reference counts, files closed and ``atexit`` handlers run as before.
    """
    gc.disable()
    try:
        from sim.cli import main
    finally:
        gc.enable()
    status = main()
    gc.freeze()
    sys.exit(status)


if __name__ == "__main__":
    run()
