"""Fields and assignment in one change (`ticket_edit`): the ticket page's properties form and the API's PATCH
call the same service and get the same outcome."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.core.domain_errors import ValidationFailed
from gongdan.tickets.models import Priority, Status, TicketEvent
from gongdan.tickets.services import ticket_assign, ticket_create, ticket_edit
from tests.api.conftest import ApiClient
from tests.clients import signed_in
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(requester, agent, category):
    ticket = ticket_create(actor=requester, subject="Printer jammed", category=category)
    return ticket_assign(actor=agent, ticket=ticket, assignee=agent)


def properties_form(ticket, **overrides) -> dict[str, str]:
    form = {
        "version": str(ticket.version),
        "category": str(ticket.category_id or ""),
        "ticket_type": str(ticket.ticket_type_id),
        "priority": str(ticket.priority_id),
        "team": str(ticket.team_id or ""),
        "assignee": str(ticket.assignee_id or ""),
    }
    form.update(overrides)
    return form


def move_by_web(agent, ticket, team) -> None:
    response = signed_in(agent).post(
        reverse("tickets:ticket_properties", args=[ticket.number]), properties_form(ticket, team=str(team.pk))
    )
    assert response.status_code in (200, 302), response.content[:300]


def move_by_api(agent, ticket, team) -> None:
    response = ApiClient(agent).patch(
        f"/api/v1/tickets/{ticket.number}",
        {"team": team.pk, "assignee": ticket.assignee_id, "version": ticket.version},
    )
    assert response.status_code == 200, response.content


@pytest.mark.parametrize("move", [move_by_web, move_by_api], ids=["web", "api"])
def test_moving_to_a_team_the_assignee_is_not_in_hands_it_to_that_queue_the_same_way(
    move, assigned, agent, lead, other_team
):
    assigned = ticket_assign(actor=agent, ticket=assigned, assignee=lead)  # lead is not in other_team
    other_team.memberships.create(user=agent)  # the one who moves it still sees it afterwards
    move(agent, assigned, other_team)
    assigned.refresh_from_db()
    assert (assigned.team, assigned.assignee, assigned.status) == (other_team, None, Status.NEW)
    last = TicketEvent.objects.filter(ticket=assigned).latest("id")
    assert last.kind == "assigned" and last.data["to"]["team"]["id"] == other_team.pk


def test_naming_someone_outside_the_team_is_refused_and_nothing_changes(assigned, agent, other_team):
    outsider = AgentFactory()
    version = assigned.version
    with pytest.raises(ValidationFailed) as refused:
        ticket_edit(actor=agent, ticket=assigned, changes={"team": other_team}, assignee=outsider,
                    expected_version=version)  # fmt: skip
    assert "assignee" in refused.value.details
    assigned.refresh_from_db()
    assert (assigned.team_id, assigned.assignee, assigned.version) != (other_team.pk, outsider, version + 1)
    assert assigned.version == version


def test_fields_and_assignment_are_one_change_with_one_version(assigned, agent, lead, team):
    urgent = Priority.objects.get(code="P1")
    before = assigned.version
    ticket = ticket_edit(actor=agent, ticket=assigned, changes={"priority": urgent}, assignee=lead,
                         expected_version=before)  # fmt: skip
    assert (ticket.priority, ticket.assignee, ticket.version) == (urgent, lead, before + 1)
    kinds = list(TicketEvent.objects.filter(ticket=ticket).order_by("-id").values_list("kind", flat=True)[:2])
    assert kinds == ["assigned", "updated"]


def test_a_finished_ticket_keeps_its_assignee_when_its_team_moves_but_cannot_be_reassigned(assigned, agent, lead,
                                                                                        other_team, team):  # fmt: skip
    from gongdan.core.domain_errors import Conflict
    from gongdan.tickets.services import ticket_transition

    other_team.memberships.create(user=agent)
    done = ticket_transition(actor=agent, ticket=assigned, action="resolve", note="fixed")
    moved = ticket_edit(actor=agent, ticket=done, changes={"team": other_team}, assignee=agent)
    assert (moved.team, moved.assignee) == (other_team, agent)
    with pytest.raises(Conflict):
        ticket_edit(actor=agent, ticket=moved, assignee=lead, changes={"team": team})
