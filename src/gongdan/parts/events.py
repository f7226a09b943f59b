"""The ticket event kinds the parts app writes: parts used on a work order, parts returned, and the part that
this work order took to its reorder point (the source of the low-stock notification rule event)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.core.bilingual import pick_label
from gongdan.notifications.kinds import Rendered
from gongdan.tickets import events

PART_USED = events.register("part_used", gettext_lazy("part used"), public=False)
PART_RETURNED = events.register("part_returned", gettext_lazy("part returned"), public=False)
PART_LOW = events.register("part_low_stock", gettext_lazy("part low on stock"), public=False)


def describe(kind: str, data: dict[str, Any]) -> str:
    values = {
        "quantity": data.get("quantity", ""),
        "unit": data.get("unit", ""),
        "part": data.get("part", ""),
        "name": pick_label(str(data.get("name") or ""), str(data.get("name_en") or "")),
        "store": data.get("store", ""),
        "total": data.get("total", ""),
        "reorder_point": data.get("reorder_point", ""),
    }
    if kind == PART_RETURNED:
        return _("Returned %(quantity)s × %(part)s %(name)s to store %(store)s.") % values
    if kind == PART_LOW:
        return (
            _(
                "%(part)s %(name)s is low: %(total)s %(unit)s left in all stores (reorder point %(reorder_point)s)."
            )
            % values
        )
    return _("Used %(quantity)s × %(part)s %(name)s from store %(store)s.") % values


def render_low_stock(data: dict[str, Any], user: Any) -> Rendered:
    """The notice a low-stock rule sends (in the reader's language)."""
    stock = data.get("stock") if isinstance(data.get("stock"), dict) else {}
    values = {key: (stock or {}).get(key) or "" for key in ("part", "total", "unit", "reorder_point")}
    values["name"] = pick_label(str((stock or {}).get("name") or ""), str((stock or {}).get("name_en") or ""))
    title = _("Spare part %(part)s is low on stock") % values
    lines = [
        title,
        _("%(part)s %(name)s: %(total)s %(unit)s left in all stores; the reorder point is %(reorder_point)s.")
        % values,
    ]
    if data.get("template") == "brief":
        lines = lines[:1]
    return Rendered(title=title, lines=lines)
