"""Open311 GeoReport v2: the services an Open311 integration offers, creating requests, and reading them.

Field names follow the specification (wiki.open311.org/GeoReport_v2) exactly. A request becomes a ticket
reported by the integration's service account in the service's category; its `service_request_id` is the
ticket number. Reads list only the requests filed through this endpoint; the reporter's contact details are
kept for agents (in the ticket's description) and never listed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from xml.etree import ElementTree as ET

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gongdan.core.domain_errors import DomainError
from gongdan.integrations.models import Integration, Open311Request, Open311Service
from gongdan.integrations.services import secret_matches
from gongdan.tickets.models import Channel, FieldType
from gongdan.tickets.models.ticket import OPEN_STATUSES
from gongdan.tickets.services import MAX_SUBJECT, IntakeDefaults, fields_for_category, ticket_create

MAX_DESCRIPTION = 4000
MAX_ROWS = 1000
DEFAULT_WINDOW = timedelta(days=90)
DATATYPES = {
    FieldType.TEXT: "string",
    FieldType.NUMBER: "number",
    FieldType.DATE: "datetime",
    FieldType.CHOICE: "singlevaluelist",
    FieldType.MULTI_CHOICE: "multivaluelist",
}


class Open311Error(Exception):
    """An error in the specification's shape: [{"code": 400, "description": "…"}]."""

    def __init__(self, status: int, description: Any) -> None:
        super().__init__(str(description))
        self.status = status
        self.description = str(description)


def _active_services(integration: Integration) -> list[Open311Service]:
    return list(integration.services.filter(is_active=True).select_related("category"))


def services_list(integration: Integration) -> list[dict[str, Any]]:
    services = _active_services(integration)
    with_fields = {s.pk for s in services if _attributes_of(s)}
    return [
        {
            "service_code": s.service_code,
            "service_name": s.service_name,
            "description": s.description,
            "metadata": s.pk in with_fields,
            "type": "realtime",
            "keywords": s.keywords,
            "group": s.group,
        }
        for s in services
    ]


def _attributes_of(service: Open311Service) -> list[dict[str, Any]]:
    attributes = []
    for order, field in enumerate(fields_for_category(service.category), start=1):
        datatype = DATATYPES.get(FieldType(field.field_type))
        if datatype is None:  # a user picker means nothing to a citizen's app
            continue
        attribute: dict[str, Any] = {
            "variable": True,
            "code": field.key,
            "datatype": datatype,
            "required": field.required,
            "datatype_description": field.help_text,
            "order": order,
            "description": field.display_label,
        }
        if datatype.endswith("valuelist"):
            attribute["values"] = [{"key": key, "name": name} for key, name in field.choice_options()]
        attributes.append(attribute)
    return attributes


def service_definition(integration: Integration, code: str) -> dict[str, Any]:
    service = (
        integration.services.filter(service_code=code, is_active=True).select_related("category").first()
    )
    if service is None:
        raise Open311Error(404, _("Unknown service_code %(code)s.") % {"code": code})
    return {"service_code": service.service_code, "attributes": _attributes_of(service)}


def _decimal(value: str, name: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise Open311Error(400, _("%(name)s must be a number.") % {"name": name}) from None
    if not number.is_finite() or not low <= number <= high:
        raise Open311Error(400, _("%(name)s must be between %(low)d and %(high)d.") % {"name": name, "low": low, "high": high})  # fmt: skip
    return number.quantize(Decimal("0.000001"))


def _attribute_values(form: QueryDict) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in form:
        if name.startswith("attribute[") and name.endswith("]"):
            code = name[len("attribute[") : -1]
            items = [v for v in form.getlist(name) if v != ""]
            if items:
                values[code] = items if len(items) > 1 else items[0]
    return values


def request_create(integration: Integration, form: QueryDict) -> list[dict[str, Any]]:
    """POST requests: checks api_key (403), the service (404) and the spec's required inputs (400)."""
    api_key = form.get("api_key", "")
    if not api_key or not secret_matches(integration, api_key):
        raise Open311Error(403, _("Invalid api_key received -- can't proceed with create_request."))
    code = form.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, _("service_code is required."))
    service = (
        integration.services.filter(service_code=code, is_active=True).select_related("category").first()
    )
    if service is None:
        raise Open311Error(404, _("Unknown service_code %(code)s.") % {"code": code})
    lat, long = form.get("lat", "").strip(), form.get("long", "").strip()
    address = " ".join(form.get("address_string", "").split())
    address_id = form.get("address_id", "").strip()
    if bool(lat) != bool(long):
        raise Open311Error(400, _("lat and long go together."))
    if not (lat or address or address_id):
        raise Open311Error(400, _("A location is required: lat and long, address_string or address_id."))
    description = (form.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, _("description is at most %(max)d characters.") % {"max": MAX_DESCRIPTION})
    email = form.get("email", "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise Open311Error(400, _("email is not a valid address.")) from None
    media_url = form.get("media_url", "").strip()
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except DjangoValidationError:
            raise Open311Error(400, _("media_url must be an http or https address.")) from None
    short = {name: form.get(name, "").strip()[:limit] for name, limit in (
        ("first_name", 100), ("last_name", 100), ("phone", 40), ("device_id", 100), ("account_id", 100))}  # fmt: skip
    values = {
        "lat": _decimal(lat, "lat", -90, 90) if lat else None,
        "long": _decimal(long, "long", -180, 180) if long else None,
        "address_string": address[:300], "address_id": address_id[:100], "email": email,
        "media_url": media_url[:500], "description": description, **short,
    }  # fmt: skip
    try:
        open_request = _create(integration, service, values, _attribute_values(form))
    except DomainError as exc:
        details = "; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in (exc.details or {}).items())
        raise Open311Error(400, f"{exc.message} {details}".strip()) from None
    return [{"service_request_id": open_request.ticket.number, "service_notice": "",
             "account_id": open_request.account_id}]  # fmt: skip


@transaction.atomic
def _create(
    integration: Integration, service: Open311Service, values: dict[str, Any], attributes: dict[str, Any]
) -> Open311Request:
    where = values["address_string"] or (
        f"{values['lat']}, {values['long']}" if values["lat"] is not None else ""
    )
    first_line = " ".join(values["description"].split()) or service.service_name
    subject = f"{service.service_name}: {first_line}"
    if len(subject) > MAX_SUBJECT:
        subject = subject[: MAX_SUBJECT - 1] + "…"
    reporter = " ".join(p for p in (values["first_name"], values["last_name"]) if p)
    contact = [
        (_("Reported by"), reporter), (_("Email"), values["email"]), (_("Phone"), values["phone"]),
        (_("Location"), where), (_("Address id"), values["address_id"]), (_("Photo"), values["media_url"]),
    ]  # fmt: skip
    lines = [f"- {label}: {value}" for label, value in contact if value]
    description = values["description"] + ("\n\n" + "\n".join(lines) if lines else "")
    ticket = ticket_create(
        actor=None,
        requester=integration.service_user,
        subject=subject,
        description=description,
        custom_values=attributes,
        location_text=where[:300],
        defaults=IntakeDefaults(
            category=service.category, team=integration.team, ticket_type=integration.ticket_type
        ),
        channel=Channel.API,
    )
    return Open311Request.objects.create(integration=integration, service=service, ticket=ticket, **values)


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else ""


def _row(item: Open311Request) -> dict[str, Any]:
    ticket = item.ticket
    is_open = ticket.status in OPEN_STATUSES
    return {
        "service_request_id": ticket.number,
        "status": "open" if is_open else "closed",
        "status_notes": "" if is_open else ticket.resolution,
        "service_name": item.service.service_name,
        "service_code": item.service.service_code,
        "description": item.description,
        "agency_responsible": ticket.team.label if ticket.team else "",
        "service_notice": "",
        "requested_datetime": _when(item.requested_at),
        "updated_datetime": _when(ticket.updated_at),
        "expected_datetime": _when(ticket.due_at or ticket.sla_due_at),
        "address": item.address_string,
        "address_id": item.address_id,
        "zipcode": "",
        "lat": float(item.lat) if item.lat is not None else None,
        "long": float(item.long) if item.long is not None else None,
        "media_url": item.media_url,
    }


def _requests(integration: Integration):  # type: ignore[no-untyped-def]
    return Open311Request.objects.filter(integration=integration).select_related(
        "service", "ticket", "ticket__team"
    )


def _date(value: str, name: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise Open311Error(400, _("%(name)s must be a W3C date-time such as 2026-01-31T08:00:00Z.") % {"name": name})  # fmt: skip
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def requests_list(integration: Integration, params: QueryDict) -> list[dict[str, Any]]:
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    rows = _requests(integration)
    if ids:  # the spec: ids override every other filter
        return [_row(r) for r in rows.filter(ticket__number__in=ids[:MAX_ROWS]).order_by("-requested_at")]
    end_date, start_date = str(params.get("end_date", "")), str(params.get("start_date", ""))
    end = _date(end_date, "end_date") if end_date else timezone.now()
    start = _date(start_date, "start_date") if start_date else end - DEFAULT_WINDOW
    if end - start > DEFAULT_WINDOW or start > end:
        raise Open311Error(400, _("start_date and end_date must be in order and at most 90 days apart."))
    rows = rows.filter(requested_at__gte=start, requested_at__lte=end)
    if codes := str(params.get("service_code", "")):
        rows = rows.filter(service__service_code__in=codes.split(","))
    status = str(params.get("status", ""))
    if status:
        states = set(status.split(","))
        if not states <= {"open", "closed"}:
            raise Open311Error(400, _("status must be open or closed."))
        if states == {"open"}:
            rows = rows.filter(ticket__status__in=OPEN_STATUSES)
        elif states == {"closed"}:
            rows = rows.exclude(ticket__status__in=OPEN_STATUSES)
    return [_row(r) for r in rows.order_by("-requested_at", "-pk")[:MAX_ROWS]]


def request_get(integration: Integration, request_id: str) -> list[dict[str, Any]]:
    item = _requests(integration).filter(ticket__number=request_id).first()
    if item is None:
        raise Open311Error(404, _("Unknown service_request_id %(id)s.") % {"id": request_id})
    return [_row(item)]


# XML, the specification's required format ---------------------------------------------------------------

XML_ITEMS = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
             "errors": "error"}  # fmt: skip


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item_tag = XML_ITEMS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_tag), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def to_xml(root: str, value: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, value)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)
