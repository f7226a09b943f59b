from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    """Configuration as one JSON file between a test site and production (issue 15, item 7): export, a dry-run
    preview, an all-or-nothing import, site-wide versions with their diff and revert. The sections come from
    the apps that own the configuration (admin_console.transfer); this app sits on top and only drives them."""

    name = "gongdan.transfer"
    label = "transfer"
    verbose_name = _("Configuration transfer")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.audit.kinds import register_kind
        from gongdan.transfer.navigation import SECTIONS
        from gongdan.transfer.services import AUDIT_EXPORT, AUDIT_IMPORT, AUDIT_PREVIEW, AUDIT_REVERT

        register_sections(SECTIONS)
        register_kind(AUDIT_IMPORT, _("Configuration imported"))
        register_kind(AUDIT_REVERT, _("Configuration reverted"))
        register_kind(AUDIT_EXPORT, _("Configuration exported"))
        register_kind(AUDIT_PREVIEW, _("Configuration import previewed"))
