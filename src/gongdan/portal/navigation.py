"""The portal's section of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "portal",
        "portal:settings",
        "ti-mood-smile",
        _("Portal and satisfaction"),
        _("Satisfaction surveys after a resolution, and what a low rating does."),
        "tickets",
    ),
)
