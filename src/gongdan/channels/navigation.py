"""The mail intake's sections of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "mailboxes",
        "channels:mailbox_list",
        "ti-mailbox",
        _("Email mailboxes"),
        _("IMAP mailboxes whose mail becomes tickets and replies."),
        "channels",
    ),
    Section(
        "incoming_mail",
        "channels:mail_list",
        "ti-mail-down",
        _("Incoming mail"),
        _("Every mail fetched and what became of it; quarantined mail to inspect and retry."),
        "channels",
    ),
)
