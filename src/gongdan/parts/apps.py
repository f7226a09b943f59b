from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartsConfig(AppConfig):
    name = "gongdan.parts"
    label = "parts"
    verbose_name = _("Spare parts")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.assets.page import AssetPanel, register_asset_panel
        from gongdan.maintenance.figures import register_parts_consumption
        from gongdan.notifications.kinds import register_renderer
        from gongdan.notifications.models import RuleEvent
        from gongdan.notifications.rules import register_event_source
        from gongdan.parts import events
        from gongdan.parts.navigation import SECTIONS
        from gongdan.parts.selectors import asset_parts_panel, figures_parts_consumption, ticket_parts_panel
        from gongdan.tickets.page import Panel, register_panel, register_timeline

        register_sections(SECTIONS)
        register_parts_consumption(figures_parts_consumption)
        register_timeline({events.PART_USED, events.PART_RETURNED}, icon="ti-tool", explain=events.describe)
        register_timeline({events.PART_LOW}, icon="ti-alert-triangle", explain=events.describe)
        register_event_source(events.PART_LOW, RuleEvent.LOW_STOCK)
        register_renderer(f"ticket_{RuleEvent.LOW_STOCK}", events.render_low_stock)
        register_panel(
            Panel("parts", "parts/ticket_parts_panel.html", ticket_parts_panel, place="main", order=40)
        )
        register_asset_panel(AssetPanel("parts", "parts/asset_parts.html", asset_parts_panel, order=105))
