"""The meter screens: add and edit a meter (from the asset page), record a reading by hand, the chart's data
for another range, and the MQTT ingestion status for administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.assets.access import can_edit_assets, can_see_assets
from gongdan.assets.models import Asset
from gongdan.assets.selectors import asset_get
from gongdan.core.domain_errors import DomainError, NotFound
from gongdan.meters import selectors, services
from gongdan.meters.forms import MeterForm, ReadingForm
from gongdan.meters.models import Meter, TwinModel
from gongdan.tickets.services import IncomingFile
from gongdan.web.forms import show_domain_error
from gongdan.web.http import SignedInRequest


def _asset(request: SignedInRequest, code: str) -> Asset:
    if not can_see_assets(request.user):
        raise HttpForbidden
    try:
        return asset_get(actor=request.user, code=code)
    except NotFound as exc:
        raise Http404 from exc


def _meter(asset: Asset, meter_id: int) -> Meter:
    meter = Meter.objects.filter(asset=asset, pk=meter_id).select_related("asset").first()
    if meter is None:
        raise Http404
    return meter


def _meter_form_page(request: SignedInRequest, asset: Asset, meter: Meter | None) -> HttpResponse:
    if not can_edit_assets(request.user):
        raise HttpForbidden
    status = 200
    if request.method == "POST":
        form = MeterForm(request.POST)
        if form.is_valid():
            values = form.cleaned_data
            try:
                if meter is None:
                    saved = services.meter_create(actor=request.user, asset=asset, **values)
                    messages.success(request, _("Meter %(name)s was added.") % {"name": saved})
                else:
                    saved = services.meter_update(actor=request.user, meter=meter, **values)
                    messages.success(request, _("Meter %(name)s was saved.") % {"name": saved})
                return redirect("assets:asset_detail", asset.code)
            except DomainError as exc:
                show_domain_error(form, exc)
        status = 400
    else:
        form = MeterForm(initial=MeterForm.initial_of(meter))
    return render(request, "meters/form.html", {"form": form, "asset": asset, "meter": meter}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def meter_create(request: SignedInRequest, code: str) -> HttpResponse:
    return _meter_form_page(request, _asset(request, code), None)


@login_required
@require_http_methods(["GET", "POST"])
def meter_edit(request: SignedInRequest, code: str, meter_id: int) -> HttpResponse:
    asset = _asset(request, code)
    return _meter_form_page(request, asset, _meter(asset, meter_id))


@login_required
@require_http_methods(["GET", "POST"])
def reading_add(request: SignedInRequest, code: str) -> HttpResponse:
    """Record one reading by hand (the asset page's form, and the phone app's, which posts here too)."""
    asset = _asset(request, code)
    meters = [m for m in selectors.asset_meters(asset) if m.is_active]
    if not meters:
        raise Http404
    status = 200
    if request.method == "POST":
        form = ReadingForm(request.POST, meters=meters)
        if form.is_valid():
            at: datetime | None = form.cleaned_data["at"]
            try:
                result = services.readings_record(
                    actor=request.user, meter_ids=[form.cleaned_data["meter"]],
                    values=[form.cleaned_data["value"]], times=[at],
                )  # fmt: skip
            except DomainError as exc:
                show_domain_error(form, exc, aliases={"readings.0.value": "value", "readings.0.at": "at",
                                                      "readings.0.meter": "meter"})  # fmt: skip
            else:
                if result.opened:
                    messages.warning(request, _("Out of limits: work order %(number)s was opened.")
                                     % {"number": result.opened[0].number})  # fmt: skip
                elif result.duplicates:
                    messages.info(request, _("That meter already has a reading at that time."))
                else:
                    messages.success(request, _("The reading was recorded."))
                return redirect("assets:asset_detail", asset.code)
        status = 400
    else:
        form = ReadingForm(meters=meters, initial={"meter": request.GET.get("meter")})
    return render(request, "meters/reading_form.html", {"form": form, "asset": asset}, status=status)


@login_required
@require_GET
def meter_chart(request: SignedInRequest, code: str) -> JsonResponse:
    asset = _asset(request, code)
    range_key = request.GET.get("range", selectors.DEFAULT_RANGE)
    if range_key not in selectors.RANGES:
        return JsonResponse({"error": _("Unknown range.")}, status=400)
    return JsonResponse(selectors.chart_data(request.user, asset, selectors.asset_meters(asset), range_key))


@admin_required
@require_GET
def mqtt_status(request: AdminRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "counters": selectors.ingest_counters(),
        "mapped": selectors.mqtt_mapped_meters(),
        "broker_configured": bool(settings.GONGDAN_MQTT_URL),
        "now": timezone.now(),
    }
    return render(request, "meters/mqtt_status.html", context)


@login_required
@require_POST
def twin_upload(request: SignedInRequest, code: str) -> HttpResponse:
    asset = _asset(request, code)
    if not can_edit_assets(request.user):
        raise HttpForbidden
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a .glb file."))
        return redirect("assets:asset_detail", asset.code)
    try:
        services.twin_model_set(
            actor=request.user, asset=asset, incoming=IncomingFile(upload.name or "", upload.read())
        )
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The 3D model was saved."))
    return redirect("assets:asset_detail", asset.code)


@login_required
@require_GET
def twin_model_file(request: SignedInRequest, pk: int) -> FileResponse:
    """Staff only, like the asset pages; cached privately (the phone app keeps it offline)."""
    if not can_see_assets(request.user):
        raise HttpForbidden
    model = TwinModel.objects.filter(pk=pk).first()
    if model is None:
        raise Http404
    response = FileResponse(model.file.open("rb"), content_type="model/gltf-binary")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
