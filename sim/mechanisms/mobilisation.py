"""Mobilisation: money and volunteer labour that would not otherwise be spent on development.

Of what members put into a partnership, only the additional part is new: CSR money, zakat and
a community group's savings would partly have gone to charity or local works anyway, and that
part is displaced, not created. Volunteer labour is mostly new (gotong-royong that would not
have happened), money less so. A partnership's new input each quarter is

    money_additionality x members' money + labour_additionality x members' labour

(public co-funding and grants are counted in full: they come from budgets set aside for
partnerships). How rewards change mobilisation comes from other mechanisms: recognition and
success raise motivation, hence labour (``sim/mechanisms/rewards.py``); cash paid per
participant crowds out willingness to volunteer (gotong-royong weakened by cash-for-work).
With low additionality a partnership adds less than its books say.
"""

from __future__ import annotations

from sim.state import FloatArray


def additional_input(funds: FloatArray, labour: FloatArray, params: dict) -> FloatArray:
    """New development input from members' money and labour (Rp), per partnership."""
    mp = params["mobilisation"]
    return mp["money_additionality"] * funds + mp["labour_additionality"] * labour
