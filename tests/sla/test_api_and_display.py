"""Reading clocks: the API (same access as the ticket), the ticket panel selector and the queue badge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template.loader import render_to_string

from gongdan.tickets.services import ticket_comment, ticket_create
from tests.api.conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def test_requester_reads_the_clocks_of_their_ticket(wall_clock, policy, requester, agent, category):
    ticket = ticket_create(actor=requester, subject="门禁卡失效", category=category)
    wall_clock.advance(minutes=10)
    ticket_comment(actor=agent, ticket=ticket, body="已收到")
    response = ApiClient(requester).get(f"tickets/{ticket.number}/sla")
    assert response.status_code == 200
    body = response.json()
    clocks = {c["kind"]: c for c in body["clocks"]}
    assert clocks["first_response"]["state"] == "met"
    assert clocks["first_response"]["margin_seconds"] == 50 * 60
    assert clocks["resolution"]["state"] == "running"
    assert body["due_at"] is not None and body["breached"] is False


def test_a_requester_cannot_read_anothers_clocks(policy, requester, other_requester, category):
    ticket = ticket_create(actor=other_requester, subject="Bob 的电脑", category=category)
    assert_error(ApiClient(requester).get(f"tickets/{ticket.number}/sla"), 404, "not_found")
    assert_error(ApiClient(requester).get("tickets/GD-1999-000001/sla"), 404, "not_found")
    assert_error(ApiClient().get(f"tickets/{ticket.number}/sla"), 401)


def test_the_clock_reading_takes_few_queries(
    policy, agent, requester, category, django_assert_max_num_queries
):
    ticket = ticket_create(actor=requester, subject="显示器闪烁", category=category)
    client = ApiClient(agent)
    client.get(f"tickets/{ticket.number}/sla")  # warm the per-process SLA configuration cache
    with django_assert_max_num_queries(8):  # token, user, ticket, membership, config version, clocks
        assert client.get(f"tickets/{ticket.number}/sla").status_code == 200


def badge(ticket) -> str:
    from django.template import Context, Template

    return Template("{% load sla %}{{ ticket|sla_badge }}").render(Context({"ticket": ticket}))


def test_badge_colours_follow_the_risk(wall_clock, policy, requester, category, django_assert_num_queries):
    ticket = ticket_create(actor=requester, subject="网速慢", category=category)
    ticket.refresh_from_db()
    with django_assert_num_queries(0):
        html = badge(ticket)
    assert "sla-ok" in html and "1 h left" in html
    wall_clock.advance(minutes=50)  # 83 % of the 60-minute first response
    assert "sla-at_risk" in badge(ticket)
    wall_clock.advance(minutes=15)
    html = badge(ticket)
    assert "sla-breached" in html and "5 min over" in html


def test_badge_shows_paused_and_nothing_for_finished_tickets(wall_clock, policy, requester, category):
    ticket = ticket_create(actor=requester, subject="x", category=category)
    ticket.sla_paused = True
    assert "SLA paused" in badge(ticket)
    ticket.status = "closed"
    assert badge(ticket).strip() == ""


def test_panel_lists_every_clock_with_its_state(wall_clock, policy, agent, requester, category):
    from gongdan.sla.selectors import ticket_sla_clocks

    ticket = ticket_create(actor=requester, subject="复印机", category=category)
    wall_clock.advance(minutes=70)
    clocks = ticket_sla_clocks(actor=agent, ticket=ticket)
    states = {c.kind: c.state for c in clocks}
    assert states == {"first_response": "breached", "resolution": "running", "stage": "running"}
    html = render_to_string("sla/includes/ticket_sla_panel.html", {"sla_clocks": clocks})
    assert "First response" in html and "Breached" in html
    assert timedelta(minutes=60) == clocks[0].due_at - clocks[0].started_at
