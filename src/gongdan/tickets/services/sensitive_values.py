"""Custom field values an admin marked sensitive: sealed in `Ticket.custom_values` (SM4/AES, decision 0130),
recorded in the ticket's history only as "changed", shown masked until a member of staff who may see the
ticket reveals them, which the audit trail records as an access to restricted data.

The sealed form and the masking rules are shared with the assets app (`gongdan.core.sensitive_values`); any
sealed value opens on the way out whatever the field's flag says now, so turning the flag off loses nothing.
Sensitive values are not searchable and cannot drive routing or automation conditions (those see the sealed
text).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.audit import kinds as audit_kinds
from gongdan.audit.services import audit_record
from gongdan.core import field_crypto
from gongdan.core.domain_errors import NotFound, PermissionDenied
from gongdan.core.sensitive_values import (
    MASK,
    UNREADABLE,
    drop_masks,
    history_values,
    masked_values,
    open_value,
    open_values,
    seal_values,
    stale_values,
)
from gongdan.tickets.access import can_view
from gongdan.tickets.models import CustomField, Ticket
from gongdan.tickets.reference import reference

if TYPE_CHECKING:
    from django.http import HttpRequest

# The tickets app's callers import the shared pieces from here.
__all__ = [
    "MASK", "UNREADABLE", "drop_masks", "history_values", "masked_values", "open_value", "open_values",
    "seal_values", "sensitive_keys", "stale_values", "ticket_custom_values_reseal", "ticket_sensitive_reveal",
]  # fmt: skip


def sensitive_keys(fields: list[CustomField]) -> set[str]:
    return {f.key for f in fields if f.sensitive}


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


def _ticket_rows(after: int, batch_size: int) -> list[tuple[int, int | None, Any]]:
    rows = (
        Ticket.objects.order_by("pk")
        .filter(pk__gt=after)
        .values_list("pk", "category_id", "custom_values")[:batch_size]
    )
    return list(rows)


def ticket_custom_values_reseal(batch_size: int = 500) -> int:
    """Seal the sensitive values still in clear text (a field marked sensitive after it had values) and re-seal
    those under an older key or cipher; a batch per transaction, current values skipped (idempotent,
    resumable). Rows are checked as read and only the stale ones locked and written again. A re-seal is no
    change to the ticket: no event, no version bump."""
    changed, last_pk = 0, 0
    forms = reference().fields
    while True:
        page = _ticket_rows(last_pk, batch_size)
        if not page:
            return changed
        last_pk = page[-1][0]
        keys_of = {cid: sensitive_keys(forms.get(cid, [])) for cid in {cid for _pk, cid, _v in page if cid}}
        due = [
            pk for pk, cid, values in page if values and stale_values(values, keys_of.get(cid or 0, set()))
        ]
        if not due:
            continue
        with transaction.atomic():
            for pk, category_id, values in (
                Ticket.objects.select_for_update()
                .filter(pk__in=due)
                .values_list("pk", "category_id", "custom_values")
            ):
                opened = stale_values(values or {}, keys_of.get(category_id or 0, set()))
                if opened:  # read again under the lock: a writer may have sealed it meanwhile
                    Ticket.objects.filter(pk=pk).update(
                        custom_values={**values, **seal_values(opened, set(opened))}
                    )
                    changed += 1
