"""The public timeline in a requester's words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from gongdan.portal.wording import plain_status
from gongdan.tickets import events as ticket_events

register = template.Library()


def _who(event: Any, user: Any) -> str:
    if event.actor_id is None:
        return _("The service desk")
    if user is not None and event.actor_id == getattr(user, "pk", None):
        return _("You")
    return event.actor.name if event.actor else _("Someone")


@register.simple_tag
def event_line(event: Any, user: Any) -> str:
    """One sentence per event: who did what, in plain words."""
    who = _who(event, user)
    data = event.data if isinstance(event.data, dict) else {}
    match event.kind:
        case ticket_events.CREATED:
            return _("%(who)s sent the request") % {"who": who}
        case ticket_events.TRANSITIONED:
            return _("Status: %(status)s") % {"status": plain_status(str(data.get("to", "")))}
        case ticket_events.COMMENTED:
            return _("%(who)s wrote") % {"who": who}
        case ticket_events.ATTACHMENT_ADDED:
            return _("%(who)s added %(name)s") % {"who": who, "name": data.get("filename", "")}
        case "csat_rated":
            return _("%(who)s rated the service %(rating)s/5") % {
                "who": who,
                "rating": data.get("rating", ""),
            }
    return f"{who} {ticket_events.describe(event.kind)}"


@register.filter
def event_icon(kind: str) -> str:
    return {
        ticket_events.CREATED: "ti-send",
        ticket_events.TRANSITIONED: "ti-progress",
        ticket_events.COMMENTED: "ti-message",
        ticket_events.ATTACHMENT_ADDED: "ti-paperclip",
        "csat_rated": "ti-star",
    }.get(kind, "ti-point")


@register.filter
def stars(rating: Any) -> str:
    try:
        value = max(0, min(5, int(rating)))
    except (TypeError, ValueError):
        return ""
    return "★" * value + "☆" * (5 - value)
