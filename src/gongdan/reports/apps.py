from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "gongdan.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.notifications.kinds import register_renderer
        from gongdan.reports import events  # noqa: F401 (ticket event kinds)
        from gongdan.reports.navigation import SECTIONS
        from gongdan.reports.projection import CONSUMER, bulk_start_if_worth_it, handle_events
        from gongdan.reports.services import REPORT_READY, render_report_ready
        from gongdan.tickets.pipeline import Consumer, register_consumer

        register_renderer(REPORT_READY, render_report_ready)
        register_sections(SECTIONS)
        register_consumer(
            Consumer(CONSUMER, handle=handle_events, start="beginning", on_fresh=bulk_start_if_worth_it)
        )
