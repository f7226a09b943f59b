"""The portal's section of the settings screens (appended to gongdan.configuration.navigation.SECTIONS)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.configuration.navigation import TICKETS, Section

SECTIONS = (
    Section(
        "portal",
        "portal:settings",
        "ti-mood-smile",
        _("Portal and satisfaction"),
        _("Satisfaction surveys after a resolution, and what a low rating does."),
        TICKETS,
    ),
)
