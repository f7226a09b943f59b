from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AutomationConfig(AppConfig):
    """Admin-defined rules (trigger → conditions → actions) run on ticket events and on time, and macros
    agents apply in one click; both versioned, exportable and importable."""

    name = "gongdan.automation"
    verbose_name = _("Automation")

    def ready(self) -> None:
        from gongdan.automation.personal_data import AutomationPersonalData
        from gongdan.core.personal_data import register_personal_data_holder

        register_personal_data_holder(AutomationPersonalData())
        from gongdan.admin_console.registry import register_sections
        from gongdan.admin_console.transfer import register_transfer_sections
        from gongdan.automation import events, tasks  # noqa: F401  (event kinds and periodic tasks)
        from gongdan.automation.actions import NOTICE_KIND
        from gongdan.automation.asset_fields import SOURCE as ASSET_FIELDS
        from gongdan.automation.conditions import register_field_source
        from gongdan.automation.engine import CONSUMER, handle_events
        from gongdan.automation.macro_bulk import OPERATION as MACRO_BULK
        from gongdan.automation.models import Rule
        from gongdan.automation.navigation import SECTIONS
        from gongdan.automation.notices import explain_event, render_notice
        from gongdan.automation.panel import macro_panel_context
        from gongdan.automation.transfer import SECTIONS as TRANSFER_SECTIONS
        from gongdan.core.config_cache import watch_configuration
        from gongdan.notifications.kinds import register_renderer
        from gongdan.tickets.bulk import register_bulk_operation
        from gongdan.tickets.page import Panel, register_panel, register_timeline
        from gongdan.tickets.pipeline import Consumer, register_consumer

        register_sections(SECTIONS)
        register_field_source(ASSET_FIELDS)
        register_bulk_operation(MACRO_BULK)
        register_transfer_sections(TRANSFER_SECTIONS)
        watch_configuration(Rule)
        register_consumer(Consumer(CONSUMER, handle=handle_events))
        register_renderer(NOTICE_KIND, render_notice)
        register_timeline({events.LOOP_STOPPED}, icon="ti-repeat-off", explain=explain_event)
        register_timeline({events.MACRO_APPLIED}, icon="ti-wand", explain=explain_event)
        register_panel(
            Panel("automation_macros", "automation/_ticket_macros_panel.html", macro_panel_context)
        )
