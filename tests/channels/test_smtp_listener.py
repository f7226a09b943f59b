"""The built-in inbound SMTP listener, driven by the stdlib SMTP client over a real socket."""

from __future__ import annotations

import smtplib
import socket

import pytest

from gongdan.channels.models import InboundMail, Mailbox
from gongdan.channels.smtp_listener import make_controller
from gongdan.tickets.models import Ticket
from tests.channels.conftest import make_mail

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def listener(db, settings):
    settings.GONGDAN_SMTP_MAX_BYTES = 200_000
    Mailbox.objects.create(
        name="Support", address="support@example.test", host="-", username="-", password="-"
    )
    port = _free_port()
    controller = make_controller("127.0.0.1", port)
    controller.start()
    yield port
    controller.stop()


def test_mail_delivered_by_smtp_becomes_a_ticket(listener):
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as client:
        refused = client.sendmail(
            "zhang.wei@customer.example", ["Support+it@Example.test"], make_mail().as_bytes()
        )

    assert refused == {}
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.requester.email, ticket.channel) == (
        "打印机卡纸",
        "zhang.wei@customer.example",
        "email",
    )


def test_the_listener_is_not_a_relay_and_refuses_oversized_mail(listener):
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as client:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            client.sendmail("a@customer.example", ["someone@elsewhere.example"], make_mail().as_bytes())
        assert refused.value.recipients["someone@elsewhere.example"][0] == 550
    with (
        smtplib.SMTP("127.0.0.1", listener, timeout=30) as client,
        pytest.raises((smtplib.SMTPDataError, smtplib.SMTPSenderRefused, smtplib.SMTPServerDisconnected)),
    ):
        client.sendmail(
            "a@customer.example", ["support@example.test"], make_mail(body="x" * 300_000).as_bytes()
        )
    assert not Ticket.objects.exists()
    assert not InboundMail.objects.exists()


def test_a_bounce_with_a_null_envelope_sender_opens_nothing(listener):
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as client:
        client.sendmail("<>", ["support@example.test"], make_mail(sender="bounces@mx.example").as_bytes())

    assert not Ticket.objects.exists()
    assert InboundMail.objects.get().reason == "bounce"
