"""The privacy section of the settings screens (registered from PrivacyConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "privacy",
        "privacy:home",
        "ti-shield-lock",
        _("Personal data"),
        _("Export or erase what is held about a person; retention of closed tickets' personal data."),
        "people",
        order=90,
    ),
)
