"""The spare parts sections of the settings screens (registered from the parts AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section
from gongdan.parts.models import Part, Store

SECTIONS = (
    Section(
        "parts_catalogue",
        "parts:catalogue_list",
        "ti-packages",
        _("Spare parts"),
        _("The parts catalogue: codes, units, costs, suppliers, what they fit and their reorder points."),
        "places",
        order=50,
        count=lambda: Part.objects.count(),
    ),
    Section(
        "parts_stores",
        "parts:store_list",
        "ti-building-warehouse",
        _("Stores"),
        _("The store rooms and warehouses that hold spare parts, each at a location."),
        "places",
        order=55,
        count=lambda: Store.objects.count(),
    ),
)
