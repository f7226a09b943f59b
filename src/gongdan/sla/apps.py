from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "gongdan.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.admin_console.transfer import register_transfer_sections
        from gongdan.core.config_cache import watch_configuration
        from gongdan.oncall.reasons import register_page_reason
        from gongdan.sla import events
        from gongdan.sla.clocks import sla_react
        from gongdan.sla.events import SLA_BREACHED, SLA_ESCALATED, describe_sla_event
        from gongdan.sla.models import (
            BusinessCalendar,
            CalendarDay,
            EscalationStep,
            SlaPolicy,
            SlaTarget,
            StageTarget,
        )
        from gongdan.sla.navigation import SECTIONS
        from gongdan.sla.selectors import ticket_sla_clocks
        from gongdan.sla.transfer import SECTIONS as TRANSFER_SECTIONS
        from gongdan.tickets.page import Panel, register_panel, register_timeline
        from gongdan.tickets.reactions import register_reaction

        register_sections(SECTIONS)
        register_transfer_sections(TRANSFER_SECTIONS)
        register_reaction("sla", sla_react, order=50)
        register_timeline({SLA_ESCALATED, SLA_BREACHED}, icon=lambda kind: "ti-alarm" if kind == SLA_BREACHED else "ti-urgent",
                          explain=describe_sla_event)  # fmt: skip
        register_panel(Panel("sla", "sla/includes/ticket_sla_panel.html",
                             lambda actor, ticket: {"sla_clocks": ticket_sla_clocks(actor=actor, ticket=ticket)}, order=10))  # fmt: skip
        watch_configuration(BusinessCalendar, CalendarDay, SlaPolicy, SlaTarget, StageTarget, EscalationStep)
        register_page_reason("sla", events.describe_page_reason)
