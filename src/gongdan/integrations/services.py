"""Every change to integration settings: create, edit, rotate the secret, the severity table, the field
mapping and the Open311 services. Administrators only. Intake itself lives in alerts.py, records.py and
open311.py."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gongdan.accounts.models import Role, Team, User
from gongdan.accounts.services import user_create
from gongdan.core.bilingual import pick_label
from gongdan.core.domain_errors import Conflict, PermissionDenied, ValidationFailed
from gongdan.integrations.models import (
    ALERT_KINDS,
    Delivery,
    FieldMapping,
    FieldTarget,
    Integration,
    Kind,
    Open311Service,
    SeverityMapping,
)
from gongdan.tickets.models import Category, CustomField, Priority, TicketType
from gongdan.tickets.services import fields_for_category

SECRET_PREFIX = "gdi_"  # noqa: S105 (a prefix, not a secret)
MAX_NAME = 120
MAX_PATH = 200
PATH_RE = re.compile(r"^[^\s.\[\]]+(\[\d+\])*(\.[^\s.\[\]]+(\[\d+\])*)*$")

# What a new alert integration maps out of the box; the admin edits the table afterwards.
DEFAULT_SEVERITIES = {
    Kind.ALERTMANAGER: {"critical": "P1", "error": "P2", "warning": "P3", "info": "P4"},
    Kind.ZABBIX: {"disaster": "P0", "high": "P1", "average": "P2", "warning": "P3", "information": "P4",
                  "not classified": "P4", "5": "P0", "4": "P1", "3": "P2", "2": "P3", "1": "P4", "0": "P4"},
}  # fmt: skip


def _require_admin(actor: User) -> None:
    if not actor.is_active or not actor.is_admin:
        raise PermissionDenied(_("Only administrators can change integrations."))


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(integration: Integration, secret: str) -> bool:
    return hmac.compare_digest(integration.secret_hash, secret_digest(secret))


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed(_("A name is required."), details={"name": [_("This field is required.")]})
    if len(name) > MAX_NAME:
        message = _("At most %(max)d characters.") % {"max": MAX_NAME}
        raise ValidationFailed(message, details={"name": [message]})
    return name


def _clean_path(path: str, field: str) -> str:
    path = (path or "").strip()
    if not path or len(path) > MAX_PATH or not PATH_RE.match(path):
        message = _("Write a path like Subject, data.Notification.Text or items[0].id.")
        raise ValidationFailed(message, details={field: [message]})
    return path


# --- the default category's required fields --------------------------------------------------------------------


def unfilled_required_fields(
    *, kind: str, category: Category | None, mapped_keys: set[str] | None = None
) -> list[CustomField]:
    """The required fields of `category` (and the categories above it) that this kind of integration leaves
    empty: alerts fill no custom field; CRM/ERP records fill those their field mapping names. Open311 requests
    carry the fields themselves (a service's attributes), so they leave none."""
    if category is None or kind not in (*ALERT_KINDS, Kind.INBOUND):
        return []
    filled = set(mapped_keys or ()) if kind == Kind.INBOUND else set()
    return [f for f in fields_for_category(category) if f.required and f.key not in filled]


def mapped_custom_keys(integration: Integration) -> set[str]:
    return set(
        integration.field_mappings.filter(target=FieldTarget.CUSTOM).values_list("custom_key", flat=True)
    )


def category_gap(integration: Integration) -> dict[str, Any] | None:
    """What stops the integration's default category from being used now, in both languages (it is stored
    with a delivery and shown later in the reader's language): None when nothing does."""
    if integration.category_id is None:
        return None
    category = integration.category
    missing = unfilled_required_fields(
        kind=integration.kind, category=category, mapped_keys=mapped_custom_keys(integration)
    )
    if not missing:
        return None
    return {"category": [category.name, category.name_en or category.name],
            "fields": [[f.label, f.label_en or f.label] for f in missing]}  # fmt: skip


def describe_category_gap(gap: dict[str, Any], *, kind: str) -> str:
    """The admin's words for a category the integration cannot fill, in the active language."""

    def label(pair: Any) -> str:
        return pick_label(*pair) if isinstance(pair, list | tuple) and len(pair) == 2 else str(pair)

    values = {
        "category": label(gap.get("category", "")),
        "fields": pgettext("list separator", ", ").join(f"“{label(f)}”" for f in gap.get("fields") or []),
    }
    if kind == Kind.INBOUND:
        return (
            _(
                "The category “%(category)s” requires %(fields)s, and no field mapping of this integration "
                "fills it: map those fields first, then choose this category."
            )
            % values
        )
    return (
        _(
            "The category “%(category)s” requires %(fields)s, which alerts cannot fill: its tickets would be "
            "refused. Choose a category without required fields, or make those fields optional."
        )
        % values
    )


def _check_category(kind: str, category: Category | None, mapped_keys: set[str]) -> None:
    missing = unfilled_required_fields(kind=kind, category=category, mapped_keys=mapped_keys)
    if category is not None and missing:
        gap = {"category": [category.name, category.name_en or category.name],
               "fields": [[f.label, f.label_en or f.label] for f in missing]}  # fmt: skip
        message = describe_category_gap(gap, kind=kind)
        raise ValidationFailed(message, code="category_unfillable", details={"category": [message]})


def _defaults(values: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for field, model in (("category", Category), ("team", Team), ("ticket_type", TicketType)):
        value = values.get(field)
        if value is not None and not isinstance(value, model):
            raise ValidationFailed(_("Invalid value."), details={field: [_("Invalid value.")]})
        if value is not None and getattr(value, "is_active", True) is False:
            message = _("“%(value)s” is no longer in use.") % {"value": value}
            raise ValidationFailed(message, details={field: [message]})
        cleaned[field] = value
    priority = values.get("default_priority")
    if priority is not None and not isinstance(priority, Priority):
        raise ValidationFailed(_("Invalid value."), details={"default_priority": [_("Invalid value.")]})
    cleaned["default_priority"] = priority
    cleaned["resolve_on_recovery"] = bool(values.get("resolve_on_recovery", True))
    label = " ".join(str(values.get("severity_label") or "severity").split())[:60]
    cleaned["severity_label"] = label or "severity"
    cleaned["external_id_path"] = _clean_path(
        values.get("external_id_path") or "external_id", "external_id_path"
    )
    cleaned["is_active"] = bool(values.get("is_active", True))
    return cleaned


@transaction.atomic
def integration_create(
    *, actor: User, kind: str, name: str, slug: str = "", **values: Any
) -> tuple[Integration, str]:
    """Create an integration and its service account. Returns the integration and its secret, which is
    shown this once and never stored in the clear."""
    _require_admin(actor)
    if kind not in Kind.values:
        raise ValidationFailed(_("Unknown kind."), details={"kind": [_("Unknown kind.")]})
    name = _clean_name(name)
    slug = slugify(slug or name)[:50].strip("-") or f"{kind}-{secrets.token_hex(3)}"
    _check_category(kind, values.get("category"), set())
    if Integration.objects.filter(slug=slug).exists():
        message = _("Another integration already uses the address name “%(slug)s”.") % {"slug": slug}
        raise ValidationFailed(message, details={"slug": [message]})
    cleaned = _defaults(values)
    username = f"integration-{slug}"[:150]
    if User.objects.filter(username=username).exists():
        username = f"integration-{slug}-{secrets.token_hex(3)}"[:150]
    service_user = user_create(
        actor=None, username=username, role=Role.REQUESTER, display_name=name, language="en"
    )
    secret = new_secret()
    try:
        with transaction.atomic():
            integration = Integration.objects.create(
                kind=kind, name=name, slug=slug, secret_hash=secret_digest(secret), secret_hint=secret[-4:],
                service_user=service_user, **cleaned,
            )  # fmt: skip
    except IntegrityError:
        message = _("Another integration already uses the address name “%(slug)s”.") % {"slug": slug}
        raise ValidationFailed(message, details={"slug": [message]}) from None
    priorities = {p.code: p for p in Priority.objects.all()}
    SeverityMapping.objects.bulk_create(
        SeverityMapping(integration=integration, value=value, priority=priorities[code])
        for value, code in DEFAULT_SEVERITIES.get(Kind(kind), {}).items()
        if code in priorities
    )
    return integration, secret


@transaction.atomic
def integration_update(*, actor: User, integration: Integration, name: str, **values: Any) -> Integration:
    _require_admin(actor)
    integration = Integration.objects.select_for_update().get(pk=integration.pk)
    integration.name = _clean_name(name)
    cleaned = _defaults(values)
    if cleaned["category"] is not None and cleaned["category"].pk != integration.category_id:
        _check_category(integration.kind, cleaned["category"], mapped_custom_keys(integration))
    for field, value in cleaned.items():
        setattr(integration, field, value)
    integration.updated_at = timezone.now()
    integration.save()
    service_user = integration.service_user
    if service_user.display_name != integration.name or service_user.is_active != integration.is_active:
        service_user.display_name = integration.name
        # A paused integration's account is paused too: nothing can act in its name.
        service_user.is_active = integration.is_active
        service_user.save(update_fields=["display_name", "is_active"])
    return integration


@transaction.atomic
def integration_rotate_secret(*, actor: User, integration: Integration) -> str:
    """A new secret replaces the old one at once; the old one stops working."""
    _require_admin(actor)
    secret = new_secret()
    Integration.objects.filter(pk=integration.pk).update(
        secret_hash=secret_digest(secret), secret_hint=secret[-4:], secret_rotated_at=timezone.now()
    )
    integration.refresh_from_db()
    return secret


@transaction.atomic
def integration_delete(*, actor: User, integration: Integration) -> None:
    """Remove an integration that never made a ticket; one with history can only be deactivated."""
    _require_admin(actor)
    if integration.alert_links.exists() or integration.records.exists() or integration.requests.exists():
        raise Conflict(
            _("This integration has made tickets; deactivate it instead so their history stays."),
            code="integration_in_use",
        )
    service_user = integration.service_user
    try:
        integration.delete()
        service_user.delete()
    except ProtectedError:
        raise Conflict(
            _("This integration has made tickets; deactivate it instead so their history stays."),
            code="integration_in_use",
        ) from None


@transaction.atomic
def severity_set(*, actor: User, integration: Integration, value: str, priority: Priority) -> SeverityMapping:
    _require_admin(actor)
    value = " ".join((value or "").split()).lower()
    if not value or len(value) > 60:
        message = _("Write the severity as the sender sends it (at most 60 characters).")
        raise ValidationFailed(message, details={"value": [message]})
    mapping, _created = SeverityMapping.objects.update_or_create(
        integration=integration, value=value, defaults={"priority": priority}
    )
    return mapping


@transaction.atomic
def severity_remove(*, actor: User, mapping: SeverityMapping) -> None:
    _require_admin(actor)
    mapping.delete()


@transaction.atomic
def field_mapping_add(
    *, actor: User, integration: Integration, source_path: str, target: str, custom_key: str = ""
) -> FieldMapping:
    _require_admin(actor)
    source_path = _clean_path(source_path, "source_path")
    if target not in FieldTarget.values:
        raise ValidationFailed(_("Unknown field."), details={"target": [_("Unknown field.")]})
    custom_key = (custom_key or "").strip() if target == FieldTarget.CUSTOM else ""
    if target == FieldTarget.CUSTOM and not custom_key:
        message = _("Name the custom field's key.")
        raise ValidationFailed(message, details={"custom_key": [message]})
    if FieldMapping.objects.filter(integration=integration, target=target, custom_key=custom_key).exists():
        message = _("That ticket field is already mapped; remove the old mapping first.")
        raise ValidationFailed(message, details={"target": [message]})
    return FieldMapping.objects.create(
        integration=integration, source_path=source_path, target=target, custom_key=custom_key
    )


@transaction.atomic
def field_mapping_remove(*, actor: User, mapping: FieldMapping) -> None:
    """Refused when the mapping fills a required field of the integration's category: without it every
    record would be refused."""
    _require_admin(actor)
    integration = mapping.integration
    if mapping.target == FieldTarget.CUSTOM and integration.category_id is not None:
        others = mapped_custom_keys(integration) - {mapping.custom_key}
        if any(f.key == mapping.custom_key for f in unfilled_required_fields(
            kind=integration.kind, category=integration.category, mapped_keys=others
        )):  # fmt: skip
            message = _(
                "“%(key)s” is required in the category “%(category)s”: this mapping is what fills it. "
                "Choose another category first, or make the field optional."
            ) % {"key": mapping.custom_key, "category": integration.category.label}
            raise ValidationFailed(message, code="mapping_required", details={"target": [message]})
    mapping.delete()


@transaction.atomic
def open311_service_add(
    *,
    actor: User,
    integration: Integration,
    service_code: str,
    service_name: str,
    category: Category,
    description: str = "",
    group: str = "",
    keywords: str = "",
) -> Open311Service:
    _require_admin(actor)
    if integration.kind != Kind.OPEN311:
        raise ValidationFailed(_("Only Open311 integrations offer services."), code="wrong_kind")
    service_code = (service_code or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,50}", service_code):
        message = _("Use letters, digits, - and _ (at most 50).")
        raise ValidationFailed(message, details={"service_code": [message]})
    if Open311Service.objects.filter(integration=integration, service_code=service_code).exists():
        message = _("That service code is already in use.")
        raise ValidationFailed(message, details={"service_code": [message]})
    service_name = " ".join((service_name or "").split())
    if not service_name or len(service_name) > 120:
        message = _("A service name of at most 120 characters is required.")
        raise ValidationFailed(message, details={"service_name": [message]})
    return Open311Service.objects.create(
        integration=integration, service_code=service_code, service_name=service_name, category=category,
        description=(description or "").strip()[:500], group=(group or "").strip()[:120],
        keywords=(keywords or "").strip()[:200],
    )  # fmt: skip


@transaction.atomic
def open311_service_remove(*, actor: User, service: Open311Service) -> None:
    """A service with requests is switched off (its requests keep their code); an unused one is deleted."""
    _require_admin(actor)
    if service.requests.exists():
        service.is_active = False
        service.save(update_fields=["is_active"])
    else:
        service.delete()


def deliveries_prune(*, keep_days: int = 30) -> int:
    cutoff = timezone.now() - timedelta(days=keep_days)
    return Delivery.objects.filter(received_at__lt=cutoff).delete()[0]
