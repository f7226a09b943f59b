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
