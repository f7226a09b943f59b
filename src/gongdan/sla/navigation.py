"""SLA's sections of the settings screens (appended to gongdan.configuration.navigation.SECTIONS)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from gongdan.configuration.navigation import Section

try:
    from gongdan.routing.navigation import ROUTING_SLA
except ImportError:  # routing not installed: the same group title
    ROUTING_SLA = _("Routing & SLA")

SECTIONS = (
    Section(
        "sla_policies",
        "sla:policy_list",
        "ti-clock-exclamation",
        _("SLA policies"),
        _("Response and resolution targets per priority, pause rules and escalation steps."),
        ROUTING_SLA,
    ),
    Section(
        "sla_calendars",
        "sla:calendar_list",
        "ti-calendar-time",
        _("Business calendars"),
        _("Working hours, public holidays and make-up working days (调休) the SLA clocks follow."),
        ROUTING_SLA,
    ),
)
