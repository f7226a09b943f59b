"""Mail about a ticket links each reader to where they can follow it: requesters to the portal, staff to the
agent screens (a requester has no password for the latter)."""

from __future__ import annotations

import pytest

from gongdan.notifications.services import notify
from gongdan.outbox.models import OutboxMessage
from gongdan.tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_a_requesters_mail_links_to_the_portal_and_an_agents_to_the_ticket_page(requester, agent, category):
    requester.email, agent.email = "req@example.com", "agent@example.com"
    requester.save(update_fields=["email"])
    agent.save(update_fields=["email"])
    ticket = ticket_create(actor=requester, subject="Projector flickers", category=category)

    notify(recipients=[requester, agent], kind="some_news", ticket=ticket)

    to_requester = OutboxMessage.objects.get(address="req@example.com", kind="some_news")
    to_agent = OutboxMessage.objects.get(address="agent@example.com", kind="some_news")
    assert f"/portal/requests/{ticket.number}/" in to_requester.body_text
    assert f"/tickets/{ticket.number}/" not in to_requester.body_text.replace("/portal/requests/", "")
    assert f"/tickets/{ticket.number}/" in to_agent.body_text
    assert "/portal/" not in to_agent.body_text
