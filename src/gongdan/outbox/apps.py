from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutboxConfig(AppConfig):
    """Side effects after commit (rule 4): the outbox of messages written in the transaction that caused them,
    and their delivery with retries — email, chat bots, signed webhooks — behind the SSRF guard."""

    name = "gongdan.outbox"
    label = "outbox"
    verbose_name = _("Outbox")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.audit.kinds import register_kind
        from gongdan.core.personal_data import register_personal_data_holder
        from gongdan.outbox.delivery import chat, email, webhooks  # noqa: F401 (each registers its channel)
        from gongdan.outbox.navigation import SECTIONS
        from gongdan.outbox.personal_data import OutboxPersonalData
        from gongdan.outbox.services import OUTBOX_RETRY

        register_kind(OUTBOX_RETRY, _("Message sent again"))

        register_sections(SECTIONS)
        register_personal_data_holder(OutboxPersonalData())
