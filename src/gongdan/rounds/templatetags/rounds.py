"""Distances as a supervisor reads them on a round's report; the phone pages' offline messages."""

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


@register.simple_tag
def rounds_messages() -> str:
    """What the round pages' script says offline, translated, as a JSON data block (CSP allows it)."""
    messages = {
        "queued_check_in": _(
            "You are at the stop (recorded on the phone at %(time)s). Answer its checklist."
        ),
        "queued_answers": _("Checklist saved on the phone; it will be sent when the connection is back."),
        "waiting": _("Waiting to be sent"),
        "required": _("%(step)s: this step is required."),
        "number": _("%(step)s: enter a number."),
        "photo_failed": _("This photo could not be read."),
    }
    return json_script({k: str(v) for k, v in messages.items()}, "rd-messages")
