"""Reads for the integration settings screens (administrators see every integration)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gongdan.integrations.models import Delivery, Integration
from gongdan.integrations.services import describe_category_gap

RECENT_DELIVERIES = 20


def integration_list() -> QuerySet[Integration]:
    return Integration.objects.select_related("category", "team").annotate(
        last_delivery_at=Max("deliveries__received_at"),
        problem_count=Count("alert_links", distinct=True),
    )


def deliveries_recent(integration: Integration, *, limit: int = RECENT_DELIVERIES) -> list[Delivery]:

    deliveries = list(integration.deliveries.order_by("-received_at", "-pk")[:limit])
    for delivery in deliveries:
        delivery.outcome = delivery.error or describe_outcome(delivery.summary)  # type: ignore[attr-defined]
        gap = (delivery.summary or {}).get("category_gap")
        delivery.warning = (  # type: ignore[attr-defined]
            _("The ticket was opened without its category. %(why)s")
            % {"why": describe_category_gap(gap, kind=integration.kind)}
            if isinstance(gap, dict)
            else ""
        )
    return deliveries


def describe_outcome(summary: dict[str, Any]) -> str:
    """A delivery's answer in words: "created 3, unchanged 97" or "updated GD-2026-000012"."""
    labels = {  # with a context: "created" alone is already a field name elsewhere ("创建时间")
        "created": pgettext("delivery outcome", "created"), "refired": pgettext("delivery outcome", "fired again"),
        "resolved": pgettext("delivery outcome", "resolved"), "updated": pgettext("delivery outcome", "updated"),
        "commented": pgettext("delivery outcome", "commented"),
        "unchanged": pgettext("delivery outcome", "unchanged"), "ignored": pgettext("delivery outcome", "ignored"),
    }  # fmt: skip
    if "result" in summary:
        number = summary.get("ticket") or summary.get("id") or ""
        text = f"{labels.get(summary['result'], summary['result'])} {number}".strip()
    else:
        text = ", ".join(f"{label} {summary[key]}" for key, label in labels.items() if summary.get(key))
    unknown = summary.get("unmapped_severities") or (
        [summary["unmapped_severity"]] if summary.get("unmapped_severity") else []
    )
    if unknown:
        text += "; " + _("severities not in the table: %(values)s") % {"values": ", ".join(unknown)}
    return text
