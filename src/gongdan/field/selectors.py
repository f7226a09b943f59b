"""Reads for the phone. Tickets come through gongdan.tickets.selectors (who may see what); a technician's
list is what they may work: assigned to them, or waiting unassigned in their teams' queues."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gongdan.accounts.models import User
from gongdan.core.domain_errors import NotFound
from gongdan.field import events
from gongdan.field.geo import distance_m, job_positions
from gongdan.field.models import Visit
from gongdan.routing.models import AgentPresence
from gongdan.tickets import events as ticket_events
from gongdan.tickets import selectors as ticket_selectors
from gongdan.tickets.access import can_work, team_ids
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.models.ticket import OPEN_STATUSES

MAX_JOBS = 200
MAX_POOL = 50


@dataclass
class Job:
    ticket: Ticket
    distance_m: float | None
    risk: int  # 0 breached, 1 at risk, 2 clock running, 3 no clock

    @property
    def risk_key(self) -> str:
        return ("breached", "at_risk", "running", "none")[self.risk]


def _risk(ticket: Ticket, now: datetime) -> int:
    if ticket.sla_breached:
        return 0
    if ticket.sla_warn_at is not None and ticket.sla_warn_at <= now:
        return 1
    if ticket.sla_due_at is not None:
        return 2
    return 3


def _sorted_jobs(tickets: list[Ticket], position: tuple[float, float] | None) -> list[Job]:
    """Priority first (P0 before P4), then SLA risk (breached, at risk, nearest due), then distance."""
    now = timezone.now()
    places = job_positions(tickets)
    jobs = [
        Job(ticket=t, distance_m=distance_m(position, places.get(t.pk)), risk=_risk(t, now)) for t in tickets
    ]
    far = now + timedelta(days=36500)
    jobs.sort(
        key=lambda j: (
            j.ticket.priority.rank,
            j.risk,
            j.ticket.sla_due_at or far,
            j.distance_m if j.distance_m is not None else float("inf"),
            j.ticket.pk,
        )
    )
    return jobs


def _open(actor: User) -> QuerySet[Ticket]:
    return (
        ticket_selectors.ticket_list(actor=actor).filter(status__in=OPEN_STATUSES).select_related("location")
    )


def my_jobs(*, actor: User, position: tuple[float, float] | None = None) -> list[Job]:
    if not actor.is_staff_member:
        return []
    tickets = list(_open(actor).filter(assignee=actor).order_by("-updated_at", "-id")[:MAX_JOBS])
    return _sorted_jobs(tickets, position)


def team_pool(*, actor: User, position: tuple[float, float] | None = None) -> list[Job]:
    """Open tickets nobody has taken yet in the actor's teams: what a technician may accept."""
    teams = team_ids(actor) if actor.is_staff_member else []
    if not teams:
        return []
    tickets = list(
        _open(actor)
        .filter(assignee__isnull=True, team_id__in=teams)
        .order_by("-updated_at", "-id")[:MAX_POOL]
    )
    return _sorted_jobs(tickets, position)


def my_position(*, actor: User) -> tuple[float, float] | None:

    presence = AgentPresence.objects.filter(user=actor, latitude__isnull=False).first()
    if presence is None or presence.latitude is None or presence.longitude is None:
        return None
    return (float(presence.latitude), float(presence.longitude))


def job_get(*, actor: User, number: str) -> Ticket:
    """A ticket the actor may work, or NotFound (also for one they may only read)."""
    ticket = ticket_selectors.ticket_get(actor=actor, number=number)
    if not can_work(actor, ticket):
        raise NotFound(_("Ticket %(number)s not found.") % {"number": number})
    return ticket


@dataclass
class OnSite:
    visits: list[Visit]
    seconds: int
    open_visit: Visit | None
    job_position: tuple[float, float] | None
    accepted: bool


def on_site(*, actor: User, ticket: Ticket) -> OnSite:
    """Visits to the job by everyone, the time spent on site so far, and the actor's open visit."""
    visits = list(Visit.objects.filter(ticket=ticket).select_related("user").order_by("started_at", "id"))
    now = timezone.now()
    seconds = sum(int(((v.ended_at or now) - v.started_at).total_seconds()) for v in visits)
    mine = next((v for v in visits if v.user_id == actor.pk and v.ended_at is None), None)
    last_assigned = (
        TicketEvent.objects.filter(ticket=ticket, kind=ticket_events.ASSIGNED)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    accepted = TicketEvent.objects.filter(ticket=ticket, kind=events.FIELD_ACCEPTED, actor=actor)
    if last_assigned is not None:
        accepted = accepted.filter(created_at__gte=last_assigned)
    return OnSite(
        visits=visits,
        seconds=seconds,
        open_visit=mine,
        job_position=job_positions([ticket]).get(ticket.pk),
        accepted=ticket.assignee_id == actor.pk and accepted.exists(),
    )
