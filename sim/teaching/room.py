"""The participatory classroom: people play community components inside the model.

A trainer opens a :class:`Room` (``kemitraan classroom``); each participant who joins with the
room's code is given one community component of the shared world (a community group, NGO,
religious or customary body, business or university in some region). Every quarter a
participant decides three things for their component: how much money to put into its
partnerships, how much volunteer labour (gotong-royong) to give, and whether to accept
partnership offers. Every other agent behaves as the model says.

The hook (:func:`play_quarter`) is small and leaves the mechanisms alone. For one quarter it

- scales the component's discretionary funds (``community.funds``, which the model reads only
  to work out contributions) by the money choice, and restores them afterwards;
- scales its willingness to volunteer (``community.volunteer``) by the labour choice; the
  model's own change to that willingness during the quarter (crowding out by cash rewards,
  recovery) is kept and carried back onto the component's usual willingness;
- when the component declines offers, drops the new partnerships it would be a founding
  member of and the places it would be recruited into, by filtering the rows the model hands to
  its own bookkeeping (:meth:`~sim.model.PartnershipModel.open_partnerships` and
  :meth:`~sim.model.PartnershipModel.add_members`) on this one model instance.

With every choice at its default (:data:`USUAL`: money 100%, labour 100%, accept), a quarter
played through the hook is exactly ``model.step()``.

Next to the played world the room keeps a *shadow* world: the same scenario, seed and
replication, where nobody plays (every component does what the model says). Both advance
together, so at any moment the gap between them is what the class's choices did. The choices
are logged per quarter, and :meth:`Room.replay` rebuilds the played world from the log alone.
"""

from __future__ import annotations

import secrets
import string
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np

from sim.model import PartnershipModel
from sim.parameters import KINDS
from sim.scenario import Scenario, defaults

# Choices a participant picks from: shares of the component's usual money and labour.
MONEY_LEVELS: tuple[int, ...] = (0, 50, 100, 150, 200)
LABOUR_LEVELS: tuple[int, ...] = (0, 50, 100, 150, 200)
MAX_PARTICIPANTS = 60
# Join codes avoid letters and digits that read alike on a projector (0/O, 1/I/L).
CODE_ALPHABET = "".join(
    c for c in string.ascii_uppercase + string.digits if c not in "0O1IL"
)
CODE_LENGTH = 5


@dataclass(frozen=True)
class Choice:
    """What a participant decides for their component for one quarter.

    Attributes:
        money: Money put into partnerships, in % of what the component would give (0..200).
        labour: Volunteer labour, in % of what the component would give (0..200).
        accept: Whether the component accepts partnership offers (new partnerships and places in
            existing ones) this quarter; True leaves the decision to the model's own reckoning.
    """

    money: int = 100
    labour: int = 100
    accept: bool = True

    def __post_init__(self) -> None:
        """Reject money or labour outside 0..200 % of the usual.

        Raises:
            ValueError: If either is out of range.
        """
        if not 0 <= self.money <= 200 or not 0 <= self.labour <= 200:
            raise ValueError(
                f"money and labour are 0..200 (% of the usual); got {self.money}, {self.labour}"
            )


USUAL = Choice()


@contextmanager
def _declining(model: PartnershipModel, declined: np.ndarray) -> Iterator[None]:
    """Within the block, the model opens no partnership with a declining member and recruits none of them."""
    if declined.shape[0] == 0:
        yield
        return
    open_original, add_original = model.open_partnerships, model.add_members

    def open_partnerships(
        members, activity, region, term, governance, transaction_cost
    ):
        keep = ~np.isin(members, declined).any(axis=1)
        if keep.all():
            return open_original(
                members, activity, region, term, governance, transaction_cost
            )
        if not keep.any():
            return np.zeros(0, np.int64)
        return open_original(
            members[keep],
            activity[keep],
            region[keep],
            term[keep],
            governance[keep],
            transaction_cost,
        )

    def add_members(ids, agents, transaction_cost):
        keep = ~np.isin(agents, declined)
        if keep.any():
            add_original(ids[keep], agents[keep], transaction_cost)

    # Replaced on this instance only; the class is untouched.
    model.open_partnerships = open_partnerships  # type: ignore[method-assign]
    model.add_members = add_members  # type: ignore[method-assign]
    try:
        yield
    finally:
        del model.open_partnerships, model.add_members


def play_quarter(model: PartnershipModel, choices: Mapping[int, Choice]) -> None:
    """Advance ``model`` one quarter with the choices of the played components.

    Args:
        model: The world.
        choices: Choice per played component (its row in ``model.community``); components not
            named do what the model says.
    """
    rows = np.array(sorted(choices), dtype=np.int64)
    if rows.shape[0] == 0:
        model.step()
        return
    c = model.community
    money = np.array([choices[r].money for r in rows], dtype=float) / 100.0
    labour = np.array([choices[r].labour for r in rows], dtype=float) / 100.0
    declined = np.array([r for r in rows if not choices[r].accept], dtype=np.int64)
    funds = c.funds[rows].copy()
    willing = c.volunteer[rows].copy()
    c.funds[rows] = funds * money
    c.volunteer[rows] = willing * labour
    try:
        with _declining(model, declined):
            model.step()
    finally:
        c = model.community  # the model may have replaced arrays during the step
        c.funds[rows] = funds
        # Keep the quarter's own change in willingness (crowding out, recovery), on the usual level.
        c.volunteer[rows] = np.clip(
            willing + (c.volunteer[rows] - willing * labour), 0.0, 1.0
        )


def contribution(
    model: PartnershipModel, row: int, choice: Choice = USUAL
) -> tuple[float, float]:
    """Money and labour value (Rp million per quarter, over all its partnerships) a component gives with ``choice``.

    A component in no partnership gets what it would give to a first one.
    """
    from sim.mechanisms.operation import (
        member_inputs,
    )  # read-only use of the model's own rule

    funds, labour = member_inputs(
        model.community, model.params, model.community.memberships
    )
    held = max(int(model.community.memberships[row]), 1)
    return (
        float(funds[row]) * held * choice.money / 100.0,
        float(labour[row]) * held * choice.labour / 100.0,
    )


def new_code(rng: secrets.SystemRandom | None = None) -> str:
    """A join code such as ``K7QXM`` (no 0/O, 1/I/L)."""
    pick = rng.choice if rng is not None else secrets.choice
    return "".join(pick(CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass
class Participant:
    """One person in the room and the component they play.

    Attributes:
        pid: Secret id of the participant's browser session (never shown to others).
        name: Name shown on the projector.
        row: Row of their component in ``community``.
        choice: Their standing choice (kept from quarter to quarter until changed).
        decided: The last quarter for which they pressed "decide".
    """

    pid: str
    name: str
    row: int
    choice: Choice = field(default_factory=Choice)
    decided: int = -1


class RoomError(ValueError):
    """A request the room refuses (wrong code, room full, unknown participant); the message says why."""


class Room:
    """A shared world that participants play in, its shadow without them, and the log of their choices.

    Args:
        scenario: The world (default: the built-in baseline).
        replication: Replication shared by the played and the shadow world.
        code: Join code (default: a fresh random one).

    Attributes:
        world: The played world.
        shadow: The same seed without participants.
        participants: By participant id, in the order they joined.
        log: Per quarter played, the choices in force (component row -> Choice).
        paused: Whether the trainer has paused the room (no step is taken while paused).
        version: Bumped on every change, so pages can tell when to redraw.
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        replication: int = 0,
        code: str | None = None,
    ):
        """Build the played world and its shadow from the same scenario and seed."""
        self.scenario = scenario if scenario is not None else defaults()
        self.replication = int(replication)
        self.code = (code or new_code()).upper()
        self.world = PartnershipModel(self.scenario, replication=self.replication)
        self.shadow = PartnershipModel(self.scenario, replication=self.replication)
        self.participants: dict[str, Participant] = {}
        self.log: list[dict[int, Choice]] = []
        self.paused = True
        self.version = 0
        self.lock = threading.RLock()
        self._order = _assignment_order(self.world)

    # --- joining ---------------------------------------------------------------------------

    def join(self, code: str, name: str) -> Participant:
        """Add a participant who gave ``code``; returns them with the component they play.

        Raises:
            RoomError: The code is wrong, the name is empty, or the room is full.
        """
        with self.lock:
            if code.strip().upper() != self.code:
                raise RoomError("wrong join code")
            name = " ".join(name.split())[:24]
            if not name:
                raise RoomError("a name is needed")
            if len(self.participants) >= min(MAX_PARTICIPANTS, len(self._order)):
                raise RoomError("the room is full")
            taken = {p.row for p in self.participants.values()}
            row = next(int(r) for r in self._order if int(r) not in taken)
            person = Participant(pid=secrets.token_urlsafe(12), name=name, row=row)
            self.participants[person.pid] = person
            self.version += 1
            return person

    def participant(self, pid: str) -> Participant:
        """The participant with this id (RoomError if none)."""
        try:
            return self.participants[pid]
        except KeyError:
            raise RoomError("unknown participant; join again with the code") from None

    def decide(self, pid: str, choice: Choice) -> None:
        """Record a participant's choice for the coming quarter (and after, until changed)."""
        with self.lock:
            person = self.participant(pid)
            person.choice = choice
            person.decided = self.quarter
            self.version += 1

    # --- time --------------------------------------------------------------------------------

    @property
    def quarter(self) -> int:
        """Quarters played so far."""
        return int(self.world.steps)

    @property
    def running(self) -> bool:
        """Whether the played world has quarters left."""
        return bool(self.world.running) and self.world.steps < self.world.horizon

    @property
    def all_decided(self) -> bool:
        """Whether every participant has decided for the coming quarter (False with nobody in the room)."""
        return bool(self.participants) and all(
            p.decided >= self.quarter for p in self.participants.values()
        )

    def choices(self) -> dict[int, Choice]:
        """The choices in force, by component row."""
        return {p.row: p.choice for p in self.participants.values()}

    def step(self) -> bool:
        """Play one quarter in both worlds; returns False (and does nothing) at the end of the run."""
        with self.lock:
            if not self.running:
                return False
            chosen = self.choices()
            play_quarter(self.world, chosen)
            if self.shadow.running:
                self.shadow.step()
            self.log.append(chosen)
            self.version += 1
            return True

    def extend(self, years: float = 5.0) -> None:
        """Give both worlds more quarters (when a class wants to see further than the run's end)."""
        with self.lock:
            for w in (self.world, self.shadow):
                w.horizon += round(4 * years)
                w.running = True
            self.version += 1

    def set_paused(self, paused: bool) -> None:
        """Pause or resume the room."""
        with self.lock:
            self.paused = bool(paused)
            self.version += 1

    def replay(self) -> PartnershipModel:
        """The played world rebuilt from the scenario, the seed and the choice log alone."""
        model = PartnershipModel(self.scenario, replication=self.replication)
        model.horizon = self.world.horizon
        for chosen in self.log:
            play_quarter(model, chosen)
        return model

    def restart(self) -> None:
        """Back to the start, same seed, same participants and components (their choices reset to the usual)."""
        with self.lock:
            self.world = PartnershipModel(self.scenario, replication=self.replication)
            self.shadow = PartnershipModel(self.scenario, replication=self.replication)
            self.log = []
            for p in self.participants.values():
                p.choice, p.decided = Choice(), -1
            self.paused = True
            self.version += 1

    # --- what the screens show ----------------------------------------------------------------

    def partnerships_of(
        self, row: int, world: PartnershipModel | None = None
    ) -> list[dict]:
        """The active partnerships a component is in: id, activity, region and the other members' rows."""
        from sim.parameters import ACTIVITIES

        w = world if world is not None else self.world
        t = w.partnerships
        ids = t.active_ids()
        mine = ids[(t.members[ids] == row).any(axis=1)]
        return [
            {
                "id": int(i),
                "activity": ACTIVITIES[int(t.activity[i])],
                "region": int(t.region[i]),
                "since": int(t.formed[i]),
                "with": [int(m) for m in t.members[i, : t.size[i]] if m != row],
            }
            for i in mine.tolist()
        ]

    def kind_of(self, row: int) -> str:
        """A component's kind (one of :data:`sim.parameters.KINDS`)."""
        return KINDS[int(self.world.community.kind[row])]

    def region_of(self, row: int) -> int:
        """A component's home region."""
        return int(self.world.community.region[row])

    def difference(self) -> dict[str, float]:
        """Played world minus shadow world, now: index, active partnerships, formed so far, cohesion."""
        a, b = self.world, self.shadow
        return {
            "index": float(a.national_index - b.national_index),
            "active_partnerships": float(
                a.metrics["active_partnerships"] - b.metrics["active_partnerships"]
            ),
            "formed": float(a.totals["formed"] - b.totals["formed"]),
            "cohesion": float(a.metrics["cohesion"] - b.metrics["cohesion"]),
        }

    def summary(self) -> dict:
        """The room's state as plain data (for a log or a test)."""
        return {
            "code": self.code,
            "quarter": self.quarter,
            "paused": self.paused,
            "participants": [
                {
                    "name": p.name,
                    "row": p.row,
                    "kind": self.kind_of(p.row),
                    "region": self.region_of(p.row),
                    "choice": asdict(p.choice),
                    "decided": p.decided,
                }
                for p in self.participants.values()
            ],
            "difference": self.difference(),
        }


def _assignment_order(model: PartnershipModel) -> np.ndarray:
    """Rows handed to participants as they join: kinds and regions taken in turn, so a class spreads out.

    Deterministic (by row within each kind and region), so the same scenario assigns the same
    components in the same order.
    """
    kind = np.asarray(model.community.kind)
    region = np.asarray(model.community.region)
    buckets: dict[tuple[int, int], list[int]] = {}
    for row in np.lexsort((np.arange(kind.shape[0]), region, kind)).tolist():
        buckets.setdefault((int(region[row]), int(kind[row])), []).append(row)
    # Round-robin: first one of each (region, kind), region by region, then the second of each, ...
    keys = sorted(
        buckets, key=lambda k: (k[1] != 0, k[0], k[1])
    )  # community groups of every region come first
    order: list[int] = []
    depth = 0
    while len(order) < kind.shape[0]:
        for k in keys:
            if depth < len(buckets[k]):
                order.append(buckets[k][depth])
        depth += 1
    return np.array(order, dtype=np.int64)
