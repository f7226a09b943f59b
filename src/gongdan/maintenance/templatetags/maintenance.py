"""How maintenance figures read: durations in hours with one decimal."""

from __future__ import annotations

from datetime import timedelta

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def _hours(seconds: float) -> str:
    return _("%(hours)s h") % {"hours": f"{seconds / 3600:.1f}"}


@register.filter
def hours(value: timedelta | None) -> str:
    return "—" if value is None else _hours(value.total_seconds())


@register.filter
def seconds_as_hours(value: float | None) -> str:
    return "—" if value is None else _hours(value)


@register.filter
def minutes_as_hours(value: int | None) -> str:
    return _hours((value or 0) * 60)
