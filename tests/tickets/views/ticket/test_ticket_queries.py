"""The ticket page's query count does not grow with its history (rule 9: no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongdan.tickets import services
from gongdan.tickets.services import IncomingFile
from tests.tickets.views.ticket.conftest import client_for, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _sla_rules_checked_once(monkeypatch):
    """The SLA panel re-reads its configuration version at most once a second; building the long history
    takes longer than that, which would add one query to the second page view but not the first."""
    from gongdan.core import config_cache

    monkeypatch.setattr(config_cache, "RECHECK_SECONDS", 3600.0)
    monkeypatch.setitem(config_cache._state, "uncommitted_until", 0.0)


def make_history(*, ticket, agent, requester, lead, other, size: int) -> None:
    """`size` rounds of replies with photos, notes, field changes, time and links."""
    p_codes = ["P1", "P2", "P3"]
    priorities = {p.code: p for p in ticket.priority.__class__.objects.filter(code__in=p_codes)}
    for i in range(size):
        services.ticket_comment(
            actor=requester,
            ticket=ticket,
            body=f"reply {i}",
            files=[IncomingFile(f"photo{i}.png", png_bytes())],
        )
        services.ticket_comment(actor=agent, ticket=ticket, body=f"note {i}", is_internal=True)
        ticket.refresh_from_db()
        services.ticket_update(
            actor=agent,
            ticket=ticket,
            changes={
                "priority": priorities[p_codes[i % 3]],
                "tags": [f"tag{i}"],
                "watchers": [lead] if i % 2 else [],
            },
        )
        services.time_entry_add(actor=agent, ticket=ticket, minutes=5 + i, note=f"work {i}")
        services.attachment_add(actor=agent, ticket=ticket, file=IncomingFile(f"log{i}.txt", b"log line"))
    services.ticket_link(actor=agent, ticket=ticket, other=other, kind="relates")


@pytest.fixture
def histories(requester, category, agent, lead):
    def build(size: int):
        ticket = services.ticket_create(actor=requester, subject=f"history of {size}", category=category)
        ticket = services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
        other = services.ticket_create(actor=requester, subject=f"related to {size}", category=category)
        make_history(ticket=ticket, agent=agent, requester=requester, lead=lead, other=other, size=size)
        return ticket

    return build


@pytest.mark.parametrize("who", ["agent", "requester"])
def test_page_queries_do_not_grow_with_history(histories, who, request, django_assert_max_num_queries):
    user = request.getfixturevalue(who)
    client = client_for(user)
    small, large = histories(3), histories(30)

    client.get(reverse("tickets:ticket_detail", args=[small.number]))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as small_queries:
        response = client.get(reverse("tickets:ticket_detail", args=[small.number]))
    assert response.status_code == 200

    with django_assert_max_num_queries(len(small_queries)):
        response = client.get(reverse("tickets:ticket_detail", args=[large.number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "reply 29" in html
    assert ("note 29" in html) is (who == "agent")
    # A fixed budget, so a new panel that adds many queries is noticed.
    assert len(small_queries) <= 30, [q["sql"] for q in small_queries.captured_queries]
