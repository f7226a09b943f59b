"""notify(): in-app notices plus outbox email in each reader's language, delivered after commit."""

from __future__ import annotations

import pytest
from django.db import transaction

from gongdan.core.domain_errors import ValidationFailed
from gongdan.notifications.models import Notification
from gongdan.notifications.services import notify
from gongdan.outbox.models import OutboxMessage
from gongdan.outbox.threading import ticket_pk_from_headers, ticket_thread_root
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db

ESCALATION = {
    "target": "first_response",
    "step": "Team lead",
    "due_at": "2026-11-27T06:30:00+00:00",
    "percent": 80,
}


def test_an_english_reader_gets_an_english_mail_with_our_headers(
    mail, ticket, django_capture_on_commit_callbacks
):
    # Given an English-speaking agent with an address
    li = AgentFactory(username="li", language="en", time_zone="Asia/Shanghai")
    # When the SLA engine escalates
    with django_capture_on_commit_callbacks(execute=True):
        written = notify(recipients=[li], kind="sla_escalation", ticket=ticket, data=ESCALATION)
    # Then one in-app notice and one mail arrived, in English, with the due time in the reader's zone
    assert written == 2
    assert [n.user for n in Notification.objects.all()] == [li]
    (received,) = mail.messages
    assert (
        received["Subject"].strip()
        == f"[{ticket.number}] SLA warning: first response due 2026-11-27 14:30 (80% used)"
    )
    assert received["To"] == "li@example.com"
    assert received["From"] == "Gongdan <desk@gongdan.example>"
    assert received["Auto-Submitted"] == "auto-generated"
    assert received["X-Gongdan-Ticket"] == ticket.number
    # Threading headers from the shared contract, so the reply lands back on the ticket
    assert ticket_pk_from_headers([received["Message-ID"]]) == ticket.pk
    assert received["Message-ID"].endswith("@gongdan.example>")
    assert received["In-Reply-To"] == received["References"] == ticket_thread_root(ticket.pk)
    assert received["X-Gongdan-Idempotency-Key"] == OutboxMessage.objects.get().idempotency_key
    text = received.get_body(("plain",)).get_content()
    assert "Escalation step: Team lead" in text
    assert f"https://desk.example/tickets/{ticket.number}/" in text
    html = received.get_body(("html",)).get_content()
    assert "SLA warning: first response due 2026-11-27 14:30 (80% used)" in html
    assert OutboxMessage.objects.get().state == OutboxMessage.State.SENT


def test_a_chinese_reader_gets_a_chinese_mail(mail, ticket, django_capture_on_commit_callbacks):
    wang = AgentFactory(username="wang", language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[wang], kind="sla_breached", ticket=ticket,
               data={"target": "resolution", "due_at": "2026-11-27T06:30:00+00:00", "by_seconds": 3900})  # fmt: skip
    (received,) = mail.messages
    assert received["Subject"].strip() == f"[{ticket.number}] SLA 已违约：解决已超时 1 小时 5 分钟"


def test_mail_waits_for_the_commit_and_a_rollback_sends_nothing(
    mail, ticket, django_capture_on_commit_callbacks
):
    li = AgentFactory(username="li")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                notify(recipients=[li], kind="ticket_assigned", ticket=ticket)
                assert mail.messages == []  # nothing leaves before the commit
                raise RuntimeError("the caller failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.messages == []
    assert not OutboxMessage.objects.exists()
    assert not Notification.objects.exists()


def test_inactive_people_get_nothing_and_people_without_an_address_only_the_bell(ticket):
    gone = AgentFactory(username="gone", is_active=False)
    silent = AgentFactory(username="silent", email="")
    assert notify(recipients=[gone, silent, silent], kind="ticket_assigned", ticket=ticket) == 1
    assert [n.user for n in Notification.objects.all()] == [silent]
    assert not OutboxMessage.objects.exists()


def test_without_smtp_the_mail_stays_pending(settings, ticket, django_capture_on_commit_callbacks):
    settings.GONGDAN_SMTP_URL = ""
    li = AgentFactory(username="li")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[li], kind="ticket_assigned", ticket=ticket)
    message = OutboxMessage.objects.get()
    assert message.state == OutboxMessage.State.PENDING
    assert message.attempts == 0


def test_an_unknown_kind_or_odd_data_gives_a_generic_message(
    mail, ticket, django_capture_on_commit_callbacks
):
    li = AgentFactory(username="li")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[li], kind="something_new", ticket=ticket, data={"x": 1})
        notify(
            recipients=[li], kind="sla_escalation", ticket=ticket, data={"percent": "lots", "due_at": None}
        )
    subjects = sorted(m["Subject"].strip() for m in mail.messages)
    assert subjects == sorted([f"[{ticket.number}] There is news about this ticket",
                               f"[{ticket.number}] SLA warning: a service target"])  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "data"), [("", None), ("x" * 61, None), ("ticket_assigned", ["not", "a", "dict"])]
)
def test_bad_input_is_refused_and_writes_nothing(ticket, kind, data):
    li = AgentFactory(username="li")
    with pytest.raises(ValidationFailed):
        notify(recipients=[li], kind=kind, ticket=ticket, data=data)
    assert not Notification.objects.exists()
