"""The system (routing, SLA escalation) changes tickets through the same services, with no actor."""

from __future__ import annotations

import pytest

from gongdan.tickets import events, services
from gongdan.tickets.models import Priority, Status
from tests.factories import AgentFactory


@pytest.mark.django_db
def test_the_system_assigns_and_raises_priority_with_an_event_that_has_no_actor(requester, team):
    # Given a new ticket reported by a requester and an agent of its team
    ticket = services.ticket_create(actor=requester, subject="VPN 无法连接")
    agent = AgentFactory()
    team.memberships.create(user=agent)

    # When the system assigns it and raises its priority
    services.ticket_assign(actor=None, ticket=ticket, assignee=agent, team=team, reason={"rule": "VPN"})
    p1 = Priority.objects.get(code="P1")
    services.ticket_update(actor=None, ticket=ticket, changes={"priority": p1})

    # Then the ticket changed and both events say nobody in particular did it, with the rule named
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status, ticket.priority) == (agent, Status.ASSIGNED, p1)
    assigned = ticket.events.get(kind=events.ASSIGNED)
    assert assigned.actor is None and assigned.data["reason"] == {"rule": "VPN"}
    assert ticket.events.get(kind=events.UPDATED).actor is None


def test_another_app_registers_an_event_kind_once():
    # Given a kind registered by some app (as routing or SLA do at start-up)
    from django.utils.translation import gettext_lazy

    kind = events.register("test_paged", gettext_lazy("paged the on-call engineer"))

    # Then timelines describe it, registering it again is harmless, and a clash is refused
    assert events.describe(kind) == "paged the on-call engineer"
    assert events.register(kind, events.DESCRIPTIONS[kind]) == kind
    with pytest.raises(ValueError, match="already registered"):
        events.register(kind, gettext_lazy("something else"))
    del events.DESCRIPTIONS[kind]
