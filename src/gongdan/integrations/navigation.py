"""Integrations' section of the settings screens (appended to gongdan.configuration.navigation.SECTIONS)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.configuration.navigation import Section

CHANNELS = _("Channels")

SECTIONS = (
    Section(
        "integrations",
        "integrations:integration_list",
        "ti-plug-connected",
        _("Integrations"),
        _(
            "Monitoring alerts (Alertmanager, Zabbix), CRM/ERP records and Open311 requests that become tickets."
        ),
        CHANNELS,
    ),
)
