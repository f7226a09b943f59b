from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The requester's side: submit, track, reply, confirm, rate."""

    name = "gongdan.portal"
    label = "portal"
    verbose_name = _("Requester portal")

    def ready(self) -> None:
        from gongdan.admin_console.registry import register_sections
        from gongdan.portal import events, notices, tasks  # noqa: F401 (event kinds, notice texts, tasks)
        from gongdan.portal.navigation import SECTIONS

        register_sections(SECTIONS)
