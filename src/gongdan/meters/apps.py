from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetersConfig(AppConfig):
    name = "gongdan.meters"
    label = "meters"
    verbose_name = _("Meters")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.assets.page import AssetPanel, register_asset_panel
        from gongdan.meters import events
        from gongdan.meters.navigation import SECTIONS
        from gongdan.meters.selectors import asset_meter_panel, ticket_twin_panel
        from gongdan.tickets.page import Panel, register_panel, register_timeline

        register_sections(SECTIONS)
        register_timeline({events.METER_EXCURSION}, icon="ti-gauge", explain=events.describe)
        register_timeline({events.METER_NORMAL}, icon="ti-circle-check", explain=events.describe)
        register_asset_panel(AssetPanel("meters", "meters/asset_meters.html", asset_meter_panel, order=10))
        register_panel(
            Panel("meters_twin", "meters/ticket_twin.html", ticket_twin_panel, place="main", order=30)
        )
