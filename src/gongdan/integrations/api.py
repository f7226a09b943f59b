"""Inbound integration endpoints under /api/v1: Alertmanager and Zabbix webhooks, CRM/ERP records and
Open311 GeoReport v2. They authenticate with the integration's own secret, not a user's API token."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from gongdan.api.auth import client_ip
from gongdan.api.errors import ApiError, errors_for
from gongdan.core import rate_limits
from gongdan.core.domain_errors import DomainError
from gongdan.integrations import open311
from gongdan.integrations.alerts import alert_comment, alerts_receive
from gongdan.integrations.edge import authenticate, delivery_log, find_integration, read_body, read_json
from gongdan.integrations.models import Integration, Kind
from gongdan.integrations.payloads import parse_alertmanager, parse_zabbix
from gongdan.integrations.records import record_receive

router = Router(tags=["integrations"])

# The webhooks read their body themselves (to log it for the admin): say what it is in the document.
JSON_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object", "additionalProperties": True}}},
    }
}
OPEN311_FORM: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {"type": "object", "additionalProperties": {"type": "string"}}
            }
        },
    }
}


class AlertsOut(Schema):
    created: int
    refired: int
    resolved: int
    unchanged: int
    ignored: int
    tickets: dict[str, str]
    unmapped_severities: list[str]


class ZabbixOut(Schema):
    result: str
    id: str | None
    url: str | None
    unmapped_severities: list[str]


class RecordOut(Schema):
    result: str
    external_id: str
    ticket: str
    url: str
    unmapped_severity: str


def ticket_url(number: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("tickets:ticket_detail", args=[number])


def _deliver(
    request: HttpRequest, integration: Integration, handle: Callable[[Any], tuple[int, dict[str, Any]]]
) -> Status:
    """Authenticate, read, apply; every answer (good or bad) goes to the integration's delivery log."""
    body = b""
    try:
        authenticate(request, integration)
        body = read_body(request)
        status, result = handle(read_json(request))
    except ApiError as exc:
        delivery_log(integration, status=exc.status_code, error=str(exc.message), body=body)
        raise
    except DomainError as exc:
        details = "; ".join(f"{k}: {', '.join(str(m) for m in v)}" for k, v in (exc.details or {}).items())
        delivery_log(integration, status=exc.status_code, error=f"{exc.message} {details}".strip(), body=body)
        raise
    delivery_log(integration, status=status, summary=result, body=body)
    return Status(status, result)


@router.post(
    "/integrations/{slug}/alertmanager",
    auth=None,
    response={200: AlertsOut, **errors_for(400, 401, 403, 413, 415, 422)},
    summary="Receive a Prometheus Alertmanager webhook (payload version 4)",
    openapi_extra=JSON_BODY,
)
def alertmanager_webhook(request: HttpRequest, slug: str) -> Any:
    """Configure Alertmanager's webhook receiver with `http_config.authorization.credentials` set to the
    integration's secret. One open ticket per alert fingerprint; repeats change nothing."""
    integration = find_integration(slug, (Kind.ALERTMANAGER,))

    def handle(data: Any) -> tuple[int, dict[str, Any]]:
        alerts, _message = parse_alertmanager(data, severity_label=integration.severity_label)
        return 200, alerts_receive(integration=integration, alerts=alerts).as_dict()

    return _deliver(request, integration, handle)


@router.post(
    "/integrations/{slug}/zabbix",
    auth=None,
    response={200: ZabbixOut, **errors_for(400, 401, 403, 413, 415, 422)},
    summary="Receive an event from the Gongdan Zabbix media type",
    openapi_extra=JSON_BODY,
)
def zabbix_webhook(request: HttpRequest, slug: str) -> Any:
    integration = find_integration(slug, (Kind.ZABBIX,))

    def handle(data: Any) -> tuple[int, dict[str, Any]]:
        event, alert = parse_zabbix(data)
        if event.kind == "update":
            ticket = alert_comment(
                integration=integration, key=alert.key, body=event.message or event.subject
            )
            number = ticket.number if ticket else None
            return 200, {"result": "commented" if ticket else "ignored", "id": number,
                         "url": ticket_url(number) if number else None, "unmapped_severities": []}  # fmt: skip
        outcome = alerts_receive(integration=integration, alerts=[alert])
        result = next((name for name, count in outcome.counts.items() if count), "ignored")
        number = outcome.tickets.get(alert.key)
        answer: dict[str, Any] = {"result": result, "id": number, "url": ticket_url(number) if number else None,
                  "unmapped_severities": outcome.unmapped_severities}  # fmt: skip
        if outcome.category_gap:  # kept in the delivery log for the admin (the schema leaves it out)
            answer["category_gap"] = outcome.category_gap
        return 200, answer

    return _deliver(request, integration, handle)


@router.post(
    "/integrations/{slug}/records",
    auth=None,
    response={200: RecordOut, 201: RecordOut, **errors_for(400, 401, 403, 413, 415, 422)},
    summary="Create or update the ticket of a CRM/ERP record (idempotent on its external id)",
    openapi_extra=JSON_BODY,
)
def record_webhook(request: HttpRequest, slug: str) -> Any:
    """201 when the record's ticket was created, 200 when it was updated or already up to date."""
    integration = find_integration(slug, (Kind.INBOUND,))

    def handle(data: Any) -> tuple[int, dict[str, Any]]:
        result = record_receive(integration=integration, data=data)
        answer: dict[str, Any] = {
            "result": result.result, "external_id": result.external_id, "ticket": result.ticket.number,
            "url": ticket_url(result.ticket.number), "unmapped_severity": result.unmapped_severity,
        }  # fmt: skip
        if result.category_gap:  # kept in the delivery log for the admin (the schema leaves it out)
            answer["category_gap"] = result.category_gap
        return (201 if result.result == "created" else 200), answer

    return _deliver(request, integration, handle)


# Open311 GeoReport v2 ------------------------------------------------------------------------------------

XML_ROOTS = {"services": "services", "definition": "service_definition", "requests": "service_requests"}


def _open311_response(fmt: str, shape: str, value: Any, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(open311.to_xml(XML_ROOTS[shape], value), status=status,
                            content_type="text/xml; charset=utf-8")  # fmt: skip
    return HttpResponse(json.dumps(value, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")  # fmt: skip


def _open311_error(fmt: str, status: int, description: str) -> HttpResponse:
    errors = [{"code": status, "description": description}]
    if fmt == "xml":
        return HttpResponse(
            open311.to_xml("errors", errors), status=status, content_type="text/xml; charset=utf-8"
        )
    return HttpResponse(json.dumps(errors, ensure_ascii=False), status=status,
                        content_type="application/json; charset=utf-8")  # fmt: skip


def _open311(
    request: HttpRequest,
    slug: str,
    fmt: str,
    run: Callable[[Integration], HttpResponse],
    *,
    write: bool = False,
) -> HttpResponse:
    """Answer an Open311 call; these doors are public, so each IP address is limited (counted in the shared
    cache, refused before any database query) to GONGDAN_PORTAL_RATE_LIMITS' open311_read_ip/_write_ip."""
    if fmt not in ("json", "xml"):
        return _open311_error("json", 404, _("Use .json or .xml."))
    refused = rate_limits.hit("open311_write_ip" if write else "open311_read_ip", client_ip(request))
    if refused is not None:
        response = _open311_error(fmt, 429, _("Too many requests from your address; try again later."))
        response["Retry-After"] = str(refused.retry_after)
        return response
    integration = (
        Integration.objects.select_related("service_user").filter(slug=slug, kind=Kind.OPEN311).first()
    )
    if integration is None or not integration.is_active:
        return _open311_error(fmt, 404, _("Unknown jurisdiction."))
    try:
        return run(integration)
    except open311.Open311Error as exc:
        return _open311_error(fmt, exc.status, exc.description)


@router.get("/open311/{slug}/services.{fmt}", auth=None, summary="Open311: list services")
def open311_services(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    return _open311(
        request, slug, fmt, lambda i: _open311_response(fmt, "services", open311.services_list(i))
    )


@router.get("/open311/{slug}/services/{code}.{fmt}", auth=None, summary="Open311: a service's definition")
def open311_service(request: HttpRequest, slug: str, code: str, fmt: str) -> HttpResponse:
    return _open311(
        request,
        slug,
        fmt,
        lambda i: _open311_response(fmt, "definition", open311.service_definition(i, code)),
    )


@router.get("/open311/{slug}/requests.{fmt}", auth=None, summary="Open311: list requests")
def open311_requests(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    return _open311(
        request,
        slug,
        fmt,
        lambda i: _open311_response(fmt, "requests", open311.requests_list(i, request.GET)),
    )


@router.post(
    "/open311/{slug}/requests.{fmt}",
    auth=None,
    summary="Open311: create a request",
    openapi_extra=OPEN311_FORM,
)
def open311_create(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    """form-urlencoded, as the specification says: api_key, service_code, a location, and the rest."""

    def run(integration: Integration) -> HttpResponse:
        try:
            read_body(request)
        except ApiError as exc:
            raise open311.Open311Error(413, exc.message) from None
        if request.content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
            raise open311.Open311Error(400, _("Send the request as application/x-www-form-urlencoded."))
        return _open311_response(fmt, "requests", open311.request_create(integration, request.POST))

    return _open311(request, slug, fmt, run, write=True)


@router.get("/open311/{slug}/requests/{request_id}.{fmt}", auth=None, summary="Open311: one request")
def open311_request(request: HttpRequest, slug: str, request_id: str, fmt: str) -> HttpResponse:
    return _open311(
        request, slug, fmt, lambda i: _open311_response(fmt, "requests", open311.request_get(i, request_id))
    )
