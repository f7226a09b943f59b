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
        from gongdan.oncall import events
        from gongdan.oncall.navigation import SECTIONS
        from gongdan.oncall.notices import (
            ONCALL_PAGE,
            RULE_PAGE,
            page_explanation,
            render_page,
            render_rule_page,
        )
        from gongdan.oncall.selectors import ticket_pages
        from gongdan.oncall.services import on_call_people
        from gongdan.tickets.page import Panel, register_panel, register_timeline

        register_sections(SECTIONS)
        register_renderer(ONCALL_PAGE, render_page)
        register_renderer(RULE_PAGE, render_rule_page)
        register_recipients(Recipient.ON_CALL, on_call_people)
        register_timeline({events.ONCALL_PAGED, events.ONCALL_UNAVAILABLE}, icon="ti-urgent",
                          explain=lambda _kind, data: page_explanation(data))  # fmt: skip
        register_panel(Panel("oncall_pages", "oncall/_ticket_pages_panel.html",
                             lambda actor, ticket: {"oncall_pages": ticket_pages(actor=actor, ticket=ticket)}, place="main"))  # fmt: skip
