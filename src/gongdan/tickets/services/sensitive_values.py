"""Custom field values an admin marked sensitive: sealed in `Ticket.custom_values` (SM4/AES, decision 0130),
recorded in the ticket's history only as "changed", shown masked until a member of staff who may see the
ticket reveals them, which the audit trail records as an access to restricted data.

A sealed value is the JSON text of the clean value, sealed as a string; any sealed value opens on the way
out whatever the field's flag says now, so turning the flag off loses nothing. Sensitive values are not
searchable and cannot drive routing or automation conditions (those see the sealed text).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.audit import kinds as audit_kinds
from gongdan.audit.services import audit_record
from gongdan.core import field_crypto
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.tickets.access import can_view
from gongdan.tickets.models import CustomField, Ticket
from gongdan.tickets.services.custom_fields import fields_for_category

if TYPE_CHECKING:
    from django.http import HttpRequest

MASK = "••••••"
UNREADABLE = "[?]"


def sensitive_keys(fields: list[CustomField]) -> set[str]:
    return {f.key for f in fields if f.sensitive}


def seal_values(values: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    """`values` with those under `keys` sealed (already sealed ones left as they are)."""
    return {
        key: field_crypto.encrypt(json.dumps(value, ensure_ascii=False))
        if key in keys and value is not None and not field_crypto.is_encrypted(value)
        else value
        for key, value in values.items()
    }


def open_value(value: Any) -> Any:
    if not field_crypto.is_encrypted(value):
        return value
    try:
        return json.loads(field_crypto.decrypt(value))
    except field_crypto.UndecryptableValue:
        return UNREADABLE


def open_values(values: dict[str, Any] | None) -> dict[str, Any]:
    """The clear values (for the services and for whoever may see them)."""
    return {key: open_value(value) for key, value in (values or {}).items()}


def masked_values(values: dict[str, Any] | None) -> dict[str, Any]:
    """What a list, an export or the API shows: every sealed value as the mask."""
    return {key: MASK if field_crypto.is_encrypted(value) else value for key, value in (values or {}).items()}


def history_values(values: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    """What the append-only history keeps of the values: sensitive ones as the mask only."""
    return {
        key: MASK if key in keys or field_crypto.is_encrypted(value) else value
        for key, value in values.items()
    }


def drop_masks(given: dict[str, Any] | None, keys: set[str]) -> dict[str, Any] | None:
    """A client that sends back the mask it was shown (or the sealed text it read) means "unchanged"."""
    if given is None:
        return None
    return {
        key: value
        for key, value in given.items()
        if not ((key in keys and value == MASK) or field_crypto.is_encrypted(value))
    }


def ticket_sensitive_reveal(
    *, actor: User, ticket: Ticket, key: str | None = None, request: HttpRequest | None = None
) -> dict[str, Any]:
    """The clear sensitive values of a ticket (all, or the one under `key`) for a member of staff who may see
    it, recorded in the audit trail (which fields, never the values). Anyone else: NotFound/PermissionDenied."""
    if not can_view(actor, ticket):
        raise NotFound(_("Ticket not found."))
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff can reveal sensitive values."))
    stored = ticket.custom_values or {}
    keys = sorted(k for k, value in stored.items() if field_crypto.is_encrypted(value) and key in (None, k))
    if not keys:
        raise NotFound(_("This ticket has no such sensitive value."))
    audit_record(
        kind=audit_kinds.RESTRICTED_ACCESS,
        actor=actor,
        object_type="tickets.ticket",
        object_id=ticket.pk,
        object_repr=ticket.number,
        detail={"fields": keys},
        request=request,
    )
    return {k: open_value(stored[k]) for k in keys}


def _encrypted_ticket_rows(after: int, batch_size: int) -> list[tuple[int, str]]:
    rows = (
        Ticket.objects.order_by("pk")
        .filter(pk__gt=after)
        .annotate(_raw=Cast("custom_values", models.TextField()))
        .values_list("pk", "_raw")[:batch_size]
    )
    return list(rows)


def ticket_custom_values_reseal(batch_size: int = 500) -> int:
    """Seal the sensitive values still in clear text (a field marked sensitive after it had values) and re-seal
    those under an older key or cipher; a batch per transaction, current values skipped (idempotent,
    resumable). A re-seal is no change to the ticket: no event, no version bump."""
    changed, last_pk = 0, 0
    while True:
        page = _encrypted_ticket_rows(last_pk, batch_size)
        if not page:
            return changed
        last_pk = page[-1][0]
        watched = {
            f'"{key}"' for key in CustomField.objects.filter(sensitive=True).values_list("key", flat=True)
        }
        candidates = [pk for pk, raw in page if field_crypto.PREFIX in raw or any(k in raw for k in watched)]
        with transaction.atomic():
            for pk in candidates:
                ticket = Ticket.objects.select_for_update().select_related("category").filter(pk=pk).first()
                if ticket is None:
                    continue
                keys = sensitive_keys(fields_for_category(ticket.category))
                stored = ticket.custom_values or {}
                stale = {
                    key: value for key, value in stored.items()
                    if (field_crypto.is_encrypted(value) and not field_crypto.is_current(value))
                    or (key in keys and value is not None and not field_crypto.is_encrypted(value))
                }  # fmt: skip
                opened = {k: open_value(v) for k, v in stale.items()}
                opened = {
                    k: v for k, v in opened.items() if v != UNREADABLE
                }  # kept sealed: its key is missing
                if opened:
                    fresh = seal_values(opened, set(opened))
                    Ticket.objects.filter(pk=pk).update(custom_values={**stored, **fresh})
                    changed += 1
