"""Outgoing webhooks: Standard Webhooks signatures checked by a local receiver, retries with the same
webhook-id until a 2xx and none after it, the delivery log and replay, and the SSRF guard."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from gongdan.core.domain_errors import ValidationFailed
from gongdan.notifications import services as notification_services
from gongdan.notifications.models import NotificationRule
from gongdan.notifications.rules import process_events
from gongdan.outbox import services as outbox_services
from gongdan.outbox.delivery import network
from gongdan.outbox.models import AllowedNetwork, DeliveryAttempt, OutboxMessage, Webhook
from gongdan.outbox.services import deliver, deliver_due
from gongdan.tickets.services import ticket_create
from tests.outbox.receivers import Receiver, verify_standard_webhook

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(settings):
    settings.SITE_URL = "https://desk.example"
    NotificationRule.objects.all().delete()


@pytest.fixture
def loopback_allowed(db):
    AllowedNetwork.objects.create(value="127.0.0.1/32")


def scripted(*statuses: int):
    """Answers with these statuses in turn, then 200 for ever."""
    queue = list(statuses)

    def respond(got):
        status = queue.pop(0) if queue else 200
        return status, json.dumps({"status": status}).encode(), {"Content-Type": "application/json"}

    return respond


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(respond) -> Receiver:
        made.append(Receiver(respond).start())
        return made[-1]

    yield make
    for r in made:
        r.stop()


def hook_for(admin_user, url: str, event: str = "created") -> Webhook:
    hook = outbox_services.webhook_create(actor=admin_user, name="CRM", url=url)
    notification_services.rule_create(actor=admin_user, name=f"to {hook.name}", event=event, recipients=[], channels=[],
                             webhooks=[hook])  # fmt: skip
    return hook


def test_a_webhook_carries_the_event_and_the_ticket_signed_as_standard_webhooks(
    loopback_allowed, receiver, admin_user, agent, team, django_capture_on_commit_callbacks
):
    server = receiver(scripted())
    hook = hook_for(admin_user, server.url("/hooks/gongdan?src=gd"))
    assert hook.secret.startswith("whsec_")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=agent, subject="Chiller alarm", team=team)
    with django_capture_on_commit_callbacks(execute=True):
        process_events()
    (got,) = server.requests
    assert got.path == "/hooks/gongdan" and got.query == {"src": "gd"}
    assert got.headers["content-type"] == "application/json"
    assert got.headers["webhook-id"].startswith("msg_")
    assert verify_standard_webhook(hook.secret, got)
    assert not verify_standard_webhook("whsec_" + "A" * 32, got)  # a different secret does not verify
    body = got.json
    assert body["type"] == "ticket.created"
    assert body["data"]["ticket"]["number"] == ticket.number
    assert body["data"]["ticket"]["subject"] == "Chiller alarm"
    assert body["data"]["ticket"]["url"] == f"https://desk.example/tickets/{ticket.number}/"
    assert body["data"]["event"]["kind"] == "created"
    assert body["data"]["event"]["actor"]["name"] == agent.name
    (message,) = OutboxMessage.objects.filter(channel="webhook")
    assert message.state == "sent"
    (log,) = DeliveryAttempt.objects.all()
    assert (log.status_code, log.succeeded, log.attempt) == (200, True, 1)
    assert '"status": 200' in log.response_excerpt


def test_three_500s_then_a_200_delivers_once_with_the_same_id_and_nothing_after(
    loopback_allowed, receiver, admin_user, agent, team
):
    server = receiver(scripted(500, 500, 500))
    hook = hook_for(admin_user, server.url("/in"))
    ticket_create(actor=agent, subject="Retry me", team=team)
    process_events()
    (message,) = OutboxMessage.objects.filter(channel="webhook")
    now = timezone.now()
    states = []
    for _ in range(10):  # the consumer comes back whenever the backoff says
        message.refresh_from_db()
        if message.state == "sent":
            break
        now = max(now, message.next_attempt_at) + dt.timedelta(seconds=1)
        states.append(deliver(message.pk, now=now))
    assert states == ["failed", "failed", "failed", "sent"]
    assert len(server.requests) == 4
    assert len({r.headers["webhook-id"] for r in server.requests}) == 1
    assert all(verify_standard_webhook(hook.secret, r) for r in server.requests)
    assert len({r.body for r in server.requests}) == 1  # the same bytes each time
    # The backoff grew: 30 s, 60 s, 120 s between attempts
    logs = list(DeliveryAttempt.objects.filter(message=message).order_by("attempt"))
    assert [entry.status_code for entry in logs] == [500, 500, 500, 200]
    # Nothing is sent after the 200, however often the sweep runs
    deliver_due(now=now + dt.timedelta(hours=5))
    deliver(message.pk, now=now + dt.timedelta(hours=6))
    assert len(server.requests) == 4


def test_the_admin_replays_a_delivery_with_the_same_id(loopback_allowed, receiver, admin_user, agent, team,
                                                       django_capture_on_commit_callbacks):  # fmt: skip
    server = receiver(scripted())
    hook_for(admin_user, server.url("/in"))
    ticket_create(actor=agent, subject="Replay", team=team)
    with django_capture_on_commit_callbacks(execute=True):
        process_events()
    (message,) = OutboxMessage.objects.filter(channel="webhook")
    with django_capture_on_commit_callbacks(execute=True):
        outbox_services.delivery_replay(actor=admin_user, message_id=message.pk)
    assert len(server.requests) == 2
    assert server.requests[0].headers["webhook-id"] == server.requests[1].headers["webhook-id"]
    assert DeliveryAttempt.objects.filter(message=message).count() == 2


def test_redirects_are_not_followed(loopback_allowed, receiver, admin_user, agent, team):
    target = receiver(scripted())
    bouncer = receiver(lambda got: (302, b"", {"Location": target.url("/stolen")}))
    hook_for(admin_user, bouncer.url("/in"))
    ticket_create(actor=agent, subject="Redirect", team=team)
    process_events()
    (message,) = OutboxMessage.objects.filter(channel="webhook")
    assert deliver(message.pk) == "failed"
    assert target.requests == []
    assert DeliveryAttempt.objects.get().status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/x",
        "http://localhost:9/x",
        "http://10.1.2.3/x",
        "http://192.168.1.1/x",
        "http://172.16.0.1/x",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://224.0.0.1/x",
        "http://0.0.0.0/x",
        "http://[fe80::1]/x",
        "ftp://example.com/x",
        "http://user:pw@example.com/x",
    ],
)
def test_the_ssrf_guard_refuses_internal_addresses(url, admin_user):
    with pytest.raises(network.Refused):
        network.check_url(url)
    with pytest.raises(ValidationFailed) as refused:
        outbox_services.webhook_create(actor=admin_user, name="Evil", url=url)
    assert "url" in refused.value.details
    assert not Webhook.objects.exists()


def test_an_allow_listed_network_or_host_may_be_called(admin_user):
    outbox_services.allow_list_set(actor=admin_user, entries=["10.0.0.0/8", "LOCALHOST"])
    assert network.check_url("http://10.1.2.3/x").address.exploded == "10.1.2.3"
    assert network.check_url("http://localhost:8080/x").port == 8080
    with pytest.raises(network.Refused):
        network.check_url("http://192.168.1.1/x")
    with pytest.raises(ValidationFailed):
        outbox_services.allow_list_set(actor=admin_user, entries=["not a host!", "10.0.0.0/8"])
    assert sorted(AllowedNetwork.objects.values_list("value", flat=True)) == ["10.0.0.0/8", "localhost"]


def test_the_guard_is_checked_again_on_every_delivery(receiver, admin_user, agent, team):
    # Given a webhook to a loopback receiver that was allowed when it was made
    server = receiver(scripted())
    AllowedNetwork.objects.create(value="127.0.0.1")
    hook_for(admin_user, server.url("/in"))
    ticket_create(actor=agent, subject="Guard", team=team)
    process_events()
    # When the admin takes loopback off the allow-list before the delivery
    outbox_services.allow_list_set(actor=admin_user, entries=[])
    (message,) = OutboxMessage.objects.filter(channel="webhook")
    # Then nothing is sent and the message is dead with the reason
    assert deliver(message.pk) == "dead"
    assert server.requests == []
    message.refresh_from_db()
    assert "non-public address" in message.last_error
    assert "refused" in DeliveryAttempt.objects.get().error


def test_a_bad_secret_is_refused(loopback_allowed, admin_user):
    with pytest.raises(ValidationFailed) as bad:
        outbox_services.webhook_create(
            actor=admin_user, name="x", url="http://127.0.0.1:9/", secret="hunter2"
        )
    assert "secret" in bad.value.details
