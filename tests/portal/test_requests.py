"""Following requests: my list in plain words, the public timeline, replies, fixed / still broken / cancel.
Nobody reaches another requester's ticket, whatever number they try."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gongdan.tickets.models import Attachment
from gongdan.tickets.services import ticket_comment, ticket_transition
from tests.portal.conftest import png_bytes

pytestmark = pytest.mark.django_db


def test_my_requests_lists_mine_in_plain_words(requester_client, make_request, other_requester):
    mine = make_request("Door will not lock")
    theirs = make_request("Their leak", actor=other_requester)
    html = requester_client.get("/portal/").content.decode()
    assert mine.number in html and "Received" in html
    assert theirs.number not in html


def test_another_requesters_ticket_is_not_found_by_number(other_client, make_request):
    ticket = make_request("My private problem")
    for path in (f"/portal/requests/{ticket.number}/", f"/portal/requests/{ticket.number.lower()}/"):
        response = other_client.get(path)
        assert response.status_code == 404
        assert b"My private problem" not in response.content
    assert other_client.post(f"/portal/requests/{ticket.number}/reply/", {"body": "hi"}).status_code == 404
    assert (
        other_client.post(f"/portal/requests/{ticket.number}/action/", {"action": "cancel"}).status_code
        == 404
    )
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.comments.count() == 0
    # A number that does not exist answers exactly the same
    missing = other_client.get("/portal/requests/GD-2099-999999/")
    assert missing.status_code == 404


def test_the_timeline_shows_replies_but_never_internal_notes(requester_client, make_request, agent):
    ticket = make_request()
    ticket_comment(actor=agent, ticket=ticket, body="We are sending someone at 3 pm.")
    ticket_comment(actor=agent, ticket=ticket, body="Requester is difficult", is_internal=True)
    html = requester_client.get(f"/portal/requests/{ticket.number}/").content.decode()
    assert "We are sending someone at 3 pm." in html
    assert "difficult" not in html


def test_a_reply_with_a_photo(requester_client, make_request):
    ticket = make_request()
    response = requester_client.post(f"/portal/requests/{ticket.number}/reply/", {
        "body": "Here is the error", "files": [SimpleUploadedFile("err.png", png_bytes())]})  # fmt: skip
    assert response.status_code == 302
    comment = ticket.comments.get()
    assert comment.body == "Here is the error" and comment.channel == "portal"
    assert Attachment.objects.get(comment=comment).is_image
    assert b"Your reply was added." in requester_client.get(response["Location"]).content


def test_an_empty_reply_is_refused(requester_client, make_request):
    ticket = make_request()
    response = requester_client.post(f"/portal/requests/{ticket.number}/reply/", {"body": "  "})
    assert response.status_code == 422
    assert ticket.comments.count() == 0


def test_its_fixed_closes_and_asks_for_the_rating(requester_client, resolved):
    page = requester_client.get(f"/portal/requests/{resolved.number}/").content.decode()
    assert "data-fixed" in page and "Replaced the fuser." in page
    response = requester_client.post(f"/portal/requests/{resolved.number}/action/", {"action": "fixed"})
    resolved.refresh_from_db()
    assert resolved.status == "closed"
    page = requester_client.get(response["Location"]).content.decode()
    assert "data-survey" in page and "Done" in page


def test_still_broken_reopens_with_the_note(requester_client, resolved):
    requester_client.post(f"/portal/requests/{resolved.number}/action/",
                          {"action": "broken", "note": "Still jams on page 2"})  # fmt: skip
    resolved.refresh_from_db()
    assert resolved.status == "in_progress"
    event = resolved.events.filter(kind="transitioned").latest("id")
    assert event.data["note"] == "Still jams on page 2"


def test_cancel_an_open_request(requester_client, make_request):
    ticket = make_request()
    requester_client.post(f"/portal/requests/{ticket.number}/action/", {"action": "cancel"})
    ticket.refresh_from_db()
    assert ticket.status == "cancelled"


def test_fixed_is_refused_while_the_ticket_is_open(requester_client, make_request):
    ticket = make_request()
    response = requester_client.post(
        f"/portal/requests/{ticket.number}/action/", {"action": "fixed"}, follow=True
    )
    ticket.refresh_from_db()
    assert ticket.status == "new"
    assert b"alert-danger" in response.content


def test_list_and_detail_query_counts(requester_client, make_request, agent, django_assert_max_num_queries):
    tickets = [make_request(f"Problem {i}") for i in range(15)]
    for ticket in tickets[:3]:
        ticket_comment(actor=agent, ticket=ticket, body="On it")
        ticket_transition(actor=agent, ticket=ticket, action="resolve", note="Done")
    with django_assert_max_num_queries(9):  # + the configuration version (session limits)
        assert requester_client.get("/portal/").status_code == 200
    with django_assert_max_num_queries(16):
        assert requester_client.get(f"/portal/requests/{tickets[0].number}/").status_code == 200


def test_staff_using_the_portal_see_only_the_public_timeline(make_request, agent, team):
    from django.test import Client

    from gongdan.tickets.services import ticket_assign
    from tests.factories import PASSWORD

    ticket = make_request()
    ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    ticket_comment(actor=agent, ticket=ticket, body="internal detail", is_internal=True)
    client = Client()
    client.login(username=agent.username, password=PASSWORD)
    html = client.get(f"/portal/requests/{ticket.number}/").content.decode()
    assert 'data-event="created"' in html
    assert 'data-event="assigned"' not in html and "internal detail" not in html
