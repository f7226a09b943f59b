from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def percent(value: Any) -> str:
    """A rate 0…1 as "87.5 %"."""
    return "—" if value is None else f"{value * 100:.1f} %"


@register.filter
def hours(seconds: Any) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f}"
