"""The places section of the settings screens (registered from the assets AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section
from gongdan.assets.models import Location

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
)
