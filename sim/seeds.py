"""A run's seed: the one rule every run, sweep and manifest follows.

Kept apart from :mod:`sim.model` (which re-exports both functions) so that a sweep's parent
process can write every run's seed into the manifest without importing the model, Mesa and
scipy: with a pool, only the workers run the model.
"""

from __future__ import annotations

import numpy as np


def run_fingerprint(root_seed: int, replication: int) -> int:
    """A run's seed as one number for tables and manifests (63 bits, so it stays an int64).

    It is drawn from :func:`run_seed`, which is what actually seeds the run; two runs with the
    same fingerprint have the same seed sequence.
    """
    return int(
        run_seed(root_seed, replication).generate_state(1, np.uint64)[0] >> np.uint64(1)
    )


def run_seed(root_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of replication ``replication`` under ``root_seed``.

    Equal to ``SeedSequence(root_seed).spawn(n)[replication]`` for any n > replication, so
    replication r gets the same seed in every scenario and design point.
    """
    return np.random.SeedSequence(root_seed, spawn_key=(replication,))
