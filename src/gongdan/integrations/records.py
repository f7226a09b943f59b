"""CRM/ERP records → tickets, keyed by (integration, external_id) and idempotent on that key.

The first delivery of a record creates its ticket; later deliveries update the mapped fields of the same
ticket (no change → nothing written, no event). Fields come from the admin's field mapping (a JSON path per
ticket field); priorities go through the integration's severity table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.core.domain_errors import ValidationFailed
from gongdan.integrations import events
from gongdan.integrations.alerts import priority_for, record_category_gap, severity_table, usable_category
from gongdan.integrations.models import ExternalRecord, FieldTarget, Integration
from gongdan.tickets.models import Channel, Ticket
from gongdan.tickets.services import (
    MAX_DESCRIPTION,
    MAX_SUBJECT,
    IntakeDefaults,
    append_event,
    ticket_create,
    ticket_update,
)

MISSING = object()
STEP_RE = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
MAX_EXTERNAL_ID = 200


def lookup(data: Any, path: str) -> Any:
    """`data.Notification.Text`, `items[0].id` → the value, or MISSING."""
    value = data
    for name, index in STEP_RE.findall(path):
        if name:
            if not isinstance(value, dict) or name not in value:
                return MISSING
            value = value[name]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                return MISSING
            value = value[int(index)]
    return value


def _text(value: Any) -> str | None:
    if value is MISSING or value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float | Decimal):
        return str(value).strip()
    raise ValueError


@dataclass
class RecordResult:
    result: str  # created | updated | unchanged
    ticket: Ticket
    external_id: str
    unmapped_severity: str = ""
    category_gap: dict[str, Any] | None = None


def _mapped_values(integration: Integration, data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    values: dict[str, Any] = {}
    custom: dict[str, Any] = {}
    unmapped = ""
    table = None
    errors: dict[str, list[str]] = {}
    for mapping in integration.field_mappings.all():
        raw = lookup(data, mapping.source_path)
        if raw is MISSING:
            continue
        if mapping.target == FieldTarget.CUSTOM:
            if isinstance(raw, dict):
                errors[mapping.source_path] = [_("Must be text, a number or a list.")]
                continue
            custom[mapping.custom_key] = raw
            continue
        try:
            text = _text(raw)
        except ValueError:
            errors[mapping.source_path] = [_("Must be text or a number.")]
            continue
        if text is None:
            continue
        if mapping.target == FieldTarget.PRIORITY:
            table = table if table is not None else severity_table(integration)
            priority, known = priority_for(integration, text, table)
            if not known:
                unmapped = text
            values["priority"] = priority
        else:
            values[mapping.target] = text
    if errors:
        raise ValidationFailed(_("Some fields are not valid."), details=errors)
    if custom:
        values["custom_values"] = custom
    return values, unmapped


def record_receive(*, integration: Integration, data: Any) -> RecordResult:
    if not isinstance(data, dict):
        raise ValidationFailed(_("The body must be a JSON object."), code="invalid_payload")
    path = integration.external_id_path
    try:
        external_id = _text(lookup(data, path))
    except ValueError:
        external_id = None
    if not external_id or len(external_id) > MAX_EXTERNAL_ID:
        message = _("The record's id was not found at “%(path)s” (text or a number, at most %(max)d "
                    "characters).") % {"path": path, "max": MAX_EXTERNAL_ID}  # fmt: skip
        raise ValidationFailed(message, code="external_id_missing", details={path: [message]})
    values, unmapped = _mapped_values(integration, data)
    return _apply(integration, external_id, values, unmapped)


@transaction.atomic
def _apply(integration: Integration, external_id: str, values: dict[str, Any], unmapped: str) -> RecordResult:
    record, _created = ExternalRecord.objects.get_or_create(integration=integration, external_id=external_id)
    record = ExternalRecord.objects.select_for_update().get(pk=record.pk)
    ExternalRecord.objects.filter(pk=record.pk).update(
        received_count=F("received_count") + 1, last_seen_at=timezone.now()
    )
    ticket = Ticket.objects.filter(pk=record.ticket_id).first() if record.ticket_id else None
    if ticket is None:
        subject = values.get("subject") or f"{integration.name} {external_id}"
        subject = " ".join(subject.split())
        if len(subject) > MAX_SUBJECT:
            subject = subject[: MAX_SUBJECT - 1] + "…"
        category, team, gap = usable_category(integration)
        description = values.get("description") or ""
        custom_values = values.get("custom_values")
        if gap and custom_values:  # without the category its fields have nowhere to go: keep them readable
            description += "\n\n" + "\n".join(f"- {key}: {value}" for key, value in custom_values.items())
            custom_values = None
        ticket = ticket_create(
            actor=None,
            requester=integration.service_user,
            subject=subject,
            description=description.strip()[:MAX_DESCRIPTION],
            priority=values.get("priority") or priority_for(integration, "", {})[0],
            custom_values=custom_values,
            location_text=values.get("location_text", ""),
            defaults=IntakeDefaults(category=category, team=team, ticket_type=integration.ticket_type),
            channel=Channel.API,
        )
        record.ticket = ticket
        record.save(update_fields=["ticket"])
        if gap:
            record_category_gap(ticket, integration, gap)
        if unmapped:
            append_event(ticket, actor=None, kind=events.SEVERITY_UNMAPPED,
                         data={"severity": unmapped, "integration": integration.name})  # fmt: skip
        return RecordResult("created", ticket, external_id, unmapped, gap)
    changes = dict(values)
    if "subject" in changes:
        changes["subject"] = " ".join(changes["subject"].split())[:MAX_SUBJECT] or ticket.subject
    if "description" in changes:
        changes["description"] = changes["description"][:MAX_DESCRIPTION]
    if "custom_values" in changes:
        changes["custom_values"] = {**(ticket.custom_values or {}), **changes["custom_values"]}
    before = ticket.version
    ticket = ticket_update(actor=None, ticket=ticket, changes=changes) if changes else ticket
    result = "updated" if ticket.version != before else "unchanged"
    return RecordResult(result, ticket, external_id, unmapped)
