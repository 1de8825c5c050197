"""Political will and policy events.

Political will is the stability of public funding: at the start of every year all public
budgets (central, regional, rewards, capacity) are multiplied by a mean-one lognormal shock
with standard deviation ``0.3 x (1 - political_will)`` (and always by ``funding.public_scale``,
the level of public funding, see ``PartnershipModel.public_factor``). Scheduled policy events
(``[[events]]`` in a scenario: "2030: regional budgets -30%") are put on Mesa's event list
at the start of their quarter and change one lever from then on.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import PolicyEvent
from sim.world import World

SHOCK_SCALE = 0.3


def budget_shock(rng: np.random.Generator, political_will: float) -> float:
    """A mean-one lognormal multiplier for a year's public budgets."""
    sigma = SHOCK_SCALE * (1.0 - political_will)
    return float(np.exp(sigma * rng.standard_normal() - sigma**2 / 2.0))


def event_time(event: PolicyEvent, start_year: int) -> float:
    """Model time at which an event fires: just before the step of its quarter."""
    quarter = int(np.floor((event.year - start_year) * 4 + 1e-9))
    return quarter + 0.5


class PolicyEventHandler:
    """Applies one policy event; the model keeps it alive because Mesa holds only a weak reference."""

    def __init__(self, model: World, event: PolicyEvent):
        """Remember the model whose levers ``event`` changes when it fires."""
        self.model = model
        self.event = event

    def fire(self) -> None:
        """Change the lever and log the event."""
        section, key = self.event.key.split(".", 1)
        params = self.model.params[section]
        params[key] = self.event.apply(params[key])
        self.model.fired_events.append((self.model.steps, self.event))


def schedule(model: World) -> list[PolicyEventHandler]:
    """Put every scenario event on the model's event list; returns the handlers to keep alive."""
    handlers = []
    for ev in model.scenario.events:
        h = PolicyEventHandler(model, ev)
        model.schedule_event(
            h.fire, at=event_time(ev, model.scenario.scenario.start_year)
        )
        handlers.append(h)
    return handlers
