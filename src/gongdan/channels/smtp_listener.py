"""The optional built-in inbound SMTP listener (aiosmtpd): mail delivered straight to Gongdan, as to an MX.

It accepts mail only for the support addresses of active mailboxes (never a relay: any other recipient is
refused with 550), records the envelope sender as `Return-Path` the way a delivering server does (so a
bounce's null sender `<>` is recognised), and hands the bytes to `services.mail_receive` — the same door
the IMAP poller uses. It answers 250 only once the mail is stored (a ticket, a reply, a recorded reason or
the quarantine), and 451 (try again later) when the database can't be reached, so the sending server keeps
the mail and retries: nothing is lost.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import connection

from gongdan.channels.models import Mailbox
from gongdan.channels.services import mail_receive

log = logging.getLogger(__name__)


# Both run in asyncio's worker threads, which outlive the call: each closes its database connection when done
# so no idle connection is left behind in a pooled thread.


def _mailbox_id_for(address: str) -> int | None:
    local, _at, domain = address.strip().strip("<>").lower().rpartition("@")
    local = local.split("+", 1)[0]  # plus-addressing: support+anything@ is support@
    try:
        return (
            Mailbox.objects.filter(address__iexact=f"{local}@{domain}", is_active=True)
            .values_list("pk", flat=True)
            .first()
        )
    finally:
        connection.close()


def _receive(mailbox_id: int, raw: bytes) -> str:
    try:
        mailbox = Mailbox.objects.get(pk=mailbox_id)
        return mail_receive(mailbox=mailbox, raw=raw).state
    finally:
        connection.close()


class IntakeHandler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        mailbox_id = await asyncio.to_thread(_mailbox_id_for, address)
        if mailbox_id is None:
            return "550 5.1.1 No such mailbox here"
        if getattr(envelope, "gongdan_mailbox_id", None) is None:
            envelope.gongdan_mailbox_id = mailbox_id  # type: ignore[attr-defined]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content: Any = envelope.original_content or envelope.content or b""
        raw = content if isinstance(content, bytes) else str(content).encode("utf-8", "surrogateescape")
        sender = envelope.mail_from or ""
        raw = f"Return-Path: <{sender.strip('<>')}>\r\n".encode() + raw
        try:
            state = await asyncio.to_thread(_receive, envelope.gongdan_mailbox_id, raw)  # type: ignore[attr-defined]
        except Exception:
            log.exception("inbound SMTP: could not store a mail from %s", sender)
            return "451 4.3.0 Temporary failure, please try again later"
        return f"250 2.0.0 OK: {state}"


def make_controller(host: str, port: int, *, tls_cert: str = "", tls_key: str = "") -> Controller:
    tls_context = None
    if tls_cert:
        tls_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls_context.load_cert_chain(tls_cert, tls_key or None)
    return Controller(
        IntakeHandler(),
        hostname=host,
        port=port,
        data_size_limit=settings.GONGDAN_SMTP_MAX_BYTES,
        tls_context=tls_context,
        enable_SMTPUTF8=True,
        decode_data=False,
        ident="Gongdan",
    )
