"""The location tree (settings), asset types (settings) and the equipment register (the staff's "Assets")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gongdan.admin_console.access import AdminRequest
from gongdan.admin_console.screens import SettingsScreen
from gongdan.assets import selectors
from gongdan.assets import services as assets
from gongdan.assets.access import can_edit_assets, can_see_assets
from gongdan.assets.forms import (
    AssetFieldForm,
    AssetFilterForm,
    AssetForm,
    AssetTypeForm,
    LocationForm,
    asset_field_initial,
)
from gongdan.assets.models import Asset, AssetDocument, AssetField, AssetType, Location
from gongdan.assets.page import asset_panels
from gongdan.core.domain_errors import DomainError, NotFound, ValidationFailed
from gongdan.core.ids import parse_id
from gongdan.core.sensitive_values import masked_values
from gongdan.web.forms import show_domain_error
from gongdan.web.http import HtmxRequest, SignedInRequest, wants_fragment

CHILD_KIND: dict[str, str] = {
    Location.Kind.SITE: Location.Kind.BUILDING,
    Location.Kind.BUILDING: Location.Kind.FLOOR,
    Location.Kind.FLOOR: Location.Kind.ROOM,
    Location.Kind.ROOM: Location.Kind.AREA,
}
PAGE_SIZE = 50


def _initial_child(request: AdminRequest) -> dict[str, Any]:
    """Adding a place inside another (?parent=<id>): the parent chosen, the kind one level down."""
    parent_id = parse_id(request.GET.get("parent"))
    parent = Location.objects.filter(pk=parent_id).first() if parent_id is not None else None
    return {"parent": parent.pk, "kind": CHILD_KIND.get(parent.kind, Location.Kind.AREA)} if parent else {}


LOCATIONS = SettingsScreen(
    model=Location, section="locations", form_class=LocationForm, list_url="assets:location_list",
    list_template="assets/locations/list.html", rows=selectors.location_tree,
    create=assets.location_create, update=assets.location_update, instance_key="location",
    form_kwargs=lambda location: {"location": location}, initial_new=_initial_child,
    new_title=gettext_lazy("New location"), edit_title=gettext_lazy("Location: %(name)s"),
    created=gettext_lazy("Location %(name)s was created."), saved=gettext_lazy("Location %(name)s was saved."),
)  # fmt: skip
location_list, location_create, location_edit = (
    LOCATIONS.list_view,
    LOCATIONS.create_view,
    LOCATIONS.edit_view,
)

ASSET_TYPES = SettingsScreen(
    model=AssetType, section="asset_types", form_class=AssetTypeForm, list_url="assets:asset_type_list",
    list_template="assets/types/list.html", list_name="asset_types", rows=selectors.asset_type_list,
    create=assets.asset_type_create, update=assets.asset_type_update, instance_key="asset_type",
    new_title=gettext_lazy("New asset type"), edit_title=gettext_lazy("Asset type: %(name)s"),
    saved=gettext_lazy("Asset type %(name)s was saved."),
)  # fmt: skip
asset_type_list, asset_type_create, asset_type_edit = (
    ASSET_TYPES.list_view,
    ASSET_TYPES.create_view,
    ASSET_TYPES.edit_view,
)

ASSET_FIELDS = SettingsScreen(
    model=AssetField, section="asset_types", form_class=AssetFieldForm, list_url="assets:asset_type_list",
    create=assets.asset_field_create, update=assets.asset_field_update, delete=assets.asset_field_delete,
    instance_key="asset_field", initial=asset_field_initial, edit_url="assets:asset_field_edit",
    initial_new=lambda request: {"asset_type": parse_id(request.GET.get("type"))},
    new_title=gettext_lazy("New asset field"), edit_title=gettext_lazy("Asset field: %(name)s"),
    saved=gettext_lazy("Field %(name)s was saved."),
)  # fmt: skip
asset_field_create, asset_field_edit, asset_field_delete = (
    ASSET_FIELDS.create_view,
    ASSET_FIELDS.edit_view,
    ASSET_FIELDS.delete_view,
)


# --- the register (staff) -----------------------------------------------------------------------------------


def _staff(request: SignedInRequest) -> None:
    if not can_see_assets(request.user):
        raise HttpForbidden


def _editor(request: SignedInRequest) -> None:
    if not can_edit_assets(request.user):
        raise HttpForbidden


@login_required
@require_GET
def asset_list(request: SignedInRequest) -> HttpResponse:
    _staff(request)
    filters = selectors.AssetFilters.parse(request.GET.dict())
    tree = request.GET.get("view") == "tree"
    context: dict[str, Any] = {
        "filter_form": AssetFilterForm(request.GET or None),
        "errors": filters.errors,
        "tree": tree,
        "may_edit": can_edit_assets(request.user),
        "params": urlencode(
            [(k, str(v)) for k, v in request.GET.items() if k not in ("after", "view") and v]
        ),
    }
    if tree:
        context["rows"] = selectors.asset_tree(actor=request.user, filters=filters)
    else:
        page = selectors.asset_list(
            actor=request.user, filters=filters, after=request.GET.get("after", "")[:60], limit=PAGE_SIZE
        )
        context.update(assets=page.rows, next_after=page.next_after)
    template = "assets/list.html#results" if wants_fragment(request) else "assets/list.html"
    response = render(request, template, context, status=400 if filters.errors else 200)
    response["Vary"] = "HX-Request"
    return response


@login_required
@require_GET
def asset_detail(request: SignedInRequest, code: str) -> HttpResponse:
    _staff(request)
    try:
        detail = selectors.asset_detail(actor=request.user, code=code)
    except NotFound as exc:
        raise Http404 from exc
    templates, panel_context = asset_panels(request.user, detail.asset)
    return render(request, "assets/detail.html", {
        "detail": detail, "asset": detail.asset, "panels": templates, "may_edit": can_edit_assets(request.user),
        "public_reports": selectors.asset_allows_public_reports(detail.asset),
        "document_kinds": AssetDocument.Kind.choices,
        **panel_context,
    })  # fmt: skip


def _asset_form_page(request: SignedInRequest, asset: Asset | None) -> HttpResponse:
    _editor(request)
    type_id = parse_id(request.POST.get("asset_type") or request.GET.get("asset_type"))
    asset_type = (
        AssetType.objects.filter(pk=type_id).first() if type_id else (asset.asset_type if asset else None)
    )
    status = 200
    if request.method == "POST":
        form = AssetForm(request.POST, asset_type=asset_type)
        if form.is_valid():
            try:
                values = form.service_values()
                values["parent"] = _parent_of(form.cleaned_data.get("parent_code") or "", request)
                if asset is None:
                    saved = assets.asset_create(actor=request.user, **values)
                    messages.success(request, _("Asset %(name)s was created.") % {"name": saved})
                else:
                    saved = assets.asset_update(actor=request.user, asset=asset, **values)
                    messages.success(request, _("Asset %(name)s was saved.") % {"name": saved})
                return redirect("assets:asset_detail", saved.code)
            except DomainError as exc:
                aliases = {
                    "parent": "parent_code",
                    **{f"custom_values.{k}": f"cf_{k}" for k in form.custom_keys},
                }
                show_domain_error(form, exc, aliases=aliases)
        status = 400
    else:
        initial: dict[str, Any] = {"asset_type": asset_type.pk if asset_type else None}
        if asset is not None:
            initial.update({name: getattr(asset, name) for name in (
                "code", "name", "criticality", "status", "model_name", "serial_number", "manufacturer",
                "supplier", "installed_on", "warranty_ends_on", "cost", "public_reporting")})  # fmt: skip
            initial.update(location=asset.location_id, parent_code=asset.parent.code if asset.parent else "")
            initial.update({f"cf_{k}": masked for k, masked in masked_values(asset.custom_values).items()})
        else:
            parent = Asset.objects.filter(code=request.GET.get("parent", "")[:60]).first()
            if parent is not None:
                initial.update(parent_code=parent.code, location=parent.location_id)
        form = AssetForm(initial=initial, asset_type=asset_type)
    return render(request, "assets/form.html", {"form": form, "asset": asset}, status=status)


def _parent_of(code: str, request: SignedInRequest) -> Asset | None:
    code = code.strip()
    if not code:
        return None
    parent = Asset.objects.filter(code__iexact=code).first()
    if parent is None:
        message = _("No asset has the code “%(code)s”.") % {"code": code}
        raise ValidationFailed(message, details={"parent": [message]})
    return parent


@login_required
@require_http_methods(["GET", "POST"])
def asset_create(request: SignedInRequest) -> HttpResponse:
    return _asset_form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def asset_edit(request: SignedInRequest, code: str) -> HttpResponse:
    _staff(request)
    try:
        asset = selectors.asset_get(actor=request.user, code=code)
    except NotFound as exc:
        raise Http404 from exc
    return _asset_form_page(request, asset)


@login_required
@require_GET
def asset_sensitive_value(request: SignedInRequest, code: str) -> HttpResponse:
    """One sensitive custom value in clear, for staff; the audit trail records it (the ticket page's "Show")."""
    _staff(request)
    try:
        asset = selectors.asset_get(actor=request.user, code=code)
        value = assets.asset_sensitive_reveal(
            actor=request.user, asset=asset, key=request.GET.get("key", "")[:50], request=request
        )
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "assets/sensitive_value.html", {"value": value})


@login_required
@require_GET
def asset_custom_fields(request: SignedInRequest) -> HttpResponse:
    """The custom fields of the chosen type (htmx swaps them in when the type changes)."""
    _editor(request)
    type_id = parse_id(request.GET.get("asset_type"))
    asset_type = AssetType.objects.filter(pk=type_id).first() if type_id else None
    return render(request, "assets/form.html#custom_fields", {"form": AssetForm(asset_type=asset_type)})


@login_required
@require_POST
def asset_retire(request: SignedInRequest, code: str) -> HttpResponse:
    _editor(request)
    try:
        asset = selectors.asset_get(actor=request.user, code=code)
        assets.asset_retire(actor=request.user, asset=asset)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("assets:asset_detail", code)
    messages.success(request, _("Asset %(name)s was retired.") % {"name": asset})
    return redirect("assets:asset_detail", code)


@require_GET
def asset_scan(request: HtmxRequest, code: str) -> HttpResponse:
    """What an asset's QR label opens: the asset page for staff, the report form for anyone else."""
    asset = selectors.asset_by_code(code)
    if asset is None:
        raise Http404
    user = request.user
    if user.is_authenticated and can_see_assets(user):  # type: ignore[arg-type]
        return redirect("assets:asset_detail", asset.code)
    return redirect(reverse("portal:request_new") + "?" + urlencode({"asset": asset.code}))
