"""Distances as a supervisor reads them on a round's report."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def distance(metres: float | None) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return _("%(n)s m") % {"n": number_format(round(metres))}
    return _("%(n)s km") % {"n": number_format(round(metres / 1000, 1), decimal_pos=1)}
