from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "gongdan.maintenance"
    label = "maintenance"
    verbose_name = _("Maintenance")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.maintenance.navigation import SECTIONS

        register_sections(SECTIONS)
        from gongdan.assets.page import AssetPanel, register_asset_panel
        from gongdan.maintenance import events
        from gongdan.maintenance.meter_readings import MetersReadings
        from gongdan.maintenance.selectors import (
            asset_history,
            asset_pm,
            pm_ticket_checklist,
            ticket_asset_panel,
        )
        from gongdan.maintenance.services import maintenance_react
        from gongdan.maintenance.services.pm import pm_react, set_meter_source
        from gongdan.tickets.page import Panel, register_panel, register_timeline
        from gongdan.tickets.reactions import register_reaction

        set_meter_source(MetersReadings())
        register_reaction("maintenance", maintenance_react, order=60)
        register_reaction("maintenance_pm", pm_react, order=61)
        register_timeline({events.ASSET_DOWN}, icon="ti-plug-connected-x", explain=events.describe)
        register_panel(
            Panel("maintenance", "maintenance/ticket_asset_panel.html", ticket_asset_panel, order=20)
        )
        register_panel(
            Panel("maintenance_pm", "maintenance/ticket_checklist_panel.html", pm_ticket_checklist, place="main",
                  order=30)
        )  # fmt: skip
        register_asset_panel(
            AssetPanel("maintenance", "maintenance/asset_history.html",
                       lambda actor, asset: {"history": asset_history(actor=actor, asset=asset)})
        )  # fmt: skip
        register_asset_panel(AssetPanel("maintenance_pm", "maintenance/asset_pm.html",
                                        lambda actor, asset: asset_pm(actor=actor, asset=asset), order=110))  # fmt: skip
