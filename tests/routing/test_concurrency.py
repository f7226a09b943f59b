"""Parallel creators on PostgreSQL: decisions are serialised per team, so nobody gets two tickets because
of a race and nobody passes their cap."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from gongdan.routing import services
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import ticket_create
from tests.factories import AgentFactory, CategoryFactory, RequesterFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _setup(strategy: str, cap: int | None):
    team = TeamFactory(name="并发组")
    agents = []
    for n in range(4):
        user = AgentFactory(username=f"racer{n}")
        team.memberships.create(user=user)
        agents.append(user)
    admin = UserFactory(username="root", role="admin")
    services.rule_create(actor=admin, name="All", team=team, strategy=strategy, max_open_per_agent=cap)
    category = CategoryFactory(name="并发", default_team=team)
    return team, agents, category, RequesterFactory(username="crowd")


def _create_in_parallel(threads: int, per_thread: int, requester, category) -> list[BaseException]:
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                ticket_create(actor=requester, subject=f"并发 {n}", category=category)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return failures


def test_least_loaded_with_a_cap_gives_each_agent_exactly_the_cap():
    # Given 4 agents, least loaded, cap 5
    _team, agents, category, requester = _setup("least_loaded", 5)

    # When 10 threads create 2 tickets each at the same instant
    failures = _create_in_parallel(10, 2, requester, category)

    # Then each agent holds exactly 5
    assert failures == []
    counts = Counter(Ticket.objects.values_list("assignee_id", flat=True))
    assert counts == {a.pk: 5 for a in agents}


def test_an_agent_at_cap_gets_none_even_under_a_burst():
    _team, agents, category, requester = _setup("least_loaded", 5)

    failures = _create_in_parallel(8, 3, requester, category)  # 24 tickets for 20 places

    assert failures == []
    counts = Counter(Ticket.objects.values_list("assignee_id", flat=True))
    assert counts == {**{a.pk: 5 for a in agents}, None: 4}


def test_round_robin_spreads_40_tickets_evenly():
    _team, agents, category, requester = _setup("round_robin", None)

    failures = _create_in_parallel(10, 4, requester, category)

    assert failures == []
    counts = Counter(Ticket.objects.values_list("assignee_id", flat=True))
    assert counts == {a.pk: 10 for a in agents}
