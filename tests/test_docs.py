"""Documentation that is generated or cross-checked from the code stays in step with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.parameters import PARAMETERS
from sim.reference import markdown

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_scenario_reference_is_generated_from_the_code():
    assert (DOCS / "scenarios.md").read_text() == markdown(), (
        "regenerate with: kemitraan params --markdown > docs/scenarios.md"
    )


def test_every_parameter_has_meaning_unit_and_concept():
    for p in PARAMETERS:
        assert p.meaning and p.unit and p.concept, p.name
        if p.kind in (int, float):
            assert (
                p.low is not None
                and p.high is not None
                and p.low <= p.default <= p.high
            ), p.name


@pytest.mark.parametrize("p", PARAMETERS, ids=lambda p: p.name)
def test_odd_names_every_parameter(p):
    odd = (DOCS / "ODD.md").read_text()
    assert f"`{p.name}`" in odd or p.name in odd, (
        f"{p.name} is missing from docs/ODD.md"
    )


def test_odd_has_a_section_per_mechanism():
    odd = (DOCS / "ODD.md").read_text()
    for title in (
        "Networks and search",
        "Formation",
        "Operation",
        "Human development dynamics",
        "Evaluation and rewards",
        "Trust and cohesion",
        "Dissolution",
        "Capacity building and mentoring",
        "Political will and policy events",
    ):
        assert title in odd, title


def test_every_parameter_named_in_the_odd_exists():
    """The reverse of test_odd_names_every_parameter: the ODD names no parameter the model lacks."""
    import re

    from sim.parameters import BY_NAME, SECTIONS

    odd = (DOCS / "ODD.md").read_text()
    import importlib

    named = set(re.findall(r"`((?:" + "|".join(SECTIONS) + r")\.[a-z_]+)`", odd))
    assert named, "the ODD names no parameter at all"

    def is_code(name: str) -> bool:
        # `formation.form` is the mechanism's function, `trust.py` its file: code, not parameters.
        module, attr = name.split(".", 1)
        try:
            return attr == "py" or hasattr(
                importlib.import_module(f"sim.mechanisms.{module}"), attr
            )
        except ModuleNotFoundError:
            return False

    unknown = sorted(n for n in named if n not in BY_NAME and not is_code(n))
    assert not unknown, (
        f"docs/ODD.md names parameters the model does not have: {unknown}"
    )
