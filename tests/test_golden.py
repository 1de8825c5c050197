"""Golden-file regression: a small scenario's results must not change by accident.

When a change is meant to alter results, regenerate the file on purpose and say why in
CHANGELOG.md (and bump MODEL_VERSION in sim/__init__.py):

    .venv/bin/python -m tests.test_golden
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

from sim.model import PartnershipModel
from sim.scenario import load

HERE = Path(__file__).resolve().parent
SCENARIO = HERE / "golden" / "small.toml"
GOLDEN = HERE / "golden" / "small_timeseries.csv"


def produce() -> pd.DataFrame:
    """The golden run: the small scenario, replication 0, its time series."""
    return PartnershipModel(load(SCENARIO), replication=0).run().timeseries()


def test_results_equal_golden_file():
    expected = pd.read_csv(GOLDEN)
    got = pd.read_csv(
        pd.io.common.StringIO(produce().to_csv(index=False, float_format="%.12g"))
    )
    assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, atol=1e-12)


if __name__ == "__main__":
    produce().to_csv(GOLDEN, index=False, float_format="%.12g")
    print(f"wrote {GOLDEN}")
