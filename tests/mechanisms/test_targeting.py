"""Targeting: partnerships reach the groups programmes miss, and spread over needy regions."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import targeting

from .base import MechanismTestCase, open_hand_partnership, params_with

PARAMS = params_with()
params = params_with


class TestTargeting(MechanismTestCase):
    mechanism = targeting
    levers = {
        "targeting.reach": 0.6,
        "targeting.missed_return": 2.5,
        "network.information_system": 0.8,
    }
    extra_levers = ({"targeting.missed_return": 0.7, "targeting.need_focus": 0.0},)

    def test_multiplier_is_one_plus_reach_times_extra_return(self) -> None:
        assert targeting.return_multiplier(
            params(targeting__reach=0.5, targeting__missed_return=1.6)
        ) == pytest.approx(1.3)
        assert targeting.return_multiplier(params(targeting__reach=0.0)) == 1.0

    def test_can_be_worse_than_a_programme(self) -> None:
        """Where elites steer targeting, the "missed" groups are the served ones: below 1."""
        assert (
            targeting.return_multiplier(
                params(targeting__reach=0.5, targeting__missed_return=0.7)
            )
            < 1.0
        )

    def test_informed_partnerships_spread_over_needy_regions(self) -> None:
        """The artefact fixed: not all to the single neediest region, but more to needier ones."""
        rng = np.random.default_rng(0)
        index = np.array([60.0, 62.0, 70.0, 80.0])
        home = np.full(20_000, 3)
        chosen = targeting.choose_regions(
            rng, home, index, 100.0, params(network__information_system=1.0)
        )
        counts = np.bincount(chosen, minlength=4)
        assert counts[0] < 0.5 * chosen.shape[0]  # not everything to the neediest
        assert counts[0] > counts[1] > counts[2] > counts[3]
        none = targeting.choose_regions(
            rng, home, index, 100.0, params(network__information_system=0.0)
        )
        assert np.all(none == 3)

    def test_need_focus_zero_draws_regions_alike(self) -> None:
        rng = np.random.default_rng(1)
        chosen = targeting.choose_regions(
            rng,
            np.zeros(40_000, np.int64),
            np.array([50.0, 90.0]),
            100.0,
            params(network__information_system=1.0, targeting__need_focus=0.0),
        )
        assert abs(np.mean(chosen == 0) - 0.5) < 0.02

    def test_partnership_output_scales_with_the_multiplier(self, make_model) -> None:
        out = []
        for ret in (1.0, 2.0):
            m = make_model(
                {
                    "formation.enabled": False,
                    "targeting.reach": 0.5,
                    "targeting.missed_return": ret,
                }
            )
            open_hand_partnership(m, [0, 1])
            m.step()
            out.append(m.partnerships.output[0])
        assert out[1] == pytest.approx(1.5 * out[0])
