from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FieldConfig(AppConfig):
    name = "gongdan.field"
    verbose_name = _("Field app")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.field.events import (
            FIELD_ACCEPTED,
            FIELD_CHECKED_IN,
            FIELD_CHECKED_OUT,
            FIELD_SIGNED,
            describe_field_event,
        )
        from gongdan.field.navigation import SECTIONS
        from gongdan.tickets.page import register_timeline

        register_sections(SECTIONS)
        register_timeline(
            {FIELD_ACCEPTED, FIELD_CHECKED_IN, FIELD_CHECKED_OUT, FIELD_SIGNED},
            icon="ti-map-pin",
            explain=describe_field_event,
        )
