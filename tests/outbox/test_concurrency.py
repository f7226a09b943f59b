"""Two workers at once on PostgreSQL (threads with their own connections): one page per ticket, one send
per message, one repeat per due time. (SQLite's in-memory test database cannot run writers side by side;
the real-consumer tests cover a SQLite file.)"""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from gongdan.notifications.models import Notification
from gongdan.notifications.services import notify
from gongdan.oncall.models import Page
from gongdan.oncall.services import page_on_call, page_repeat
from gongdan.outbox import services as outbox
from gongdan.outbox.models import OutboxMessage
from tests.factories import AgentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
WANG_DAY = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)


def together(function, count: int = 2) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = function()
        except Exception as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_pagers_at_once_open_one_page(schedule, ticket):
    with mock.patch.object(timezone, "now", return_value=WANG_DAY):
        results = together(lambda: page_on_call(ticket=ticket, reason="P0"))
    assert all(isinstance(r, Page) for r in results), results
    assert results[0].pk == results[1].pk
    assert Page.objects.count() == 1
    assert ticket.events.filter(kind="oncall_paged").count() == 1


def test_two_consumers_deliver_a_message_once(mail, ticket, settings):
    settings.GONGDAN_SMTP_URL = ""  # so that the commit does not deliver it at once (tasks run inline here)
    notify(recipients=[AgentFactory(username="li")], kind="ticket_assigned", ticket=ticket)
    settings.GONGDAN_SMTP_URL = mail.url
    message = OutboxMessage.objects.get()
    results = together(lambda: outbox.deliver(message.pk))
    assert sorted(results, key=str) == sorted([None, OutboxMessage.State.SENT], key=str)
    assert len(mail.messages) == 1


def test_a_due_repeat_rings_once_with_two_consumers(schedule, ticket, oncall_people):
    with mock.patch.object(timezone, "now", return_value=WANG_DAY):
        page = page_on_call(ticket=ticket, reason="P0")
    later = WANG_DAY + dt.timedelta(minutes=5)
    with mock.patch.object(timezone, "now", return_value=later):
        results = together(lambda: page_repeat(page_id=page.pk))
    assert sorted(results, key=str) == [False, True], results
    assert Notification.objects.filter(user=oncall_people[0]).count() == 2
