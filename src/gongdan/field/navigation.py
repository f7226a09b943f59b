"""The field app's section of the settings screens (appended to gongdan.configuration.navigation.SECTIONS)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.configuration.navigation import PLACES, Section

SECTIONS = (
    Section(
        "field_labels",
        "field:labels",
        "ti-qrcode",
        _("QR labels"),
        _(
            "Printable QR code sheets for locations: for technicians, and public “report a problem here” codes."
        ),
        PLACES,
    ),
)
