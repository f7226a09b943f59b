from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "gongdan.field"
    verbose_name = _("Field app")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.field import events  # noqa: F401  (ticket event kinds)
        from gongdan.field.navigation import SECTIONS

        register_sections(SECTIONS)
