"""Distances and durations as a technician reads them."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.html import json_script
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def distance(metres: float | None) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(n)s m") % {"n": number_format(round(metres))}
    return _("%(n)s km") % {"n": number_format(round(metres / 1000, 1), decimal_pos=1)}


@register.filter
def duration(seconds: int | None) -> str:
    if seconds is None:
        return ""
    minutes = max(0, int(seconds)) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    return _("%(m)d min") % {"m": minutes}


@register.simple_tag
def field_messages() -> str:
    """What the phone's script says, translated, as a JSON data block (not a script: CSP allows it)."""
    messages = {
        "saved_offline": _("Saved on the phone; it will be sent when the connection is back."),
        "synced": _("%(count)s synced."),
        "refused": _("%(what)s was not accepted: %(message)s"),
        "needs_connection": _("This needs a connection. Try again when you are online."),
        "signin": _("Your session has ended: sign in again to send what is waiting."),
        "photo_failed": _("This photo could not be read."),
        "note_empty": _("Write a note first."),
        "minutes_invalid": _("Minutes: a whole number from 1 to 1440."),
        "minutes": _("%(count)s min"),
        "location_denied": _("Location not shared: allow it in the browser to sort jobs by distance."),
        "camera_failed": _("The camera could not be opened. Type the code instead."),
        "working": _("Working…"),
        "waiting": _("waiting"),
        "kind_note": _("Note"),
        "kind_time": _("Time"),
        "kind_photo": _("Photo"),
        "kind_round_check_in": _("Check-in at a round's stop"),
        "kind_round_confirm": _("Presence at a round's stop"),
        "kind_round_answers": _("A round stop's checklist"),
    }
    return json_script({k: str(v) for k, v in messages.items()}, "fa-messages")
