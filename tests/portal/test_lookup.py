"""Lookup by number + email: the same answer whatever matches; the link goes to the address on file."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from gongdan.portal.models import MagicLink
from tests.portal.conftest import link_in, mails_to

pytestmark = pytest.mark.django_db


def _answer(client, number, email):
    response = client.post("/portal/lookup/", {"number": number, "email": email})
    assert response.status_code == 200
    html = response.content.decode().replace(email, "<email>")
    return re.sub(r'(content|value)="[A-Za-z0-9]{64}"', "<csrf>", html)  # masked anew on every response


def test_same_answer_for_wrong_number_wrong_email_and_a_match(make_request, requester, other_requester):
    ticket = make_request()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    wrong_number = _answer(client, "GD-2099-000001", requester.email)
    wrong_email = _answer(client, ticket.number, other_requester.email)
    match = _answer(client, ticket.number.lower(), requester.email)
    assert wrong_number == wrong_email == match
    # Only the real requester's address got mail, and it leads to that request after signing in
    assert mails_to(other_requester.email) == []
    [mail] = mails_to(requester.email, "portal_sign_in")
    assert MagicLink.objects.get().purpose == "lookup"
    response = client.post(link_in(mail))
    assert response["Location"] == f"/portal/requests/{ticket.number}/"
    assert ticket.subject.encode() in client.get(response["Location"]).content


def test_a_bad_address_is_a_form_error(client):
    response = client.post("/portal/lookup/", {"number": "GD-2026-000001", "email": "nope"})
    assert response.status_code == 400
    assert MagicLink.objects.count() == 0


def test_the_honeypot_sends_nothing(client, make_request, requester):
    ticket = make_request()
    response = client.post(
        "/portal/lookup/", {"number": ticket.number, "email": requester.email, "website": "x"}
    )
    assert response.status_code == 200
    assert mails_to(requester.email) == []
