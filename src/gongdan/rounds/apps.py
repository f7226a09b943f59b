from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoundsConfig(AppConfig):
    name = "gongdan.rounds"
    label = "rounds"
    verbose_name = _("Inspection rounds")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.rounds import events
        from gongdan.rounds.navigation import SECTIONS
        from gongdan.tickets.page import register_timeline

        register_sections(SECTIONS)
        register_timeline({events.ROUND_FINDING}, icon="ti-route", explain=events.describe)
