"""What the mechanisms may read and change: the model's world, as a typing Protocol.

The mechanisms are written against this Protocol rather than against
:class:`sim.model.PartnershipModel`, so imports run one way (the model imports the
mechanisms, never the reverse) and a test can drive a mechanism with any object that has
these attributes.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from sim.ledger import Ledger
from sim.scenario import Scenario
from sim.state import (
    CommunityState,
    FloatArray,
    IntArray,
    PartnershipTable,
    RegionState,
    TieTable,
)


class World(Protocol):
    """The model state the mechanisms work on.

    Attributes:
        params: The levers in force, ``{section: {key: value}}`` (policy events change them).
        scenario: The scenario being run.
        steps: Quarters simulated so far (the current one included during a step).
        community: Array state of the community agents.
        regions: Array state of the regions.
        partnerships: Table of every partnership formed.
        ties: Forum and working ties with their trust.
        ledger: Money accounts.
        streams: Named random generators (``sim.model.STREAMS``).
        expect: Last quarter's co-funding fill, grant ratio and cash per participant.
        region_index: The index of every region.
        index_scale: 100 for IPM, 1 for HDI.
        budget_shock: This year's political-will shock on public budgets.
        fired_events: Policy events fired so far, with their step.
        community_agents: The CommunityComponent agents, by row.
        agents_by_type: Mesa's agent sets by agent class.
    """

    params: dict[str, dict[str, Any]]
    scenario: Scenario
    steps: int
    community: CommunityState
    regions: RegionState
    partnerships: PartnershipTable
    ties: TieTable
    ledger: Ledger
    streams: dict[str, np.random.Generator]
    expect: dict[str, float]
    region_index: FloatArray
    index_scale: float
    budget_shock: float
    fired_events: list
    community_agents: list
    agents_by_type: dict

    @property
    def public_factor(self) -> float:
        """Multiplier on public budgets this quarter."""
        ...

    def open_partnerships(
        self,
        members: IntArray,
        activity: IntArray,
        region: IntArray,
        term: IntArray,
        governance: np.ndarray,
        transaction_cost: float,
    ) -> IntArray:
        """Create partnerships."""
        ...

    def add_members(
        self, ids: IntArray, agents: IntArray, transaction_cost: float
    ) -> None:
        """Add one member to each of the partnerships ``ids``."""
        ...

    def close_partnerships(self, ids: IntArray, reasons: IntArray) -> None:
        """End partnerships with reason codes."""
        ...

    def schedule_event(
        self,
        function: Any,
        *,
        at: float | None = None,
        after: float | None = None,
        priority: Any = ...,
    ) -> Any:
        """Mesa's one-off event scheduling."""
        ...
