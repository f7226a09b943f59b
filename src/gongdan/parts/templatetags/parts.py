"""How quantities and money read on the parts screens: 2.000 → 2, 12.5 → 12.50."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def qty(value: Any) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    text = f"{number.normalize():f}"
    return "0" if text in ("-0", "0E-3") else text


@register.filter
def money(value: Any) -> str:
    try:
        number = Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return ""
    return number_format(number, decimal_pos=2, use_l10n=True, force_grouping=True)
