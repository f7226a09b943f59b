from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OncallConfig(AppConfig):
    """Who answers urgent tickets: schedules with rotations, backups and overrides, and the pages sent to them
    until someone acknowledges."""

    name = "gongdan.oncall"
    label = "oncall"
    verbose_name = _("On-call")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.notifications.kinds import register_renderer
        from gongdan.notifications.models import Recipient
        from gongdan.notifications.rules import register_recipients
        from gongdan.oncall import events  # noqa: F401 (ticket event kinds)
        from gongdan.oncall.navigation import SECTIONS
        from gongdan.oncall.notices import ONCALL_PAGE, RULE_PAGE, render_page, render_rule_page
        from gongdan.oncall.services import on_call_people

        register_sections(SECTIONS)
        register_renderer(ONCALL_PAGE, render_page)
        register_renderer(RULE_PAGE, render_rule_page)
        register_recipients(Recipient.ON_CALL, on_call_people)
