"""Export, erase and retention of personal data (PIPL arts. 45 and 47, GDPR arts. 15, 17 and 20), each
recorded in the audit trail. Every app's share is reached through `gongdan.core.personal_data`."""

from __future__ import annotations

import io
import json
import secrets
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.accounts.personal_data import person_of
from gongdan.audit import kinds as audit_kinds
from gongdan.audit.services import audit_configuration_change, audit_record
from gongdan.audit.snapshots import field_values
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.core.personal_data import personal_data_holders, retention_holders
from gongdan.privacy.events import PERSON_ERASE, RETENTION_PURGE
from gongdan.privacy.models import MAX_MONTHS, CategoryRetention, RetentionSettings

if TYPE_CHECKING:
    from django.http import HttpRequest

DAYS_PER_MONTH = 30.4375
MAX_FOUND = 20


def _require_admin(actor: User | None) -> None:
    if actor is not None and not (actor.is_active and actor.is_admin):
        raise PermissionDenied(_("Only administrators can do this."))


def person_search(*, actor: User, query: str) -> QuerySet[User]:
    """People whose username, name, email or phone contains `query` (administrators only)."""
    _require_admin(actor)
    text = (query or "").strip()[:100]
    if len(text) < 2:
        return User.objects.none()
    condition = Q()
    for column in ("username", "display_name", "first_name", "last_name", "email", "phone"):
        condition |= Q(**{f"{column}__icontains": text})
    return User.objects.filter(condition).order_by("username")[:MAX_FOUND]


def personal_data_export(
    *, actor: User | None, user: User, target: IO[bytes] | None = None, request: HttpRequest | None = None
) -> IO[bytes]:
    """Write a zip of everything held about `user` — `personal-data.json` and the files they uploaded — to
    `target` (a new in-memory file when None) and return it. `actor` None: the command line."""
    _require_admin(actor)
    person = person_of(user)
    out = target or io.BytesIO()
    document: dict[str, Any] = {
        "person": {"id": person.user_id, "username": person.username},
        "exported_at": timezone.now().isoformat(),
        "site": settings.SITE_URL,
    }
    files = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for holder in personal_data_holders():
            part = holder.export(person)
            document[holder.label] = part.records
            for name, opener in part.files:
                try:
                    with opener() as source:
                        archive.writestr(name, source.read())
                    files += 1
                except FileNotFoundError:
                    document.setdefault("missing_files", []).append(name)
        archive.writestr(
            "personal-data.json", json.dumps(document, ensure_ascii=False, indent=2, default=str)
        )
    audit_record(kind=audit_kinds.DATA_EXPORT, actor=actor, actor_username="" if actor else "manage.py",
                 object_type="accounts.user", object_id=user.pk, object_repr=f"user #{user.pk}",
                 detail={"what": "personal data", "files": files}, request=request)  # fmt: skip
    out.seek(0)
    return out


@dataclass(frozen=True)
class Erasure:
    pseudonym: str
    counts: dict[str, dict[str, int]]


@transaction.atomic
def person_erase(
    *, actor: User | None, user: User, confirm: str, request: HttpRequest | None = None
) -> Erasure:
    """Pseudonymise `user` everywhere (each app's holder), delete the files they uploaded, revoke their
    sessions and tokens. `confirm` must repeat the username: an erasure cannot be undone. The audit entry
    names the user by id and pseudonym only."""
    _require_admin(actor)
    if actor is not None and actor.pk == user.pk:
        raise ValidationFailed(_("You cannot erase yourself."), details={"user": [_("Not allowed.")]})
    if user.is_superuser or user.is_admin:
        raise ValidationFailed(
            _("Administrators cannot be erased; change their role first."),
            details={"user": [_("Not allowed.")]},
        )
    if confirm.strip() != user.username:
        raise ValidationFailed(
            _("Type the username to confirm."), details={"confirm": [_("It does not match the username.")]}
        )
    user = User.objects.select_for_update().get(pk=user.pk)
    person = person_of(user)
    pseudonym = f"erased-{secrets.token_hex(5)}"
    counts = {holder.label: holder.erase(person, pseudonym) for holder in personal_data_holders()}
    audit_record(kind=PERSON_ERASE, actor=actor, actor_username="" if actor else "manage.py",
                 object_type="accounts.user", object_id=user.pk, object_repr=pseudonym,
                 detail={"pseudonym": pseudonym, "counts": counts}, request=request)  # fmt: skip
    return Erasure(pseudonym=pseudonym, counts=counts)


def retention_settings() -> RetentionSettings:
    row, _created = RetentionSettings.objects.get_or_create(pk=1)
    return row


@transaction.atomic
def retention_settings_update(*, actor: User | None, closed_ticket_months: int) -> RetentionSettings:
    _require_admin(actor)
    if not 0 <= closed_ticket_months <= MAX_MONTHS:
        raise ValidationFailed(
            _("Some fields are not valid."),
            details={"closed_ticket_months": [_("Give 0 to %(max)d months.") % {"max": MAX_MONTHS}]},
        )
    row = RetentionSettings.objects.select_for_update().get(pk=retention_settings().pk)
    before = field_values(row)
    row.closed_ticket_months = closed_ticket_months
    row.save(update_fields=["closed_ticket_months"])
    audit_configuration_change(actor=actor, instance=row, before=before, after=field_values(row))
    return row


@transaction.atomic
def category_retention_set(*, actor: User, category_id: int, months: int | None) -> CategoryRetention | None:
    """A category's own retention (None: follow the site's rule)."""
    _require_admin(actor)
    existing = CategoryRetention.objects.filter(category_id=category_id).first()
    before = field_values(existing) if existing else None
    if months is None:
        if existing:
            audit_configuration_change(actor=actor, instance=existing, before=before, after=None)
            existing.delete()
        return None
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationFailed(
            _("Some fields are not valid."),
            details={"months": [_("Give 1 to %(max)d months.") % {"max": MAX_MONTHS}]},
        )
    row, _created = CategoryRetention.objects.update_or_create(
        category_id=category_id, defaults={"months": months}
    )
    audit_configuration_change(actor=actor, instance=row, before=before, after=field_values(row))
    return row


def _cutoff(now: datetime, months: int) -> datetime:
    return now - timedelta(days=round(months * DAYS_PER_MONTH))


@dataclass(frozen=True)
class RetentionResult:
    dry_run: bool
    counts: dict[str, dict[str, int]]
    enabled: bool


def retention_run(*, actor: User | None, dry_run: bool, now: datetime | None = None) -> RetentionResult:
    """Purge the personal data of closed tickets past their retention (site rule, or their category's). A dry
    run counts what would go and changes nothing; a real run is recorded in the audit trail."""
    _require_admin(actor)
    now = now or timezone.now()
    rules = retention_settings()
    per_category = {c.category_id: _cutoff(now, c.months) for c in CategoryRetention.objects.all()}
    if not rules.closed_ticket_months and not per_category:
        return RetentionResult(dry_run=dry_run, counts={}, enabled=False)
    # No site rule: only the categories with their own; everything else is kept (a cutoff before any ticket).
    site_cutoff = (
        _cutoff(now, rules.closed_ticket_months)
        if rules.closed_ticket_months
        else datetime.min.replace(tzinfo=now.tzinfo)
    )
    with transaction.atomic():
        counts = {
            holder.label: holder.purge(
                closed_before=site_cutoff, category_cutoffs=per_category, dry_run=dry_run
            )
            for holder in retention_holders()
        }
        if not dry_run:
            RetentionSettings.objects.filter(pk=rules.pk).update(last_run_at=now)
            audit_record(kind=RETENTION_PURGE, actor=actor, actor_username="" if actor else "system",
                         object_type="privacy.retentionsettings", object_id=rules.pk,
                         detail={"months": rules.closed_ticket_months,
                                 "categories": {str(k): v.isoformat() for k, v in per_category.items()},
                                 "counts": counts})  # fmt: skip
    return RetentionResult(dry_run=dry_run, counts=counts, enabled=True)
