from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Outbound messages: the outbox, in-app notices, email delivery and on-call paging."""

    name = "gongdan.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from gongdan.notifications import events, tasks  # noqa: F401 (register event kinds and tasks)
