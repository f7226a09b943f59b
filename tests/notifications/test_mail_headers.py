"""Mail headers are built from cleaned values: a name with a line break in it neither stops the mail nor adds
a header or a recipient (issue 12, item 6)."""

from __future__ import annotations

import pytest
from django.utils import translation

from gongdan.accounts.models import User
from gongdan.accounts.services import user_update
from gongdan.core.domain_errors import ValidationFailed
from gongdan.notifications.services import notify
from gongdan.outbox import services as outbox
from gongdan.outbox.models import OutboxMessage
from gongdan.tickets.services import ticket_comment

INJECTED = "Eve\r\nBcc: x@evil.example"

pytestmark = pytest.mark.django_db


def _store_name(user: User, name: str) -> User:
    """A row written before names were checked at the edge (the service now refuses this name)."""
    User.objects.filter(pk=user.pk).update(display_name=name)
    user.refresh_from_db()
    return user


def _no_injection(mail, address: str) -> None:
    for message, (_sender, recipients), raw in zip(mail.messages, mail.envelopes, mail.raw, strict=True):
        assert recipients == [address]
        assert message["Bcc"] is None and message["Cc"] is None
        head = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0]  # the message's own header block
        assert not [line for line in head.splitlines() if line[:4].lower() in (b"bcc:", b"cc: ")]
        assert message.get_all("To") == [address]


def test_a_person_whose_stored_name_has_a_line_break_still_gets_their_mail(mail, agent, requester):
    # Given an agent whose stored display name carries a CR LF and a Bcc header
    eve = _store_name(agent, INJECTED)
    # When a notice quoting that name in its subject is sent to them
    notify(recipients=[eve], kind="ticket_assigned", data={"by": eve.name, "assignee_id": eve.pk})
    message = OutboxMessage.objects.get(address=eve.email)
    # Then the mail is built and accepted by the SMTP server, once, to them alone, with no extra header
    assert outbox.deliver(message.pk) == OutboxMessage.State.SENT
    assert len(mail.messages) == 1
    _no_injection(mail, eve.email)
    assert mail.messages[0]["Subject"] == "Assigned to you by Eve Bcc: x@evil.example"


def test_mails_about_that_persons_ticket_reach_the_others(mail, agent, requester, ticket):
    # Given a requester whose stored name has a line break, replying on their ticket
    eve = _store_name(requester, "Eve\nBcc: x@evil.example\r")
    notify(
        recipients=[agent], kind="ticket_commented", ticket=ticket, data={"actor": eve.name, "excerpt": "hi"}
    )
    ticket_comment(actor=eve, ticket=ticket, body="Still broken")
    # Then every mail written for the agent is delivered, one line of subject, no injected recipient
    messages = list(OutboxMessage.objects.filter(channel="email", address=agent.email))
    assert messages
    for message in messages:
        assert outbox.deliver(message.pk) == OutboxMessage.State.SENT
    _no_injection(mail, agent.email)
    assert any("Eve Bcc: x@evil.example replied" in str(m["Subject"]) for m in mail.messages)


def test_a_row_already_stored_with_a_bad_subject_and_headers_is_still_sent(mail, agent, settings):
    # Given an outbox row written before the fix: CR LF in its subject and in a header value
    settings.GONGDAN_MAIL_FROM = "工单\r\nBcc: x@evil.example <desk@gongdan.example>"
    message = outbox.outbox_enqueue(
        channel="email", address=agent.email, subject="Printer\r\nBcc: x@evil.example", body_text="Body",
        headers={"X-Gongdan-Kind": "k\r\nBcc: x@evil.example", "Bcc": "x@evil.example",
                 "Reply-To": "help@gongdan.example\r\nCc: x@evil.example", "Bad Name:": "x"},
        idempotency_key="legacy-1",
    )  # fmt: skip
    # When it is delivered
    assert outbox.deliver(message.pk) == OutboxMessage.State.SENT
    # Then nothing in it became a header or a recipient of its own
    _no_injection(mail, agent.email)
    sent = mail.messages[0]
    assert sent["Subject"] == "Printer Bcc: x@evil.example"
    assert sent["X-Gongdan-Kind"] == "k Bcc: x@evil.example"
    assert sent["Reply-To"] is None  # not one address: dropped rather than sent somewhere else
    assert sent["From"].addresses[0].addr_spec == "desk@gongdan.example"
    assert sent["From"].addresses[0].display_name == "工单 Bcc: x@evil.example"


def test_a_row_whose_address_carries_a_line_break_is_dead_at_once(mail, agent):
    message = outbox.outbox_enqueue(channel="email", address=f"{agent.email}\r\nBcc: x@evil.example",
                                    subject="Hello", body_text="Body", idempotency_key="legacy-2")  # fmt: skip
    assert outbox.deliver(message.pk) == OutboxMessage.State.DEAD
    assert mail.messages == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Use one line of text"), ("zh-hans", "请只填写一行文字")],
)
def test_names_with_control_characters_are_refused_where_they_are_typed(agent, language, expected):
    for bad in (INJECTED, "Eve\tAdams", "Eve\u202eevE", "Eve\x00"):
        with translation.override(language), pytest.raises(ValidationFailed) as refused:
            user_update(actor=agent, user=agent, display_name=bad)
        assert expected in str(refused.value.details["display_name"][0])
    agent.refresh_from_db()
    assert agent.display_name != INJECTED
    assert user_update(actor=agent, user=agent, display_name=" Eve Adams ").display_name == "Eve Adams"
