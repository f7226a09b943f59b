"""Tickets in meaningful states for the ticket page tests, made through the real services."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from gongdan.tickets import services
from tests.factories import PASSWORD


def png_bytes(colour: str = "red", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def ticket(requester, category, agent):
    """A printer problem reported by the requester, in the agent's team, assigned to the agent."""
    created = services.ticket_create(
        actor=requester,
        subject="三楼打印机卡纸 / Printer jammed",
        description="The printer on floor 3 **jams** on every page.",
        category=category,
    )
    return services.ticket_assign(actor=agent, ticket=created, assignee=agent)


@pytest.fixture
def agent_client(agent):
    return client_for(agent)


@pytest.fixture
def requester_client(requester):
    return client_for(requester)
