from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Personal data rights (PIPL / GDPR): export and erase a person, and the retention rules for closed
    tickets. It sits at the top layer with reports and portal because it reaches every app, but only through
    what each registers in `gongdan.core.personal_data` (decision 0131)."""

    name = "gongdan.privacy"
    label = "privacy"
    verbose_name = _("Personal data")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.audit.kinds import register_kind
        from gongdan.privacy import tasks  # noqa: F401 (register the retention task)
        from gongdan.privacy.events import AUDIT_KINDS
        from gongdan.privacy.navigation import SECTIONS

        for kind, label in AUDIT_KINDS.items():
            register_kind(kind, label)
        register_sections(SECTIONS)
