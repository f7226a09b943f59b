"""Reads of meters: the latest value, how far a meter advanced (what meter-triggered maintenance plans read),
the downsampled series charts draw, and the asset page's meter card."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.assets.access import can_edit_assets, can_see_assets
from gongdan.assets.models import Asset
from gongdan.core.domain_errors import NotFound
from gongdan.meters.models import Excursion, IngestCounter, Meter, Reading, Rollup, TwinModel
from gongdan.tickets.access import visible_tickets

# range → (how far back, rollup bucket size in seconds)
RANGES: dict[str, tuple[timedelta, int]] = {
    "24h": (timedelta(hours=24), 300),
    "7d": (timedelta(days=7), 3600),
    "30d": (timedelta(days=30), 3600),
    "1y": (timedelta(days=365), 86400),
}
DEFAULT_RANGE = "7d"
MAX_MARKS = 200


@dataclass(frozen=True)
class LatestReading:
    value: float
    at: datetime


def latest_reading(meter: Meter) -> LatestReading | None:
    """The newest reading of a meter (kept on the meter row: no query when the meter is loaded)."""
    if meter.last_read_at is None or meter.last_value is None:
        return None
    return LatestReading(meter.last_value, meter.last_read_at)


def reading_total_since(meter: Meter, since: datetime) -> float | None:
    """How far a cumulative meter (running hours, counts) advanced since `since`: its latest value minus
    its value then (the last reading at or before `since`, else the first after it). None without readings.
    A meter that was reset (a value lower than before) counts from the reset: the drop is not subtracted."""
    latest = latest_reading(meter)
    if latest is None:
        return None
    before = (
        Reading.objects.filter(meter=meter, at__lte=since).order_by("-at").values_list("value", flat=True)
    )
    base = before.first()
    rows = Reading.objects.filter(meter=meter, at__gt=since).order_by("at").values_list("value", flat=True)
    if base is None:
        base = rows.first()
        if base is None:
            return 0.0
    total, previous = 0.0, base
    for value in rows.iterator(chunk_size=2000):
        total += value - previous if value >= previous else value
        previous = value
    return total


def meter_get(*, actor: User, meter_id: int) -> Meter:
    meter = (
        Meter.objects.select_related("asset").filter(pk=meter_id).first() if can_see_assets(actor) else None
    )
    if meter is None:
        raise NotFound(_("Meter not found."))
    return meter


def asset_meters(asset: Asset) -> list[Meter]:
    return list(Meter.objects.filter(asset=asset).order_by("code"))


def meter_series(
    meters: list[Meter], range_key: str, *, now: datetime | None = None
) -> dict[int, list[list[Any]]]:
    """Per meter: [[time ms, min, mean, max], …] from the rollup of the range's bucket size, in one query."""
    span, size = RANGES.get(range_key, RANGES[DEFAULT_RANGE])
    since = (now or timezone.now()) - span
    series: dict[int, list[list[Any]]] = {m.pk: [] for m in meters}
    rows = (
        Rollup.objects.filter(meter_id__in=list(series), size=size, bucket__gte=int(since.timestamp()))
        .order_by("meter_id", "bucket")
        .values_list("meter_id", "bucket", "count", "total", "low", "high")
    )
    for meter_id, bucket, count, total, low, high in rows:
        series[meter_id].append([bucket * 1000, low, round(total / count, 4), high])
    return series


def work_order_marks(
    actor: User, asset: Asset, range_key: str, *, now: datetime | None = None
) -> list[dict[str, Any]]:
    span, _size = RANGES.get(range_key, RANGES[DEFAULT_RANGE])
    since = (now or timezone.now()) - span
    rows = (
        visible_tickets(actor)
        .filter(asset=asset, created_at__gte=since)
        .order_by("-created_at")
        .values_list("number", "subject", "created_at")[:MAX_MARKS]
    )
    return [
        {"t": int(at.timestamp() * 1000), "number": number, "subject": subject}
        for number, subject, at in rows
    ]


def chart_data(actor: User, asset: Asset, meters: list[Meter], range_key: str) -> dict[str, Any]:
    """What the chart script draws: per meter its series and limits, and the asset's work orders."""
    series = meter_series(meters, range_key)
    return {
        "range": range_key if range_key in RANGES else DEFAULT_RANGE,
        "meters": [
            {
                "id": m.pk,
                "name": m.name,
                "unit": m.unit,
                "low": m.low_limit,
                "high": m.high_limit,
                "points": series[m.pk],
            }
            for m in meters
        ],
        "work_orders": work_order_marks(actor, asset, range_key),
    }


def asset_meter_panel(actor: User, asset: Asset) -> dict[str, Any] | None:
    """The asset page's meter card: its meters with their latest value and state and the open excursions.
    The chart's data comes after the page, from the chart endpoint (the page stays cheap: bench/meters_page)."""
    if not can_see_assets(actor):
        return None
    meters = asset_meters(asset)
    open_excursions = {
        e.meter_id: e
        for e in Excursion.objects.filter(meter__asset=asset, ended_at__isnull=True).select_related("ticket")
    }
    return {
        "meters": [(m, open_excursions.get(m.pk)) for m in meters],
        "meters_default_range": DEFAULT_RANGE,
        "meters_may_edit": can_edit_assets(actor),
        "meters_ranges": list(RANGES),
        "meters_twin": twin_view(asset),
        "meters_labels": {
            "high": _("High limit"),
            "low": _("Low limit"),
            "min": _("Lowest"),
            "range": _("Lowest to highest"),
            "mean": _("Mean"),
        },
    }


def ingest_counters() -> list[IngestCounter]:
    return list(IngestCounter.objects.order_by("client_id"))


def mqtt_mapped_meters() -> list[Meter]:
    return list(
        Meter.objects.filter(~Q(mqtt_topic=""), is_active=True)
        .select_related("asset")
        .order_by("mqtt_topic", "pk")
    )


def readings_per_asset(*, since: datetime, limit: int = 10) -> list[dict[str, Any]]:
    """The dashboard's figure: readings and excursions per asset since a time, from the hourly rollups."""
    since = since.astimezone(UTC)
    readings: dict[int, int] = {}
    for meter__asset_id, count in (
        Rollup.objects.filter(size=3600, bucket__gte=int(since.timestamp()))
        .values_list("meter__asset_id")
        .annotate(n=Sum("count"))
        .values_list("meter__asset_id", "n")
    ):
        readings[meter__asset_id] = count
    excursions = dict(
        Excursion.objects.filter(started_at__gte=since)
        .values_list("meter__asset_id")
        .annotate(n=Count("id"))
        .values_list("meter__asset_id", "n")
    )
    ids = sorted(set(readings) | set(excursions), key=lambda i: (-excursions.get(i, 0), -readings.get(i, 0)))[
        :limit
    ]
    names = {a.pk: a for a in Asset.objects.filter(pk__in=ids)}
    return [
        {"asset": names[i], "readings": readings.get(i, 0), "excursions": excursions.get(i, 0)} for i in ids
    ]


def twin_model_for(asset: Asset) -> tuple[TwinModel, Asset] | None:
    """The model an asset is shown in, and the asset that model draws: its own, its type's, or — for a
    component without one — its parent machine's (where the component is highlighted)."""
    seen: set[int] = set()
    current: Asset | None = asset
    while current is not None and current.pk not in seen:
        seen.add(current.pk)
        found = (
            TwinModel.objects.filter(asset=current).first()
            or TwinModel.objects.filter(asset_type_id=current.asset_type_id).first()
        )
        if found is not None:
            return found, current
        current = current.parent
    return None


def _node_for(nodes: dict[str, list[float]], code: str) -> str | None:
    """A component's node: named like its code, or like the code's last part (SZ-AC-01-AIREND → airend)."""
    wanted = {code.lower(), code.rsplit("-", 1)[-1].lower()}
    return next((name for name in nodes if name.lower() in wanted), None)


def twin_view(asset: Asset, *, about: Asset | None = None) -> dict[str, Any] | None:
    """What the 3D card shows: the model's address, a hotspot per meter placed on a node (latest reading,
    red when out of limits) and per component, and the component to highlight (`about`: a work order's
    asset when it is a component of the drawn one)."""
    found = twin_model_for(asset)
    if found is None:
        return None
    model, drawn = found
    nodes = model.nodes or {}
    hotspots: list[dict[str, Any]] = []
    for meter in Meter.objects.filter(asset=drawn, is_active=True).exclude(model_node="").order_by("code"):
        position = nodes.get(meter.model_node)
        if position is None:
            continue
        hotspots.append({
            "key": f"meter-{meter.code}", "label": meter.name, "position": position,
            "value": meter.last_value, "unit": meter.unit, "alarm": meter.is_out_of_limits,
        })  # fmt: skip
    highlight = None
    for child in Asset.objects.filter(parent=drawn).only("pk", "code", "name"):
        node = _node_for(nodes, child.code)
        if node is None:
            continue
        hotspots.append({"key": f"part-{child.code}", "label": child.name, "position": nodes[node],
                         "value": None, "unit": "", "alarm": False, "component": child.code,
                         "current": about is not None and about.pk == child.pk})  # fmt: skip
        if about is not None and about.pk == child.pk:
            highlight = node
    for hotspot in hotspots:
        x, y, z = hotspot["position"]
        hotspot["position_text"] = f"{x}m {y + 0.3}m {z}m"
    return {"model": model, "drawn": drawn, "hotspots": hotspots, "highlight": highlight}


def ticket_twin_panel(actor: User, ticket: Any) -> dict[str, Any] | None:
    """The work-order page's 3D card: the asset (or the machine it is part of) with its hotspots, the
    component the work order is about highlighted."""
    if ticket.asset_id is None or not can_see_assets(actor):
        return None
    asset = Asset.objects.select_related("parent").get(pk=ticket.asset_id)
    view = twin_view(asset, about=asset)
    return {"meters_twin": view} if view is not None else None


def current_values(*, code: str, asset_ids: Sequence[int]) -> dict[int, float]:
    """The latest value of the meter called `code` on each of these assets that has one (one query): what a
    meter-triggered maintenance plan compares with its next due reading."""
    rows = Meter.objects.filter(code=code, asset_id__in=list(asset_ids), last_value__isnull=False)
    return {asset: value for asset, value in rows.values_list("asset_id", "last_value") if value is not None}
