"""The field app's section of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "field_labels",
        "field:labels",
        "ti-qrcode",
        _("QR labels"),
        _(
            "Printable QR code sheets for locations: for technicians, and public “report a problem here” codes."
        ),
        "places",
    ),
)
