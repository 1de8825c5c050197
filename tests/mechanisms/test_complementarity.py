"""Complementarity: partnership work raises the effect of public programmes in the same place and activity."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import complementarity
from sim.scenario import defaults

from .base import MechanismTestCase, open_hand_partnership

PARAMS = {s: dict(v) for s, v in defaults().values.items()}


class TestComplementarity(MechanismTestCase):
    mechanism = complementarity
    levers = {"complementarity.strength": 0.3, "complementarity.half": 1000.0}
    extra_levers = ({"complementarity.strength": 0.0},)

    def test_lift_is_one_without_partnerships_and_saturates(self) -> None:
        pop = np.array([1e6, 1e6])
        half = PARAMS["complementarity"]["half"]
        out = np.array([[0.0, half * 1e6], [1e12 * 1e6, 0.0]])
        lift = complementarity.lift(out, pop, PARAMS)
        s = PARAMS["complementarity"]["strength"]
        assert (
            lift[0, 0] == 1.0
            and lift[0, 1] == pytest.approx(1 + s / 2)
            and lift[1, 0] == pytest.approx(1 + s, rel=1e-6)
        )

    def test_partnerships_raise_programme_investment_in_their_cell_only(
        self, make_model
    ) -> None:
        invest = []
        for strength in (0.0, 0.5):
            m = make_model(
                {
                    "formation.enabled": False,
                    "complementarity.strength": strength,
                    "funding.political_will": 1.0,
                }
            )
            open_hand_partnership(m, [0, 1], activity=0, region=0)
            m.step()
            invest.append(m.investment.copy())
        output = m.partnerships.output[0]
        gain = invest[1] - invest[0]
        assert gain[0, 0] > 0
        gain[0, 0] = 0.0
        assert np.allclose(gain, 0.0)
        assert output > 0
