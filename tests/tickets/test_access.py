"""Who sees what: a requester never sees another's ticket by any service or selector; agents see their
teams' queues; managers and admins see everything."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.tickets.filters import TicketFilters
from gongdan.tickets.selectors import (
    attachment_get,
    ticket_comments,
    ticket_get,
    ticket_list,
    ticket_timeline,
)
from gongdan.tickets.services import (
    IncomingFile,
    attachment_add,
    ticket_assign,
    ticket_comment,
    ticket_create,
    ticket_link,
    ticket_transition,
    ticket_update,
    time_entry_add,
)
from tests.factories import RequesterFactory

pytestmark = pytest.mark.django_db


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def bobs_ticket(other_requester, agent, category):
    ticket = ticket_create(actor=other_requester, subject="鲍勃的机密工单 secret", category=category)
    ticket_comment(actor=agent, ticket=ticket, body="public reply")
    attachment_add(actor=other_requester, ticket=ticket, file=IncomingFile("photo.png", png_bytes()))
    return ticket


def test_a_requester_cannot_reach_anothers_ticket_by_any_route(requester, bobs_ticket):
    attachment = bobs_ticket.attachments.get()

    assert not ticket_list(actor=requester).exists()
    assert not ticket_list(actor=requester, filters=TicketFilters(q="secret")).exists()
    assert not ticket_list(actor=requester, filters=TicketFilters(q="机密工单")).exists()
    assert not ticket_list(actor=requester, filters=TicketFilters(q=bobs_ticket.number)).exists()
    with pytest.raises(NotFound):
        ticket_get(actor=requester, number=bobs_ticket.number)
    with pytest.raises(NotFound):
        attachment_get(actor=requester, attachment_id=attachment.pk)
    with pytest.raises(NotFound):
        ticket_comment(actor=requester, ticket=bobs_ticket, body="let me in")
    with pytest.raises(NotFound):
        attachment_add(actor=requester, ticket=bobs_ticket, file=IncomingFile("x.png", png_bytes()))
    with pytest.raises(NotFound):
        ticket_transition(actor=requester, ticket=bobs_ticket, action="cancel")
    with pytest.raises(NotFound):
        ticket_update(actor=requester, ticket=bobs_ticket, changes={"subject": "mine now"})
    with pytest.raises(NotFound):
        time_entry_add(actor=requester, ticket=bobs_ticket, minutes=5)
    bobs_ticket.refresh_from_db()
    assert bobs_ticket.status == "new" and bobs_ticket.comments.count() == 1


def test_a_requester_sees_the_organisations_tickets_only_when_granted(requester, bobs_ticket):
    requester.sees_organisation_tickets = True
    requester.save()
    assert ticket_get(actor=requester, number=bobs_ticket.number) == bobs_ticket
    # seeing is not working: no internal notes, no field changes
    with pytest.raises(PermissionDenied):
        ticket_update(actor=requester, ticket=bobs_ticket, changes={"subject": "x"})

    outsider = RequesterFactory(username="outsider")
    assert not ticket_list(actor=outsider).exists()


def test_a_requester_never_sees_internal_notes_or_their_files(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Laptop slow", category=category)
    ticket_comment(actor=agent, ticket=ticket, body="User has 200 Chrome tabs", is_internal=True,
                   files=[IncomingFile("diag.png", png_bytes())])  # fmt: skip
    ticket_comment(actor=agent, ticket=ticket, body="Please restart")
    internal_file = ticket.attachments.get()

    assert [c.body for c in ticket_comments(actor=requester, ticket=ticket)] == ["Please restart"]
    assert len(ticket_comments(actor=agent, ticket=ticket)) == 2
    kinds = [e.kind for e in ticket_timeline(actor=requester, ticket=ticket)]
    assert "note_added" not in kinds
    with pytest.raises(NotFound):
        attachment_get(actor=requester, attachment_id=internal_file.pk)
    assert attachment_get(actor=agent, attachment_id=internal_file.pk) == internal_file
    with pytest.raises(PermissionDenied):
        ticket_comment(actor=requester, ticket=ticket, body="sneaky", is_internal=True)


def test_agents_see_their_teams_queue_and_not_another_teams(requester, agent, other_agent, category):
    ticket = ticket_create(
        actor=requester, subject="Switch port dead", category=category
    )  # category → agent's team

    assert ticket_list(actor=agent).filter(pk=ticket.pk).exists()
    assert not ticket_list(actor=other_agent).filter(pk=ticket.pk).exists()
    with pytest.raises(NotFound):
        ticket_get(actor=other_agent, number=ticket.number)
    with pytest.raises(NotFound):
        ticket_assign(actor=other_agent, ticket=ticket, assignee=other_agent)


def test_watching_or_being_assigned_lets_an_agent_of_another_team_in(requester, agent, other_agent, category):
    ticket = ticket_create(actor=requester, subject="Cabling", category=category)
    ticket_update(actor=agent, ticket=ticket, changes={"watchers": [other_agent]})
    assert ticket_get(actor=other_agent, number=ticket.number) == ticket


def test_tickets_without_a_team_are_the_shared_triage_pool(requester, agent, other_agent):
    ticket = ticket_create(actor=requester, subject="No idea who handles this")
    assert ticket.team is None
    assert ticket_list(actor=agent).filter(pk=ticket.pk).exists()
    assert ticket_list(actor=other_agent).filter(pk=ticket.pk).exists()


def test_managers_and_admins_see_everything(requester, manager, admin_user, category):
    ticket = ticket_create(actor=requester, subject="Anything", category=category)
    assert ticket_get(actor=manager, number=ticket.number) == ticket
    assert ticket_get(actor=admin_user, number=ticket.number) == ticket


def test_deactivated_users_see_nothing(requester, category):
    ticket = ticket_create(actor=requester, subject="Before I left", category=category)
    requester.is_active = False
    requester.save()
    assert not ticket_list(actor=requester).exists()
    with pytest.raises(NotFound):
        ticket_get(actor=requester, number=ticket.number)


def test_linking_needs_access_to_both_tickets(requester, other_requester, agent, other_agent, category):
    mine = ticket_create(actor=requester, subject="Mine", category=category)
    theirs = ticket_create(actor=other_agent, requester=other_requester, subject="Theirs",
                           team=other_agent.teams.first())  # fmt: skip
    with pytest.raises(NotFound):
        ticket_link(actor=agent, ticket=mine, other=theirs, kind="relates")


def test_linked_tickets_show_only_what_the_reader_may_see(
    requester, agent, other_agent, admin_user, category
):
    from gongdan.tickets.selectors import ticket_relatives

    parent = ticket_create(actor=requester, subject="Parent in IT", category=category)
    hidden_child = ticket_create(actor=other_agent, requester=requester, subject="Facilities child",
                                 team=other_agent.teams.first())  # fmt: skip
    visible_child = ticket_create(actor=requester, subject="IT child", category=category)
    ticket_link(actor=admin_user, ticket=hidden_child, other=parent, kind="parent")
    ticket_link(actor=admin_user, ticket=visible_child, other=parent, kind="parent")

    assert [t.subject for t in ticket_relatives(actor=agent, ticket=parent).children] == ["IT child"]
    assert len(ticket_relatives(actor=admin_user, ticket=parent).children) == 2
