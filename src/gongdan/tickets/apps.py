from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "gongdan.tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.core.config_cache import watch_configuration
        from gongdan.tickets.models import (
            Category,
            CustomField,
            DeskSettings,
            Priority,
            TicketNumbering,
            TicketType,
            WorkflowTransition,
        )
        from gongdan.tickets.navigation import SECTIONS

        register_sections(SECTIONS)
        watch_configuration(
            Category, CustomField, Priority, TicketType, WorkflowTransition, TicketNumbering, DeskSettings
        )
