"""The SLA badge's state from the ticket's own columns: no queries, for the queue row."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

register = template.Library()


def compact_duration(seconds: float) -> str:
    """One unit, so it fits a queue column: 45 min / 3 h / 2 d."""
    seconds = abs(int(seconds))
    if seconds < 3600:
        minutes = max(1, seconds // 60)
        return ngettext("%(n)d min", "%(n)d min", minutes) % {"n": minutes}
    if seconds < 48 * 3600:
        hours = seconds // 3600
        return ngettext("%(n)d h", "%(n)d h", hours) % {"n": hours}
    days = seconds // 86400
    return ngettext("%(n)d d", "%(n)d d", days) % {"n": days}


@register.simple_tag
def sla_state(ticket: Any, now: datetime | None = None) -> dict[str, Any] | None:
    """{"state": ok | at_risk | breached | paused, "text": …, "title": …, "due_at": …} or None."""
    if not getattr(ticket, "is_open", False):
        return None
    now = now or timezone.now()
    if ticket.sla_paused:
        return {"state": "paused", "text": _("SLA paused"), "title": _("The clocks wait while the ticket is pending."),
                "due_at": None}  # fmt: skip
    due = ticket.sla_due_at
    if due is None:
        return None
    if ticket.sla_breached or due <= now:
        return {"state": "breached", "text": _("%(time)s over") % {"time": compact_duration((now - due).total_seconds())},
                "title": _("SLA breached"), "due_at": due}  # fmt: skip
    state = "at_risk" if ticket.sla_warn_at and ticket.sla_warn_at <= now else "ok"
    return {
        "state": state,
        "text": _("%(time)s left") % {"time": compact_duration((due - now).total_seconds())},
        "title": _("At risk: most of the target is used") if state == "at_risk" else _("SLA due"),
        "due_at": due,
    }


@register.filter
def sla_duration(seconds: Any) -> str:
    if seconds in (None, ""):
        return ""
    return compact_duration(float(seconds))


@register.filter
def sla_minutes(minutes: Any) -> str:
    if minutes in (None, ""):
        return ""
    return compact_duration(int(minutes) * 60)


SLA_BADGES = {
    "breached": ("bg-red-lt", "ti-alarm-off"),
    "at_risk": ("bg-orange-lt", "ti-clock-exclamation"),
    "paused": ("bg-secondary-lt", "ti-player-pause"),
    "ok": ("bg-green-lt", "ti-clock"),
}


@register.filter
def sla_badge(ticket: Any) -> SafeString | str:
    """The queue row's SLA clock ("3 h left", "20 min over", paused), coloured by risk, from the ticket's
    own columns (no query); "" when no clock runs. Built in Python: the queue shows one per row."""
    state = sla_state(ticket)
    if not state:
        return ""
    css, icon = SLA_BADGES.get(state["state"], SLA_BADGES["ok"])
    title = str(state["title"])
    if state.get("due_at"):
        title += " · " + date_format(timezone.localtime(state["due_at"]), "SHORT_DATETIME_FORMAT")
    return mark_safe(  # noqa: S308 — our own classes; text and title escaped
        f'<span class="badge sla-badge sla-{state["state"]} {css}" title="{html.escape(title)}">'
        f'<i class="ti {icon} me-1" aria-hidden="true"></i>{html.escape(str(state["text"]))}</span>'
    )
