"""Routing test helpers: agents in a team, rules made through the services, tickets made by ticket_create."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from gongdan.routing import services
from gongdan.tickets.services import ticket_create
from tests.factories import AgentFactory


@pytest.fixture
def admin_browser(admin_user) -> Client:
    """A browser signed in as an administrator (English UI)."""
    admin_user.language = "en"
    admin_user.save(update_fields=["language"])
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def make_agents(team):
    def make(count: int, *, prefix: str = "agent", in_team=None) -> list[Any]:
        target = in_team or team
        agents = []
        for n in range(count):
            user = AgentFactory(username=f"{prefix}{n}", display_name=f"{prefix.title()} {n}")
            target.memberships.create(user=user)
            agents.append(user)
        return agents

    return make


@pytest.fixture
def make_rule(admin_user, team):
    def make(**kwargs: Any):
        kwargs.setdefault("name", "Everything")
        kwargs.setdefault("team", team)
        return services.rule_create(actor=admin_user, **kwargs)

    return make


@pytest.fixture
def report(requester, category):
    def make(**kwargs: Any):
        kwargs.setdefault("subject", "打印机卡纸 printer jammed")
        kwargs.setdefault("category", category)
        return ticket_create(actor=kwargs.pop("actor", requester), **kwargs)

    return make
