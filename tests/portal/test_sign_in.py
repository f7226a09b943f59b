"""Sign-in by a mailed link: signed, expiring, single use; creates the requester on first use."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from gongdan.accounts.models import User
from gongdan.portal.models import MagicLink
from gongdan.portal.tokens import LINK_SALT, SURVEY_SALT, make_token
from tests.factories import AgentFactory, OrganisationFactory, RequesterFactory
from tests.portal.conftest import link_in, mails_to

pytestmark = pytest.mark.django_db


def test_a_new_address_gets_a_link_and_becomes_a_requester_on_confirming(client):
    # Given someone who has never used the site
    response = client.post(
        "/portal/sign-in/", {"email": " Li.Wei@Example.COM ", "next": "/portal/new/?location=3"}
    )
    # Then the page says to check mail, and one mail with a link went to the lower-cased address
    assert response.status_code == 200
    assert b"data-check-mail" in response.content
    [mail] = mails_to("li.wei@example.com", "portal_sign_in")
    path = link_in(mail)
    assert "30 minutes" in mail.body_text
    assert not User.objects.filter(email="li.wei@example.com").exists()  # nobody is created before confirming
    # When the link is opened (GET: what a mail scanner does) nothing is used up
    page = client.get(path)
    assert page.status_code == 200
    assert b"li.wei@example.com" in page.content
    assert MagicLink.objects.get().used_at is None
    # And confirming signs them in as a new requester and goes where they were heading
    response = client.post(path)
    assert response.status_code == 302
    assert response["Location"] == "/portal/new/?location=3"
    user = User.objects.get(email="li.wei@example.com")
    assert user.role == "requester" and not user.has_usable_password()
    assert client.get("/portal/").context["user"] == user


def test_the_link_works_once(client, requester):
    client.post("/portal/sign-in/", {"email": requester.email})
    path = link_in(mails_to(requester.email, "portal_sign_in")[0])
    assert client.post(path).status_code == 302
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    again = other.post(path)
    assert again.status_code == 409
    assert b'data-problem="link_used"' in again.content
    assert not other.get("/portal/").context["user"].is_authenticated


def test_an_expired_link_is_refused(client, requester):
    client.post("/portal/sign-in/", {"email": requester.email})
    path = link_in(mails_to(requester.email, "portal_sign_in")[0])
    later = timezone.now() + dt.timedelta(minutes=31)
    with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
        response = client.post(path)
    assert response.status_code == 410
    assert b'data-problem="link_expired"' in response.content
    assert MagicLink.objects.get().used_at is None


def test_a_tampered_or_foreign_token_is_refused(client, requester):
    client.post("/portal/sign-in/", {"email": requester.email})
    path = link_in(mails_to(requester.email, "portal_sign_in")[0])
    token = path.rstrip("/").rsplit("/", 1)[1]
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.post(f"/portal/sign-in/{forged}/").status_code == 404
    # A survey token for the same row id is not a sign-in token
    link = MagicLink.objects.get()
    assert client.post(f"/portal/sign-in/{make_token(link.pk, salt=SURVEY_SALT)}/").status_code == 404
    # Nor is a made-up id signed with the right salt but no row
    assert client.post(f"/portal/sign-in/{make_token(link.pk + 99, salt=LINK_SALT)}/").status_code == 404
    assert not client.get("/portal/").context["user"].is_authenticated


def test_staff_and_deactivated_addresses_get_no_link(client):
    agent = AgentFactory(username="desk")
    gone = RequesterFactory(username="gone", is_active=False)
    for email in (agent.email, gone.email):
        response = client.post("/portal/sign-in/", {"email": email})
        assert response.status_code == 200  # the same answer as for anyone
        assert mails_to(email) == []


def test_next_never_leaves_the_portal(client, requester):
    client.post("/portal/sign-in/", {"email": requester.email, "next": "https://evil.example/portal/"})
    path = link_in(mails_to(requester.email, "portal_sign_in")[0])
    assert client.post(path)["Location"] == "/portal/"


def test_a_bad_address_is_a_form_error(client):
    response = client.post("/portal/sign-in/", {"email": "not-an-address"})
    assert response.status_code == 400
    assert b"is-invalid" in response.content
    assert MagicLink.objects.count() == 0


def test_the_honeypot_sends_nothing_but_looks_the_same(client, requester):
    response = client.post("/portal/sign-in/", {"email": requester.email, "website": "http://spam.example"})
    assert response.status_code == 200
    assert b"data-check-mail" in response.content
    assert mails_to(requester.email) == []


def test_a_new_address_joins_the_organisation_of_its_domain(client):
    organisation = OrganisationFactory(name="Acme", email_domain="acme.example")
    client.post("/portal/sign-in/", {"email": "wang@acme.example"})
    client.post(link_in(mails_to("wang@acme.example")[0]))
    assert User.objects.get(email="wang@acme.example").organisation == organisation


def test_the_mail_speaks_the_language_of_the_page(client):
    client.post("/portal/sign-in/", {"email": "zhang@example.com"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    [mail] = mails_to("zhang@example.com")
    assert "登录" in mail.subject
    client.post(link_in(mail))
    assert User.objects.get(email="zhang@example.com").language == "zh-hans"


def test_sign_out(client, requester):
    client.post("/portal/sign-in/", {"email": requester.email})
    client.post(link_in(mails_to(requester.email)[0]))
    assert client.post("/portal/sign-out/").status_code == 302
    assert not client.get("/portal/").context["user"].is_authenticated
