from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "gongdan.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from gongdan.notifications.kinds import register_renderer
        from gongdan.reports import events, tasks  # noqa: F401 (register event kinds and Huey tasks)
        from gongdan.reports.services import REPORT_READY, render_report_ready

        register_renderer(REPORT_READY, render_report_ready)
        from gongdan.admin_console.registry import register_sections
        from gongdan.reports.navigation import SECTIONS

        register_sections(SECTIONS)
