"""Portal fixtures: clients signed in through the real sign-in link, tickets made through the services,
and the mail the outbox holds (read back as a requester would find it)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.cache import cache
from django.test import Client
from PIL import Image

from gongdan.outbox.models import OutboxMessage
from gongdan.tickets.services import ticket_create, ticket_transition
from tests.factories import PASSWORD

LINK = re.compile(r"https?://[^\s\"<>]+/portal/(?:sign-in|survey)/[^\s\"<>]+/")


@pytest.fixture(autouse=True)
def _empty_rate_limits():
    """Counters live in the configured cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


def png_bytes(colour=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def mails_to(address: str, kind: str | None = None) -> list[OutboxMessage]:
    messages = OutboxMessage.objects.filter(address=address).order_by("pk")
    if kind:
        messages = messages.filter(kind=kind)
    return list(messages)


def link_in(message: OutboxMessage) -> str:
    """The portal link of a mail, as a path (the test client talks to the site directly)."""
    found = LINK.search(message.body_text)
    assert found, message.body_text
    return re.sub(r"^https?://[^/]+", "", found.group(0))


def sign_in_by_link(client: Client, email: str) -> None:
    response = client.post("/portal/sign-in/", {"email": email})
    assert response.status_code == 200
    path = link_in(mails_to(email, "portal_sign_in")[-1])
    response = client.post(path)
    assert response.status_code == 302


@pytest.fixture
def client() -> Client:
    """A signed-out visitor whose browser asks for English (the site's default language is zh-hans)."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def requester_client(requester) -> Client:
    client = Client()
    assert client.login(username=requester.username, password=PASSWORD)
    return client


@pytest.fixture
def other_client(other_requester) -> Client:
    client = Client()
    assert client.login(username=other_requester.username, password=PASSWORD)
    return client


@pytest.fixture
def make_request(requester, category):
    def make(subject: str = "Printer jammed on floor 3", actor=None, **kwargs):
        actor = actor or requester
        return ticket_create(actor=actor, subject=subject, category=kwargs.pop("category", category),
                             channel="portal", **kwargs)  # fmt: skip

    return make


@pytest.fixture
def resolved(make_request, agent):
    """A request an agent resolved (through the workflow)."""
    ticket = make_request()
    return ticket_transition(actor=agent, ticket=ticket, action="resolve", note="Replaced the fuser.")
