"""The location tree: site → building → floor → room."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from gongdan.admin_console.access import AdminRequest, admin_required
from gongdan.admin_console.views.page import form_status, render_page
from gongdan.assets import selectors
from gongdan.assets import services as assets
from gongdan.assets.forms import LocationForm
from gongdan.assets.models import Location
from gongdan.core.domain_errors import DomainError
from gongdan.core.ids import parse_id
from gongdan.web.forms import show_domain_error

CHILD_KIND: dict[str, str] = {
    Location.Kind.SITE: Location.Kind.BUILDING,
    Location.Kind.BUILDING: Location.Kind.FLOOR,
    Location.Kind.FLOOR: Location.Kind.ROOM,
    Location.Kind.ROOM: Location.Kind.AREA,
}


@admin_required
def location_list(request: AdminRequest) -> HttpResponse:
    return render_page(
        request, "assets/locations/list.html", section="locations", rows=selectors.location_tree()
    )


@admin_required
def location_create(request: AdminRequest) -> HttpResponse:
    if request.method == "POST":
        form = LocationForm(request.POST)
        if form.is_valid():
            try:
                location = assets.location_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Location %(name)s was created.") % {"name": location})
                return redirect("assets:location_list")
    else:
        parent_id = parse_id(request.GET.get("parent"))
        parent = Location.objects.filter(pk=parent_id).first() if parent_id is not None else None
        initial = (
            {"parent": parent.pk, "kind": CHILD_KIND.get(parent.kind, Location.Kind.AREA)} if parent else {}
        )
        form = LocationForm(initial=initial)
    return render_page(
        request,
        "admin_console/form_page.html",
        section="locations",
        form=form,
        title=_("New location"),
        cancel_url="assets:location_list",
        status=form_status(request, form),
    )


@admin_required
def location_edit(request: AdminRequest, pk: int) -> HttpResponse:
    location = get_object_or_404(Location, pk=pk)
    if request.method == "POST":
        form = LocationForm(request.POST, location=location)
        if form.is_valid():
            try:
                assets.location_update(actor=request.user, location=location, **form.cleaned_data)
            except DomainError as exc:
                location.refresh_from_db()
                show_domain_error(form, exc)
            else:
                messages.success(request, _("Location %(name)s was saved.") % {"name": location})
                return redirect("assets:location_list")
    else:
        form = LocationForm(
            location=location,
            initial={
                "parent": location.parent_id,
                "kind": location.kind,
                "name": location.name,
                "code": location.code,
                "address": location.address,
                "latitude": location.latitude,
                "longitude": location.longitude,
                "is_active": location.is_active,
            },
        )
    return render_page(
        request,
        "admin_console/form_page.html",
        section="locations",
        form=form,
        title=_("Location: %(name)s") % {"name": location},
        cancel_url="assets:location_list",
        status=form_status(request, form),
    )
