"""Fixtures for the agent web UI tests: signed-in clients and tickets made through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from gongdan.tickets.services import ticket_create
from tests.factories import PASSWORD


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def agent_client(agent) -> Client:
    return signed_in(agent)


@pytest.fixture
def requester_client(requester) -> Client:
    return signed_in(requester)


@pytest.fixture
def make_ticket(agent, requester, team):
    def make(subject: str = "Printer jammed on floor 3", **kwargs):
        kwargs.setdefault("requester", requester)
        kwargs.setdefault("team", team)
        return ticket_create(actor=kwargs.pop("actor", agent), subject=subject, **kwargs)

    return make
