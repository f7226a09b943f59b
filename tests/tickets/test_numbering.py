"""Ticket numbers: human-readable, configurable, unique and gap-free even under concurrent creators."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from gongdan.accounts.models import User
from gongdan.tickets.models import Ticket
from gongdan.tickets.services import ticket_create
from gongdan.tickets.services.configuration import numbering_update
from tests.factories import AgentFactory, RequesterFactory


@pytest.mark.django_db
def test_numbers_follow_the_configured_format(requester, admin_user):
    year = timezone.localtime().year
    first = ticket_create(actor=requester, subject="one")
    second = ticket_create(actor=requester, subject="two")
    assert (first.number, second.number) == (f"GD-{year}-000001", f"GD-{year}-000002")

    numbering_update(actor=admin_user, prefix="IT", include_year=False, digits=4)  # seen at once
    assert ticket_create(actor=requester, subject="three").number == "IT-0001"


@pytest.mark.django_db
def test_a_rolled_back_create_gives_its_number_back(requester):
    year = timezone.localtime().year
    ticket_create(actor=requester, subject="kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_create(actor=requester, subject="rolled back")
        raise RuntimeError("the caller failed after creating")
    after = ticket_create(actor=requester, subject="next")
    assert after.number == f"GD-{year}-000002"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_creators_get_fifty_consecutive_numbers():
    agent = AgentFactory(username="numbering_agent")
    requester = RequesterFactory(username="numbering_requester")
    creators = 50
    barrier = threading.Barrier(creators)
    errors: list[BaseException] = []

    def create(index: int) -> None:
        try:
            actor = User.objects.get(pk=agent.pk)
            barrier.wait(timeout=30)
            ticket_create(actor=actor, requester=requester, subject=f"concurrent {index}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(creators)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in Ticket.objects.values_list("number", flat=True))
    assert numbers == list(range(1, creators + 1))
