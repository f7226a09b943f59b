"""A macro applied in bulk from the queue's bulk bar (issue 15 item 6): the agent's macros offered with what
each does, applied through the same service as the API, with the tickets it skipped named and why."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.automation import services
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import ticket_create, ticket_edit
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
BULK = reverse("tickets:bulk_action")
QUEUE = reverse("tickets:queue")


@pytest.fixture
def need_info(admin_user):
    return services.macro_create(actor=admin_user, name="Need more information", visibility="everyone",
                                 body="Hello {{requester}}, could you send a screenshot?",
                                 actions=[{"type": "set_field", "field": "priority", "value": "P2"},
                                          {"type": "add_tags", "tags": ["waiting-info"]}])  # fmt: skip


def replies(ticket) -> list[str]:
    return list(
        Ticket.objects.get(pk=ticket.pk).comments.filter(is_internal=False).values_list("body", flat=True)
    )


def test_the_bulk_bar_offers_the_agents_macros_with_their_action_count(
    agent_client, agent, make_ticket, need_info
):
    services.macro_create(actor=agent, name="Mine", body="Thanks!", visibility="personal")
    someone_else = AgentFactory(username="someone_else")
    services.macro_create(actor=someone_else, name="Not mine", body="x", visibility="personal")
    make_ticket()
    html = agent_client.get(reverse("tickets:queue_panel", args=["bulk"])).content.decode()
    assert 'id="bulk-macro"' in html
    assert "Need more information · 3 actions" in html and "Mine · 1 action" in html
    assert "Not mine" not in html


def test_a_macro_applied_to_the_ticked_tickets_reports_the_ones_it_skipped(
    agent_client, agent, make_ticket, need_info, other_agent, other_team, requester
):
    # Given two tickets of the agent's team, one changed by a colleague after the agent loaded the queue,
    # and one of another team the agent may not work
    first, second, stale = make_ticket("VPN down"), make_ticket("Mail bounces"), make_ticket("Printer")
    seen_version = stale.version
    ticket_edit(actor=agent, ticket=stale, changes={"subject": "Printer on floor 2"})
    hidden = ticket_create(actor=other_agent, subject="Facilities only", requester=requester, team=other_team)
    # When the agent ticks them and applies the macro
    response = agent_client.post(BULK, {
        "ticket": [first.number, second.number, stale.number, hidden.number], "operation": "macro",
        "macro": need_info.pk, "next": QUEUE, f"v-{first.number}": first.version,
        f"v-{second.number}": second.version, f"v-{stale.number}": seen_version,
    }, follow=True)  # fmt: skip
    html = response.content.decode()
    # Then the two are changed (reply, priority, tag), and the other two are named with the reason
    assert "Macro “Need more information” applied to 2 tickets." in html
    assert "2 skipped" in html
    assert f"{stale.number}: This ticket was changed by someone else" in html
    assert f"{hidden.number}: Ticket not found." in html
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert replies(ticket) == ["Hello Alice, could you send a screenshot?"]
        assert ticket.priority.code == "P2"
        assert list(ticket.tags.values_list("name", flat=True)) == ["waiting-info"]
    assert replies(stale) == [] and replies(hidden) == []


@pytest.mark.parametrize("macro", ["", "999999", "abc"])
def test_a_macro_the_agent_may_not_use_is_refused_and_nothing_changes(
    agent_client, agent, make_ticket, macro
):
    other = AgentFactory(username="other_owner")
    private = services.macro_create(actor=other, name="Private", body="x", visibility="personal")
    ticket = make_ticket()
    for chosen in (macro, str(private.pk)):
        response = agent_client.post(BULK, {"ticket": [ticket.number], "operation": "macro", "macro": chosen},
                                     follow=True)  # fmt: skip
        assert "Choose a macro you may use." in response.content.decode()
    assert replies(ticket) == []
