"""SLA's sections of the settings screens (registered from its AppConfig.ready)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.admin_console.registry import Section

SECTIONS = (
    Section(
        "sla_policies",
        "sla:policy_list",
        "ti-clock-exclamation",
        _("SLA policies"),
        _("Response and resolution targets per priority, pause rules and escalation steps."),
        "routing_sla",
    ),
    Section(
        "sla_calendars",
        "sla:calendar_list",
        "ti-calendar-time",
        _("Business calendars"),
        _("Working hours, public holidays and make-up working days (调休) the SLA clocks follow."),
        "routing_sla",
    ),
)
