"""The admin's screens: mailboxes (secrets never shown back), the incoming mail log, quarantine and retry."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from gongdan.audit.models import AuditEntry
from gongdan.channels import services
from gongdan.channels.models import InboundMail, Mailbox
from gongdan.outbox.models import AllowedNetwork
from gongdan.tickets.models import Ticket
from tests.channels.conftest import make_mail

pytestmark = pytest.mark.django_db

FORM = {
    "name": "IT 支持邮箱", "address": "it@example.test", "host": "imap.example.test", "port": "993",
    "security": "tls", "username": "it@example.test", "auth_method": "password", "password": "pa55-word-xyz",
    "folder": "INBOX", "processed_folder": "Gongdan", "max_mail_bytes": "25", "sender_limit_per_hour": "20",
    "is_active": "on",
}  # fmt: skip


def test_an_admin_adds_a_mailbox_and_its_password_is_never_shown_back(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("channels:mailbox_create"), FORM)

    assert response.status_code == 302
    mailbox = Mailbox.objects.get()
    assert (mailbox.password, mailbox.max_mail_bytes) == ("pa55-word-xyz", 25 * 1024 * 1024)
    page = client.get(reverse("channels:mailbox_edit", args=[mailbox.pk])).content.decode()
    assert "pa55-word-xyz" not in page
    assert "leave empty to keep it" in page
    listing = client.get(reverse("channels:mailbox_list")).content.decode()
    assert "IT 支持邮箱" in listing and "pa55-word-xyz" not in listing

    # Saving again with the password left empty keeps the stored one
    response = client.post(reverse("channels:mailbox_edit", args=[mailbox.pk]), {**FORM, "password": "", "port": "143",
                                                                                  "security": "starttls"})  # fmt: skip
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.password, mailbox.port, mailbox.security) == ("pa55-word-xyz", 143, "starttls")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"password": ""}, "password"),
        ({"auth_method": "xoauth2_refresh", "password": ""}, "oauth_token_url"),
        ({"auth_method": "xoauth2_token"}, "oauth_access_token"),
        ({"port": "70000"}, "port"),
        ({"address": "not-an-address"}, "address"),
    ],
)
def test_a_mailbox_with_missing_or_bad_settings_is_refused_and_nothing_is_saved(
    client, admin_user, changes, field
):
    client.force_login(admin_user)

    response = client.post(reverse("channels:mailbox_create"), {**FORM, **changes})

    assert response.status_code == 422
    assert f'data-field-error="{field}"' in response.content.decode()
    assert not Mailbox.objects.exists()


def test_people_who_are_not_admins_cannot_open_the_mail_screens(client, agent):
    client.force_login(agent)
    for name in ("channels:mailbox_list", "channels:mail_list", "channels:mailbox_create"):
        assert client.get(reverse(name)).status_code == 403


def test_the_incoming_mail_log_shows_what_became_of_each_mail_in_few_queries(
    client, admin_user, django_assert_max_num_queries
):
    mailbox = Mailbox.objects.create(name="Support", address="support@example.test", host="h", username="u",
                                     password="p")  # fmt: skip
    for i in range(15):
        services.mail_receive(
            mailbox=mailbox, raw=make_mail(subject=f"问题 {i}", sender=f"u{i}@c.example").as_bytes()
        )
    services.mail_receive(mailbox=mailbox, raw=make_mail(headers={"Auto-Submitted": "auto-replied"},
                                                           subject="Out of office").as_bytes())  # fmt: skip
    client.force_login(admin_user)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("channels:mail_list"))

    page = response.content.decode()
    assert page.count("data-mail=") == 16
    assert "Out of office" in page and "Automatic reply" in page
    assert Ticket.objects.first().number in page


def test_an_admin_inspects_a_quarantined_mail_downloads_it_and_retries_it(client, admin_user, team):
    # Given a mail quarantined because the mailbox's team was deactivated
    mailbox = Mailbox.objects.create(name="Support", address="support@example.test", host="h", username="u",
                                     password="p", default_team=team)  # fmt: skip
    team.is_active = False
    team.save()
    raw = make_mail(subject="显示器不亮", body="屏幕一直黑屏").as_bytes()
    record = services.mail_receive(mailbox=mailbox, raw=raw)
    assert record.state == InboundMail.State.QUARANTINED
    client.force_login(admin_user)

    # When the admin opens it, they see why and what it says, and can download the original
    page = client.get(reverse("channels:mail_detail", args=[record.pk])).content.decode()
    assert "no longer in use" in page and "屏幕一直黑屏" in page
    download = client.get(reverse("channels:mail_raw", args=[record.pk]))
    assert download["Content-Type"] == "message/rfc822" and download.content == raw
    # (reading the original is staff access to restricted data: it is in the audit trail)
    access = AuditEntry.objects.get(kind="restricted.access")
    assert access.actor_id == admin_user.pk and access.object_id == str(record.pk)

    # and after fixing the team, "Try again" opens the ticket
    team.is_active = True
    team.save()
    response = client.post(reverse("channels:mail_retry", args=[record.pk]), follow=True)
    record.refresh_from_db()
    assert record.state == InboundMail.State.TICKET
    assert record.ticket.subject == "显示器不亮"
    assert record.raw is None  # the bytes were only kept while the mail waited in quarantine
    assert (record.reason, record.detail) == ("", "")  # the old failure is not shown as if it still held
    assert record.ticket.number in response.content.decode()


def test_test_connection_reports_success_and_a_refused_sign_in(client, admin_user, mailbox, dovecot):
    client.force_login(admin_user)
    dovecot.append(make_mail().as_bytes(), folder=mailbox.folder)

    page = client.post(reverse("channels:mailbox_test", args=[mailbox.pk]), follow=True).content.decode()
    assert f"1 mails in {mailbox.folder}" in page

    mailbox.password = "wrong"
    mailbox.save()
    page = client.post(reverse("channels:mailbox_test", args=[mailbox.pk]), follow=True).content.decode()
    assert "Sign-in refused" in page
    assert "AUTHENTICATIONFAILED" not in page and "Authentication failed" not in page  # the server's words


def test_test_connection_refuses_loopback_and_private_hosts_unless_allow_listed(client, admin_user):
    with socket.socket() as sock:  # a port where nothing listens
        sock.bind(("127.0.0.1", 0))
        free_port = sock.getsockname()[1]
    client.force_login(admin_user)
    for host in ("127.0.0.1", "10.1.2.3", "localhost"):
        mailbox = Mailbox.objects.create(name=f"Probe {host}", address=f"{host[:3]}@example.test", host=host,
                                         port=free_port, username="u", password="p")  # fmt: skip
        page = client.post(reverse("channels:mailbox_test", args=[mailbox.pk]), follow=True).content.decode()
        assert "Not allowed" in page, host

    AllowedNetwork.objects.create(value="127.0.0.0/8")
    page = client.post(reverse("channels:mailbox_test", args=[Mailbox.objects.get(host="127.0.0.1").pk]),
                       follow=True).content.decode()  # fmt: skip
    # allowed now, and nothing listens there: a generic failure, not the socket's words
    assert "Cannot connect" in page
    assert "Errno" not in page and "Connection refused" not in page
