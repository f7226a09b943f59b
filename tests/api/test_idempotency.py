"""Retried POSTs with the same Idempotency-Key don't do the work twice."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from gongdan.api.idempotency import idempotency_records_purge
from gongdan.api.models import IdempotencyRecord
from gongdan.tickets.models import Comment, Ticket
from tests.api.conftest import ApiClient, assert_error


@pytest.mark.django_db
def test_same_key_twice_creates_one_ticket_and_replays(agent_api):
    body = {"subject": "VPN down"}
    first = agent_api.post("tickets", body, headers={"Idempotency-Key": "k-1"})
    second = agent_api.post("tickets", body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_key_reused_with_another_body_is_422(agent_api):
    assert (
        agent_api.post("tickets", {"subject": "one"}, headers={"Idempotency-Key": "k-2"}).status_code == 201
    )
    assert_error(
        agent_api.post("tickets", {"subject": "two"}, headers={"Idempotency-Key": "k-2"}),
        422,
        "idempotency_key_reused",
    )
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_user(agent, other_agent):
    for user in (agent, other_agent):
        assert (
            ApiClient(user)
            .post("tickets", {"subject": "same"}, headers={"Idempotency-Key": "shared"})
            .status_code
            == 201
        )
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_a_failed_request_can_be_retried_with_the_same_key(agent_api):
    assert_error(agent_api.post("tickets", {"subject": " "}, headers={"Idempotency-Key": "k-3"}), 422)
    assert agent_api.post("tickets", {"subject": " "}, headers={"Idempotency-Key": "k-3"}).status_code == 422
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.django_db
def test_comments_transitions_and_time_are_idempotent(agent_api, make_ticket):
    ticket = make_ticket()
    for _ in range(2):
        agent_api.post(
            f"tickets/{ticket.number}/comments", {"body": "hello"}, headers={"Idempotency-Key": "c"}
        )
        agent_api.post(
            f"tickets/{ticket.number}/time-entries", {"minutes": 5}, headers={"Idempotency-Key": "t"}
        )
    assert Comment.objects.filter(ticket=ticket).count() == 1
    assert ticket.time_entries.count() == 1


@pytest.mark.django_db
def test_bad_keys_are_refused(agent_api):
    assert_error(
        agent_api.post("tickets", {"subject": "x"}, headers={"Idempotency-Key": "k" * 300}),
        422,
        "invalid_idempotency_key",
    )


@pytest.mark.django_db
def test_old_records_are_purged(agent_api):
    agent_api.post("tickets", {"subject": "x"}, headers={"Idempotency-Key": "old"})
    agent_api.post("tickets", {"subject": "y"}, headers={"Idempotency-Key": "new"})
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency_records_purge() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_ticket(agent, category):
    client_tokens = [ApiClient(agent) for _ in range(6)]
    barrier = threading.Barrier(len(client_tokens))
    results: list[int] = []

    def send(client: ApiClient) -> None:
        try:
            barrier.wait()
            response = client.post("tickets", {"subject": "race"}, headers={"Idempotency-Key": "race"})
            results.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in client_tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Ticket.objects.filter(subject="race").count() == 1
    assert set(results) <= {201, 409} and 201 in results
