"""How a mail we send names its ticket, so that the requester's reply finds its way back.

Outgoing mail about a ticket carries a Message-ID of the form ``<gd.{ticket id}.{nonce}.{sig}@{domain}>``; the
signature is an HMAC of the id and nonce under the site's secret key, so an incoming mail can't attach itself
to a ticket by naming a made-up id in In-Reply-To/References. The subject also carries ``[{ticket number}]``,
the fallback for mail clients that drop the threading headers.

Contract between the outgoing side (notifications) and the intake side (channels): both use only these
functions.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

from django.utils.crypto import constant_time_compare, salted_hmac

from gongdan.outbox.delivery.email import sender_domain

_SALT = "gongdan.outbox.threading"
_SIG_LENGTH = 16
_MESSAGE_ID = re.compile(r"<gd\.(?P<pk>\d{1,18})\.(?P<nonce>[0-9a-f]{8,32})\.(?P<sig>[0-9a-f]{16})@[^<>\s]+>")
_SUBJECT_TAG = re.compile(r"\[(?P<number>[A-Za-z][A-Za-z0-9]{0,19}(?:-[0-9]{4})?-[0-9]{1,12})\]")


def _signature(pk: int, nonce: str) -> str:
    return salted_hmac(_SALT, f"{pk}.{nonce}", algorithm="sha256").hexdigest()[:_SIG_LENGTH]


def ticket_message_id(ticket_pk: int, *, nonce: str | None = None, domain: str | None = None) -> str:
    """A new, signed Message-ID for a mail about this ticket (angle brackets included)."""
    nonce = nonce or secrets.token_hex(8)
    return f"<gd.{int(ticket_pk)}.{nonce}.{_signature(int(ticket_pk), nonce)}@{domain or sender_domain()}>"


def ticket_thread_root(ticket_pk: int, *, domain: str | None = None) -> str:
    """The stable Message-ID every mail about this ticket names in References (nonce "0" * 8)."""
    return ticket_message_id(ticket_pk, nonce="0" * 8, domain=domain)


def ticket_pk_from_headers(values: Iterable[str | None]) -> int | None:
    """The ticket id named by the first validly signed Gongdan Message-ID found in these header values
    (In-Reply-To, References…), or None. Forged or altered ids are ignored."""
    for value in values:
        for match in _MESSAGE_ID.finditer(value or ""):
            pk, nonce = int(match["pk"]), match["nonce"]
            if constant_time_compare(match["sig"], _signature(pk, nonce)):
                return pk
    return None


def subject_tag(number: str) -> str:
    return f"[{number}]"


def ticket_number_from_subject(subject: str | None) -> str | None:
    """The ticket number in a ``[GD-2026-000123]`` tag of a subject, or None."""
    match = _SUBJECT_TAG.search(subject or "")
    return match["number"] if match else None
