from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "gongdan.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.core.config_cache import watch_configuration
        from gongdan.sla import events  # noqa: F401 (ticket event kinds)
        from gongdan.sla.clocks import sla_react
        from gongdan.sla.models import (
            BusinessCalendar,
            CalendarDay,
            EscalationStep,
            SlaPolicy,
            SlaTarget,
            StageTarget,
        )
        from gongdan.sla.navigation import SECTIONS
        from gongdan.tickets.reactions import register_reaction

        register_sections(SECTIONS)
        register_reaction("sla", sla_react, order=50)
        watch_configuration(BusinessCalendar, CalendarDay, SlaPolicy, SlaTarget, StageTarget, EscalationStep)
