"""The [design] section of docs/scenarios.md documents every key the design parser accepts."""

from __future__ import annotations

from sim.experiment.design import DESIGN_KEYS, DESIGN_TYPES
from sim.reference import DESIGN_ROWS, markdown


def test_every_design_key_is_documented_and_no_other():
    assert [r[0] for r in DESIGN_ROWS] and {r[0] for r in DESIGN_ROWS} == set(
        DESIGN_KEYS
    )
    page = markdown()
    section = page[page.index("## [design]") :]
    for key in DESIGN_KEYS:
        assert f"| `{key}` |" in section
    for kind in DESIGN_TYPES:
        assert f'"{kind}"' in section
