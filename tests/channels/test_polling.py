"""How mailboxes are polled: one at a time per mailbox, in batches, by UID, with XOAUTH2 or a password."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.utils import timezone

from gongdan.channels import imap, tasks
from gongdan.channels.models import Mailbox
from gongdan.tickets.models import Ticket
from tests.channels.conftest import make_mail

pytestmark = pytest.mark.django_db


def test_the_xoauth2_string_is_what_google_and_microsoft_document():
    raw = imap.xoauth2_string("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg")
    assert (
        raw
        == b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
    )
    # Google's example, base64 as it goes on the wire
    assert base64.b64encode(raw) == (
        b"dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRH"
        b"RXVZMjl0Q2cBAQ=="
    )


def test_xoauth2_with_a_refresh_token_signs_in_to_a_real_imap_server(dovecot, mailbox, oauth_server):
    # Given a mailbox signing in with XOAUTH2: a refresh token the admin stored, exchanged at the token endpoint
    oauth_server.refresh_tokens["rt-1"] = dovecot.user
    mailbox.auth_method = Mailbox.Auth.XOAUTH2_REFRESH
    mailbox.password = ""
    mailbox.oauth_token_url = f"{oauth_server.url}/token"
    mailbox.oauth_client_id = "gongdan"
    mailbox.oauth_client_secret = "client-secret"
    mailbox.oauth_refresh_token = "rt-1"
    mailbox.oauth_scope = "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access"
    mailbox.save()
    dovecot.append(make_mail().as_bytes(), folder=mailbox.folder)

    # When it is polled twice
    first = imap.poll(mailbox.pk)
    dovecot.append(make_mail(subject="second").as_bytes(), folder=mailbox.folder)
    second = imap.poll(mailbox.pk)

    # Then dovecot accepted the bearer token (checked by introspection) and both mails became tickets;
    # the access token was fetched once and reused while valid
    assert (first.error, second.error) == ("", "")
    assert Ticket.objects.count() == 2
    assert len(oauth_server.token_requests) == 1
    request = oauth_server.token_requests[0]
    assert request == {
        "grant_type": "refresh_token", "refresh_token": "rt-1", "client_id": "gongdan",
        "client_secret": "client-secret", "scope": "https://outlook.office365.com/IMAP.AccessAsUser.All offline_access",
    }  # fmt: skip
    mailbox.refresh_from_db()
    assert mailbox.oauth_access_token in oauth_server.access_tokens


def test_a_stored_access_token_that_the_server_refuses_is_reported(dovecot, mailbox):
    mailbox.auth_method = Mailbox.Auth.XOAUTH2_TOKEN
    mailbox.oauth_access_token = "expired-token"
    mailbox.save()

    result = imap.poll(mailbox.pk)

    assert result.error.startswith("signin: ")
    mailbox.refresh_from_db()
    assert mailbox.last_error_display.startswith("Sign-in refused: ")
    assert mailbox.lease_until is None  # released: the next sweep tries again


def test_a_wrong_password_or_an_untrusted_certificate_is_an_error_on_the_mailbox_not_a_crash(
    dovecot, mailbox, settings
):
    mailbox.password = "wrong"
    mailbox.save()
    assert imap.poll(mailbox.pk).error.startswith("signin: ")

    settings.GONGDAN_MAIL_CA_FILE = ""  # the test server's certificate is self-signed: refused by default
    mailbox.password = dovecot.password
    mailbox.save()
    assert "CERTIFICATE_VERIFY_FAILED" in imap.poll(mailbox.pk).error


def test_a_mailbox_being_polled_is_not_polled_again_until_its_lease_runs_out(dovecot, mailbox):
    dovecot.append(make_mail().as_bytes(), folder=mailbox.folder)
    Mailbox.objects.filter(pk=mailbox.pk).update(lease_until=timezone.now() + timedelta(minutes=1))

    assert imap.poll(mailbox.pk).claimed is False
    assert not Ticket.objects.exists()

    # A consumer killed mid-poll leaves a lease that runs out; then the mailbox is polled again
    Mailbox.objects.filter(pk=mailbox.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert imap.poll(mailbox.pk).handled == 1
    assert Ticket.objects.count() == 1


def test_a_big_backlog_is_fetched_in_batches_and_the_task_queues_itself_until_done(
    dovecot, mailbox, settings
):
    # Given 7 mails waiting and batches of 3, with Huey running tasks immediately
    settings.GONGDAN_MAIL_BATCH = 3
    dovecot.append(*[make_mail(subject=f"Mail {i}", sender=f"p{i}@c.example").as_bytes() for i in range(7)],
                   folder=mailbox.folder)  # fmt: skip
    first = imap.poll(mailbox.pk)
    assert (first.handled, first.more) == (3, True)

    # When the task runs (it re-queues itself while more is waiting)
    from huey.contrib.djhuey import HUEY

    previous, HUEY.immediate = HUEY.immediate, True  # tasks run inline (the test settings' default)
    try:
        result = tasks.mailbox_poll.call_local(mailbox.pk)
    finally:
        HUEY.immediate = previous

    # Then every mail became a ticket, in order, and nothing is left in the inbox
    assert result["handled"] == 3
    assert list(Ticket.objects.order_by("pk").values_list("subject", flat=True)) == [
        f"Mail {i}" for i in range(7)
    ]
    assert dovecot.uids(mailbox.folder) == []


def test_the_sweep_fans_out_one_task_per_active_mailbox(dovecot, mailbox, imap_folder):
    # Given two active mailboxes (one of them unreachable) and an inactive one
    Mailbox.objects.create(name="Broken", address="b@example.test", host="127.0.0.1", port=1, username="u",
                           password="p")  # fmt: skip
    Mailbox.objects.create(name="Off", address="o@example.test", host="h", username="u", password="p",
                           is_active=False)  # fmt: skip
    dovecot.append(make_mail().as_bytes(), folder=mailbox.folder)
    from huey.contrib.djhuey import HUEY

    previous, HUEY.immediate = HUEY.immediate, True  # tasks run inline (the test settings' default)
    try:
        polled = tasks.mailboxes_poll_sweep.call_local()
    finally:
        HUEY.immediate = previous

    # Then both active ones were polled: the broken one records its error, the good one's mail is a ticket
    assert polled == 2
    assert Ticket.objects.count() == 1
    assert Mailbox.objects.get(name="Broken").last_error.startswith("connect: 127.0.0.1:1")
    assert Mailbox.objects.get(name="Off").last_polled_at is None


def test_a_new_uidvalidity_starts_over_without_duplicates(dovecot, mailbox):
    dovecot.append(make_mail(message_id="<uv@c.example>").as_bytes(), folder=mailbox.folder)
    imap.poll(mailbox.pk)
    Mailbox.objects.filter(pk=mailbox.pk).update(uid_validity=1, last_uid=99)  # the server was rebuilt
    mailbox.processed_folder = ""
    dovecot.append(make_mail(message_id="<uv@c.example>").as_bytes(), make_mail(subject="new").as_bytes(),
                   folder=mailbox.folder)  # fmt: skip

    result = imap.poll(mailbox.pk)

    assert result.handled == 2
    assert sorted(Ticket.objects.values_list("subject", flat=True)) == ["new", "打印机卡纸"]
