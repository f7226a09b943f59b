from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "gongdan.sla"
    label = "sla"
    verbose_name = _("SLA")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.oncall.reasons import register_page_reason
        from gongdan.sla import events, tasks  # noqa: F401 (register event kinds and Huey tasks)
        from gongdan.sla.navigation import SECTIONS

        register_sections(SECTIONS)
        register_page_reason("sla", events.describe_page_reason)
