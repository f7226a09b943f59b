"""Meters over the API: list, add and change an asset's meters; record readings in batches (all or nothing);
read a meter's downsampled series."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from gongdan.accounts.models import User
from gongdan.api.errors import errors_for
from gongdan.api.inputs import DateTimeIn, Id, IdPath, StrictInput
from gongdan.assets.access import can_see_assets
from gongdan.assets.selectors import asset_get
from gongdan.core.domain_errors import PermissionDenied
from gongdan.meters import selectors, services
from gongdan.meters.models import Meter, MeterKind

router = Router()
CODE = Path(..., max_length=60, description="The asset's code.")


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


def _require_staff(actor: User) -> None:
    if not can_see_assets(actor):
        raise PermissionDenied(_("Only staff can read the equipment register."))


class MeterOut(Schema):
    id: int
    asset: str = Field(description="The asset's code.")
    code: str
    name: str
    kind: str
    unit: str
    low_limit: float | None
    high_limit: float | None
    rate_limit: float | None
    rate_window_seconds: int | None
    hysteresis: float
    opens_work_orders: bool
    mqtt_topic: str
    mqtt_value_path: str
    mqtt_time_path: str
    model_node: str
    is_active: bool
    last_value: float | None
    last_read_at: datetime | None
    state: str = Field(description="normal, high, low or rate (out of limits).")

    @staticmethod
    def resolve_asset(meter: Any) -> str:
        return str(meter.asset.code)


class MeterIn(StrictInput):
    code: str = Field(min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(min_length=1, max_length=120)
    kind: Literal[tuple(MeterKind.values)] = MeterKind.CUSTOM  # type: ignore[valid-type]
    unit: str = Field("", max_length=20)
    low_limit: float | None = None
    high_limit: float | None = None
    rate_limit: float | None = Field(None, gt=0)
    rate_window_seconds: int | None = Field(None, ge=1, le=31 * 86400)
    hysteresis: float = Field(0, ge=0)
    opens_work_orders: bool = True
    mqtt_topic: str = Field("", max_length=200)
    mqtt_value_path: str = Field("", max_length=100)
    mqtt_time_path: str = Field("", max_length=100)
    model_node: str = Field("", max_length=60)
    is_active: bool = True


class MeterUpdateIn(StrictInput):
    code: str | None = Field(None, min_length=1, max_length=40, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str | None = Field(None, min_length=1, max_length=120)
    kind: Literal[tuple(MeterKind.values)] | None = None  # type: ignore[valid-type]
    unit: str | None = Field(None, max_length=20)
    low_limit: float | None = None
    high_limit: float | None = None
    rate_limit: float | None = Field(None, gt=0)
    rate_window_seconds: int | None = Field(None, ge=1, le=31 * 86400)
    hysteresis: float | None = Field(None, ge=0)
    opens_work_orders: bool | None = None
    mqtt_topic: str | None = Field(None, max_length=200)
    mqtt_value_path: str | None = Field(None, max_length=100)
    mqtt_time_path: str | None = Field(None, max_length=100)
    model_node: str | None = Field(None, max_length=60)
    is_active: bool | None = None


class ReadingIn(StrictInput):
    meter: Id = Field(description="The meter's id.")
    value: float = Field(description="A finite number.", allow_inf_nan=False)
    at: DateTimeIn | None = Field(None, description="When it was read (ISO 8601 with a zone); default: now.")


class ReadingsIn(StrictInput):
    readings: list[ReadingIn] = Field(min_length=1, max_length=services.MAX_BATCH)


class ReadingsOut(Schema):
    stored: int = Field(description="Readings written.")
    duplicates: int = Field(description="Readings skipped: that meter already had a reading at that time.")
    work_orders: list[str] = Field(description="Numbers of the work orders these readings opened.")


class SeriesQuery(Schema):
    range: Literal["24h", "7d", "30d", "1y"] = "7d"


class SeriesOut(Schema):
    meter: int
    range: str
    bucket_seconds: int
    points: list[list[float]] = Field(description="[time in ms since the epoch, min, mean, max] per bucket")


@router.get(
    "/assets/{code}/meters",
    response={200: list[MeterOut], **errors_for(403, 404)},
    summary="An asset's meters",
)
def meter_list(request: HttpRequest, code: str = CODE) -> list[Meter]:
    actor = actor_of(request)
    _require_staff(actor)
    asset = asset_get(actor=actor, code=code)
    return list(Meter.objects.filter(asset=asset).select_related("asset").order_by("code"))


@router.post(
    "/assets/{code}/meters",
    response={201: MeterOut, **errors_for(403, 404, 422)},
    summary="Add a meter to an asset",
)
def meter_create(request: HttpRequest, payload: MeterIn, code: str = CODE) -> Status:
    """Team leads, managers and administrators. Recorded in the audit trail."""
    actor = actor_of(request)
    _require_staff(actor)
    asset = asset_get(actor=actor, code=code)
    return Status(201, services.meter_create(actor=actor, asset=asset, **payload.model_dump()))


@router.patch(
    "/meters/{meter_id}", response={200: MeterOut, **errors_for(403, 404, 422)}, summary="Change a meter"
)
def meter_update(request: HttpRequest, payload: MeterUpdateIn, meter_id: int = IdPath) -> Meter:
    actor = actor_of(request)
    meter = selectors.meter_get(actor=actor, meter_id=meter_id)
    given = payload.model_dump(exclude_unset=True)
    for key in ("unit", "mqtt_topic", "mqtt_value_path", "mqtt_time_path", "model_node"):
        if key in given and given[key] is None:
            given[key] = ""
    return services.meter_update(actor=actor, meter=meter, **given)


@router.post(
    "/meter-readings",
    response={201: ReadingsOut, **errors_for(403, 422)},
    summary="Record readings (a batch)",
)
def readings_create(request: HttpRequest, payload: ReadingsIn) -> Status:
    """Up to 5,000 readings of any meters. All or nothing: one bad row refuses the batch with a 422 whose
    details name it (`readings.3.value`). A reading at a time its meter already has is skipped (counted as a
    duplicate), so a retried batch changes nothing. Readings newer than a meter's last one move its threshold
    state and may open work orders."""
    actor = actor_of(request)
    rows = payload.readings
    result = services.readings_record(
        actor=actor,
        meter_ids=[r.meter for r in rows],
        values=[r.value for r in rows],
        times=[r.at for r in rows],
    )
    return Status(
        201,
        {
            "stored": result.stored,
            "duplicates": result.duplicates,
            "work_orders": [t.number for t in result.opened],
        },
    )


@router.get(
    "/meters/{meter_id}/series",
    response={200: SeriesOut, **errors_for(403, 404, 422)},
    summary="A meter's downsampled series",
)
def meter_series(request: HttpRequest, query: Query[SeriesQuery], meter_id: int = IdPath) -> dict[str, Any]:
    """Per bucket min/mean/max: 5-minute buckets over 24 h, hourly over 7 and 30 days, daily over a year."""
    meter = selectors.meter_get(actor=actor_of(request), meter_id=meter_id)
    return {
        "meter": meter.pk,
        "range": query.range,
        "bucket_seconds": selectors.RANGES[query.range][1],
        "points": selectors.meter_series([meter], query.range)[meter.pk],
    }
