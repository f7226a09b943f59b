"""The agent's short path: "Take it" and the composer's "Send and …", each one service call (issue 16)."""

from __future__ import annotations

import pytest

from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.tickets import events, services
from gongdan.tickets.access import can_take
from gongdan.tickets.models import Comment, Status, Ticket, TicketEvent
from gongdan.tickets.services import configuration
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def kinds(ticket: Ticket) -> list[str]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True))


# ------------------------------------------------------------------------------------------------ take


def test_take_assigns_to_me_and_starts_work_in_one_version(make_ticket, agent):
    # Given a new, unassigned ticket in the agent's team
    ticket = make_ticket()
    assert ticket.status == Status.NEW and ticket.assignee is None
    version = ticket.version

    # When the agent takes it
    taken = services.ticket_take(actor=agent, ticket=ticket, expected_version=version)

    # Then it is theirs and in progress, one version later, with an assignment and a status event
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.assignee, stored.status, stored.version) == (agent, Status.IN_PROGRESS, version + 1)
    assert taken.version == stored.version
    assert kinds(ticket)[-2:] == [events.ASSIGNED, events.TRANSITIONED]
    started = TicketEvent.objects.filter(ticket=ticket).order_by("pk").last()
    assert started.data["from"] == Status.ASSIGNED and started.data["to"] == Status.IN_PROGRESS


def test_take_from_the_triage_pool_joins_my_team(requester, agent, team):
    # Given a ticket nobody has routed to a team yet
    ticket = services.ticket_create(actor=requester, subject="No team yet")
    assert ticket.team is None

    # When an agent takes it
    services.ticket_take(actor=agent, ticket=ticket)

    # Then it belongs to the agent and the agent's team
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.assignee, stored.team, stored.status) == (agent, team, Status.IN_PROGRESS)


def test_take_from_a_colleague_keeps_a_waiting_ticket_waiting(make_ticket, agent, team):
    # Given a colleague's ticket that waits on the requester
    colleague = AgentFactory(username="colleague")
    team.memberships.create(user=colleague)
    ticket = make_ticket(assignee=colleague)
    ticket = services.ticket_transition(actor=colleague, ticket=ticket, action="start")
    ticket = services.ticket_transition(actor=colleague, ticket=ticket, action="wait_requester")

    # When the agent takes it
    services.ticket_take(actor=agent, ticket=ticket)

    # Then only the owner changed: it still waits, and no status event was written
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.assignee, stored.status) == (agent, Status.PENDING_REQUESTER)
    assert kinds(ticket)[-1] == events.ASSIGNED


def test_take_with_a_stale_version_changes_nothing(make_ticket, agent):
    # Given a ticket someone changed after the agent loaded it
    ticket = make_ticket()
    stale = ticket.version
    services.ticket_update(actor=agent, ticket=ticket, changes={"subject": "Changed meanwhile"})
    before = kinds(ticket)

    # When the agent takes it with the version they saw
    with pytest.raises(Conflict) as refused:
        services.ticket_take(actor=agent, ticket=ticket, expected_version=stale)

    # Then it is refused and nothing was written
    assert refused.value.code == "version_conflict"
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.assignee is None and stored.status == Status.NEW
    assert kinds(ticket) == before


def test_take_refuses_my_own_a_finished_and_another_teams_ticket(make_ticket, agent, other_agent, other_team):
    # A ticket that is already mine
    mine = make_ticket(assignee=agent)
    assert not can_take(agent, mine)
    with pytest.raises(Conflict) as refused:
        services.ticket_take(actor=agent, ticket=mine)
    assert refused.value.code == "already_yours"

    # A resolved ticket
    done = services.ticket_transition(actor=agent, ticket=make_ticket(), action="resolve", note="Fixed.")
    assert not can_take(agent, done)
    with pytest.raises(Conflict):
        services.ticket_take(actor=agent, ticket=done)

    # Another team's ticket the agent can see only as its watcher
    theirs = make_ticket(actor=other_agent, team=other_team, watchers=[agent])
    assert not can_take(agent, theirs)
    with pytest.raises(PermissionDenied):
        services.ticket_take(actor=agent, ticket=theirs)
    assert Ticket.objects.get(pk=theirs.pk).assignee is None


# ------------------------------------------------------------------------------------ reply and move on


def test_send_and_resolve_takes_the_resolution_from_the_reply(make_ticket, agent):
    # Given the agent's ticket in progress
    ticket = services.ticket_take(actor=agent, ticket=make_ticket())

    # When they send a reply and resolve in one submit
    resolved = services.ticket_respond(
        actor=agent,
        ticket=ticket,
        body="Replaced the fuser unit.",
        then="resolve",
        expected_version=ticket.version,
    )

    # Then the reply is on the ticket, the ticket is resolved with the reply as its resolution, in that order
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == Status.RESOLVED and resolved.status == Status.RESOLVED
    assert stored.resolution == "Replaced the fuser unit."
    assert stored.first_response_at is not None
    assert kinds(ticket)[-2:] == [events.COMMENTED, events.TRANSITIONED]


def test_send_and_set_pending(make_ticket, agent):
    ticket = services.ticket_take(actor=agent, ticket=make_ticket())

    services.ticket_respond(actor=agent, ticket=ticket, body="Which tray jams?", then="wait_requester")

    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.status == Status.PENDING_REQUESTER and stored.resolution == ""
    assert kinds(ticket)[-2:] == [events.COMMENTED, events.TRANSITIONED]


def test_a_separate_resolution_note_when_the_site_requires_one(make_ticket, agent, admin_user):
    # Given a site that keeps the resolution note apart from the reply
    configuration.desk_settings_update(actor=admin_user, separate_resolution_note=True)
    ticket = services.ticket_take(actor=agent, ticket=make_ticket())
    before = kinds(ticket)

    # When the agent sends and resolves without one, nothing is written and the field is named
    with pytest.raises(ValidationFailed) as refused:
        services.ticket_respond(actor=agent, ticket=ticket, body="All done, thanks.", then="resolve")
    assert "resolution" in refused.value.details
    assert kinds(ticket) == before and not Comment.objects.filter(ticket=ticket).exists()

    # And with one, the reply and the resolution note are each kept
    services.ticket_respond(
        actor=agent, ticket=ticket, body="All done, thanks.", then="resolve", resolution="Fuser replaced."
    )
    stored = Ticket.objects.get(pk=ticket.pk)
    assert stored.resolution == "Fuser replaced." and stored.status == Status.RESOLVED


def test_an_internal_note_is_never_the_resolution(make_ticket, agent):
    ticket = services.ticket_take(actor=agent, ticket=make_ticket())

    with pytest.raises(ValidationFailed) as refused:
        services.ticket_respond(
            actor=agent, ticket=ticket, body="Vendor ticket 4411.", is_internal=True, then="resolve"
        )

    assert "resolution" in refused.value.details
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS
    assert not Comment.objects.filter(ticket=ticket).exists()


def test_a_refused_transition_rolls_the_reply_back(make_ticket, agent, requester):
    # Given a ticket the requester may reply to but not resolve
    ticket = make_ticket()
    before = kinds(ticket)

    # When the requester tries "send and resolve"
    with pytest.raises(PermissionDenied):
        services.ticket_respond(actor=requester, ticket=ticket, body="Is it fixed?", then="resolve")

    # Then not even the reply was kept
    assert kinds(ticket) == before and not Comment.objects.filter(ticket=ticket).exists()


def test_unknown_next_state_and_stale_version_are_refused(make_ticket, agent):
    ticket = services.ticket_take(actor=agent, ticket=make_ticket())
    stale = ticket.version - 1

    with pytest.raises(ValidationFailed) as unknown:
        services.ticket_respond(actor=agent, ticket=ticket, body="Hello", then="close")  # not a "send and …"
    assert "then" in unknown.value.details

    with pytest.raises(Conflict) as conflict:
        services.ticket_respond(
            actor=agent, ticket=ticket, body="Hello", then="resolve", expected_version=stale
        )
    assert conflict.value.code == "version_conflict"
    assert not Comment.objects.filter(ticket=ticket).exists()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.IN_PROGRESS


def test_only_admins_change_the_desk_settings(agent):
    with pytest.raises(PermissionDenied):
        configuration.desk_settings_update(actor=agent, separate_resolution_note=True)
