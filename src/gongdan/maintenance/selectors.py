"""An asset's history as maintenance sees it: its work orders, its downtime, and the reliability figures
MTBF and MTTR (decision 0092 gives the formulas)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Sum
from django.utils import timezone

from gongdan.accounts.models import User
from gongdan.assets.access import can_see_assets
from gongdan.assets.models import Asset, AssetType
from gongdan.maintenance.models import Downtime
from gongdan.tickets.access import visible_tickets
from gongdan.tickets.models import Ticket, TimeEntry

MAX_WORK_ORDERS = 50
MAX_DOWNTIMES = 50


@dataclass(frozen=True)
class Reliability:
    """Over an observed window: failures (closed downtime periods), total downtime, and the figures."""

    failures: int
    downtime: timedelta
    observed: timedelta
    mtbf: timedelta | None  # mean uptime between failures: (observed − downtime) / failures
    mttr: timedelta | None  # mean time to repair: downtime / failures


def _reliability(observed: timedelta, downtime: timedelta, failures: int) -> Reliability:
    if failures == 0:
        return Reliability(failures, downtime, observed, None, None)
    uptime = max(observed - downtime, timedelta(0))
    return Reliability(failures, downtime, observed, uptime / failures, downtime / failures)


def _observed_since(asset: Asset) -> datetime:
    if asset.installed_on is not None:
        return min(timezone.make_aware(datetime.combine(asset.installed_on, time.min)), asset.created_at)
    return asset.created_at


def asset_reliability(
    asset: Asset, *, now: datetime | None = None, first_down: datetime | None = None
) -> Reliability:
    """Only closed periods count as failures; an open one adds its downtime so far to neither figure."""
    now = now or timezone.now()
    closed = list(
        Downtime.objects.filter(asset=asset, ended_at__isnull=False).values_list("started_at", "ended_at")
    )
    start = _observed_since(asset)
    if closed:
        start = min(start, min(s for s, _e in closed))
    downtime = sum(((e - s) for s, e in closed if e is not None), timedelta(0))
    return _reliability(now - start, downtime, len(closed))


def asset_type_reliability(asset_type: AssetType, *, now: datetime | None = None) -> Reliability:
    """Pooled over the type's assets: Σ observed, Σ downtime and Σ failures, then the same formulas."""
    now = now or timezone.now()
    observed = timedelta(0)
    downtime = timedelta(0)
    failures = 0
    closed_by_asset: dict[int, list[tuple[datetime, datetime]]] = {}
    for asset_id, started, ended in Downtime.objects.filter(
        asset__asset_type=asset_type, ended_at__isnull=False
    ).values_list("asset_id", "started_at", "ended_at"):
        if ended is not None:
            closed_by_asset.setdefault(asset_id, []).append((started, ended))
    for asset in Asset.objects.filter(asset_type=asset_type).only("pk", "installed_on", "created_at"):
        periods = closed_by_asset.get(asset.pk, [])
        start = min([_observed_since(asset), *(s for s, _e in periods)])
        observed += now - start
        downtime += sum(((e - s) for s, e in periods), timedelta(0))
        failures += len(periods)
    return _reliability(observed, downtime, failures)


@dataclass(frozen=True)
class AssetHistory:
    work_orders: list[Ticket]
    work_order_count: int
    downtimes: list[Downtime]
    minutes_spent: int
    reliability: Reliability
    type_reliability: Reliability
    open_downtime: Downtime | None


def asset_history(*, actor: User, asset: Asset) -> AssetHistory | None:
    """None for who may not see assets. Work orders are the ones the actor may see."""
    if not can_see_assets(actor):
        return None
    tickets = visible_tickets(actor).filter(asset=asset)
    work_orders = list(
        tickets.select_related("priority", "assignee").order_by("-created_at", "-id")[:MAX_WORK_ORDERS]
    )
    count = tickets.aggregate(n=Count("id"))["n"] if len(work_orders) == MAX_WORK_ORDERS else len(work_orders)
    downtimes = list(Downtime.objects.filter(asset=asset).select_related("ticket")[:MAX_DOWNTIMES])
    minutes = TimeEntry.objects.filter(ticket__asset=asset).aggregate(m=Sum("minutes"))["m"] or 0
    return AssetHistory(
        work_orders=work_orders,
        work_order_count=count,
        downtimes=downtimes,
        minutes_spent=minutes,
        reliability=asset_reliability(asset),
        type_reliability=asset_type_reliability(asset.asset_type),
        open_downtime=next((d for d in downtimes if d.ended_at is None), None),
    )


def ticket_asset_panel(actor: User, ticket: Ticket) -> dict[str, object] | None:
    """The asset card on the ticket page: what the ticket is about and whether it set it down."""
    if ticket.asset_id is None or not can_see_assets(actor):
        return None
    asset = Asset.objects.select_related("asset_type", "location").get(pk=ticket.asset_id)
    open_downtime = Downtime.objects.filter(asset=asset, ended_at__isnull=True).first()
    return {
        "maintenance_asset": asset,
        "maintenance_open_downtime": open_downtime,
        "maintenance_may_set_down": ticket.is_open and open_downtime is None and asset.status != "retired",
    }
