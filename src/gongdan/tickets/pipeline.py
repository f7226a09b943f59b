"""The after-commit half of the one event pipeline (rule 3 of DESIGN): consumers that read ticket events once
they are committed — notification rules, the reports projection, satisfaction surveys, and whatever comes
next — through one cursor mechanism.

An app registers a consumer from its `AppConfig.ready()`:

    register_consumer(Consumer("notifications.rules", handle=rules.handle_events, kinds=…, related=…))

`handle(events)` runs inside a transaction that holds the consumer's cursor row and advances it: whatever the
consumer writes (notices, outbox messages, report facts) commits together with its new position, so an event
is handled once, and a consumer killed half-way leaves nothing behind. A consumer that raises is left where it
was (its transaction rolls back) and tried again on the next run; the others go on.

**One read serves every consumer.** A run reads the next batch of events after the lowest cursor (plus the ids
any cursor is still waiting for) in one statement, and hands each consumer the part it has not seen, in id
order.

**Late commits and id gaps, one way for all.** On PostgreSQL an id is taken when the row is inserted, so a
transaction that started earlier can commit an event with a smaller id after a run has moved past it. When a
run moves a cursor past ids it did not see, it keeps them in the cursor's `gaps` and looks for them again on
every run: an event that commits late is handed over then (out of id order: consumers must not assume order
across runs), and an id still missing after GONGDAN_EVENT_GAP_SECONDS (ten minutes) was a rollback and is
forgotten. Nothing waits on a gap, so one slow transaction never holds the others back. On SQLite writers
take turns, so ids commit in order and gaps are only rollbacks.

**Woken on commit, in batches.** A transaction that appended events schedules a run when it commits (no SQL
on the ticket's path): at most one run per GONGDAN_EVENT_BATCH_SECONDS per process (with Redis, per site),
scheduled that long after the first commit, so a burst of creates is read in a few batches instead of one
run per ticket. A minute sweep catches anything a lost wake-up left behind. With Huey in immediate mode
(tests, scripts) the run happens at once, in the committing thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Max, Q
from django.utils import timezone

from gongdan.tickets import tasks  # its tasks call back into this module when they run
from gongdan.tickets.models import EventCursor, TicketEvent

log = logging.getLogger(__name__)

BATCH = 1000
MAX_GAPS = 10_000
NUDGE_KEY = "gongdan:events:nudge"


@dataclass(frozen=True)
class Consumer:
    """An after-commit reader of ticket events.

    `handle` gets the events this consumer has not seen (only `kinds`, when given), with `related` loaded,
    inside the transaction that moves its cursor. A consumer's cursor starts at the `"end"` of the log when it
    is first seen (a consumer added to a live site does not act on old history) or at the `"beginning"` (a
    projection that must see everything)."""

    name: str
    handle: Callable[[list[TicketEvent]], Any]
    kinds: frozenset[str] | None = None
    related: tuple[str, ...] = ()
    start: str = "end"
    # Called before a run when the cursor is still at the very beginning of a log that is not empty: the
    # consumer may cover history another way first (the reports' ticket-by-ticket first build) and move it.
    on_fresh: Callable[[], None] | None = None


_consumers: dict[str, Consumer] = {}


def register_consumer(consumer: Consumer) -> None:
    if consumer.start not in ("end", "beginning"):
        raise ValueError(f"consumer {consumer.name!r}: start must be 'end' or 'beginning'")
    held = _consumers.get(consumer.name)
    if held is not None and held != consumer:
        raise ValueError(f"a ticket event consumer named {consumer.name!r} is already registered")
    _consumers[consumer.name] = consumer


def consumers() -> list[Consumer]:
    return sorted(_consumers.values(), key=lambda c: c.name)


def gap_ttl() -> timedelta:
    return timedelta(seconds=getattr(settings, "GONGDAN_EVENT_GAP_SECONDS", 600))


def batch_seconds() -> float:
    return float(getattr(settings, "GONGDAN_EVENT_BATCH_SECONDS", 1.0))


# --- waking up -------------------------------------------------------------------------------------------


def _run_after_commit() -> None:
    if settings.HUEY.get("immediate"):
        run()  # tests and scripts: at once, in this thread
        return
    window = batch_seconds()
    try:
        if cache.add(NUDGE_KEY, 1, timeout=max(1, round(window))):
            tasks.run_event_consumers.schedule(delay=window)
    except Exception:  # the queue or the cache being down must not break the request; the sweep catches up
        log.exception("could not schedule the ticket event consumers")


_run_after_commit._gongdan_events = True  # type: ignore[attr-defined]


def wake_after_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Called by `append_event` and `ticket_create`: one wake-up per transaction, however many events."""
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and any(
        getattr(entry[1], "_gongdan_events", False) for entry in connection.run_on_commit
    ):
        return
    transaction.on_commit(_run_after_commit, using=using)


# --- running ---------------------------------------------------------------------------------------------


def _start_position(consumer: Consumer) -> int:
    if consumer.start == "beginning":
        return 0  # nothing read yet (it waits for no id below the first event it sees)
    return TicketEvent.objects.aggregate(top=Max("pk"))["top"] or 0


def _cursor(consumer: Consumer, *, lock: bool) -> EventCursor:
    cursor = EventCursor.objects.filter(name=consumer.name).first()
    if cursor is None:
        cursor, _created = EventCursor.objects.get_or_create(
            name=consumer.name, defaults={"last_event_id": _start_position(consumer)}
        )
    if not lock:
        return cursor
    # A write before the read: the row lock on PostgreSQL, the database's write lock on SQLite. Two runs
    # therefore take turns on a consumer, and the second starts from where the first left its cursor.
    EventCursor.objects.filter(pk=cursor.pk).update(updated_at=timezone.now())
    return EventCursor.objects.select_for_update().get(pk=cursor.pk)


@dataclass
class RunResult:
    events: int = 0  # events read from the log
    handled: dict[str, int] = field(default_factory=dict)  # events handed to each consumer
    results: dict[str, int] = field(default_factory=dict)  # what each consumer's handle returned, summed
    batches: int = 0
    failed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    more: bool = False  # stopped at max_batches with events still waiting


def run(
    *, names: Iterable[str] | None = None, max_events: int | None = None, max_batches: int = 50,
    batch: int = BATCH,
) -> RunResult:  # fmt: skip
    """Hand new events to the consumers (all, or `names`) until they are caught up, `max_events` are read, or
    `max_batches` batches are done (one run never holds a queue worker for long; a later wake-up goes on)."""
    started = time.perf_counter()
    chosen = [c for c in consumers() if names is None or c.name in set(names)]
    result = RunResult(handled={c.name: 0 for c in chosen}, results={c.name: 0 for c in chosen}, failed=[])
    for _ in range(max_batches):
        size = batch if max_events is None else min(batch, max_events - result.events)
        if size <= 0 or not chosen:
            break
        read, handed, failed, more = _run_batch(chosen, size)
        result.events += read
        result.batches += 1
        for name, (count, returned) in handed.items():
            result.handled[name] = result.handled.get(name, 0) + count
            if isinstance(returned, int) and not isinstance(returned, bool):
                result.results[name] = result.results.get(name, 0) + returned
        result.failed.extend(f for f in failed if f not in result.failed)
        result.more = more
        if not more:
            break
    result.seconds = time.perf_counter() - started
    return result


def _run_batch(
    chosen: Sequence[Consumer], size: int
) -> tuple[int, dict[str, tuple[int, Any]], list[str], bool]:
    """One read of the log for every chosen consumer. Returns (events read, (events handed, what handle
    returned) per consumer, consumers that failed, whether more events are waiting)."""
    cursors = {c.name: _cursor(c, lock=False) for c in chosen}
    for consumer in chosen:
        if consumer.on_fresh is not None and cursors[consumer.name].last_event_id == 0:
            consumer.on_fresh()
            cursors[consumer.name] = _cursor(consumer, lock=False)
    low = min(cursor.last_event_id for cursor in cursors.values())
    waiting = {int(i) for cursor in cursors.values() for i in cursor.gaps}
    related = sorted({r for c in chosen for r in c.related})
    condition = Q(pk__gt=low) | Q(pk__in=sorted(waiting)) if waiting else Q(pk__gt=low)
    events = TicketEvent.objects.filter(condition)
    if related:
        events = events.select_related(*related)
    rows = list(events.order_by("pk")[:size])
    fresh = [e.pk for e in rows if e.pk > low]
    top = max(fresh) if fresh else low
    more = len(rows) == size
    handed: dict[str, tuple[int, Any]] = {}
    failed: list[str] = []
    for consumer in chosen:
        try:
            handed[consumer.name] = _hand(consumer, rows, top)
        except Exception:
            log.exception("ticket event consumer %s failed; it will be tried again", consumer.name)
            failed.append(consumer.name)
    return len(rows), handed, failed, more


@transaction.atomic
def _hand(consumer: Consumer, rows: list[TicketEvent], top: int) -> tuple[int, Any]:
    cursor = _cursor(consumer, lock=True)
    now = timezone.now()
    last = cursor.last_event_id
    gaps: dict[str, str] = dict(cursor.gaps or {})
    mine = [e for e in rows if (e.pk > last and e.pk <= top) or str(e.pk) in gaps]
    seen = {e.pk for e in mine}
    for pk in seen:
        gaps.pop(str(pk), None)
    if top > last:
        # Ids in (last, top] this read did not see: still committing, or rolled back. Look for them again.
        # A cursor that has read nothing yet waits for nothing below the first event it sees.
        floor = last if last or not seen else min(seen) - 1
        window = range(floor + 1, top)
        if len(window) <= MAX_GAPS * 10:
            stamp = now.isoformat()
            for pk in window:
                if pk not in seen:
                    gaps.setdefault(str(pk), stamp)
        last = top
    horizon = now - gap_ttl()
    gaps = {pk: at for pk, at in gaps.items() if datetime.fromisoformat(at) > horizon}
    if len(gaps) > MAX_GAPS:  # a mass rollback or deleted tickets: keep the newest ids
        gaps = dict(sorted(gaps.items(), key=lambda item: int(item[0]))[-MAX_GAPS:])
    wanted = [e for e in mine if consumer.kinds is None or e.kind in consumer.kinds]
    returned = consumer.handle(wanted) if wanted else None
    if last != cursor.last_event_id or gaps != cursor.gaps:
        EventCursor.objects.filter(pk=cursor.pk).update(last_event_id=last, gaps=gaps, updated_at=now)
    return len(wanted), returned


def lag(name: str) -> int:
    """Events the consumer has not read yet (above its cursor, plus those it waits for)."""
    consumer = _consumers[name]
    cursor = _cursor(consumer, lock=False)
    return TicketEvent.objects.filter(pk__gt=cursor.last_event_id).count() + len(cursor.gaps or {})


def move_to_end(name: str) -> int:
    """Put a consumer's cursor at the end of the log with nothing waiting (after a bulk load or a rebuild that
    covers history by other means). Returns the new position."""
    consumer = _consumers[name]
    with transaction.atomic():
        cursor = _cursor(consumer, lock=True)
        top = TicketEvent.objects.aggregate(top=Max("pk"))["top"] or 0
        EventCursor.objects.filter(pk=cursor.pk).update(last_event_id=top, gaps={}, updated_at=timezone.now())
    return top
