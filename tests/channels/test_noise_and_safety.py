"""Mail that must not open tickets doesn't; the same mail twice is one ticket; what can't be read is kept
for an admin to retry; inbound mail never carries authority. Through a real dovecot over IMAPS."""

from __future__ import annotations

import pytest

from gongdan.channels import imap, services
from gongdan.channels.models import InboundMail
from gongdan.outbox.threading import subject_tag, ticket_message_id
from gongdan.tickets import services as tickets
from gongdan.tickets.models import Priority, Ticket
from tests.channels.conftest import make_mail

pytestmark = pytest.mark.django_db


def poll(mailbox):
    result = imap.poll(mailbox.pk)
    assert result.error == "", result.error
    return result


NOISE = {
    "auto-submitted": ({"Auto-Submitted": "auto-replied"}, {}, "auto_reply"),
    "x-autoreply": ({"X-Autoreply": "yes"}, {}, "auto_reply"),
    "x-autorespond": ({"X-Autorespond": "vacation"}, {}, "auto_reply"),
    "precedence-bulk": ({"Precedence": "bulk"}, {}, "auto_reply"),
    "precedence-junk": ({"Precedence": "junk"}, {}, "auto_reply"),
    "precedence-list": ({"Precedence": "list"}, {}, "auto_reply"),
    "empty-return-path": ({"Return-Path": "<>"}, {}, "bounce"),
    "mailer-daemon": ({}, {"sender": "Mail Delivery System <MAILER-DAEMON@mx.customer.example>"}, "bounce"),
    "our-sender-address": ({}, {"sender": "Gongdan <gongdan@helpdesk.example.test>"}, "loop"),
    "another-mailbox-of-ours": ({}, {"sender": "support@example.test"}, "loop"),
    "our-notification-headers": (
        {"X-Gongdan-Kind": "commented", "X-Gongdan-Idempotency-Key": "k1"},
        {},
        "loop",
    ),
    "our-signed-message-id": ({}, {"message_id": ticket_message_id(1)}, "loop"),
}


@pytest.mark.parametrize(("headers", "fields", "reason"), NOISE.values(), ids=NOISE.keys())
def test_automatic_mail_bounces_and_our_own_mail_open_no_ticket(dovecot, mailbox, headers, fields, reason):
    dovecot.append(make_mail(headers=headers, **fields).as_bytes(), folder=mailbox.folder)

    poll(mailbox)

    assert not Ticket.objects.exists()
    record = InboundMail.objects.get()
    assert (record.state, record.reason) == (InboundMail.State.IGNORED, reason)
    assert dovecot.uids(mailbox.folder) == []  # handled: not fetched again and again


def test_auto_submitted_no_is_a_person(dovecot, mailbox):
    dovecot.append(make_mail(headers={"Auto-Submitted": "no"}).as_bytes(), folder=mailbox.folder)
    poll(mailbox)
    assert Ticket.objects.count() == 1


def test_a_delivery_status_report_is_a_bounce(dovecot, mailbox):
    raw = (
        b"From: postmaster@mx.customer.example\r\nTo: support@example.test\r\nSubject: Undelivered Mail\r\n"
        b"Message-ID: <dsn-1@mx.customer.example>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; nobody@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n--B--\r\n"
    )
    dovecot.append(raw, folder=mailbox.folder)
    poll(mailbox)
    assert not Ticket.objects.exists()
    assert InboundMail.objects.get().reason == "bounce"


def test_the_same_mail_fetched_twice_opens_one_ticket(dovecot, mailbox):
    # Given the same mail delivered twice (a client's retry), and the mailbox's UID memory lost (new server)
    mail = make_mail(message_id="<same-mail@customer.example>").as_bytes()
    dovecot.append(mail, mail, folder=mailbox.folder)
    poll(mailbox)
    mailbox.refresh_from_db()
    mailbox.last_uid = 0
    mailbox.processed_folder = ""
    mailbox.save()
    dovecot.append(mail, folder=mailbox.folder)

    # When everything is fetched again
    poll(mailbox)

    # Then there is one ticket and one record of the mail
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.count() == 1


def test_unreadable_mail_is_quarantined_and_a_failed_one_is_retried_after_the_admin_fixes_the_mailbox(
    dovecot, mailbox, team, admin_user
):
    # Given a mail with no sender at all, and a good mail arriving while the mailbox's team is deactivated
    garbage = (
        b"Subject: \xff\xfe broken\r\nMessage-ID: <broken@x>\r\nContent-Type: multipart/mixed\r\n\r\n\x81\x01"
    )
    mailbox.default_team = team
    mailbox.save()
    team.is_active = False
    team.save()
    dovecot.append(garbage, make_mail(message_id="<good@customer.example>").as_bytes(), folder=mailbox.folder)

    poll(mailbox)

    # Then neither opened a ticket; both are quarantined with their bytes and a reason, and the inbox is empty
    assert not Ticket.objects.exists()
    unreadable, failed = InboundMail.objects.order_by("uid")
    assert (unreadable.state, unreadable.reason) == ("quarantined", "unreadable")
    assert bytes(unreadable.raw) == garbage
    assert "no usable sender" in unreadable.detail
    assert (failed.state, failed.reason) == ("quarantined", "failed")
    assert "no longer in use" in failed.detail
    assert dovecot.uids(mailbox.folder) == []

    # When the admin reactivates the team and retries both
    team.is_active = True
    team.save()
    services.mail_retry(actor=admin_user, mail_id=failed.pk)
    services.mail_retry(actor=admin_user, mail_id=unreadable.pk)

    # Then the good mail became a ticket for that team; the unreadable one stays quarantined, tried twice
    failed.refresh_from_db()
    unreadable.refresh_from_db()
    assert failed.state == "ticket" and failed.ticket.team == team
    assert (unreadable.state, unreadable.attempts) == ("quarantined", 2)
    assert Ticket.objects.count() == 1


def test_only_an_admin_retries_quarantined_mail(mailbox, agent):
    record = services.mail_receive(mailbox=mailbox, raw=b"Subject: x\r\n\r\nno sender")
    from gongdan.core.domain_errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.mail_retry(actor=agent, mail_id=record.pk)


def test_an_oversized_mail_is_refused_without_being_downloaded_and_stays_on_the_server(dovecot, mailbox):
    mailbox.max_mail_bytes = 10_000
    mailbox.processed_folder = ""
    mailbox.save()
    dovecot.append(make_mail(subject="Huge", body="x" * 50_000).as_bytes(), folder=mailbox.folder)

    poll(mailbox)

    assert not Ticket.objects.exists()
    record = InboundMail.objects.get()
    assert (record.state, record.reason, record.subject) == ("rejected", "too_large", "Huge")
    assert record.size > 50_000 and len(bytes(record.raw)) < 2_000  # only the headers were fetched
    assert len(dovecot.uids(mailbox.folder)) == 1


@pytest.mark.parametrize(("ignore_cc_only", "tickets_opened"), [(True, 0), (False, 1)])
def test_mail_where_our_address_is_only_in_cc(dovecot, mailbox, ignore_cc_only, tickets_opened):
    mailbox.ignore_cc_only = ignore_cc_only
    mailbox.save()
    mail = make_mail(to="colleague@customer.example", headers={"Cc": "Support <SUPPORT@example.test>"})
    dovecot.append(mail.as_bytes(), folder=mailbox.folder)

    poll(mailbox)

    assert Ticket.objects.count() == tickets_opened


def test_a_spoofed_agent_address_gets_no_more_than_a_requester(dovecot, mailbox, requester, agent, team):
    # Given Alice's ticket in the agent's queue, and a mail "from" the agent naming it, with our headers added
    ticket = tickets.ticket_create(actor=requester, subject="工资单看不到", description="…")
    tickets.ticket_update(actor=None, ticket=ticket, changes={"team": team})
    mail = make_mail(
        sender=f"Agent <{agent.email}>", subject=f"Re: {subject_tag(ticket.number)} 工资单看不到",
        body="已解决，请关闭。", headers={"X-Gongdan-Ticket": ticket.number, "X-Gongdan-Priority": "P0",
                                  "X-Gongdan-Actor": "admin"},
    )  # fmt: skip
    dovecot.append(mail.as_bytes(), folder=mailbox.folder)

    poll(mailbox)

    # Then nothing happens to Alice's ticket: no reply, no first response, no status change
    ticket.refresh_from_db()
    assert not ticket.comments.exists()
    assert ticket.first_response_at is None and ticket.status == "new"
    # and the mail became a ticket the agent reported as a requester would, at the default priority
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert (new.requester, new.created_by, new.priority) == (
        agent,
        agent,
        Priority.objects.get(is_default=True),
    )
    assert InboundMail.objects.get().state == "ticket"


def test_a_sender_who_floods_is_rate_limited(dovecot, mailbox):
    mailbox.sender_limit_per_hour = 3
    mailbox.save()
    dovecot.append(*[make_mail(subject=f"Spam {i}").as_bytes() for i in range(5)], folder=mailbox.folder)

    poll(mailbox)

    assert Ticket.objects.count() == 3
    assert list(InboundMail.objects.filter(reason="rate_limited").values_list("subject", flat=True)) == [
        "Spam 4", "Spam 3",
    ]  # fmt: skip


def test_a_watcher_who_may_see_the_ticket_may_reply_but_a_deactivated_sender_may_not(
    dovecot, mailbox, requester, other_requester
):
    # Given Bob, a colleague who sees his organisation's tickets, watching Alice's ticket
    other_requester.sees_organisation_tickets = True
    other_requester.save()
    ticket = tickets.ticket_create(actor=requester, subject="会议室投影仪", description="不亮")
    tickets.ticket_update(actor=None, ticket=ticket, changes={"watchers": [other_requester]})
    dovecot.append(
        make_mail(
            sender=other_requester.email, subject=f"Re: {subject_tag(ticket.number)}", body="我这边也不亮"
        ).as_bytes(),
        folder=mailbox.folder,
    )
    poll(mailbox)
    assert ticket.comments.get().author == other_requester

    other_requester.is_active = False
    other_requester.save()
    dovecot.append(make_mail(sender=other_requester.email, subject="again").as_bytes(), folder=mailbox.folder)
    poll(mailbox)
    assert InboundMail.objects.filter(reason="sender_inactive").count() == 1
    assert Ticket.objects.count() == 1
