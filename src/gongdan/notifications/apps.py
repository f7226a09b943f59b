from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Who hears about what: in-app notices, each person's channels and quiet hours, the notice texts, and the
    rules engine that turns ticket events into messages (sent through the outbox app)."""

    name = "gongdan.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from gongdan.admin_console.registry import register_sections
        from gongdan.notifications.navigation import SECTIONS
        from gongdan.notifications.nudge import event_saved
        from gongdan.tickets.models import TicketEvent

        post_save.connect(event_saved, sender=TicketEvent, dispatch_uid="gongdan.notifications.rules_nudge")
        register_sections(SECTIONS)
