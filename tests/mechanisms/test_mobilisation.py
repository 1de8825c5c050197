"""Mobilisation: only the additional part of members' money and labour is new development input."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import mobilisation
from sim.scenario import defaults

from .base import MechanismTestCase, open_hand_partnership

PARAMS = {s: dict(v) for s, v in defaults().values.items()}


class TestMobilisation(MechanismTestCase):
    mechanism = mobilisation
    levers = {
        "mobilisation.money_additionality": 0.2,
        "mobilisation.labour_additionality": 0.5,
    }
    extra_levers = (
        {
            "mobilisation.money_additionality": 1.0,
            "mobilisation.labour_additionality": 1.0,
        },
    )

    def test_additional_input_weights_money_and_labour(self) -> None:
        m = PARAMS["mobilisation"]
        got = mobilisation.additional_input(np.array([100.0]), np.array([50.0]), PARAMS)
        assert got[0] == pytest.approx(
            100 * m["money_additionality"] + 50 * m["labour_additionality"]
        )

    def test_no_additionality_leaves_only_public_money(self, make_model) -> None:
        out = []
        for share in (0.0, 1.0):
            m = make_model(
                {
                    "formation.enabled": False,
                    "mobilisation.money_additionality": share,
                    "mobilisation.labour_additionality": share,
                    "funding.central_cofunding": 0.0,
                    "funding.regional_cofunding": 0.0,
                    "funding.international_donors": 0.0,
                    "funding.philanthropy": 0.0,
                }
            )
            open_hand_partnership(m, [0, 1])
            m.step()
            out.append(m.partnerships.output[0])
        assert out[0] == 0.0 and out[1] > 0.0
