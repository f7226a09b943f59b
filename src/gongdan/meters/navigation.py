"""The MQTT section of the settings screens (registered from the meters AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "mqtt",
        "meters:mqtt_status",
        "ti-access-point",
        _("MQTT sensors"),
        _("Meters fed over MQTT and what the ingester received, stored and could not read."),
        "places",
        order=30,
    ),
)
