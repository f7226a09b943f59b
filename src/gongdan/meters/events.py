"""The ticket event kinds meters write: a meter's excursion opened this work order; it came back to normal."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.tickets import events

METER_EXCURSION = events.register("meter_excursion", gettext_lazy("meter out of limits"), public=False)
METER_NORMAL = events.register("meter_normal", gettext_lazy("meter back to normal"), public=False)


def describe(kind: str, data: dict[str, Any]) -> str:
    values = {
        "meter": data.get("meter", ""),
        "value": data.get("value", ""),
        "unit": data.get("unit", ""),
        "limit": data.get("limit", ""),
        "at": data.get("at", ""),
    }
    if kind == METER_NORMAL:
        return _("%(meter)s is back within its limits: %(value)s %(unit)s at %(at)s.") % values
    if data.get("rule") == "rate":
        return (
            _("%(meter)s changed by %(value)s %(unit)s within its window (limit %(limit)s) at %(at)s.")
            % values
        )
    if data.get("rule") == "low":
        return _("%(meter)s read %(value)s %(unit)s at %(at)s, below its low limit %(limit)s.") % values
    return _("%(meter)s read %(value)s %(unit)s at %(at)s, above its high limit %(limit)s.") % values
