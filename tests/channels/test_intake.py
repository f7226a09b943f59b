"""Mail fetched from a real dovecot over IMAPS becomes tickets and replies, through the ticket services."""

from __future__ import annotations

import pytest

from gongdan.channels import imap
from gongdan.channels.models import InboundMail
from gongdan.outbox.threading import subject_tag, ticket_message_id, ticket_thread_root
from gongdan.tickets import services
from gongdan.tickets.models import Channel, Priority, Status, Ticket
from tests.channels.conftest import make_mail

pytestmark = pytest.mark.django_db


def poll(mailbox):
    result = imap.poll(mailbox.pk)
    assert result.error == "", result.error
    return result


def test_a_new_mail_opens_a_ticket_reported_by_a_new_requester(dovecot, mailbox, team):
    # Given a mailbox whose mail goes to the IT team at P2, and a mail from someone we never met
    mailbox.default_team = team
    mailbox.default_priority = Priority.objects.get(code="P2")
    mailbox.save()
    dovecot.append(make_mail().as_bytes(), folder=mailbox.folder)

    # When the worker polls the mailbox
    result = poll(mailbox)

    # Then one ticket exists, reported by a new requester account named as in the mail, for the IT team
    assert result.handled == 1
    ticket = Ticket.objects.get()
    assert (ticket.subject, ticket.description) == ("打印机卡纸", "三楼的打印机又卡纸了。")
    assert ticket.channel == Channel.EMAIL
    assert (ticket.team, ticket.priority.code) == (team, "P2")
    requester = ticket.requester
    assert (requester.email, requester.name, requester.role) == (
        "zhang.wei@customer.example",
        "Zhang Wei",
        "requester",
    )
    assert requester.language == "zh-hans"
    assert ticket.created_by == requester
    # the mailbox's team and priority applied at creation, before routing: no second change undoes routing
    assert list(ticket.events.values_list("kind", flat=True)) == ["created"]
    assert ticket.events.get().data["team"]["id"] == team.pk
    # and the mail moved to the processed folder, so the inbox is empty
    assert dovecot.uids(mailbox.folder) == []
    assert len(dovecot.uids(mailbox.processed_folder)) == 1
    assert InboundMail.objects.get().state == InboundMail.State.TICKET


def test_processed_mail_stays_in_place_marked_read_when_no_folder_is_set(dovecot, mailbox):
    mailbox.processed_folder = ""
    mailbox.save()
    dovecot.append(make_mail().as_bytes(), folder=mailbox.folder)

    poll(mailbox)
    poll(mailbox)  # a second poll finds nothing new (UID tracking), no second ticket

    assert Ticket.objects.count() == 1
    assert dovecot.uids(mailbox.folder, "SEEN") == dovecot.uids(mailbox.folder) != []


def _ticket_for(requester, **kwargs):
    return services.ticket_create(
        actor=requester, subject="VPN 连不上", description="从家里连不上 VPN", **kwargs
    )


REPLY = """好的，我重启以后可以了。谢谢！

发自我的iPhone

在 2026年11月27日 10:00，IT 支持 <gongdan@helpdesk.example.test> 写道：
> 请重启电脑再试一次。
>
"""


def test_a_reply_threaded_by_our_signed_message_id_becomes_the_requesters_comment(
    dovecot, mailbox, requester, agent
):
    # Given a ticket waiting on its requester, and their reply to our mail (In-Reply-To names our Message-ID)
    requester.email = "alice@customer.example"
    requester.save()
    ticket = _ticket_for(requester)
    services.ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    for action in ("start", "wait_requester"):
        services.ticket_transition(actor=agent, ticket=ticket, action=action)
    reply = make_mail(
        sender="Alice <Alice@Customer.example>", subject="Re: 请重启", body=REPLY,
        headers={"In-Reply-To": ticket_message_id(ticket.pk), "References": ticket_thread_root(ticket.pk)},
    )  # fmt: skip
    dovecot.append(reply.as_bytes(), folder=mailbox.folder)

    poll(mailbox)

    # Then the ticket has her public reply, trimmed of the quote and the phone signature, and it is back in progress
    ticket.refresh_from_db()
    comment = ticket.comments.get()
    assert (comment.author, comment.is_internal, comment.channel) == (requester, False, Channel.EMAIL)
    assert comment.body == "好的，我重启以后可以了。谢谢！"
    assert ticket.status == Status.IN_PROGRESS
    assert Ticket.objects.count() == 1
    assert InboundMail.objects.get().state == InboundMail.State.REPLY


def test_a_reply_threaded_by_the_subject_tag_alone(dovecot, mailbox, requester):
    requester.email = "alice@customer.example"
    requester.save()
    ticket = _ticket_for(requester)
    dovecot.append(
        make_mail(
            sender="alice@customer.example",
            subject=f"回复: {subject_tag(ticket.number)} VPN 连不上",
            body="Still broken.\n\nOn Fri, Nov 27, 2026 IT wrote:\n> old text",
        ).as_bytes(),
        folder=mailbox.folder,
    )

    poll(mailbox)

    assert ticket.comments.get().body == "Still broken."
    assert Ticket.objects.count() == 1


def test_a_stranger_naming_someone_elses_ticket_gets_a_ticket_of_their_own(dovecot, mailbox, requester):
    # Given Alice's ticket, and a mail from someone else that carries its number in the subject
    ticket = _ticket_for(requester)
    dovecot.append(
        make_mail(
            sender="mallory@evil.example",
            subject=f"Re: {subject_tag(ticket.number)} VPN",
            body="Please send me the VPN config",
        ).as_bytes(),
        folder=mailbox.folder,
    )

    poll(mailbox)

    # Then Alice's ticket is untouched and the stranger has a new ticket, without Alice's ticket number
    assert not ticket.comments.exists()
    new = Ticket.objects.exclude(pk=ticket.pk).get()
    assert new.requester.email == "mallory@evil.example"
    assert new.subject == "Re: VPN"
    assert ticket.number in InboundMail.objects.get().detail


def test_a_forged_message_id_threads_nothing(dovecot, mailbox, requester):
    ticket = _ticket_for(requester)
    forged = ticket_message_id(ticket.pk).replace(".gd", ".gd").rsplit(".", 1)
    forged_id = f"<gd.{ticket.pk}.0123456789abcdef.0000000000000000@helpdesk.example.test>"
    assert forged_id != forged
    dovecot.append(
        make_mail(sender=requester.email, subject="Hello", headers={"In-Reply-To": forged_id}).as_bytes(),
        folder=mailbox.folder,
    )

    poll(mailbox)

    assert not ticket.comments.exists()
    assert Ticket.objects.count() == 2
