"""SLA over the API: a ticket's clocks, for whoever may see the ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Path, Router, Schema

from gongdan.api.errors import errors_for
from gongdan.sla import selectors

router = Router()
NUMBER = Path(..., max_length=40, description="Ticket number, e.g. GD-2026-000123.")


class ClockOut(Schema):
    id: int
    kind: str
    team: str | None
    run: int
    state: str
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    breached_at: datetime | None
    target_minutes: int
    percent_used: int
    met: bool | None
    margin_seconds: int | None


class TicketSlaOut(Schema):
    number: str
    due_at: datetime | None
    breached: bool
    paused: bool
    clocks: list[ClockOut]


@router.get(
    "/tickets/{number}/sla", response={200: TicketSlaOut, **errors_for(401, 404)}, summary="SLA clocks"
)
def ticket_sla(request: HttpRequest, number: str = NUMBER) -> dict[str, Any]:
    """Every SLA clock of the ticket (first response, next response, resolution, team stages) with its due
    time, state and attainment (`met`, `margin_seconds`: business seconds early, negative when late)."""
    actor = request.auth  # type: ignore[attr-defined]
    ticket = selectors.ticket_for_sla(actor=actor, number=number)
    clocks = selectors.ticket_sla_clocks(actor=actor, ticket=ticket)
    return {
        "number": ticket.number,
        "due_at": ticket.sla_due_at,
        "breached": ticket.sla_breached,
        "paused": ticket.sla_paused,
        "clocks": [{k: getattr(c, k) for k in ClockOut.model_fields} for c in clocks],
    }
