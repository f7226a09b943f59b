"""A requester never reaches another requester's ticket through any API route."""

from __future__ import annotations

import io

import pytest
from django.db.models import Max

from gongdan.tickets.models import Attachment, Ticket
from gongdan.tickets.services import IncomingFile, attachment_add, ticket_comment
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_ticket(make_ticket, agent, other_requester):
    ticket = make_ticket(requester=other_requester, subject="Bob's secret printer jam")
    ticket_comment(actor=agent, ticket=ticket, body="reply to bob")
    attachment_add(actor=agent, ticket=ticket, file=IncomingFile(name="bob.txt", content=b"bob's file"))
    return ticket


def test_requester_cannot_see_anothers_ticket_anywhere(requester_api, bobs_ticket, make_ticket, requester):
    own = make_ticket(requester=requester, subject="my printer")
    number = bobs_ticket.number
    # list and search
    listed = [t["number"] for t in requester_api.get("tickets").json()["items"]]
    assert listed == [own.number]
    assert requester_api.get("tickets", {"q": "secret"}).json()["items"] == []
    assert requester_api.get("tickets", {"q": "printer"}).json()["items"][0]["number"] == own.number
    assert requester_api.get("tickets", {"requester": str(bobs_ticket.requester_id)}).json()["items"] == []
    # every route on the ticket answers 404, as if it did not exist
    for path in ("", "/comments", "/events", "/attachments", "/transitions", "/time-entries", "/links"):
        assert_error(requester_api.get(f"tickets/{number}{path}"), 404, "not_found")
    for path, body in (
        ("/comments", {"body": "hi"}),
        ("/transitions", {"action": "cancel"}),
        ("/time-entries", {"minutes": 5}),
        ("/links", {"ticket": own.number}),
        ("/merge", {"into": own.number}),
    ):
        assert_error(requester_api.post(f"tickets/{number}{path}", body), 404, "not_found")
    assert_error(requester_api.patch(f"tickets/{number}", {"subject": "x", "version": 1}), 404)
    upload = io.BytesIO(b"data")
    upload.name = "x.txt"
    response = requester_api.client.post(
        f"/api/v1/tickets/{number}/attachments", {"file": upload}, headers=requester_api.headers
    )
    assert_error(response, 404)
    # nor its attachment by id
    attachment = Attachment.objects.get(ticket=bobs_ticket)
    assert_error(requester_api.get(f"attachments/{attachment.pk}"), 404, "not_found")
    # nor by naming it from their own ticket
    assert_error(requester_api.post("tickets", {"subject": "child", "parent": number}), 403)
    assert Ticket.objects.get(pk=bobs_ticket.pk).comments.count() == 1


def test_requester_directory_access_is_limited_to_me(requester_api, requester, agent, team):
    assert requester_api.get("users/me").json()["id"] == requester.pk
    assert requester_api.get(f"users/{requester.pk}").status_code == 200
    for path in ("users", f"users/{agent.pk}", "teams"):
        assert_error(requester_api.get(path), 403, "permission_denied")


def test_agent_of_another_team_cannot_reach_the_queue(api_as, other_agent, make_ticket, team):
    ticket = make_ticket(team=team)
    client = api_as(other_agent)
    assert_error(client.get(f"tickets/{ticket.number}"), 404)
    assert ticket.number not in [t["number"] for t in client.get("tickets").json()["items"]]
    highest = Attachment.objects.aggregate(m=Max("pk"))["m"] or 0
    assert_error(client.get(f"attachments/{highest + 1}"), 404)
