"""What every inbound integration request passes first: the integration's secret, the body's size and
JSON, and the delivery log an admin reads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils.translation import gettext as _

from gongdan.api.error_shape import ApiError
from gongdan.api.parsing import loads_json
from gongdan.integrations.models import Delivery, Integration
from gongdan.integrations.services import secret_matches

EXCERPT_CHARS = 2000


def max_body_bytes() -> int:
    return int(getattr(settings, "GONGDAN_INTEGRATION_MAX_BODY_BYTES", 1024 * 1024))


def not_authenticated(message: Any = None) -> ApiError:
    return ApiError(
        message or _("Send the integration's secret as “Authorization: Bearer <secret>”."),
        status_code=401,
        code="not_authenticated",
        headers={"WWW-Authenticate": 'Bearer realm="integrations"'},
    )


def find_integration(slug: str, kinds: tuple[str, ...]) -> Integration:
    integration = (
        Integration.objects.select_related(
            "service_user", "category", "default_priority", "team", "ticket_type"
        )
        .filter(slug=slug, kind__in=kinds)
        .first()
    )
    if integration is None:  # unknown address: the same answer as a wrong secret, so nothing is revealed
        raise not_authenticated()
    return integration


def bearer_secret(request: HttpRequest) -> str:
    scheme, _sep, secret = request.headers.get("Authorization", "").strip().partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def authenticate(request: HttpRequest, integration: Integration, secret: str | None = None) -> None:
    secret = bearer_secret(request) if secret is None else secret
    if not secret or not secret_matches(integration, secret):
        raise not_authenticated()
    if not integration.is_active or not integration.service_user.is_active:
        raise ApiError(_("This integration is switched off."), status_code=403, code="integration_inactive")


def read_body(request: HttpRequest) -> bytes:
    limit = max_body_bytes()
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    too_big = ApiError(
        _("The request body is too large (at most %(max)d bytes).") % {"max": limit},
        status_code=413,
        code="request_too_large",
        headers={"Connection": "close"},
    )
    if declared > limit:
        raise too_big
    try:
        body = request.body
    except RequestDataTooBig:
        raise too_big from None
    if len(body) > limit:
        raise too_big
    return body


def read_json(request: HttpRequest) -> Any:
    body = read_body(request)
    content_type = request.content_type or ""
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise ApiError(
            _("Send the body as application/json."), status_code=415, code="unsupported_media_type"
        )
    if not body.strip():
        raise ApiError(_("The request needs a JSON body."), status_code=400, code="body_required")
    return loads_json(body, strict=False)


def delivery_log(
    integration: Integration, *, status: int, summary: dict[str, Any] | None = None, error: str = "",
    body: bytes = b"",
) -> None:  # fmt: skip
    Delivery.objects.create(
        integration=integration,
        status_code=status,
        summary=summary or {},
        error=error[:500],
        body_excerpt=body[:EXCERPT_CHARS].decode("utf-8", "replace"),
    )
