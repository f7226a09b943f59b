"""Routing over the API: my availability (and position, for the field app), an agent's availability
(staff), and the dry run (admins). Changes go through gongdan.routing.services."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import Field, Strict

from gongdan.accounts.models import Organisation, User
from gongdan.api.errors import errors_for
from gongdan.api.inputs import MAX_ID, DateTimeIn, IdPath, StrictInput, optional_row
from gongdan.assets.models import Location
from gongdan.core.domain_errors import PermissionDenied
from gongdan.routing import selectors, services
from gongdan.routing.explain import describe_routing_reason
from gongdan.routing.models import PresenceStatus
from gongdan.tickets.models import Category, Channel, Priority, Ticket, TicketType
from gongdan.tickets.selectors import ticket_get
from gongdan.tickets.services import default_priority, default_ticket_type

router = Router()


def actor_of(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined,no-any-return]


class PresenceOut(Schema):
    user_id: int
    name: str
    status: str = Field(description="available, away or offline")
    status_changed_at: datetime | None
    on_shift: bool = Field(description="Inside the agent's work schedule now (no schedule: always).")
    schedule: str | None
    latitude: float | None
    longitude: float | None
    location_updated_at: datetime | None


class PresenceIn(StrictInput):
    status: Annotated[PresenceStatus, Strict(False)] | None = Field(
        None, description="available, away or offline"
    )
    latitude: float | None = Field(None, ge=-90, le=90, description="Send with longitude.")
    longitude: float | None = Field(None, ge=-180, le=180, description="Send with latitude.")


class DryRunIn(StrictInput):
    subject: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=50_000)
    category: int | None = Field(None, ge=1, le=MAX_ID)
    type: str | None = Field(None, max_length=40, description="Ticket type code.")
    priority: str | None = Field(None, max_length=10, description="Priority code, e.g. P1.")
    organisation: int | None = Field(None, ge=1, le=MAX_ID)
    channel: Channel = Channel.WEB
    location: int | None = Field(None, ge=1, le=MAX_ID)
    custom_values: dict[str, Any] = Field(default_factory=dict)
    at: DateTimeIn | None = Field(None, description="When to pretend it arrives (default: now).")


class RerouteIn(StrictInput):
    exclude_me: bool = Field(True, description="Do not give the ticket back to me.")


class RerouteOut(Schema):
    number: str
    assignee_id: int | None
    team_id: int | None
    explanation: str


class CandidateOut(Schema):
    id: int
    name: str
    open: int
    load: float
    score: float | None = None
    excluded: str | None = None


class DryRunOut(Schema):
    outcome: str = Field(description="assigned, no_candidate or no_rule")
    rule: dict[str, Any] | None
    team: dict[str, Any] | None
    strategy: str
    chosen: dict[str, Any] | None
    candidates: list[dict[str, Any]]
    candidates_total: int
    explanation: str


@router.get(
    "/routing/presence/me", response={200: PresenceOut, **errors_for(401, 403)}, summary="My availability"
)
def presence_me(request: HttpRequest) -> dict[str, Any]:
    actor = actor_of(request)
    if not actor.is_staff_member:
        raise PermissionDenied(_("Only staff have an availability."))
    return selectors.presence_of(actor)


@router.put(
    "/routing/presence/me",
    response={200: PresenceOut, **errors_for(401, 403, 415, 422)},
    summary="Set my availability and position",
)
def presence_set_me(request: HttpRequest, payload: PresenceIn) -> dict[str, Any]:
    """Going `away` or `offline` hands your unstarted tickets on (see the routing settings). The field app
    sends `latitude` and `longitude` (both, or both null to forget the position)."""
    actor = actor_of(request)
    given = payload.model_dump(exclude_unset=True)
    position = {name: given[name] for name in ("latitude", "longitude") if name in given}
    services.presence_set(actor=actor, user=actor, status=given.get("status"), **position)
    return selectors.presence_of(User.objects.select_related("presence").get(pk=actor.pk))


@router.get(
    "/routing/presence/{user_id}",
    response={200: PresenceOut, **errors_for(401, 403, 404)},
    summary="An agent's availability",
)
def presence_of_agent(request: HttpRequest, user_id: int = IdPath) -> dict[str, Any]:
    return selectors.presence_get(actor=actor_of(request), user_id=user_id)


@router.post(
    "/routing/dry-run", response={200: DryRunOut, **errors_for(401, 403, 415, 422)}, summary="Dry run"
)
def dry_run(request: HttpRequest, payload: DryRunIn) -> dict[str, Any]:
    """Which rule a sample ticket matches, the candidates and who would get it. Writes nothing. Admins only."""
    actor = actor_of(request)
    if not actor.is_admin:
        raise PermissionDenied(_("Only administrators can try routing."))
    category = optional_row(Category.objects.all(), "category", payload.category)
    ticket_type = optional_row(TicketType.objects.all(), "type", payload.type, "code")
    priority = optional_row(
        Priority.objects.all(), "priority", payload.priority and payload.priority.upper(), "code"
    )
    ticket = Ticket(
        subject=payload.subject,
        description=payload.description,
        category=category,
        ticket_type=ticket_type or (category and category.default_type) or default_ticket_type(),
        priority=priority or (category and category.default_priority) or default_priority(),
        organisation=optional_row(Organisation.objects.all(), "organisation", payload.organisation),
        channel=payload.channel,
        location=optional_row(Location.objects.all(), "location", payload.location),
        custom_values=payload.custom_values,
    )
    at = payload.at
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    decision = services.dry_run(actor=actor, ticket=ticket, now=at)
    reason = decision.reason()
    return {
        **{k: reason[k] for k in DryRunOut.model_fields if k in reason},
        "explanation": describe_routing_reason(reason),
    }


@router.post(
    "/routing/tickets/{number}/reroute",
    response={200: RerouteOut, **errors_for(401, 403, 404, 415, 422)},
    summary="Route a ticket again",
)
def reroute(
    request: HttpRequest, payload: RerouteIn, number: str = Path(..., max_length=40)
) -> dict[str, Any]:
    """Hand an unstarted ticket (new or assigned) back to the rules, e.g. "not mine, route it again".
    Staff who work the ticket only."""

    actor = actor_of(request)
    ticket = ticket_get(actor=actor, number=number)
    decision = services.ticket_reroute(
        actor=actor, ticket=ticket, exclude=[actor] if payload.exclude_me else []
    )
    ticket.refresh_from_db(fields=["assignee", "team"])
    reason = decision.reason()
    return {
        "number": ticket.number,
        "assignee_id": ticket.assignee_id,
        "team_id": ticket.team_id,
        "explanation": describe_routing_reason(reason),
    }
