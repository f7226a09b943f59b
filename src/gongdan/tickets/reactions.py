"""What other apps do inside the transaction of a ticket change (rule 3 of DESIGN: the in-transaction half of
the one event pipeline).

The tickets app imports none of the apps that react. Each registers a reaction from its `AppConfig.ready()`:

    register_reaction("sla", sla_react, order=50)

and the ticket services call every reaction, in `order`, with a `TicketChange`:

- on every event a service appends to an existing ticket (`creating` is False): the event is already written
  and the ticket row saved and locked; SLA clocks follow it;
- once while a ticket is being created (`creating` is True), *before* the ticket row and its events are
  written: a reaction may set the ticket's fields (routing picks the team and the assignee, SLA writes the due
  times the queue shows), add events to the ones being written (`add_event`), and defer work that needs the
  ticket's id (`after_write`, e.g. SLA's clock rows). Everything then goes to the database in a few
  statements: one INSERT for the ticket, one for all its events.

A reaction that raises aborts the change (it runs in the same transaction). Work that may fail on its own or
that takes time belongs after the commit: see `gongdan.tickets.pipeline`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from gongdan.tickets.models import Ticket, TicketEvent

if TYPE_CHECKING:
    from gongdan.accounts.models import User


@dataclass
class TicketChange:
    """One change to one ticket, as the reactions see it."""

    ticket: Ticket
    events: list[TicketEvent]
    creating: bool = False
    now: datetime | None = None
    _after_write: list[Callable[[], None]] = field(default_factory=list)
    _assign: Callable[..., None] | None = None

    def add_event(
        self,
        kind: str,
        data: dict[str, Any] | None = None,
        *,
        actor: User | None = None,
        is_internal: bool = False,
    ) -> TicketEvent:
        """While creating: one more event, written with the ticket's others, after them."""
        if not self.creating:
            raise RuntimeError(
                "add_event is for reactions to a create; append_event writes on an existing ticket"
            )
        at = self.now or self.events[-1].created_at
        event = TicketEvent(ticket=self.ticket, actor=actor, kind=kind, data=data or {}, is_internal=is_internal,
                            created_at=at)  # fmt: skip
        self.events.append(event)
        return event

    def assign(self, *, assignee: User | None, team: Any, reason: dict[str, Any]) -> None:
        """While creating: give the new ticket to a person and/or team (routing), with the `assigned` event
        that explains why. The same checks as `ticket_assign` apply."""
        if not self.creating or self._assign is None:
            raise RuntimeError("assign is for reactions to a create; use tickets.services.ticket_assign")
        self._assign(assignee=assignee, team=team, reason=reason)

    def after_write(self, work: Callable[[], None]) -> None:
        """Run `work` once the ticket and its events are in the database (ids set), in this transaction."""
        if self.creating:
            self._after_write.append(work)
        else:
            work()

    def written(self) -> None:
        for work in self._after_write:
            work()
        self._after_write.clear()


@dataclass(frozen=True)
class Reaction:
    name: str
    react: Callable[[TicketChange], None]
    order: int


_reactions: dict[str, Reaction] = {}
_ordered: list[Reaction] = []


def register_reaction(name: str, react: Callable[[TicketChange], None], *, order: int = 100) -> None:
    """Call from an AppConfig.ready(). Lower `order` runs first (routing 10, SLA 50)."""
    held = _reactions.get(name)
    if held is not None and held.react is not react:
        raise ValueError(f"a ticket reaction named {name!r} is already registered")
    _reactions[name] = Reaction(name, react, order)
    _ordered[:] = sorted(_reactions.values(), key=lambda r: (r.order, r.name))


def react(change: TicketChange) -> None:
    for reaction in _ordered:
        reaction.react(change)


def registered() -> list[str]:
    return [r.name for r in _ordered]
