"""The hot endpoints run a fixed number of queries however many tickets there are."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongdan.tickets.services import ticket_comment

pytestmark = pytest.mark.django_db


def count_queries(client, path, params=None) -> int:
    client.get("users/me")  # the token's last-use stamp is written once a minute: not part of the count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params)
        assert response.status_code == 200
    return len(queries)


def test_ticket_list_query_count_is_constant(agent_api, agent, requester, make_ticket):
    for i in range(5):
        make_ticket(subject=f"t{i}", requester=requester, tags=["a", "b"], assignee=agent)
    small = count_queries(agent_api, "tickets", {"limit": 50})
    for i in range(25):
        make_ticket(subject=f"u{i}", requester=requester, tags=["c"], assignee=agent)
    large = count_queries(agent_api, "tickets", {"limit": 50})
    assert small == large
    assert large <= 8


def test_ticket_detail_query_budget(agent_api, agent, make_ticket, django_assert_max_num_queries):
    ticket = make_ticket(tags=["a", "b", "c"], watchers=[agent], assignee=agent)
    ticket_comment(actor=agent, ticket=ticket, body="hello")
    with django_assert_max_num_queries(8):
        assert agent_api.get(f"tickets/{ticket.number}").status_code == 200


def test_comment_and_event_lists_do_not_grow_with_rows(agent_api, agent, make_ticket):
    ticket = make_ticket()
    ticket_comment(actor=agent, ticket=ticket, body="one")
    few = [count_queries(agent_api, f"tickets/{ticket.number}/{p}") for p in ("comments", "events")]
    for i in range(10):
        ticket_comment(actor=agent, ticket=ticket, body=f"more {i}")
    many = [count_queries(agent_api, f"tickets/{ticket.number}/{p}") for p in ("comments", "events")]
    assert few == many


def test_a_create_answers_from_what_it_wrote_without_reading_it_again(agent_api, agent, category):
    agent_api.get("users/me")  # the token's last-use stamp: not part of the count
    body = {"subject": "Printer", "category": category.pk, "tags": ["b", "a"], "watchers": [agent.pk]}
    with CaptureQueriesContext(connection) as queries:
        response = agent_api.post("tickets", body)

    assert response.status_code == 201, response.content
    statements = [q["sql"].lstrip().upper() for q in queries]
    last_write = max(i for i, sql in enumerate(statements) if sql.startswith(("INSERT", "UPDATE")))
    reads_after = [sql for sql in statements[last_write + 1 :] if "SAVEPOINT" not in sql]
    assert reads_after == [], "the answer re-read what the service had just written"
    created = response.json()
    assert created["tags"] == ["a", "b"]
    assert created["watchers"] == [{"id": agent.pk, "name": agent.name}]
    assert created == agent_api.get(f"tickets/{created['number']}").json()


def test_an_update_answers_from_what_it_wrote_without_reading_it_again(agent_api, agent, make_ticket):
    ticket = make_ticket(tags=["old"], watchers=[agent])
    agent_api.get("users/me")
    body = {"version": ticket.version, "priority": "P1", "tags": ["b", "a"], "watchers": [], "subject": "New"}
    with CaptureQueriesContext(connection) as queries:
        response = agent_api.patch(f"tickets/{ticket.number}", body)

    assert response.status_code == 200, response.content
    statements = [q["sql"].lstrip().upper() for q in queries]
    last_write = max(i for i, sql in enumerate(statements) if sql.startswith(("INSERT", "UPDATE", "DELETE")))
    reads_after = [sql for sql in statements[last_write + 1 :] if "SAVEPOINT" not in sql]
    assert reads_after == [], "the answer re-read what the service had just written"
    updated = response.json()
    assert (updated["subject"], updated["priority"]["code"], updated["tags"], updated["watchers"]) == (
        "New", "P1", ["a", "b"], [],
    )  # fmt: skip
    assert response["ETag"] == f'"{updated["version"]}"'
    assert updated == agent_api.get(f"tickets/{ticket.number}").json()
