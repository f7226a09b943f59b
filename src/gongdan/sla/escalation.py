"""Firing escalation steps, exactly once each, in two phases.

**Record** (the sweep). It finds clocks whose `next_escalation_at` has come, by a partial index (never by
scanning open tickets), and works through them in batches, one transaction per batch: lock the batch's
tickets (`SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL, so a second consumer takes other tickets instead of
waiting; on SQLite the write transaction serialises consumers), re-read the clocks and the steps already
fired on them under the lock, insert an `EscalationFiring` row per due step (unique on clock, step, run)
with its `sla_escalated` event, record each breach once with its `sla_breached` event, and store each
clock's next escalation time. Bulk statements: a thousand due steps are recorded in well under a second.

**Act** (a task per few firings, queued on commit, and the sweep's safety net for any left behind). For each
firing not yet acted on: lock it (`acted_at IS NULL`, skip locked), carry out the action (notify, page,
reassign, raise priority) and set `acted_at` and the outcome, in one transaction.

A consumer killed at any point commits nothing of the transaction it was in: an unrecorded step is still
due at the next sweep; an unacted firing is picked up again. Notifications are written by the notifications
app inside the acting transaction and delivered after commit, so nothing is sent for work that rolled back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from gongdan.accounts.models import Membership, Team, User
from gongdan.notifications.services import notify
from gongdan.oncall.services import page_on_call
from gongdan.sla import (
    business_time,
    tasks,
)
from gongdan.sla import (
    clocks as clock_engine,  # used at call time: the engine and this module schedule each other's tasks
)
from gongdan.sla import events as sla_events
from gongdan.sla.models import ClockKind, EscalationAction, EscalationFiring, SlaClock
from gongdan.sla.rules import StepRule, current_rules
from gongdan.tickets.models import Priority, Ticket, TicketEvent
from gongdan.tickets.services import events_append_many, lock_ticket, ticket_assign, ticket_update

logger = logging.getLogger(__name__)

BATCH = 500
ACT_CHUNK = 200


def act_retry_after() -> timedelta:
    """A firing not acted on this long after it was recorded lost its task (a killed consumer): act again."""
    return timedelta(seconds=getattr(settings, "GONGDAN_SLA_ACT_RETRY_SECONDS", 120))


def due_clock_ids(*, now: datetime, limit: int) -> list[int]:
    return list(
        SlaClock.objects.filter(next_escalation_at__lte=now)
        .order_by("next_escalation_at")
        .values_list("pk", flat=True)[:limit]
    )


def escalation_sweep(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Record everything due at `now` and queue the actions. Returns the steps fired and breaches recorded."""
    now = now or timezone.now()
    ids = due_clock_ids(now=now, limit=limit)
    done = 0
    for start in range(0, len(ids), BATCH):
        done += escalate_clocks(clock_ids=ids[start : start + BATCH], now=now)
    stale = list(
        EscalationFiring.objects.filter(acted_at__isnull=True, fired_at__lt=now - act_retry_after())
        .order_by("fired_at")
        .values_list("pk", flat=True)[:limit]
    )
    if stale:
        _queue_actions(stale)
    return done


@transaction.atomic
def escalate_clocks(*, clock_ids: list[int], now: datetime | None = None) -> int:
    """Record the due steps and breaches of these clocks (those still due when locked) and queue their
    actions on commit; safe on several consumers."""
    now = now or timezone.now()
    ticket_ids = set(SlaClock.objects.filter(pk__in=clock_ids).values_list("ticket_id", flat=True))
    if not ticket_ids:
        return 0
    locking = Ticket.objects.filter(pk__in=sorted(ticket_ids)).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        locking = locking.select_for_update(skip_locked=True, of=("self",))
    tickets = {t.pk: t for t in locking.only("id", "priority_id", "status")}
    if not tickets:
        return 0
    clocks = list(
        SlaClock.objects.select_for_update()
        .filter(pk__in=clock_ids, ticket_id__in=tickets, next_escalation_at__lte=now)
        .order_by("ticket_id", "pk")
    )
    rules = current_rules()
    fired: dict[int, set[int]] = {}
    for clock_id, step_id in EscalationFiring.objects.filter(clock__in=clocks).values_list(
        "clock_id", "step_id"
    ):
        fired.setdefault(clock_id, set()).add(step_id)
    firings: list[EscalationFiring] = []
    events: list[TicketEvent] = []
    breached_tickets: set[int] = set()
    for clock in clocks:
        ticket = tickets[clock.ticket_id]
        engine = clock_engine.ClockEngine(ticket=ticket, now=now, rules=rules, load=False)
        engine.live, engine.loaded = [clock], True
        done_steps = fired.setdefault(clock.pk, set())
        engine._fired = {clock.pk: done_steps}
        if clock.stopped_at is None and clock.paused_since is None:
            if clock.breached_at is None and clock.due_at <= now:
                clock.breached_at = clock.due_at
                if clock.kind in clock_engine.REQUESTER_FACING:
                    breached_tickets.add(ticket.pk)
                events.append(_event(ticket, sla_events.SLA_BREACHED, now, {
                    "clock": clock.kind, "clock_id": clock.pk, "due_at": clock.due_at.isoformat(),
                    "team": clock.team_id, "target_minutes": clock.target_minutes,
                }))  # fmt: skip
            for _at, step in _due_steps(engine, clock, ticket, done_steps, now):
                done_steps.add(step.id)
                firings.append(EscalationFiring(clock=clock, step_id=step.id, run=clock.run, fired_at=now,
                                                action=step.action))  # fmt: skip
                events.append(_event(ticket, sla_events.SLA_ESCALATED, now, {
                    "clock": clock.kind, "clock_id": clock.pk, "step": step.id, "action": step.action,
                    "percent": step.percent, "minutes_from_due": step.minutes_from_due,
                    "due_at": clock.due_at.isoformat(),
                }))  # fmt: skip
        engine.plan_escalation(clock)
    EscalationFiring.objects.bulk_create(firings)
    events_append_many(events)
    _store_clocks(clocks)
    if breached_tickets:
        Ticket.objects.filter(pk__in=breached_tickets, sla_breached=False).update(sla_breached=True)
    if firings:
        ids = [f.pk for f in firings] if firings[0].pk else list(
            EscalationFiring.objects.filter(clock__in=clocks, fired_at=now, acted_at__isnull=True).values_list("pk", flat=True)
        )  # fmt: skip
        transaction.on_commit(lambda: _queue_actions(ids))
    return len(events)


def _store_clocks(clocks: list[SlaClock]) -> None:
    """One prepared UPDATE run for every clock (Django's bulk_update builds a CASE per row: 20× slower)."""
    if not clocks:
        return
    table = SlaClock._meta.db_table
    field_breached = SlaClock._meta.get_field("breached_at")
    field_next = SlaClock._meta.get_field("next_escalation_at")
    rows = [
        (field_breached.get_db_prep_value(c.breached_at, connection),
         field_next.get_db_prep_value(c.next_escalation_at, connection), c.pk)
        for c in clocks
    ]  # fmt: skip
    with connection.cursor() as cursor:
        statement = f"UPDATE {table} SET breached_at = %s, next_escalation_at = %s WHERE id = %s"  # noqa: S608 (our own table name)
        cursor.executemany(statement, rows)


def _due_steps(
    engine: clock_engine.ClockEngine, clock: SlaClock, ticket: Ticket, fired: set[int], now: datetime
) -> list[tuple[datetime, StepRule]]:
    policy = engine.rules.policy(clock.policy_id)
    due: list[tuple[datetime, StepRule]] = []
    if policy is not None:
        for step in policy.steps_for(clock.kind, ticket.priority_id):
            if step.id not in fired:
                at = clock_engine.step_instant(engine, clock, step.offset(clock.target_minutes))
                if at <= now:
                    due.append((at, step))
    due.sort(key=lambda pair: (pair[0], pair[1].id))
    return due


def _queue_actions(firing_ids: list[int]) -> None:

    for start in range(0, len(firing_ids), ACT_CHUNK):
        tasks.sla_act(firing_ids[start : start + ACT_CHUNK])


def escalation_act(*, firing_ids: list[int]) -> int:
    """Carry out the actions of these firings, each once: in its own transaction with the firing locked and
    still unacted. Returns how many were acted on here."""
    acted = 0
    for firing_id in firing_ids:
        acted += _act_one(firing_id)
    return acted


@transaction.atomic
def _act_one(firing_id: int) -> int:
    firings = EscalationFiring.objects.filter(pk=firing_id, acted_at__isnull=True)
    if connection.features.has_select_for_update_skip_locked:
        firings = firings.select_for_update(skip_locked=True, of=("self",))
    firing = firings.select_related("clock").first()
    if firing is None:
        return 0
    clock = firing.clock
    ticket = lock_ticket(clock.ticket_id, expected_version=None, related=("priority", "team", "assignee"))
    rules = current_rules()
    policy = rules.policy(clock.policy_id)
    step = next((s for s in policy.steps if s.id == firing.step_id), None) if policy else None
    if step is None:
        outcome: dict[str, Any] = {"skipped": "step removed"}
    elif clock.stopped_at is not None and clock.met:
        outcome = {"skipped": "target met meanwhile"}
    else:
        outcome = _act(ticket=ticket, clock=clock, step=step)
    EscalationFiring.objects.filter(pk=firing.pk).update(acted_at=timezone.now(), outcome=outcome)
    return 1


def _event(ticket: Ticket, kind: str, now: datetime, data: dict[str, Any]) -> TicketEvent:
    """An internal timeline line. Written in bulk by the sweep: SLA's own kinds need no SLA hook."""
    return TicketEvent(
        ticket_id=ticket.pk, actor=None, kind=kind, data=data, is_internal=True, created_at=now
    )


def _team_leads(team_id: int | None) -> list[User]:
    if team_id is None:
        return []
    return list(
        User.objects.filter(
            memberships__team_id=team_id, memberships__team_role=Membership.TeamRole.LEAD, is_active=True
        ).order_by("pk")
    )


def _act(*, ticket: Ticket, clock: SlaClock, step: StepRule) -> dict[str, Any]:
    """Carry out one step's action; returns what happened, for the event and the firing row."""
    data = {
        "target": clock.kind,
        "step": step.action,
        "due_at": clock.due_at.isoformat(),
        "percent": step.percent,
    }
    action = step.action
    if action in (EscalationAction.NOTIFY_ASSIGNEE, EscalationAction.NOTIFY_TEAM_LEADS):
        team_id = clock.team_id or ticket.team_id
        recipients: list[User] = []
        assignee = ticket.assignee
        if action == EscalationAction.NOTIFY_ASSIGNEE and assignee is not None and assignee.is_active:
            recipients = [assignee]
        if not recipients:  # leads, and an unassigned ticket's "assignee" step also goes to the leads
            recipients = _team_leads(team_id)
        if recipients:
            notify(recipients=recipients, kind="sla_escalation", ticket=ticket, data=data)
        return {"recipients": [u.pk for u in recipients], "delivered": bool(recipients)}
    if action == EscalationAction.PAGE_ON_CALL:
        paged_team_id = clock.team_id or ticket.team_id
        team = Team.objects.filter(pk=paged_team_id).first() if paged_team_id else None
        # A code, read in each reader's language where the page is shown (oncall.reasons).
        reason = sla_events.page_reason(clock_kind=clock.kind, percent=step.percent,
                                        minutes_from_due=step.minutes_from_due, priority=ticket.priority.code)  # fmt: skip
        page = page_on_call(ticket=ticket, reason=reason, team=team)
        return {"paged": True, "page": getattr(page, "pk", None)}
    if action == EscalationAction.REASSIGN_TEAM:
        team = Team.objects.filter(pk=step.team_id, is_active=True).first() if step.team_id else None
        if team is None or ticket.team_id == team.pk or not ticket.is_open:
            return {"reassigned": False}
        ticket_assign(actor=None, ticket=ticket, assignee=None, team=team,
                      reason={"sla_step": step.id, "clock": clock.kind})  # fmt: skip
        return {"reassigned": True, "team": team.pk}
    if action == EscalationAction.RAISE_PRIORITY:
        current = ticket.priority
        if step.raise_to_id:
            target = Priority.objects.filter(pk=step.raise_to_id).first()
        else:
            target = Priority.objects.filter(rank__lt=current.rank).order_by("-rank").first()
        if target is None or target.rank >= current.rank or not ticket.is_open:
            return {"raised": False}
        ticket_update(actor=None, ticket=ticket, changes={"priority": target})
        return {"raised": True, "from": current.code, "to": target.code}
    return {}


def clock_percent_used(clock: SlaClock, *, now: datetime, rules: Any) -> int:
    """How much of the target has been used, in percent (for display and notifications)."""

    calendar = rules.calendars.get(clock.calendar_id or 0) or business_time.CalendarSnapshot(is_24x7=True)
    end = clock.stopped_at or clock.paused_since or now
    used = business_time.between(calendar, clock.started_at, end) - timedelta(
        seconds=clock.paused_business_seconds
    )
    return max(0, int(used.total_seconds() * 100 // max(1, clock.target_minutes * 60)))


__all__ = ["ClockKind", "clock_percent_used", "escalate_clocks", "escalation_sweep"]
