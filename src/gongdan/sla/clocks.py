"""Clocks follow ticket events (rule 3): `sla_react` is registered with the tickets app's reactions and runs in
the transaction of every ticket change, with the ticket row saved and locked — or, on create, before the row is
written, so the due times the queue shows go into the ticket's INSERT and the clocks follow in one more.

- created: start first response and resolution (and the holding team's stage clock, OLA);
- a pause status of the policy pauses every live clock; leaving it resumes them, the due time moving later
  by the business time spent paused;
- a staff member's public reply meets first response and next response; a requester's reply (any channel:
  they all go through the comment service) starts next response;
- resolved / closed / merged stops every clock with its attainment; reopening starts a new resolution run;
- a change of priority, category, type or requester re-matches the policy and recomputes the due times;
- a change of team stops the old team's stage clock and starts the new team's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from gongdan.accounts.models import Organisation
from gongdan.sla import business_time, tasks
from gongdan.sla.models import ClockKind, EscalationFiring, SlaClock
from gongdan.sla.rules import PolicyRule, SlaRules, current_rules
from gongdan.tickets import events as ticket_events
from gongdan.tickets.models import Ticket, TicketEvent
from gongdan.tickets.models.ticket import FINISHED_STATUSES, OPEN_STATUSES, Status
from gongdan.tickets.reactions import TicketChange

REQUESTER_FACING = (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE, ClockKind.RESOLUTION)
RECOMPUTE_FIELDS = {"priority", "category", "ticket_type", "requester"}
AT_RISK_PERCENT = 80
HANDLED = {
    ticket_events.CREATED,
    ticket_events.UPDATED,
    ticket_events.ASSIGNED,
    ticket_events.TRANSITIONED,
    ticket_events.COMMENTED,
    ticket_events.MERGED_INTO,
}
# Escalations due within this window are sent to the queue with an ETA on commit instead of waiting for the
# once-a-minute sweep (a P0's "page on-call at creation" leaves in about a second).
SOON = timedelta(seconds=60)


def sla_react(change: TicketChange) -> None:
    handled = [event for event in change.events if event.kind in HANDLED]
    if not handled:
        return
    engine = ClockEngine(ticket=change.ticket, now=change.now or handled[0].created_at, rules=current_rules())
    for event in handled:
        engine.handle(event)
    if change.creating:
        engine.save_new(change)
    else:
        engine.save()


class ClockEngine:
    """The live clocks of one ticket, changed in memory and written back in a few statements."""

    def __init__(self, *, ticket: Ticket, now: datetime, rules: SlaRules, load: bool = True) -> None:
        self.ticket = ticket
        self.now = now
        self.rules = rules
        self.live: list[SlaClock] = []
        self.new: list[SlaClock] = []
        self.changed: set[int] = set()
        self.loaded = False
        self._fired: dict[int, set[int]] | None = None
        self._load = load

    # reading -----------------------------------------------------------------------------------------
    def load(self) -> None:
        if not self.loaded and self._load:
            self.live = list(SlaClock.objects.filter(ticket_id=self.ticket.pk, stopped_at__isnull=True))
        self.loaded = True

    def fired(self, clock: SlaClock) -> set[int]:
        if clock.pk is None:
            return set()
        if self._fired is None:
            self._fired = {}
            ids = [c.pk for c in self.live if c.pk]
            for clock_id, step_id in EscalationFiring.objects.filter(clock_id__in=ids).values_list(
                "clock_id", "step_id"
            ):
                self._fired.setdefault(clock_id, set()).add(step_id)
        return self._fired.get(clock.pk, set())

    def match(self) -> PolicyRule | None:
        ticket = self.ticket
        category_path = None
        if ticket.category_id:
            category = ticket.category  # cached by the service that set it
            category_path = category.path if category else None
        service_tier = None
        if self.rules.needs_service_tier and ticket.organisation_id:
            service_tier = (
                Organisation.objects.filter(pk=ticket.organisation_id)
                .values_list("service_tier", flat=True)
                .first()
            )
        return self.rules.match(ticket, category_path=category_path, service_tier=service_tier)

    def calendar(self, clock: SlaClock) -> business_time.CalendarSnapshot:
        snapshot = self.rules.calendars.get(clock.calendar_id or 0)
        return snapshot or business_time.CalendarSnapshot(is_24x7=True)

    def all_clocks(self) -> list[SlaClock]:
        return [*self.live, *self.new]

    # events ------------------------------------------------------------------------------------------
    def handle(self, event: TicketEvent) -> None:
        kind, data = event.kind, event.data or {}
        ticket = self.ticket
        if kind == ticket_events.CREATED:
            self.loaded = True  # a new ticket has no clocks yet: no query
            self.start_all(started_at=self.now)
            return
        self.load()
        if kind == ticket_events.UPDATED:
            changes = data.get("changes", {})
            if RECOMPUTE_FIELDS & set(changes):
                self.recompute()
            if "team" in changes or "assignee" in changes:
                self.sync_stage()
        elif kind == ticket_events.ASSIGNED:
            self.sync_stage()
        elif kind == ticket_events.COMMENTED and not event.is_internal:
            actor = event.actor
            if actor is not None and actor.pk != ticket.requester_id and actor.is_staff_member:
                for clock in self.live_of(ClockKind.FIRST_RESPONSE, ClockKind.NEXT_RESPONSE):
                    self.stop(clock)
            elif actor is not None and actor.pk == ticket.requester_id and ticket.status in OPEN_STATUSES:
                self.start_next_response()
        elif kind in (ticket_events.TRANSITIONED, ticket_events.MERGED_INTO):
            before, after = data.get("from"), data.get("to", ticket.status)
            if after in FINISHED_STATUSES:
                for clock in self.live_of(*ClockKind.values):
                    self.stop(clock, counted=after != Status.CANCELLED)
            elif before in FINISHED_STATUSES and after in OPEN_STATUSES:
                self.reopen()
            else:
                policy = self.rules.policy(self.policy_id())
                pause = policy.pause_statuses if policy else frozenset()
                if after in pause and before not in pause:
                    for clock in self.live_of(*ClockKind.values):
                        self.pause(clock)
                elif before in pause and after not in pause:
                    for clock in self.live_of(*ClockKind.values):
                        self.resume(clock)

    def policy_id(self) -> int | None:
        for clock in self.all_clocks():
            if clock.policy_id:
                return clock.policy_id
        last = (
            SlaClock.objects.filter(ticket_id=self.ticket.pk)
            .order_by("-id")
            .values_list("policy_id", flat=True)
        )
        return last.first()

    def live_of(self, *kinds: str) -> list[SlaClock]:
        return [c for c in self.all_clocks() if c.kind in kinds and c.stopped_at is None]

    # changes -----------------------------------------------------------------------------------------
    def start(
        self, policy: PolicyRule, kind: str, *, started_at: datetime, team_id: int | None = None, run: int = 1
    ) -> SlaClock | None:
        minutes = policy.target_minutes(kind, self.ticket.priority_id, team_id)
        if not minutes:
            return None
        calendar = self.rules.calendars[policy.calendar_id]
        clock = SlaClock(
            ticket_id=self.ticket.pk,
            kind=kind,
            team_id=team_id,
            policy_id=policy.id,
            calendar_id=policy.calendar_id,
            run=run,
            target_minutes=minutes,
            started_at=started_at,
            due_at=business_time.add(calendar, started_at, timedelta(minutes=minutes)),
            created_at=self.now,
        )
        if self.ticket.status in policy.pause_statuses:
            clock.paused_since = self.now
        self.new.append(clock)
        return clock

    def start_all(self, *, started_at: datetime) -> None:
        policy = self.match()
        if policy is None:
            return
        self.start(policy, ClockKind.FIRST_RESPONSE, started_at=started_at)
        self.start(policy, ClockKind.RESOLUTION, started_at=started_at)
        if self.ticket.team_id:
            self.start(policy, ClockKind.STAGE, started_at=started_at, team_id=self.ticket.team_id)

    def start_next_response(self) -> None:
        if self.live_of(ClockKind.NEXT_RESPONSE):
            return
        policy = self.rules.policy(self.policy_id())
        if policy is not None:
            self.start(
                policy,
                ClockKind.NEXT_RESPONSE,
                started_at=self.now,
                run=self.next_run(ClockKind.NEXT_RESPONSE),
            )

    def next_run(self, kind: str, team_id: int | None = None) -> int:
        runs = SlaClock.objects.filter(ticket_id=self.ticket.pk, kind=kind)
        runs = runs.filter(team_id=team_id) if team_id is not None else runs.filter(team__isnull=True)
        return (runs.order_by("-run").values_list("run", flat=True).first() or 0) + 1

    def reopen(self) -> None:
        policy = self.match()
        if policy is None:
            return
        self.start(policy, ClockKind.RESOLUTION, started_at=self.now, run=self.next_run(ClockKind.RESOLUTION))
        self.sync_stage(policy=policy)

    def sync_stage(self, policy: PolicyRule | None = None) -> None:
        team_id = self.ticket.team_id
        for clock in self.live_of(ClockKind.STAGE):
            if clock.team_id != team_id:
                self.stop(clock)
        if team_id and not any(c.team_id == team_id for c in self.live_of(ClockKind.STAGE)):
            policy = policy or self.rules.policy(self.policy_id()) or self.match()
            if policy is not None and self.ticket.status in OPEN_STATUSES:
                self.start(policy, ClockKind.STAGE, started_at=self.now, team_id=team_id,
                           run=self.next_run(ClockKind.STAGE, team_id))  # fmt: skip

    def recompute(self) -> None:
        """Priority, category, type or requester changed: re-match and move the due times (the time
        already spent and paused is kept; steps already fired stay fired)."""
        policy = self.match()
        for clock in self.live_of(*ClockKind.values):
            minutes = (
                policy.target_minutes(clock.kind, self.ticket.priority_id, clock.team_id) if policy else None
            )
            if not minutes or policy is None:
                self.stop(clock, counted=False)
                continue
            clock.policy_id, clock.calendar_id, clock.target_minutes = policy.id, policy.calendar_id, minutes
            self.move_due(clock)
            if clock.breached_at and clock.due_at > self.now:
                clock.breached_at = None
            self.mark(clock)
        if policy is None:
            return
        kinds = {c.kind for c in self.live_of(*REQUESTER_FACING)}
        if self.ticket.status in OPEN_STATUSES:
            if (
                ClockKind.FIRST_RESPONSE not in kinds
                and self.ticket.first_response_at is None
                and not (
                    SlaClock.objects.filter(ticket_id=self.ticket.pk, kind=ClockKind.FIRST_RESPONSE).exists()
                )
            ):
                self.start(policy, ClockKind.FIRST_RESPONSE, started_at=self.ticket.created_at)
            if (
                ClockKind.RESOLUTION not in kinds
                and not SlaClock.objects.filter(ticket_id=self.ticket.pk, kind=ClockKind.RESOLUTION).exists()
            ):
                self.start(policy, ClockKind.RESOLUTION, started_at=self.ticket.created_at)

    def move_due(self, clock: SlaClock) -> None:
        business = timedelta(minutes=clock.target_minutes, seconds=clock.paused_business_seconds)
        clock.due_at = business_time.add(self.calendar(clock), clock.started_at, business)

    def pause(self, clock: SlaClock) -> None:
        if clock.paused_since is None:
            clock.paused_since = self.now
            self.mark(clock)

    def resume(self, clock: SlaClock) -> None:
        if clock.paused_since is None:
            return
        paused = business_time.between(self.calendar(clock), clock.paused_since, self.now)
        clock.paused_business_seconds += max(0, int(paused.total_seconds()))
        clock.paused_since = None
        self.move_due(clock)
        self.mark(clock)

    def stop(self, clock: SlaClock, *, counted: bool = True) -> None:
        self.resume(clock)
        clock.stopped_at = self.now
        clock.next_escalation_at = None
        if counted:
            clock.met = self.now <= clock.due_at
            margin = business_time.between(self.calendar(clock), self.now, clock.due_at)
            clock.margin_seconds = int(margin.total_seconds())
            if not clock.met and clock.breached_at is None:
                clock.breached_at = clock.due_at
        self.mark(clock)

    def mark(self, clock: SlaClock) -> None:
        if clock.pk is not None:
            self.changed.add(clock.pk)

    # writing -----------------------------------------------------------------------------------------
    def plan_escalation(self, clock: SlaClock) -> None:
        clock.next_escalation_at = next_escalation(self, clock)

    def save(self) -> None:
        soon: list[SlaClock] = []
        for clock in self.all_clocks():
            if clock.pk is None or clock.pk in self.changed:
                before = clock.next_escalation_at
                self.plan_escalation(clock)
                if clock.pk is not None and before != clock.next_escalation_at:
                    self.changed.add(clock.pk)
                if clock.next_escalation_at is not None and clock.next_escalation_at <= self.now + SOON:
                    soon.append(clock)
        if self.new:
            SlaClock.objects.bulk_create(self.new)
        changed = [c for c in self.live if c.pk in self.changed]
        if changed:
            SlaClock.objects.bulk_update(changed, CLOCK_FIELDS)
        if self.new or changed:
            write_summary(self.ticket, [c for c in self.all_clocks() if c.stopped_at is None], self.rules)
        if soon:
            schedule_soon(soon)

    def save_new(self, change: TicketChange) -> None:
        """A ticket being created: its summary goes into the ticket's own INSERT, the clocks after it."""
        for clock in self.new:
            self.plan_escalation(clock)
        if not self.new:
            return
        write_summary(self.ticket, self.new, self.rules, in_memory=True)

        def write() -> None:
            for clock in self.new:
                clock.ticket_id = self.ticket.pk
            SlaClock.objects.bulk_create(self.new)
            soon = [
                c
                for c in self.new
                if c.next_escalation_at is not None and c.next_escalation_at <= self.now + SOON
            ]
            if soon:
                schedule_soon(soon)

        change.after_write(write)


CLOCK_FIELDS = [
    "policy", "calendar", "target_minutes", "due_at", "paused_since", "paused_business_seconds", "stopped_at",
    "breached_at", "met", "margin_seconds", "next_escalation_at",
]  # fmt: skip


def step_instant(engine: ClockEngine, clock: SlaClock, offset: timedelta) -> datetime:
    business = offset + timedelta(seconds=clock.paused_business_seconds)
    return business_time.add(engine.calendar(clock), clock.started_at, business)


def next_escalation(engine: ClockEngine, clock: SlaClock) -> datetime | None:
    """The earliest unfired step or the breach, for a running clock; None for a paused or stopped one."""
    if clock.stopped_at is not None or clock.paused_since is not None:
        return None
    candidates: list[datetime] = []
    if clock.breached_at is None:
        candidates.append(clock.due_at)
    policy = engine.rules.policy(clock.policy_id)
    if policy is not None:
        fired = engine.fired(clock)
        for step in policy.steps_for(clock.kind, engine.ticket.priority_id):
            if step.id not in fired:
                candidates.append(step_instant(engine, clock, step.offset(clock.target_minutes)))
    return min(candidates) if candidates else None


def write_summary(
    ticket: Ticket, live: Iterable[SlaClock], rules: SlaRules, *, in_memory: bool = False
) -> None:
    """Copy what the queue shows onto the ticket row: the nearest due time of the requester-facing clocks,
    when it turns "at risk", and whether they are paused or breached. No queries on reads."""
    facing = [c for c in live if c.kind in REQUESTER_FACING]
    running = [c for c in facing if c.paused_since is None]
    values: dict[str, Any] = {
        "sla_due_at": None,
        "sla_warn_at": None,
        "sla_paused": False,
        "sla_breached": False,
    }
    if running:
        nearest = min(running, key=lambda c: c.due_at)
        calendar = rules.calendars.get(nearest.calendar_id or 0) or business_time.CalendarSnapshot(
            is_24x7=True
        )
        warn = timedelta(
            seconds=nearest.target_minutes * 60 * AT_RISK_PERCENT // 100 + nearest.paused_business_seconds
        )
        values.update(
            sla_due_at=nearest.due_at,
            sla_warn_at=business_time.add(calendar, nearest.started_at, warn),
            sla_breached=any(c.breached_at is not None for c in running),
        )
    elif facing:
        values["sla_paused"] = True
    elif not ticket.is_open:
        values["sla_breached"] = bool(getattr(ticket, "sla_breached", False))
    if any(getattr(ticket, name) != value for name, value in values.items()):
        if not in_memory:
            Ticket.objects.filter(pk=ticket.pk).update(**values)
        for name, value in values.items():
            setattr(ticket, name, value)


def schedule_soon(clocks: list[SlaClock]) -> None:
    ids = [c.pk for c in clocks]
    eta = min(c.next_escalation_at for c in clocks if c.next_escalation_at)

    def enqueue() -> None:

        if eta > timezone.now() + timedelta(seconds=1):
            tasks.sla_escalate_clocks.schedule(args=(ids,), eta=eta)
        else:
            tasks.sla_escalate_clocks(ids)

    transaction.on_commit(enqueue)
