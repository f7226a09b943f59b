"""Reading the audit trail: only the audit administrator may (decision 0085). Lists are keyset pages by
sequence number, newest first, so a page costs the same on the millionth entry as on the first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import NotFound, PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser

PAGE_SIZE = 50


@dataclass(frozen=True)
class EntryFilters:
    who: str = ""
    kind: str = ""
    object_type: str = ""
    object_id: str = ""
    start: datetime | None = None
    end: datetime | None = None
    address: str = ""


def require_audit_reader(actor: AbstractBaseUser | AnonymousUser) -> None:
    if not (actor.is_authenticated and actor.is_active and bool(getattr(actor, "is_audit_admin", False))):
        raise PermissionDenied(_("Only the audit administrator can read the audit trail."))


def entry_queryset(*, actor: AbstractBaseUser | AnonymousUser, filters: EntryFilters) -> QuerySet[AuditEntry]:
    require_audit_reader(actor)
    rows = AuditEntry.objects.filter(seq__isnull=False).order_by("-seq")  # chained within a second
    conditions: dict[str, Any] = {}
    if filters.who:
        conditions["actor_username__iexact"] = filters.who
    if filters.kind:
        conditions["kind"] = filters.kind
    if filters.object_type:
        conditions["object_type"] = filters.object_type
    if filters.object_id:
        conditions["object_id"] = filters.object_id
    if filters.start is not None:
        conditions["occurred_at__gte"] = filters.start
    if filters.end is not None:
        conditions["occurred_at__lt"] = filters.end
    if filters.address:
        conditions["address"] = filters.address
    return rows.filter(**conditions)


def entry_page(
    *, actor: AbstractBaseUser | AnonymousUser, filters: EntryFilters, before_seq: int | None = None,
    size: int = PAGE_SIZE,
) -> tuple[list[AuditEntry], int | None]:  # fmt: skip
    """One page of entries older than `before_seq`, and the cursor of the next page (None at the end)."""
    rows = entry_queryset(actor=actor, filters=filters)
    if before_seq is not None:
        rows = rows.filter(seq__lt=before_seq)
    page = list(rows[: size + 1])
    more = len(page) > size
    page = page[:size]
    return page, (page[-1].seq if more and page else None)


def entry_get(*, actor: AbstractBaseUser | AnonymousUser, seq: int) -> AuditEntry:
    require_audit_reader(actor)
    entry = AuditEntry.objects.filter(seq=seq).first()
    if entry is None:
        raise NotFound(_("No audit entry with this number."))
    return entry


def object_types() -> list[str]:
    return list(
        AuditEntry.objects.exclude(object_type="").order_by("object_type")
        .values_list("object_type", flat=True).distinct()
    )  # fmt: skip
