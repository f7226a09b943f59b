from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Outbound messages: the outbox, in-app notices, email, chat bots, webhooks, rules and on-call paging."""

    name = "gongdan.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from gongdan.notifications import events, tasks  # noqa: F401 (register event kinds and tasks)
        from gongdan.notifications.nudge import event_saved
        from gongdan.tickets.models import TicketEvent

        post_save.connect(event_saved, sender=TicketEvent, dispatch_uid="gongdan.notifications.rules_nudge")
        from gongdan.admin_console.registry import register_sections
        from gongdan.notifications.navigation import SECTIONS

        register_sections(SECTIONS)
