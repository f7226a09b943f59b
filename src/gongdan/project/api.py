"""The REST API: one NinjaAPI at /api/v1 mounting each app's router, with one JSON error shape."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.urls import URLPattern, URLResolver, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI

from gongdan.accounts.api import auth_router, directory_router
from gongdan.api import errors
from gongdan.api.auth import API_AUTH
from gongdan.api.docs import SelfHostedSwagger, docs_asset
from gongdan.api.openapi import document_errors
from gongdan.api.parsing import StrictJsonParser
from gongdan.api.rendering import ApiRenderer
from gongdan.approvals.api import router as approvals_router
from gongdan.assets.api import router as assets_router
from gongdan.automation.api import router as automation_router
from gongdan.field.api import router as field_router
from gongdan.integrations.api import router as integrations_router
from gongdan.maintenance.api import router as maintenance_router
from gongdan.meters.api import router as meters_router
from gongdan.notifications.api import router as notifications_router
from gongdan.oncall.api import router as oncall_router
from gongdan.parts.api import router as parts_router
from gongdan.reports.api import router as reports_router
from gongdan.rounds.api import router as rounds_router
from gongdan.routing.api import router as routing_router
from gongdan.sla.api import router as sla_router
from gongdan.tickets.api import router as tickets_router
from gongdan.tickets.workflow_api import router as workflows_router
from gongdan.transfer.api import router as transfer_router

DESCRIPTION = """Gongdan's REST API. Authenticate with `Authorization: Bearer <token>` (get one from
`POST /api/v1/auth/token`) or, from the browser, with the session cookie plus the `X-CSRFToken` header.
Every error is `{"error": {"code", "message", "details": {field: [messages]}}}`. See docs/api.md."""


def _guard(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse NUL characters in the address (PostgreSQL cannot compare them) and give ninja's bare
    405 the shared error shape."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
        ):
            return errors.error_response(
                400, "bad_request", _("The address must not contain NUL characters.")
            )
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response.get("Allow", "")
            return errors.error_response(
                405,
                "method_not_allowed",
                _("Method %(method)s is not allowed here.") % {"method": request.method},
                headers={"Allow": allowed},
            )
        return response

    return wrapped


@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    return errors.handle_not_found(request)


class GongdanAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> Any:
        """ninja's document, with the error answers every operation can give (gongdan.api.openapi)."""
        return document_errors(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = _guard(pattern.callback)
        urls.append(path("docs/assets/<str:name>", docs_asset, name="docs-asset"))
        urls.append(re_path(r"^(?P<rest>.*)$", api_not_found, name="not-found"))
        return urls


api = GongdanAPI(
    title="Gongdan API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=API_AUTH,
    parser=StrictJsonParser(),
    renderer=ApiRenderer(),
    docs=SelfHostedSwagger(),
)
errors.install(api)
api.add_router("/auth", auth_router, tags=["auth"])
api.add_router("/", directory_router, tags=["directory"])
api.add_router("/", tickets_router, tags=["tickets"])
api.add_router("/", workflows_router, tags=["workflows"])
api.add_router("/", sla_router, tags=["sla"])
api.add_router("/", routing_router, tags=["routing"])
api.add_router("/", automation_router, tags=["automation"])
api.add_router("/", notifications_router, tags=["notifications"])
api.add_router("/", oncall_router, tags=["on-call"])
api.add_router("/", integrations_router, tags=["integrations"])
api.add_router("/", approvals_router, tags=["approvals"])
api.add_router("/", field_router, tags=["field"])
api.add_router("/", reports_router, tags=["reports"])
api.add_router("/", assets_router, tags=["assets"])
api.add_router("/", maintenance_router, tags=["maintenance"])
api.add_router("/", meters_router, tags=["meters"])
api.add_router("/", parts_router, tags=["parts"])
api.add_router("/", transfer_router, tags=["configuration"])
api.add_router("/", rounds_router, tags=["rounds"])
