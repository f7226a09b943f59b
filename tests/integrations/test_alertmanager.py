"""Alertmanager webhooks (payload version 4) → one ticket per fingerprint, through the HTTP endpoint."""

from __future__ import annotations

import copy

import pytest

from gongdan.integrations import services
from gongdan.integrations.models import AlertLink, Delivery
from gongdan.tickets.models import Priority, Status, Ticket, TicketEvent
from tests.integrations.conftest import captured

FIRING, RESOLVED = captured("alertmanager_captured.jsonl")


def alert_payload(
    fingerprint: str,
    *,
    status: str = "firing",
    severity: str = "critical",
    starts: str = "2026-11-27T05:29:51Z",
) -> dict:
    body = copy.deepcopy(FIRING if status == "firing" else RESOLVED)
    body["status"] = status
    alert = body["alerts"][0]
    alert.update(status=status, fingerprint=fingerprint, startsAt=starts)
    alert["labels"] = {**alert["labels"], "severity": severity, "instance": f"{fingerprint}:9100"}
    return body


@pytest.mark.django_db
def test_a_firing_alert_opens_one_ticket_with_the_mapped_priority(alertmanager, category):
    response = alertmanager.post(FIRING)

    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    ticket = Ticket.objects.get()
    assert ticket.subject == "Disk almost full on db1"
    assert ticket.priority.code == "P1"  # critical → P1 in the default table
    assert ticket.channel == "monitoring"
    assert ticket.category == category
    assert ticket.requester == alertmanager.integration.service_user
    assert "/var is 97% full" in ticket.description
    assert "efb0c6c488e007da" in ticket.description
    assert response.json()["tickets"] == {"efb0c6c488e007da": ticket.number}


@pytest.mark.django_db
def test_the_same_firing_again_changes_nothing(alertmanager):
    alertmanager.post(FIRING)
    ticket = Ticket.objects.get()
    events_before = TicketEvent.objects.count()

    for _ in range(3):  # repeat_interval re-sends, and retries
        response = alertmanager.post(FIRING)
        assert response.json()["unchanged"] == 1

    assert Ticket.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.version == 1
    assert TicketEvent.objects.count() == events_before


@pytest.mark.django_db
def test_resolved_adds_an_event_and_resolves_the_ticket(alertmanager):
    alertmanager.post(FIRING)

    response = alertmanager.post(RESOLVED)

    assert response.json()["resolved"] == 1
    ticket = Ticket.objects.get()
    assert ticket.status == Status.RESOLVED
    assert "reported the alert resolved" in ticket.resolution
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert "alert_resolved" in kinds and "transitioned" in kinds
    # the empty generatorURL of the resolving push did not wipe anything: the description is unchanged
    assert "http://prometheus.local/graph" in ticket.description
    # and the recovery delivered again is a no-op
    assert alertmanager.post(RESOLVED).json()["unchanged"] == 1


@pytest.mark.django_db
def test_resolved_keeps_the_ticket_open_when_the_admin_chose_so(alertmanager, admin_user):
    integration = alertmanager.integration
    services.integration_update(actor=admin_user, integration=integration, name=integration.name,
                                category=integration.category, resolve_on_recovery=False)  # fmt: skip
    alertmanager.post(FIRING)

    alertmanager.post(RESOLVED)

    ticket = Ticket.objects.get()
    assert ticket.status == Status.NEW
    assert ticket.events.filter(kind="alert_resolved").exists()


@pytest.mark.django_db
def test_a_refire_after_recovery_comments_on_and_reopens_the_same_ticket(alertmanager):
    alertmanager.post(FIRING)
    alertmanager.post(RESOLVED)

    again = alert_payload("efb0c6c488e007da", starts="2026-11-27T06:00:00Z")
    response = alertmanager.post(again)

    assert response.json()["refired"] == 1
    ticket = Ticket.objects.get()
    assert ticket.status == Status.IN_PROGRESS  # the resolved ticket came back
    comment = ticket.comments.get()
    assert "fired again" in comment.body and "2026-11-27T06:00:00Z" in comment.body
    assert AlertLink.objects.get().fire_count == 2


@pytest.mark.django_db
def test_a_problem_whose_ticket_was_closed_gets_a_new_ticket(alertmanager, agent):
    from gongdan.tickets.services import ticket_transition

    alertmanager.post(FIRING)
    alertmanager.post(RESOLVED)
    first = Ticket.objects.get()
    ticket_transition(actor=agent, ticket=first, action="close")

    alertmanager.post(alert_payload("efb0c6c488e007da", starts="2026-11-28T00:00:00Z"))

    assert Ticket.objects.count() == 2
    assert AlertLink.objects.get().ticket != first


@pytest.mark.django_db
def test_a_mixed_group_applies_each_alert_on_its_own(alertmanager):
    """A group stays "firing" while one alert resolves inside it (captured from a real Alertmanager)."""
    body = alert_payload("31c75a95459a981e")
    second = copy.deepcopy(body["alerts"][0])
    second.update(fingerprint="31bd5a9545924399", labels={**second["labels"], "instance": "p2"})
    body["alerts"].append(second)
    alertmanager.post(body)
    assert Ticket.objects.count() == 2

    body["alerts"][1].update(status="resolved", endsAt="2026-11-27T05:40:00Z")
    response = alertmanager.post(body)

    assert response.json() | {"tickets": None} == {
        "created": 0, "refired": 0, "resolved": 1, "unchanged": 1, "ignored": 0, "tickets": None,
        "unmapped_severities": [],
    }  # fmt: skip
    assert sorted(Ticket.objects.values_list("status", flat=True)) == [Status.NEW, Status.RESOLVED]


@pytest.mark.django_db
def test_an_unknown_severity_gets_the_default_priority_and_says_so(alertmanager, admin_user):
    integration = alertmanager.integration
    p3 = Priority.objects.get(code="P3")
    services.integration_update(actor=admin_user, integration=integration, name=integration.name,
                                category=integration.category, default_priority=p3)  # fmt: skip

    response = alertmanager.post(alert_payload("aaaa", severity="page-the-ceo"))

    assert response.status_code == 200
    assert response.json()["unmapped_severities"] == ["page-the-ceo"]
    ticket = Ticket.objects.get()
    assert ticket.priority == p3
    assert "page-the-ceo" in ticket.description and "default priority P3" in ticket.description
    event = ticket.events.get(kind="integration_severity_unmapped")
    assert event.data["severity"] == "page-the-ceo"


@pytest.mark.django_db
def test_an_admin_edited_severity_row_takes_effect(alertmanager, admin_user):
    p0 = Priority.objects.get(code="P0")
    services.severity_set(
        actor=admin_user, integration=alertmanager.integration, value="Page-The-CEO", priority=p0
    )

    alertmanager.post(alert_payload("bbbb", severity="page-the-ceo"))

    assert Ticket.objects.get().priority == p0


@pytest.mark.django_db
def test_a_recovery_for_an_unknown_problem_is_accepted_and_ignored(alertmanager):
    response = alertmanager.post(alert_payload("never-seen", status="resolved"))

    assert response.status_code == 200
    assert response.json()["ignored"] == 1
    assert not Ticket.objects.exists() and not AlertLink.objects.exists()


@pytest.mark.django_db
def test_every_delivery_is_logged_for_the_admin(alertmanager):
    alertmanager.post(FIRING)
    alertmanager.post(FIRING, secret="wrong")

    statuses = list(Delivery.objects.order_by("pk").values_list("status_code", flat=True))
    assert statuses == [200, 401]


@pytest.mark.django_db
def test_a_repeated_group_of_a_hundred_alerts_costs_a_handful_of_queries(
    alertmanager, django_assert_max_num_queries
):
    body = alert_payload("0")
    body["alerts"] = [dict(body["alerts"][0], fingerprint=f"{n:04x}") for n in range(100)]
    alertmanager.post(body)
    assert Ticket.objects.count() == 100

    with django_assert_max_num_queries(8):
        response = alertmanager.post(body)

    assert response.json()["unchanged"] == 100


@pytest.mark.django_db
def test_a_problem_whose_ticket_was_merged_follows_the_surviving_ticket(alertmanager, agent):
    from gongdan.tickets.services import ticket_merge

    alertmanager.post(alert_payload("aaaa"))
    alertmanager.post(alert_payload("bbbb"))
    first, second = Ticket.objects.order_by("pk")
    ticket_merge(actor=agent, duplicate=second, into=first)

    response = alertmanager.post(alert_payload("bbbb", starts="2026-11-27T09:00:00Z"))

    assert response.json()["refired"] == 1
    assert Ticket.objects.count() == 2
    assert "fired again" in first.comments.get().body
    assert AlertLink.objects.get(fingerprint="bbbb").ticket == first
