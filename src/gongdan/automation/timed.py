"""Time rules: "pending on the requester for 3 business days → remind; 7 → close".

A ticket's waiting episode starts when it last entered the rule's status (its latest transition or assignment
into it, else its creation). The deadline is that moment's local time of day, `wait_business_days` working
days later on the rule's business calendar (from sla: weekends, public holidays and 调休 make-up working days
count as the calendar says). The sweep runs every few minutes on any number of queue workers: each ticket is
locked while it is looked at and the run row is unique on (rule, ticket, episode), so a rule fires at most
once per episode; a ticket that leaves the status and comes back starts a new episode."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from gongdan.automation.conditions import Subject
from gongdan.automation.engine import CompiledRule, current_index, fresh_ticket, run_rule
from gongdan.automation.models import RuleRun
from gongdan.sla.business_time import CalendarSnapshot
from gongdan.sla.rules import current_rules
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.services import lock_ticket

MAX_DAYS_SCANNED = 3 * 366
BATCH = 500


def add_business_days(snapshot: CalendarSnapshot, start: datetime, days: int) -> datetime:
    """The same local time of day, `days` working days after `start`'s own day."""
    local = start.astimezone(snapshot.zone)  # type: ignore[attr-defined]
    day: date = local.date()
    counted = 0
    for _step in range(MAX_DAYS_SCANNED):
        if counted >= days:
            break
        day += timedelta(days=1)
        if snapshot.hours_on(day):
            counted += 1
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=snapshot.zone)  # type: ignore[attr-defined]


def calendar_for(rule: CompiledRule) -> CalendarSnapshot:
    calendars = current_rules().calendars
    if rule.calendar_id in calendars:
        return calendars[rule.calendar_id]  # type: ignore[index]
    if calendars:
        return calendars[min(calendars)]
    return CalendarSnapshot(weekly=(((0, 1440),),) * 7)  # no calendar at all: every day counts


def waiting_tickets(rule: CompiledRule) -> list[tuple[int, datetime]]:
    """The tickets in the rule's status, each with the start of its current waiting episode."""
    moved = TicketEvent.objects.filter(
        ticket_id=OuterRef("pk"), kind="transitioned", data__to=rule.wait_status
    )
    assigned = TicketEvent.objects.filter(ticket_id=OuterRef("pk"), kind="assigned",
                                          data__to__status=rule.wait_status)  # fmt: skip
    rows = (
        Ticket.objects.filter(status=rule.wait_status)
        .annotate(
            moved_at=Subquery(moved.order_by("-pk").values("created_at")[:1]),
            assigned_at=Subquery(assigned.order_by("-pk").values("created_at")[:1]),
        )
        .values_list("pk", "created_at", "moved_at", "assigned_at")
        .order_by("pk")
    )
    found: list[tuple[int, datetime]] = []
    for pk, created_at, moved_at, assigned_at in rows.iterator(chunk_size=BATCH):
        starts = [t for t in (moved_at, assigned_at) if t is not None]
        found.append((pk, max(starts) if starts else created_at))
    return found


def due_for(rule: CompiledRule, *, now: datetime) -> list[tuple[int, str]]:
    """(ticket id, episode) pairs whose deadline has passed and that the rule has not run for yet."""
    snapshot = calendar_for(rule)
    due = []
    for ticket_id, started in waiting_tickets(rule):
        if add_business_days(snapshot, started, rule.wait_business_days) <= now:
            due.append((ticket_id, started.isoformat()))
    if not due:
        return []
    held = set(
        RuleRun.objects.filter(rule_id=rule.id, ticket_id__in=[t for t, _e in due]).values_list(
            "ticket_id", "episode"
        )
    )
    return [(t, e) for t, e in due if (t, e) not in held]


def sweep(*, now: datetime | None = None) -> int:
    """Run every active time rule on the tickets it is due for. Returns how many runs were recorded."""
    now = now or timezone.now()
    ran = 0
    for rule in current_index().timed:
        for ticket_id, episode in due_for(rule, now=now):
            with transaction.atomic():
                lock_ticket(ticket_id, expected_version=None)
                if RuleRun.objects.filter(rule_id=rule.id, ticket_id=ticket_id, episode=episode).exists():
                    continue  # another worker was first
                ticket = fresh_ticket(ticket_id)
                if ticket.status != rule.wait_status or not rule.check(Subject(ticket)):
                    continue
                ran += run_rule(rule, ticket, episode=episode).run is not None
    return ran
