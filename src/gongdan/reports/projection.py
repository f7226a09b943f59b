"""Ticket facts and daily rollups, projected from the event log by an after-commit consumer
(gongdan.tickets.pipeline).

The pipeline hands this projection each batch of new events under its cursor's lock; it recomputes the facts
of every ticket they touch from that ticket's whole history (its events and SLA clocks), and applies the
difference between each ticket's old and new contribution to the daily rollups. Because a ticket's fact is
recomputed from scratch, a late or back-dated event corrects every figure it changes, exactly; and because
the cursor row is locked, several queue consumers never apply an event twice.

The definitions of every figure are in docs/reports.md; `ticket_fact` is where they are computed.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gongdan.accounts.models import STAFF_ROLES
from gongdan.core.bulk import write_rows
from gongdan.reports.events import CSAT_RATED
from gongdan.reports.models import (
    COUNTERS,
    DIMENSIONS,
    FACT_DIMENSIONS,
    DailyRollup,
    ProjectionCursor,
    TicketFact,
)
from gongdan.sla.models import ClockKind, SlaClock, SlaPolicy
from gongdan.tickets import events as kinds
from gongdan.tickets import pipeline
from gongdan.tickets.models import EventCursor, Ticket, TicketEvent
from gongdan.tickets.models.ticket import OPEN_STATUSES, Status

CONSUMER = "reports.facts"
BATCH_EVENTS = 5000
RESOLVED_STATUSES = (Status.RESOLVED, Status.CLOSED)
OPEN = frozenset(OPEN_STATUSES)
FINISHED = frozenset(RESOLVED_STATUSES)
EVENT_COLUMNS = ("id", "ticket_id", "kind", "created_at", "actor_id", "actor__role", "is_internal", "data")
TICKET_COLUMNS = ("id", "status", "created_at", "requester_id", *(d for d in FACT_DIMENSIONS if d != "channel"),
                  "channel")  # fmt: skip


def local_day(instant: datetime) -> date:
    return instant.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


@dataclass
class Fact:
    """A ticket's fact row before it is written, and the counters it adds to the rollups."""

    values: dict[str, Any]
    days: dict[str, dict[str, int]] = field(default_factory=dict)

    def add(self, day: date, counter: str, value: int = 1) -> None:
        cell = self.days.setdefault(day.isoformat(), {})
        cell[counter] = cell.get(counter, 0) + int(value)

    def contribution(self) -> dict[str, Any]:
        return {"dims": [self.values[d] for d in DIMENSIONS], "days": self.days}


def ticket_fact(
    ticket: dict[str, Any],
    history: Sequence[dict[str, Any]],
    clocks: Sequence[dict[str, Any]],
    pause_statuses: Iterable[str],
) -> Fact:
    """The fact of one ticket from its row (for dimensions), its events and its SLA clocks.

    `history` holds the ticket's events as dicts with EVENT_COLUMNS; `pause_statuses` are the statuses in
    which its SLA policy pauses the clocks (none when no policy applies)."""
    paused = frozenset(pause_statuses)
    events = sorted(history, key=lambda e: (e["created_at"], e["id"]))
    created_at = ticket["created_at"]
    status = Status.NEW.value
    since = created_at
    active = timedelta(0)  # wall time in an open status that does not pause, up to the final resolution
    resolved_at: datetime | None = None
    active_at_resolution = timedelta(0)
    staff_replies_at_resolution = 0
    reopen_count = 0
    staff_replies = 0
    first_response_at: datetime | None = None
    first_assign_at: datetime | None = None
    cancelled_at: datetime | None = None
    merged = False
    csat: tuple[int, datetime] | None = None

    def move(to: str, at: datetime) -> None:
        nonlocal status, since, active
        if status in OPEN and status not in paused and at > since:
            active += at - since
        status, since = to, max(at, since)

    for event in events:
        kind, data, at = event["kind"], event["data"] or {}, event["created_at"]
        if kind == kinds.CREATED:
            created_at = at
            status, since = data.get("status") or Status.NEW.value, at
            if data.get("assignee"):
                first_assign_at = at
        elif kind == kinds.ASSIGNED:
            if data.get("to") and first_assign_at is None:
                first_assign_at = at
        elif kind in (kinds.TRANSITIONED, kinds.MERGED_INTO):
            before, to = status, data.get("to") or Status.CLOSED.value
            move(to, at)
            if kind == kinds.MERGED_INTO:
                merged = True
            elif to in FINISHED and before in OPEN:
                resolved_at = at
                active_at_resolution = active
                staff_replies_at_resolution = staff_replies
            elif to in OPEN and before in FINISHED:
                reopen_count += 1
                resolved_at = None
            if to == Status.CANCELLED:
                cancelled_at = at
        elif kind == kinds.COMMENTED and not event["is_internal"]:
            if event["actor__role"] in STAFF_ROLES and event["actor_id"] != ticket["requester_id"]:
                staff_replies += 1
                if first_response_at is None:
                    first_response_at = at
        elif kind == CSAT_RATED:
            rating = data.get("rating")
            if isinstance(rating, int) and not isinstance(rating, bool) and 1 <= rating <= 5:
                csat = (rating, at)

    if status not in FINISHED:
        resolved_at = None
    excluded = merged or status == Status.CANCELLED
    values: dict[str, Any] = {d: ticket[d] or (0 if d != "channel" else "") for d in FACT_DIMENSIONS}
    values.update(
        status=status,
        is_open=status in OPEN,
        created_at=created_at,
        created_day=local_day(created_at),
        resolved_at=None,
        resolved_day=None,
        resolution_wall_seconds=None,
        resolution_business_seconds=None,
        first_response_seconds=None,
        first_response_day=None,
        first_assign_day=None,
        sla_response_day=None,
        cancelled_day=None,
        csat_day=None,
        first_assign_seconds=None,
        reopen_count=reopen_count,
        first_contact=False,
        sla_response_met=None,
        sla_resolution_met=None,
        csat_rating=None,
    )
    fact = Fact(values)
    fact.add(values["created_day"], "created")
    if excluded:
        # Cancelled and merged tickets count as arrived and as cancelled, and in no other figure.
        values["cancelled_day"] = local_day(cancelled_at or since)
        fact.add(values["cancelled_day"], "cancelled")
        return fact

    if first_response_at is not None:
        seconds = max(0, int((first_response_at - created_at).total_seconds()))
        values["first_response_seconds"] = seconds
        values["first_response_day"] = day = local_day(first_response_at)
        fact.add(day, "first_response_count")
        fact.add(day, "first_response_sum", seconds)
    if first_assign_at is not None:
        seconds = max(0, int((first_assign_at - created_at).total_seconds()))
        values["first_assign_seconds"] = seconds
        values["first_assign_day"] = day = local_day(first_assign_at)
        fact.add(day, "first_assign_count")
        fact.add(day, "first_assign_sum", seconds)

    response = [c for c in clocks if c["kind"] == ClockKind.FIRST_RESPONSE and c["met"] is not None]
    if response:
        met = all(c["met"] for c in response)
        values["sla_response_met"] = met
        values["sla_response_day"] = local_day(max(c["stopped_at"] for c in response))
        fact.add(values["sla_response_day"], "sla_response_met" if met else "sla_response_breached")

    if resolved_at is not None:
        day = local_day(resolved_at)
        wall = int(active_at_resolution.total_seconds())
        values.update(resolved_at=resolved_at, resolved_day=day, resolution_wall_seconds=wall)
        fact.add(day, "resolved")
        fact.add(day, "resolution_wall_sum", wall)
        if reopen_count:
            fact.add(day, "reopened")
        if not reopen_count and staff_replies_at_resolution <= 1:
            values["first_contact"] = True
            fact.add(day, "first_contact")
        runs = [c for c in clocks if c["kind"] == ClockKind.RESOLUTION and c["met"] is not None]
        if runs:
            business = sum(c["target_minutes"] * 60 - (c["margin_seconds"] or 0) for c in runs)
            values["resolution_business_seconds"] = max(0, business)
            fact.add(day, "resolution_business_sum", max(0, business))
            fact.add(day, "resolution_business_count")
            met = all(c["met"] for c in runs)
            values["sla_resolution_met"] = met
            fact.add(day, "sla_resolution_met" if met else "sla_resolution_breached")

    if csat is not None:
        rating, at = csat
        values["csat_rating"] = rating
        values["csat_day"] = day = local_day(at)
        fact.add(day, "csat_count")
        fact.add(day, "csat_sum", rating)
        fact.add(day, f"csat_{rating}")
    return fact


def compute_facts(ticket_ids: Iterable[int]) -> dict[int, Fact]:
    """Facts of these tickets, from the database, in four queries."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return {}
    return _facts_where(lambda column: {f"{column}__in": ids})


def _facts_where(where: Callable[[str], dict[str, Any]]) -> dict[int, Fact]:
    """Facts of the tickets `where` selects (it gives the filter on a column holding the ticket id)."""
    tickets = {row["id"]: row for row in Ticket.objects.filter(**where("pk")).values(*TICKET_COLUMNS)}
    history: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in TicketEvent.objects.filter(**where("ticket_id")).values(*EVENT_COLUMNS).order_by():
        history[row["ticket_id"]].append(row)
    clocks: dict[int, list[dict[str, Any]]] = defaultdict(list)
    clock_columns = ("ticket_id", "kind", "run", "policy_id", "met", "margin_seconds", "target_minutes",
                     "stopped_at", "created_at")  # fmt: skip
    for row in SlaClock.objects.filter(**where("ticket_id")).values(*clock_columns).order_by():
        clocks[row["ticket_id"]].append(row)
    pauses = policy_pause_statuses()
    facts: dict[int, Fact] = {}
    for ticket_id, ticket in tickets.items():
        own = clocks.get(ticket_id, [])
        resolution = [c for c in own if c["kind"] == ClockKind.RESOLUTION and c["policy_id"]]
        policy_id = max(resolution, key=lambda c: c["run"])["policy_id"] if resolution else None
        facts[ticket_id] = ticket_fact(ticket, history.get(ticket_id, []), own, pauses.get(policy_id, ()))
    return facts


def policy_pause_statuses() -> dict[int | None, list[str]]:
    return {
        pk: list(statuses or []) for pk, statuses in SlaPolicy.objects.values_list("pk", "pause_statuses")
    }


# applying ------------------------------------------------------------------------------------------------
Cell = tuple[Any, ...]  # (day, *dimensions)


def _cells(contribution: dict[str, Any], sign: int, into: dict[Cell, dict[str, int]]) -> None:
    dims = tuple(contribution.get("dims") or ())
    if not dims:
        return
    for day, counters in (contribution.get("days") or {}).items():
        cell = into.setdefault((day, *dims), {})
        for counter, value in counters.items():
            cell[counter] = cell.get(counter, 0) + sign * value


def apply_facts(facts: dict[int, Fact], *, missing: Iterable[int] = ()) -> int:
    """Write the facts and move the rollups by (new contribution − old contribution). Inside the caller's
    transaction, under the cursor lock. `missing` are tickets deleted since: their contribution is removed."""
    ids = sorted({*facts, *missing})
    old = dict(TicketFact.objects.filter(ticket_id__in=ids).values_list("ticket_id", "contribution"))
    deltas: dict[Cell, dict[str, int]] = {}
    for ticket_id in ids:
        if ticket_id in old:
            _cells(old[ticket_id], -1, deltas)
        if ticket_id in facts:
            _cells(facts[ticket_id].contribution(), +1, deltas)
    cells = _upsert_rollups(deltas)
    if facts:
        _upsert_facts(facts)
    gone = [t for t in missing if t not in facts]
    if gone:
        TicketFact.objects.filter(ticket_id__in=gone).delete()
    return cells


def _upsert_rollups(deltas: dict[Cell, dict[str, int]]) -> int:
    """Add counters to rollup cells, creating missing cells (cells whose counters all cancel out are
    skipped). Returns how many cells were written."""
    key = ["day", *DIMENSIONS]
    rows = [
        (*cell, *(counters.get(c, 0) for c in COUNTERS))
        for cell, counters in deltas.items()
        if any(counters.values())
    ]
    rows.sort(key=lambda r: tuple(str(v) for v in r[: len(key)]))  # a fixed order: no deadlocks
    write_rows(DailyRollup, [*key, *COUNTERS], [[date.fromisoformat(r[0]), *r[1:]] for r in rows], conflict=key,
               update="add")  # fmt: skip
    return len(rows)


FACT_FIELDS = list(TicketFact._meta.concrete_fields)
FACT_COLUMNS = [f.column for f in FACT_FIELDS if f.column]  # every concrete field has one


def _upsert_facts(facts: dict[int, Fact]) -> None:
    """Write fact rows, replacing older ones."""
    rows = []
    for ticket_id in sorted(facts):
        fact = facts[ticket_id]
        values = {**fact.values, "ticket_id": ticket_id, "contribution": json.dumps(fact.contribution())}
        rows.append([values[c] for c in FACT_COLUMNS])
    write_rows(TicketFact, FACT_COLUMNS, rows, conflict=["ticket_id"], update="replace")


# the cursor ----------------------------------------------------------------------------------------------
@dataclass
class RunResult:
    events: int = 0
    tickets: int = 0
    batches: int = 0
    seconds: float = 0.0
    lag: int = 0


def handle_events(events: list[TicketEvent]) -> int:
    """The pipeline's consumer: recompute the facts of the tickets these events touch. Returns how many."""
    ticket_ids = {event.ticket_id for event in events}
    facts = compute_facts(ticket_ids)
    apply_facts(facts, missing=ticket_ids - set(facts))
    return len(ticket_ids)


def project_pending(*, max_events: int | None = None, batch_size: int = BATCH_EVENTS) -> RunResult:
    """Catch up with the event log now (or read at most `max_events`): the periodic task, and a page that
    folds in the last changes before it reads.

    A first build over a large log (or one a rebuild started) goes ticket by ticket instead of event by
    event (see `bulk_step`); a call with `max_events` never waits for that and only reads the events that
    arrived since it began."""
    result = RunResult()
    started = time.perf_counter()
    if max_events is None:
        bulk_start_if_worth_it()
        while (built := bulk_step()) is not None:
            result.tickets += built
            result.batches += 1
    if max_events is None or not _nothing_pending():
        run = pipeline.run(names=[CONSUMER], max_events=max_events, batch=batch_size)
        result.events += run.events
        result.batches += run.batches
    result.seconds = time.perf_counter() - started
    result.lag = projection_lag()
    return result


def _nothing_pending() -> bool:
    """No event above the cursor and none it waits for: a page's catch-up then skips the pipeline run, which
    would lock and write the cursor row (a write transaction per page view, and page views taking turns)."""
    cursor = EventCursor.objects.filter(name=CONSUMER).values_list("last_event_id", "gaps").first()
    if cursor is None:
        return False
    last, gaps = cursor
    return not gaps and not TicketEvent.objects.filter(id__gt=last).exists()


# the first build, ticket by ticket ------------------------------------------------------------------------
# Replaying millions of events in id order recomputes each ticket as often as it has batches of events (an
# hour at a million tickets). A first build instead moves the event cursor to the end of the log at once and
# builds the facts of every ticket in id order, in chunks; events that arrive meanwhile are projected by the
# normal path, which recomputes their tickets from their whole history. A chunk inserts only the facts that
# do not exist yet (a ticket the normal path already built is left as it is), and holds the cursor lock, so
# the two never count a ticket twice. Its progress (the last ticket id built) is a second cursor row, so a
# stopped build goes on where it was.
BULK_CURSOR = "ticket_facts_first_build"
BULK_TICKETS = 10_000
BULK_THRESHOLD_EVENTS = 50_000


def _events_cursor() -> EventCursor:
    """The projection's cursor in the event log, locked (made at the beginning of the log if missing)."""
    EventCursor.objects.get_or_create(name=CONSUMER, defaults={"last_event_id": 0})
    return EventCursor.objects.select_for_update().get(name=CONSUMER)


def bulk_start_if_worth_it() -> None:
    with transaction.atomic():
        cursor = _events_cursor()
        if cursor.last_event_id or ProjectionCursor.objects.filter(name=BULK_CURSOR).exists():
            return
        if not TicketEvent.objects.order_by("id")[BULK_THRESHOLD_EVENTS - 1 : BULK_THRESHOLD_EVENTS].exists():
            return
        _bulk_start(cursor)


def _bulk_start(cursor: EventCursor) -> None:
    """Move the event cursor to the end of the log and open the first-build cursor (under the lock)."""
    top = TicketEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # Ids just below the top that are not visible yet belong to transactions still open: look for them later.
    window = 10 * BATCH_EVENTS
    visible = set(TicketEvent.objects.filter(id__gt=top - window).values_list("id", flat=True))
    now = timezone.now().isoformat()
    cursor.gaps = {str(i): now for i in range(max(1, top - window + 1), top) if i not in visible}
    cursor.last_event_id = top
    cursor.updated_at = timezone.now()
    cursor.save(update_fields=["last_event_id", "gaps", "updated_at"])
    ProjectionCursor.objects.update_or_create(name=BULK_CURSOR, defaults={"last_event_id": 0, "gaps": {}})


def bulk_step(*, tickets: int = BULK_TICKETS) -> int | None:
    """Build the facts of the next chunk of tickets of a first build. Returns how many tickets the chunk
    held, or None when no first build is under way (or it just finished)."""
    with transaction.atomic():
        _events_cursor()  # the pipeline's handler holds the same lock: the two never count a ticket twice
        bulk = ProjectionCursor.objects.select_for_update().filter(name=BULK_CURSOR).first()
        if bulk is None:
            return None
        ids = list(
            Ticket.objects.filter(pk__gt=bulk.last_event_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:tickets]
        )
        if not ids:
            bulk.delete()
            return None
        span = lambda column: {f"{column}__gte": ids[0], f"{column}__lte": ids[-1]}  # noqa: E731
        facts = _facts_where(span)
        built = set(TicketFact.objects.filter(**span("ticket_id")).values_list("ticket_id", flat=True))
        new = {ticket_id: fact for ticket_id, fact in facts.items() if ticket_id not in built}
        deltas: dict[Cell, dict[str, int]] = {}
        for fact in new.values():
            _cells(fact.contribution(), +1, deltas)
        _upsert_rollups(deltas)
        _upsert_facts(new)
        bulk.last_event_id = ids[-1]
        bulk.updated_at = timezone.now()
        bulk.save(update_fields=["last_event_id", "updated_at"])
        return len(ids)


def projection_lag() -> int:
    """Events not yet projected (above the cursor)."""
    last = EventCursor.objects.filter(name=CONSUMER).values_list("last_event_id", flat=True).first() or 0
    lag = TicketEvent.objects.filter(id__gt=last).count()
    built = ProjectionCursor.objects.filter(name=BULK_CURSOR).values_list("last_event_id", flat=True).first()
    if built is not None:  # a first build under way: its tickets' events are not counted yet either
        lag += TicketEvent.objects.filter(ticket_id__gt=built, id__lte=last).count()
    return lag


def projection_rebuild() -> RunResult:
    """Forget every fact and rollup and build them again from the whole log (after a change of
    definitions), ticket by ticket."""
    with transaction.atomic():
        cursor = _events_cursor()
        TicketFact.objects.all().delete()
        DailyRollup.objects.all().delete()
        _bulk_start(cursor)
    return project_pending()
