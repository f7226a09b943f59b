"""Small presentation helpers for the agent UI: badges, colours, safe links."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

register = template.Library()

COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
STATUS_CLASSES = {
    "new": "bg-azure-lt",
    "assigned": "bg-indigo-lt",
    "in_progress": "bg-blue-lt",
    "pending_requester": "bg-yellow-lt",
    "pending_third_party": "bg-orange-lt",
    "resolved": "bg-green-lt",
    "closed": "bg-secondary-lt",
    "cancelled": "bg-secondary-lt",
}


@register.filter
def safe_colour(value: Any) -> str:
    """An admin-chosen colour, or neutral grey if it is not a plain hex colour (it lands in a style)."""
    text = str(value or "")
    return text if COLOUR.match(text) else "#667382"


@register.filter
def status_class(status: str) -> str:
    return STATUS_CLASSES.get(status, "bg-secondary-lt")


@register.filter
def indent(depth: Any) -> str:
    """Non-breaking spaces for a tree level inside an <option> (which can't hold markup)."""
    try:
        level = max(int(depth), 0)
    except (TypeError, ValueError):
        level = 0
    return "\u00a0\u00a0\u00a0" * level + ("└ " if level else "")


@register.filter
def field_errors(errors: dict[str, list[str]] | None, key: str) -> list[str]:
    return (errors or {}).get(key, [])


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def relative(value: datetime | None) -> str:
    """ "3 days ago" / "in 2 hours": one unit only, so queue columns stay narrow in both languages."""
    if not value:
        return ""
    now = timezone.now()
    if value <= now:
        return _("%(time)s ago") % {"time": timesince(value, now, depth=1)}
    return _("in %(time)s") % {"time": timeuntil(value, now, depth=1)}
