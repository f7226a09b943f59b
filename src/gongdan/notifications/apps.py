from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """Who hears about what: in-app notices, each person's channels and quiet hours, the notice texts, and the
    rules engine that turns ticket events into messages (sent through the outbox app)."""

    name = "gongdan.notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from gongdan.accounts.signals import account_locked
        from gongdan.admin_console.registry import register_sections
        from gongdan.admin_console.transfer import register_transfer_sections
        from gongdan.core.personal_data import register_personal_data_holder
        from gongdan.mfa.signals import second_factors_reset
        from gongdan.notifications.navigation import SECTIONS
        from gongdan.notifications.personal_data import NotificationsPersonalData
        from gongdan.notifications.rules import CONSUMER, RELATED, handle_events
        from gongdan.notifications.sign_in import notify_account_locked, notify_second_factors_reset
        from gongdan.notifications.transfer import SECTIONS as TRANSFER_SECTIONS
        from gongdan.tickets.pipeline import Consumer, register_consumer

        register_sections(SECTIONS)
        register_transfer_sections(TRANSFER_SECTIONS)
        account_locked.connect(notify_account_locked, dispatch_uid="gongdan.notifications.account_locked")
        second_factors_reset.connect(
            notify_second_factors_reset, dispatch_uid="gongdan.notifications.second_factors_reset"
        )
        register_consumer(Consumer(CONSUMER, handle=handle_events, related=RELATED))
        register_personal_data_holder(NotificationsPersonalData())
