from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "gongdan.integrations"
    label = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.integrations import events, tasks  # noqa: F401 (register event kinds and Huey tasks)
        from gongdan.integrations.navigation import SECTIONS

        register_sections(SECTIONS)

        from gongdan.integrations.chat import cards, delivery  # noqa: F401 (the "chatapp" outbox channel)
        from gongdan.tickets.pipeline import Consumer, register_consumer

        register_consumer(Consumer(cards.CONSUMER, handle=cards.handle_events, kinds=cards.KINDS,
                                   related=("ticket",)))  # fmt: skip
