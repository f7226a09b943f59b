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
        from gongdan.channels.personal_data import ChannelsPersonalData
        from gongdan.core.personal_data import register_personal_data_holder

        register_sections(SECTIONS)
        register_personal_data_holder(ChannelsPersonalData())
