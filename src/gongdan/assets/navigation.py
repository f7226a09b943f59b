"""The places section of the settings screens (registered from the assets AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section
from gongdan.assets.models import AssetType, Location

SECTIONS = (
    Section(
        "locations",
        "assets:location_list",
        "ti-map-pin",
        _("Locations"),
        _("Sites, buildings, floors and rooms where work happens."),
        "places",
        order=10,
        count=lambda: Location.objects.count(),
    ),
    Section(
        "asset_types",
        "assets:asset_type_list",
        "ti-building-factory-2",
        _("Asset types"),
        _("Kinds of equipment and the fields each kind carries."),
        "places",
        order=20,
        count=lambda: AssetType.objects.count(),
    ),
)
