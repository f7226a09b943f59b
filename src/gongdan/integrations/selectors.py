"""Reads for the integration settings screens (administrators see every integration)."""

from __future__ import annotations

from django.db.models import Count, Max, QuerySet

from gongdan.integrations.models import Delivery, Integration

RECENT_DELIVERIES = 20


def integration_list() -> QuerySet[Integration]:
    return Integration.objects.select_related("category", "team").annotate(
        last_delivery_at=Max("deliveries__received_at"),
        problem_count=Count("alert_links", distinct=True),
    )


def deliveries_recent(integration: Integration, *, limit: int = RECENT_DELIVERIES) -> list[Delivery]:
    return list(integration.deliveries.order_by("-received_at", "-pk")[:limit])
