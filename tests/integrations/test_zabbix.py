"""Zabbix events from our media type → one ticket per problem event id."""

from __future__ import annotations

import copy

import pytest

from gongdan.tickets.models import Status, Ticket
from tests.integrations.conftest import captured

PROBLEM, RECOVERY = captured("zabbix_captured.jsonl")


@pytest.mark.django_db
def test_a_problem_opens_a_ticket_and_answers_its_number_for_the_event_tag(zabbix):
    response = zabbix.post(PROBLEM)

    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get()
    assert response.json()["result"] == "created"
    assert response.json()["id"] == ticket.number
    assert response.json()["url"].endswith(f"/tickets/{ticket.number}/")
    assert ticket.subject == "Problem: Pump P1 pressure low"
    assert ticket.priority.code == "P1"  # "High" in the default Zabbix table
    assert "Host: plc-01" in ticket.description and "site:north" in ticket.description
    # the unresolved {EVENT.TAGS.__zbx_wo_id} macro was treated as absent, not as text
    assert "{EVENT" not in ticket.description


@pytest.mark.django_db
def test_the_same_problem_sent_twice_is_one_ticket(zabbix):
    zabbix.post(PROBLEM)
    response = zabbix.post(PROBLEM)

    assert response.json()["result"] == "unchanged"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_the_recovery_resolves_the_problems_ticket(zabbix):
    zabbix.post(PROBLEM)

    response = zabbix.post(RECOVERY)

    assert response.json()["result"] == "resolved"
    assert Ticket.objects.get().status == Status.RESOLVED


@pytest.mark.django_db
def test_an_update_comments_on_the_ticket(zabbix):
    zabbix.post(PROBLEM)
    update = copy.deepcopy(PROBLEM) | {
        "kind": "update",
        "message": "Acknowledged by Zhang: valve team on site",
    }

    response = zabbix.post(update)

    assert response.json()["result"] == "commented"
    assert Ticket.objects.get().comments.get().body == "Acknowledged by Zhang: valve team on site"


@pytest.mark.django_db
def test_severity_falls_back_to_the_numeric_one_when_the_name_macro_is_unresolved(zabbix):
    zabbix.post(copy.deepcopy(PROBLEM) | {"severity": "{EVENT.SEVERITY}", "nseverity": "5"})

    assert Ticket.objects.get().priority.code == "P0"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "explode"}, "kind"),
        ({"event_id": "{EVENT.ID}"}, "event_id"),
        ({"event_id": "12; drop"}, "event_id"),
    ],
)
def test_a_malformed_event_is_422_and_writes_nothing(zabbix, change, field):
    response = zabbix.post(copy.deepcopy(PROBLEM) | change)

    assert response.status_code == 422
    assert field in response.json()["error"]["details"]
    assert not Ticket.objects.exists()
