"""Reads of SLA data: a ticket's clocks for whoever may see the ticket, and the settings lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongdan.accounts.models import User
from gongdan.domain_errors import NotFound
from gongdan.sla.escalation import clock_percent_used
from gongdan.sla.models import BusinessCalendar, ClockKind, SlaClock, SlaPolicy
from gongdan.sla.rules import current_rules
from gongdan.tickets.access import can_view
from gongdan.tickets.models import Ticket


@dataclass(frozen=True)
class ClockView:
    id: int
    kind: str
    kind_label: str
    team: str | None
    run: int
    state: str  # running, at_risk, paused, breached (still running), met, missed, stopped (not counted)
    state_label: str
    started_at: datetime
    due_at: datetime
    stopped_at: datetime | None
    breached_at: datetime | None
    percent_used: int
    target_minutes: int
    margin_seconds: int | None
    met: bool | None


STATE_LABELS = {
    "running": gettext_lazy("Running"),
    "at_risk": gettext_lazy("At risk"),
    "paused": gettext_lazy("Paused"),
    "breached": gettext_lazy("Breached"),
    "met": gettext_lazy("Met"),
    "missed": gettext_lazy("Missed"),
    "stopped": gettext_lazy("Stopped"),
}


def _state(clock: SlaClock, percent: int, now: datetime) -> str:
    if clock.stopped_at is not None:
        return "stopped" if clock.met is None else "met" if clock.met else "missed"
    if clock.paused_since is not None:
        return "paused"
    if clock.breached_at is not None or clock.due_at <= now:
        return "breached"
    return "at_risk" if percent >= 80 else "running"


def ticket_for_sla(*, actor: User, number: str) -> Ticket:
    ticket = Ticket.objects.filter(number=(number or "").strip().upper()).order_by().first()
    if ticket is None or not can_view(actor, ticket):
        raise NotFound(_("Ticket %(number)s not found.") % {"number": number})
    return ticket


def ticket_sla_clocks(*, actor: User, ticket: Ticket) -> list[ClockView]:
    """Every clock of the ticket, running ones first, each with its state and attainment (2 queries)."""
    if not can_view(actor, ticket):
        raise NotFound(_("Ticket not found."))
    now = timezone.now()
    rules = current_rules()
    views = []
    clocks = SlaClock.objects.filter(ticket_id=ticket.pk).select_related("team").order_by("started_at", "pk")
    for clock in clocks:
        percent = clock_percent_used(clock, now=now, rules=rules)
        state = _state(clock, percent, now)
        views.append(
            ClockView(
                id=clock.pk,
                kind=clock.kind,
                kind_label=str(ClockKind(clock.kind).label),
                team=clock.team.label if clock.team else None,
                run=clock.run,
                state=state,
                state_label=str(STATE_LABELS[state]),
                started_at=clock.started_at,
                due_at=clock.due_at,
                stopped_at=clock.stopped_at,
                breached_at=clock.breached_at,
                percent_used=percent,
                target_minutes=clock.target_minutes,
                margin_seconds=clock.margin_seconds,
                met=clock.met,
            )
        )
    views.sort(key=lambda v: (v.stopped_at is not None, v.due_at))
    return views


def calendar_list() -> QuerySet[BusinessCalendar]:
    return BusinessCalendar.objects.annotate(day_count=Count("days", distinct=True)).order_by("name")


def policy_list() -> QuerySet[SlaPolicy]:
    return (
        SlaPolicy.objects.select_related("calendar")
        .annotate(target_count=Count("targets", distinct=True), step_count=Count("steps", distinct=True))
        .order_by("order", "pk")
    )
