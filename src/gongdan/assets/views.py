"""The location tree: site → building → floor → room."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from gongdan.admin_console.access import AdminRequest
from gongdan.admin_console.screens import SettingsScreen
from gongdan.assets import selectors
from gongdan.assets import services as assets
from gongdan.assets.forms import LocationForm
from gongdan.assets.models import Location
from gongdan.core.ids import parse_id

CHILD_KIND: dict[str, str] = {
    Location.Kind.SITE: Location.Kind.BUILDING,
    Location.Kind.BUILDING: Location.Kind.FLOOR,
    Location.Kind.FLOOR: Location.Kind.ROOM,
    Location.Kind.ROOM: Location.Kind.AREA,
}


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
