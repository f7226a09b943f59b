"""The ticket event kinds the SLA engine writes, registered with the ticket timeline."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from gongdan.tickets.events import register

SLA_ESCALATED = register("sla_escalated", _("escalated (SLA)"))
SLA_BREACHED = register("sla_breached", _("breached an SLA target"))


def describe_sla_event(kind: str, data: dict[str, Any]) -> str:
    """One line for the timeline: which clock, and what the step did or by how far the target was missed."""
    from gongdan.sla.models import ClockKind, EscalationAction

    clock = data.get("clock", "")
    clock_label = str(ClockKind(clock).label) if clock in ClockKind.values else str(clock)
    if kind == SLA_ESCALATED:
        action = data.get("action", "")
        action_label = (
            str(EscalationAction(action).label) if action in EscalationAction.values else str(action)
        )
        minutes = data.get("minutes_from_due")
        if isinstance(minutes, int):
            when = (
                ngettext("%(n)d minute before due", "%(n)d minutes before due", -minutes) % {"n": -minutes}
                if minutes < 0
                else ngettext("%(n)d minute after due", "%(n)d minutes after due", minutes) % {"n": minutes}
            )
        else:
            when = gettext("at %(percent)s %% of the target") % {"percent": data.get("percent", 0)}
        return gettext("%(clock)s: %(action)s, %(when)s") % {
            "clock": clock_label,
            "action": action_label,
            "when": when,
        }
    if kind == SLA_BREACHED:
        return gettext("%(clock)s target missed") % {"clock": clock_label}
    return ""
