from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    """The tamper-evident audit trail: who did what to the site's security and configuration, from where.
    It sits low in the layers (below admin_console and api) so every app above can record through
    `gongdan.audit.services.audit_record`; it knows users only by `settings.AUTH_USER_MODEL`."""

    name = "gongdan.audit"
    label = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from gongdan.audit import signals

        signals.connect()
