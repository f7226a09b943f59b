"""Which mails must never open a ticket or add a reply: our own, automatic ones, bounces, Cc-only copies.

Inbound mail never carries authority. Our own X-Gongdan-* headers are only ever read here, to recognise
our own notices coming back (a forwarding rule, an out-of-office that quotes headers); they never steer
threading, priority or anything else.
"""

from __future__ import annotations

from gongdan.channels.models import InboundMail, Mailbox
from gongdan.channels.parsing import ParsedMail
from gongdan.outbox.delivery.email import sender_address
from gongdan.outbox.threading import ticket_pk_from_headers

# The headers every notice we send carries (gongdan.notifications.services); a mail with them is our own.
OWN_HEADERS = ("X-Gongdan-Kind", "X-Gongdan-Idempotency-Key")
AUTO_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
BOUNCE_SENDERS = ("mailer-daemon@", "postmaster@")


def own_addresses() -> set[str]:
    addresses = {sender_address().lower()}
    addresses.update(a.lower() for a in Mailbox.objects.values_list("address", flat=True))
    return addresses


def noise_reason(mail: ParsedMail, mailbox: Mailbox | None, *, own: set[str] | None = None) -> str:
    """The InboundMail.Reason that keeps this mail from opening a ticket, or "" when it is a person's mail."""
    own = own_addresses() if own is None else own
    if (
        mail.sender_email in own
        or any(mail.has_header(h) for h in OWN_HEADERS)
        or ticket_pk_from_headers([mail.message_id]) is not None  # its own Message-ID is one we signed
    ):
        return InboundMail.Reason.LOOP
    assert mail.message is not None
    content_type = mail.message.get_content_type()
    return_path = mail.header("Return-Path").strip()
    if (
        content_type == "multipart/report"
        or mail.sender_email.startswith(BOUNCE_SENDERS)
        or (mail.has_header("Return-Path") and return_path in {"<>", ""})
    ):
        return InboundMail.Reason.BOUNCE
    auto_submitted = mail.header("Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted.split(";")[0].strip() != "no":
        return InboundMail.Reason.AUTO_REPLY
    if any(mail.has_header(h) for h in AUTO_HEADERS):
        return InboundMail.Reason.AUTO_REPLY
    if mail.header("Precedence").strip().lower() in BULK_PRECEDENCE:
        return InboundMail.Reason.AUTO_REPLY
    if mailbox is not None and mailbox.ignore_cc_only:
        address = mailbox.address.lower()
        if address in mail.cc and address not in mail.to:
            return InboundMail.Reason.CC_ONLY
    return ""
