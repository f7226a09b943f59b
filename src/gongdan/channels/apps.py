from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "gongdan.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.channels import tasks  # noqa: F401 (register Huey tasks)
        from gongdan.channels.navigation import SECTIONS

        register_sections(SECTIONS)
