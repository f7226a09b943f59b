"""Maintenance over the API: set a ticket's asset down; an asset's history (work orders, downtime,
MTBF/MTTR)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from ninja.responses import Status
from pydantic import Field

from gongdan.accounts.models import User
from gongdan.api.errors import errors_for
from gongdan.assets.selectors import asset_get
from gongdan.core.domain_errors import PermissionDenied
from gongdan.maintenance.selectors import Reliability, asset_history
from gongdan.maintenance.services import asset_down_from_ticket
from gongdan.tickets.selectors import ticket_get

router = Router()
NUMBER = Path(..., max_length=40, description="Ticket number, e.g. GD-2026-000123.")
CODE = Path(..., max_length=60, description="The asset's code.")


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class DowntimeOut(Schema):
    id: int
    asset: str = Field(description="The asset's code.")
    ticket: str | None = Field(description="The number of the ticket that set it down.")
    started_at: datetime
    ended_at: datetime | None

    @staticmethod
    def resolve_asset(downtime: Any) -> str:
        return str(downtime.asset.code)

    @staticmethod
    def resolve_ticket(downtime: Any) -> str | None:
        return downtime.ticket.number if downtime.ticket_id else None


class ReliabilityOut(Schema):
    failures: int = Field(description="Closed downtime periods.")
    downtime_hours: float
    observed_hours: float
    mtbf_hours: float | None = Field(description="(observed − downtime) / failures")
    mttr_hours: float | None = Field(description="downtime / failures")


class WorkOrderOut(Schema):
    number: str
    subject: str
    status: str
    created_at: datetime


class AssetHistoryOut(Schema):
    work_orders: list[WorkOrderOut]
    work_order_count: int
    downtimes: list[DowntimeOut]
    minutes_spent: int
    reliability: ReliabilityOut
    type_reliability: ReliabilityOut


def _hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 3)


def _reliability(figures: Reliability) -> dict[str, Any]:
    return {
        "failures": figures.failures, "downtime_hours": _hours(figures.downtime),
        "observed_hours": _hours(figures.observed), "mtbf_hours": _hours(figures.mtbf),
        "mttr_hours": _hours(figures.mttr),
    }  # fmt: skip


@router.post(
    "/tickets/{number}/asset-down",
    response={201: DowntimeOut, **errors_for(403, 404, 409, 422)},
    summary="Set the ticket's asset down",
)
def ticket_asset_down(request: HttpRequest, number: str = NUMBER) -> Status:
    """Starts the asset's downtime; resolving, closing or cancelling the ticket ends it and sets the asset
    running again."""
    actor = actor_of(request)
    ticket = ticket_get(actor=actor, number=number)
    downtime = asset_down_from_ticket(actor=actor, ticket=ticket)
    return Status(201, downtime)


@router.get(
    "/assets/{code}/history",
    response={200: AssetHistoryOut, **errors_for(403, 404)},
    summary="An asset's history",
)
def asset_history_get(request: HttpRequest, code: str = CODE) -> dict[str, Any]:
    actor = actor_of(request)
    history = (
        asset_history(actor=actor, asset=asset_get(actor=actor, code=code)) if actor.is_staff_member else None
    )
    if history is None:
        raise PermissionDenied(_("Only staff can read the equipment register."))
    return {
        "work_orders": history.work_orders, "work_order_count": history.work_order_count,
        "downtimes": history.downtimes, "minutes_spent": history.minutes_spent,
        "reliability": _reliability(history.reliability), "type_reliability": _reliability(history.type_reliability),
    }  # fmt: skip
