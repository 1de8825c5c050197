"""Leakage and elite capture: partnership money lost to weak governance, cut by monitoring.

Of what a partnership pools each quarter, a share goes missing (Olken 2007, JPE 115(2): about a
quarter of village road funds were missing, and the prospect of a government audit cut that by
about 8 percentage points; grassroots monitoring alone did much less):

    lost = clip(weak_governance x (1 - g) x (1 + capture x H) x (1 - self_evaluation x h)
                - audit_effect x audit_rate, 0, 1)

where ``g`` is the partnership's governance quality, ``H`` the concentration (Herfindahl index)
of its members' contributions (a partnership that one funder dominates is more easily captured
by that member's elite), ``h`` the honesty of its self-evaluation (``governance.honesty``: the
community evaluating itself), and ``audit_rate`` the share of partnerships audited. Leaked money
is a loss, never development spending; audits cost the government ``audit_cost`` per real
partnership audited, a cost too. With weak governance and a dominant funder, a partnership can
lose more than a programme (``funding.programme_efficiency``) does.
"""

from __future__ import annotations

import numpy as np

from sim.state import NO_MEMBER, FloatArray, IntArray, row_sums


def concentration(contributions: FloatArray, members: IntArray) -> FloatArray:
    """Herfindahl index of each partnership's members' contributions (1: one member gives everything)."""
    c = np.where(members != NO_MEMBER, contributions, 0.0)
    total = row_sums(c)
    share = np.divide(c, total[:, None], out=np.zeros_like(c), where=total[:, None] > 0)
    return np.where(total > 0, row_sums(share**2), 1.0)


def leaked_share(
    governance: FloatArray, herfindahl: FloatArray, params: dict
) -> FloatArray:
    """Share of each partnership's pooled money lost this quarter, in [0, 1].

    Args:
        governance: Governance quality of each partnership, 0..1.
        herfindahl: Concentration of its members' contributions, 0..1.
        params: The levers (``leakage`` and ``governance`` sections are read).
    """
    lp = params["leakage"]
    honesty = params["governance"]["honesty"]
    raw = (
        lp["weak_governance"]
        * (1.0 - governance)
        * (1.0 + lp["capture"] * herfindahl)
        * (1.0 - lp["self_evaluation"] * honesty)
    )
    return np.clip(raw - lp["audit_effect"] * lp["audit_rate"], 0.0, 1.0)
