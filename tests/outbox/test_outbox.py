"""The outbox: claims, retries with backoff, dead after the last attempt, leases, the admin's retry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from gongdan.core.domain_errors import Conflict, PermissionDenied
from gongdan.notifications.services import notify
from gongdan.outbox import services as outbox
from gongdan.outbox.models import OutboxMessage
from gongdan.outbox.services import outbox_retry
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db
State = OutboxMessage.State


@pytest.fixture
def message(ticket):
    notify(recipients=[AgentFactory(username="li")], kind="ticket_assigned", ticket=ticket)
    return OutboxMessage.objects.get()


def later(minutes: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(minutes=minutes)


def test_a_refusing_server_means_retries_with_backoff_then_delivery(mail, message):
    # Given a server that answers 451 (try again later)
    mail.refuse_with = "451 4.3.0 Mailbox temporarily unavailable"
    # When the first attempt runs
    assert outbox.deliver(message.pk) == State.FAILED
    message.refresh_from_db()
    assert message.attempts == 1
    assert "451" in message.last_error
    first_retry = message.next_attempt_at
    assert first_retry > timezone.now() + dt.timedelta(seconds=20)
    # Then the sweep does not retry before the backoff has passed
    assert outbox.deliver_due() == {}
    # And once it has, a second failure waits longer
    assert outbox.deliver_due(now=first_retry) == {State.FAILED: 1}
    message.refresh_from_db()
    assert message.next_attempt_at - first_retry > dt.timedelta(seconds=50)
    # When the server accepts again, the next retry delivers it once
    mail.refuse_with = None
    assert outbox.deliver_due(now=later(10)) == {State.SENT: 1}
    assert outbox.deliver_due(now=later(60)) == {}
    assert len(mail.messages) == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (State.SENT, 3, "")
    assert message.sent_at is not None


def test_dead_after_the_last_attempt(mail, message, settings):
    settings.GONGDAN_OUTBOX_MAX_ATTEMPTS = 3
    mail.refuse_with = "451 4.3.0 try later"
    assert outbox.deliver(message.pk) == State.FAILED
    assert outbox.deliver_due(now=later(5)) == {State.FAILED: 1}
    assert outbox.deliver_due(now=later(30)) == {State.DEAD: 1}
    assert outbox.deliver_due(now=later(600)) == {}
    assert mail.refusals == 3
    message.refresh_from_db()
    assert message.state == State.DEAD


def test_a_permanent_refusal_is_dead_at_once(mail, message):
    mail.refuse_with = "550 5.1.1 No such user"
    assert outbox.deliver(message.pk) == State.DEAD
    message.refresh_from_db()
    assert "550" in message.last_error


def test_an_unreachable_server_is_retried(settings, message):
    settings.GONGDAN_SMTP_URL = "smtp://127.0.0.1:1"
    assert outbox.deliver(message.pk) == State.FAILED
    message.refresh_from_db()
    assert "Connection" in message.last_error or "refused" in message.last_error.lower()


def test_a_message_is_sent_once_even_if_delivered_twice(mail, message):
    assert outbox.deliver(message.pk) == State.SENT
    assert outbox.deliver(message.pk) is None
    assert outbox.deliver_due(now=later(120)) == {}
    assert len(mail.messages) == 1


def test_a_claimed_message_is_left_alone_until_its_lease_runs_out(mail, message):
    # Given a consumer that claimed the message and then died (kill -9) before sending
    assert outbox.claim(message.pk) is not None
    # Then no one else sends it while the lease holds
    assert outbox.deliver(message.pk) is None
    assert outbox.deliver_due(now=later(1)) == {}
    # And the sweep takes it over once the lease has run out, and sends it once
    assert outbox.deliver_due(now=later(6)) == {State.SENT: 1}
    assert len(mail.messages) == 1
    message.refresh_from_db()
    assert message.attempts == 2


def test_the_dead_consumer_cannot_overwrite_the_new_owners_result(mail, message):
    stale = outbox.claim(message.pk)
    assert outbox.deliver_due(now=later(6)) == {State.SENT: 1}
    # The first consumer wakes up and tries to record a failure with its old claim: nothing changes
    OutboxMessage.objects.filter(pk=message.pk, state=State.SENDING, attempts=stale.attempts).update(
        state=State.FAILED
    )
    message.refresh_from_db()
    assert message.state == State.SENT


def test_the_same_idempotency_key_writes_one_message(ticket):
    kwargs = {"channel": "email", "address": "a@example.com", "subject": "s", "body_text": "b",
              "idempotency_key": "k-1", "ticket": ticket}  # fmt: skip
    first = outbox.outbox_enqueue(**kwargs)
    second = outbox.outbox_enqueue(**kwargs)
    assert first.pk == second.pk
    assert OutboxMessage.objects.filter(idempotency_key="k-1").count() == 1


def test_an_admin_retries_a_dead_message(
    mail, message, admin_user, agent, settings, django_capture_on_commit_callbacks
):
    mail.refuse_with = "550 5.1.1 No such user"
    outbox.deliver(message.pk)
    with pytest.raises(PermissionDenied):
        outbox_retry(actor=agent, message_id=message.pk)
    mail.refuse_with = None
    with django_capture_on_commit_callbacks(execute=True):
        outbox_retry(actor=admin_user, message_id=message.pk)
    message.refresh_from_db()
    assert message.state == State.SENT
    with pytest.raises(Conflict):
        outbox_retry(actor=admin_user, message_id=message.pk)


def test_the_lead_smtp_url_forms_are_understood():
    from gongdan.outbox.delivery.email import parse_smtp_url

    tls = parse_smtp_url("smtp://desk%40corp.cn:p%40ss@mail.corp.cn:587?starttls=1")
    assert (tls.host, tls.port, tls.username, tls.password, tls.use_tls, tls.use_ssl) == (
        "mail.corp.cn", 587, "desk@corp.cn", "p@ss", True, False)  # fmt: skip
    ssl = parse_smtp_url("smtps://u:p@smtp.exmail.qq.com")
    assert (ssl.port, ssl.use_ssl, ssl.use_tls) == (465, True, False)
    assert parse_smtp_url("") is None
    with pytest.raises(ValueError, match="smtp://"):
        parse_smtp_url("http://nope")
