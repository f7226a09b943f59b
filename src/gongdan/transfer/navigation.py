"""The transfer's section of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "configuration_transfer",
        "transfer:index",
        "ti-file-export",
        _("Configuration transfer"),
        _(
            "Export the configuration as JSON, import it on another site after a preview, and go back to a version."
        ),
        "tickets",
        order=99,
    ),
)
