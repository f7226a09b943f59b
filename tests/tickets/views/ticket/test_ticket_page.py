"""The ticket page as an agent and as a requester sees it, and who may open what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gongdan.tickets import services
from gongdan.tickets.services import IncomingFile
from tests.factories import RequesterFactory
from tests.tickets.views.ticket.conftest import client_for, png_bytes

pytestmark = pytest.mark.django_db


def page_url(ticket) -> str:
    return reverse("tickets:ticket_detail", args=[ticket.number])


def test_agent_sees_the_whole_working_page(ticket, agent, agent_client):
    # Given a public reply and an internal note on the ticket
    services.ticket_comment(actor=agent, ticket=ticket, body="We are on our way.")
    services.ticket_comment(actor=agent, ticket=ticket, body="Toner supplier is slow", is_internal=True)

    # When the agent opens it
    response = agent_client.get(page_url(ticket))

    # Then the header, the description, both messages and every staff panel are there
    assert response.status_code == 200
    html = response.content.decode()
    assert ticket.number in html
    assert "三楼打印机卡纸 / Printer jammed" in html
    assert "<strong>jams</strong>" in html  # the sanitised Markdown description, not escaped
    assert "We are on our way." in html
    assert "Toner supplier is slow" in html
    assert "gd-event--note" in html  # the internal note is visibly different
    assert 'name="version"' in html  # properties form
    assert reverse("tickets:ticket_time", args=[ticket.number]) in html
    assert reverse("tickets:ticket_merge", args=[ticket.number]) in html
    assert 'value="note"' in html  # the internal-note toggle
    # State buttons: the agent may start, resolve (asks for a note), cancel…
    assert 'value="start"' in html
    assert 'value="resolve"' in html
    assert 'id="note-resolve"' in html


def test_requester_sees_a_reduced_page(ticket, agent, requester_client):
    services.ticket_comment(actor=agent, ticket=ticket, body="We are on our way.")
    services.ticket_comment(actor=agent, ticket=ticket, body="Toner supplier is slow", is_internal=True)
    services.time_entry_add(actor=agent, ticket=ticket, minutes=25, note="diagnosed the fuser")

    response = requester_client.get(page_url(ticket))

    assert response.status_code == 200
    html = response.content.decode()
    assert "We are on our way." in html
    assert "Toner supplier is slow" not in html
    assert "diagnosed the fuser" not in html
    assert 'data-kind="assigned"' not in html  # staff-only events are hidden
    assert 'name="version"' not in html  # no properties form
    assert reverse("tickets:ticket_time", args=[ticket.number]) not in html
    assert reverse("tickets:ticket_merge", args=[ticket.number]) not in html
    assert 'value="note"' not in html
    # Only the requester's own transitions: cancel while open, never start/resolve
    assert 'value="cancel"' in html
    assert 'value="start"' not in html
    assert 'value="resolve"' not in html
    assert 'name="files"' in html  # may reply and attach


def test_user_input_is_escaped(requester, category, agent_client):
    ticket = services.ticket_create(actor=requester, subject="<script>alert(1)</script>", category=category)
    html = agent_client.get(page_url(ticket)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_requester_cannot_open_another_requesters_ticket(ticket, other_requester):
    client = client_for(other_requester)
    assert client.get(page_url(ticket)).status_code == 404
    assert (
        client.post(reverse("tickets:ticket_reply", args=[ticket.number]), {"body": "let me in"}).status_code
        == 404
    )
    assert ticket.comments.count() == 0


def test_unknown_ticket_is_a_404(agent_client):
    assert agent_client.get(reverse("tickets:ticket_detail", args=["GD-1999-999999"])).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(ticket, client):
    response = client.get(page_url(ticket))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_image_attachment_is_served_inline_and_safely(ticket, requester, requester_client):
    comment = services.ticket_comment(
        actor=requester, ticket=ticket, body="photo", files=[IncomingFile("jam.png", png_bytes())]
    )
    attachment = comment.attachments.get()

    response = requester_client.get(reverse("tickets:attachment_download", args=[attachment.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert b"".join(response.streaming_content) == png_bytes()


def test_other_files_are_downloads_never_rendered(ticket, requester, requester_client):
    # A "png" that is not an image stays an opaque download.
    comment = services.ticket_comment(
        actor=requester,
        ticket=ticket,
        body="files",
        files=[IncomingFile("fake.png", b"not really a picture"), IncomingFile("日志.txt", b"error 42")],
    )
    fake, log = comment.attachments.order_by("pk")

    response = requester_client.get(reverse("tickets:attachment_download", args=[fake.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"

    response = requester_client.get(reverse("tickets:attachment_download", args=[log.pk]))
    assert response["Content-Disposition"].startswith("attachment")
    assert "filename*=utf-8''%E6%97%A5%E5%BF%97.txt" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_requester_cannot_download_another_requesters_attachment(ticket, requester, other_requester):
    comment = services.ticket_comment(
        actor=requester, ticket=ticket, body="photo", files=[IncomingFile("jam.png", png_bytes())]
    )
    attachment = comment.attachments.get()
    client = client_for(other_requester)
    assert client.get(reverse("tickets:attachment_download", args=[attachment.pk])).status_code == 404


def test_requester_cannot_download_an_internal_attachment_on_their_own_ticket(
    ticket, agent, requester_client
):
    note = services.ticket_comment(
        actor=agent,
        ticket=ticket,
        body="invoice from the supplier",
        is_internal=True,
        files=[IncomingFile("invoice.pdf", b"%PDF-1.4 internal")],
    )
    attachment = note.attachments.get()

    assert (
        requester_client.get(reverse("tickets:attachment_download", args=[attachment.pk])).status_code == 404
    )
    html = requester_client.get(page_url(ticket)).content.decode()
    assert "invoice.pdf" not in html


def test_organisation_grant_lets_a_colleague_see_the_ticket(ticket, organisation):
    colleague = RequesterFactory(username="carol", organisation=organisation, sees_organisation_tickets=True)
    assert client_for(colleague).get(page_url(ticket)).status_code == 200


def test_page_speaks_chinese_for_a_chinese_user(ticket, agent):
    agent.language = "zh-hans"
    agent.save(update_fields=["language"])
    html = client_for(agent).get(page_url(ticket)).content.decode()
    assert "网络故障" in html  # the category's Chinese name
    assert "开始处理" in html  # the workflow button, named by the admin in Chinese


def test_the_timeline_explains_an_automatic_assignment(
    admin_user, requester, category, team, agent, agent_client
):
    from gongdan.routing.services import rule_create

    # Given a routing rule that gives the team's tickets out in turn
    rule_create(actor=admin_user, name="打印机轮流 / Printers in turn", team=team, strategy="round_robin")

    # When a requester reports a problem
    ticket = services.ticket_create(actor=requester, subject="打印机又卡纸了", category=category)

    # Then the agent got it, and the timeline says which rule chose them and how
    page = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert ticket.assignee == agent
    assert "System" in page and "打印机轮流 / Printers in turn" in page and "gd-event-why" in page


def test_an_open_on_call_page_shows_on_the_ticket_with_acknowledge(ticket, team, agent, agent_client):
    import datetime as dt

    from gongdan.oncall.models import OnCallParticipant, OnCallSchedule
    from gongdan.oncall.services import page_on_call

    # Given the team's on-call rotation (the agent is on call) and a page for the ticket
    schedule = OnCallSchedule.objects.create(name="IT on-call", team=team, time_zone="Asia/Shanghai",
                                             rotation_days=1, handoff_time=dt.time(9, 0),
                                             start_date=dt.date(2026, 1, 1))  # fmt: skip
    OnCallParticipant.objects.create(schedule=schedule, user=agent, layer=1, position=0)
    page_on_call(ticket=ticket, reason="Core switch down")

    # When the agent opens the ticket, the page is there with its Acknowledge button
    html = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "data-ticket-pages" in html and "Core switch down" in html and "Acknowledge" in html


def test_a_ticket_without_pages_shows_no_pages_card(ticket, agent_client):
    assert "data-ticket-pages" not in agent_client.get(f"/tickets/{ticket.number}/").content.decode()


def test_the_timeline_says_which_sla_step_fired(ticket, agent_client):
    from gongdan.tickets.services import append_event

    # Given two escalation steps and a breach recorded by the SLA engine
    append_event(
        ticket,
        actor=None,
        kind="sla_escalated",
        data={"clock": "first_response", "action": "page_on_call", "percent": 0, "minutes_from_due": None},
    )
    append_event(
        ticket,
        actor=None,
        kind="sla_escalated",
        data={"clock": "resolution", "action": "notify_assignee", "percent": None, "minutes_from_due": -30},
    )
    append_event(ticket, actor=None, kind="sla_breached", data={"clock": "resolution"})  # fmt: skip

    # Then the timeline names the clock and what each step did
    html = agent_client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "First response: Page on-call, at 0 % of the target" in html
    assert "Resolution: Notify the assignee, 30 minutes before due" in html
    assert "Resolution target missed" in html
