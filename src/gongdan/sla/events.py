"""The ticket event kinds the SLA engine writes, registered with the ticket timeline."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gongdan.sla.models import ClockKind, EscalationAction
from gongdan.tickets.events import register

SLA_ESCALATED = register("sla_escalated", _("escalated (SLA)"))
SLA_BREACHED = register("sla_breached", _("breached an SLA target"))


def describe_sla_event(kind: str, data: dict[str, Any]) -> str:
    """One line for the timeline: which clock, and what the step did or by how far the target was missed."""

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


def page_reason(*, clock_kind: str, percent: int | None, minutes_from_due: int | None, priority: str) -> str:
    """The code stored with an on-call page an escalation step sends: `sla:<clock>:<trigger>:<priority>`, the
    trigger being the percent of the target (`0`, `100`) or minutes from the due time (`-30m`, `15m`)."""
    trigger = (
        f"{minutes_from_due}m" if percent is None and minutes_from_due is not None else str(percent or 0)
    )
    return f"sla:{clock_kind}:{trigger}:{priority}"


# The clock as the start of a sentence about a page ("Resolution overdue", "解决已超时").
PAGE_CLOCKS = {
    "first_response": pgettext_lazy("page reason", "First response"),
    "next_response": pgettext_lazy("page reason", "Next response"),
    "resolution": pgettext_lazy("page reason", "Resolution"),
    "stage": pgettext_lazy("page reason", "Team stage"),
}


def describe_page_reason(parts: list[str]) -> str | None:
    """`sla:first_response:0:P0` → "First response due now (P0)" in the active language; codes written
    before the priority was part of them (`sla:first_response:0`) read without it."""
    if len(parts) not in (2, 3) or parts[0] not in PAGE_CLOCKS:
        return None
    clock = str(PAGE_CLOCKS[parts[0]])
    trigger = parts[1]
    try:
        if trigger.endswith("m"):
            minutes = int(trigger[:-1])
            if minutes < 0:
                text = ngettext("%(clock)s due in %(n)d minute", "%(clock)s due in %(n)d minutes", -minutes) % {
                    "clock": clock, "n": -minutes}  # fmt: skip
            elif minutes == 0:
                text = gettext("%(clock)s due now") % {"clock": clock}
            else:
                text = ngettext("%(clock)s overdue by %(n)d minute", "%(clock)s overdue by %(n)d minutes",
                                minutes) % {"clock": clock, "n": minutes}  # fmt: skip
        else:
            percent = int(trigger)
            if percent == 0:
                text = gettext("%(clock)s due now") % {"clock": clock}
            elif percent < 100:
                text = gettext("%(clock)s: %(percent)d%% of the time used") % {
                    "clock": clock,
                    "percent": percent,
                }
            else:
                text = gettext("%(clock)s overdue") % {"clock": clock}
    except ValueError:
        return None
    if len(parts) == 3 and parts[2]:
        text = gettext("%(reason)s (%(priority)s)") % {"reason": text, "priority": parts[2]}
    return text
