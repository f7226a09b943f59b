"""The one after-commit event pipeline (gongdan.tickets.pipeline), tested once for every consumer: each event is
handed to each consumer once, late commits and id gaps are handled one way, a failing consumer is retried
without holding the others back, and one read of the log serves them all."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongdan.tickets import pipeline
from gongdan.tickets.models import EventCursor, TicketEvent
from gongdan.tickets.services import append_event, ticket_create


class Recorder:
    """A consumer that remembers what it was handed (and can be told to fail)."""

    def __init__(self, name: str, *, kinds: frozenset[str] | None = None, start: str = "beginning") -> None:
        self.seen: list[int] = []
        self.fail = False
        self.consumer = pipeline.Consumer(name, handle=self.handle, kinds=kinds, start=start)

    def handle(self, events: list[TicketEvent]) -> None:
        if self.fail:
            raise RuntimeError("down")
        self.seen.extend(e.pk for e in events)


@pytest.fixture
def only(monkeypatch):
    """Run the pipeline with these consumers instead of the registered ones."""

    def install(*recorders: Recorder) -> None:
        monkeypatch.setattr(pipeline, "_consumers", {r.consumer.name: r.consumer for r in recorders})

    return install


@pytest.fixture
def ticket(requester, settings):
    settings.HUEY = {**settings.HUEY, "immediate": False}  # nothing runs on commit: the tests run it
    return ticket_create(actor=requester, subject="Printer jammed")


def events_of(ticket) -> list[int]:
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("pk").values_list("pk", flat=True))


@pytest.mark.django_db
def test_each_consumer_gets_each_event_once_in_id_order(only, ticket, requester):
    first, second = Recorder("a"), Recorder("b", kinds=frozenset({"commented"}))
    only(first, second)
    append_event(ticket, actor=requester, kind="commented")
    append_event(ticket, actor=requester, kind="note_added")

    pipeline.run()
    pipeline.run()  # nothing new: nothing handed twice

    assert first.seen == events_of(ticket)
    assert second.seen == list(TicketEvent.objects.filter(kind="commented").values_list("pk", flat=True))


@pytest.mark.django_db
def test_one_read_of_the_log_serves_every_consumer(only, ticket, requester):
    only(Recorder("a"), Recorder("b"), Recorder("c"))
    for _ in range(5):
        append_event(ticket, actor=requester, kind="commented")

    with CaptureQueriesContext(connection) as queries:
        result = pipeline.run()

    reads = [q["sql"] for q in queries.captured_queries
             if 'FROM "tickets_ticketevent"' in q["sql"] and "MAX(" not in q["sql"]]  # fmt: skip
    assert result.events == 6 and len(reads) == 1


@pytest.mark.django_db
def test_a_failing_consumer_is_retried_and_does_not_hold_the_others_back(only, ticket, requester):
    healthy, flaky = Recorder("healthy"), Recorder("flaky")
    flaky.fail = True
    only(healthy, flaky)

    result = pipeline.run()
    assert result.failed == ["flaky"] and healthy.seen == events_of(ticket) and flaky.seen == []
    assert EventCursor.objects.get(name="flaky").last_event_id == 0  # left where it was

    flaky.fail = False
    append_event(ticket, actor=requester, kind="commented")
    pipeline.run()
    assert flaky.seen == healthy.seen == events_of(ticket)


@pytest.mark.django_db
def test_an_event_that_commits_late_below_the_cursor_is_handed_over_when_it_appears(only, ticket, requester):
    recorder = Recorder("late")
    only(recorder)
    top = max(events_of(ticket))
    # Ids top+1 and top+3 are visible, top+2 is not yet (a transaction that took it is still open).
    for pk in (top + 1, top + 3):
        TicketEvent.objects.create(pk=pk, ticket=ticket, kind="commented")

    pipeline.run()
    cursor = EventCursor.objects.get(name="late")
    assert cursor.last_event_id == top + 3 and list(cursor.gaps) == [str(top + 2)]

    TicketEvent.objects.create(pk=top + 2, ticket=ticket, kind="commented")  # it commits
    pipeline.run()
    assert sorted(recorder.seen) == events_of(ticket)
    assert recorder.seen[-1] == top + 2  # handed over late, once
    assert EventCursor.objects.get(name="late").gaps == {}


@pytest.mark.django_db
def test_a_gap_that_never_fills_is_forgotten_after_the_wait(only, ticket, settings):
    settings.GONGDAN_EVENT_GAP_SECONDS = 600
    only(Recorder("gaps"))
    top = max(events_of(ticket))
    TicketEvent.objects.create(pk=top + 2, ticket=ticket, kind="commented")  # top+1 rolled back
    pipeline.run()
    assert EventCursor.objects.get(name="gaps").gaps.keys() == {str(top + 1)}

    old = (timezone.now() - timedelta(minutes=11)).isoformat()
    EventCursor.objects.filter(name="gaps").update(gaps={str(top + 1): old})
    pipeline.run()
    assert EventCursor.objects.get(name="gaps").gaps == {}


@pytest.mark.django_db
def test_a_consumer_from_the_beginning_waits_for_no_id_below_the_oldest_event(
    only, ticket, history_deletable
):
    # On PostgreSQL ids are not reused: after tickets are deleted (or other tests ran) the log starts high.
    ids = events_of(ticket)
    with (
        history_deletable()
    ):  # events refuse DELETE (audit migration 0002); the test makes a log that starts high
        TicketEvent.objects.filter(pk__in=ids).delete()
    TicketEvent.objects.create(pk=ids[-1] + 900, ticket=ticket, kind="commented")
    TicketEvent.objects.create(pk=ids[-1] + 902, ticket=ticket, kind="commented")
    recorder = Recorder("fresh")
    only(recorder)
    pipeline.run()
    cursor = EventCursor.objects.get(name="fresh")
    assert recorder.seen == [ids[-1] + 900, ids[-1] + 902]
    assert cursor.last_event_id == ids[-1] + 902 and list(cursor.gaps) == [str(ids[-1] + 901)]

    # A cursor made before any event existed reads the same way.
    EventCursor.objects.filter(name="fresh").update(last_event_id=0, gaps={})
    pipeline.run()
    assert list(EventCursor.objects.get(name="fresh").gaps) == [str(ids[-1] + 901)]


@pytest.mark.django_db
def test_what_a_failing_consumer_wrote_is_rolled_back_with_its_cursor(only, ticket, requester):
    class HalfWay(Recorder):
        def handle(self, events):
            append_event(ticket, actor=None, kind="note_added")  # a write, then a crash
            raise RuntimeError("killed half-way")

    crashing = HalfWay("crash")
    only(crashing)
    before = TicketEvent.objects.count()
    pipeline.run()
    assert TicketEvent.objects.count() == before
    assert EventCursor.objects.get(name="crash").last_event_id == 0


@pytest.mark.django_db
def test_a_new_consumer_starts_at_the_end_of_a_live_sites_history(only, ticket, requester):
    late_arrival = Recorder("new", start="end")
    only(late_arrival)
    pipeline.run()
    append_event(ticket, actor=requester, kind="commented")
    pipeline.run()
    assert late_arrival.seen == [events_of(ticket)[-1]]


@pytest.fixture
def scheduled(settings, monkeypatch) -> list[float]:
    """The delays of the consumer runs a commit schedules (the queue itself does not run)."""
    settings.HUEY = {**settings.HUEY, "immediate": False}
    delays: list[float] = []
    monkeypatch.setattr(pipeline.tasks.run_event_consumers, "schedule", lambda delay: delays.append(delay))
    pipeline.cache.delete(pipeline.NUDGE_KEY)
    return delays


@pytest.mark.django_db
def test_a_commit_wakes_the_consumers_once_per_transaction(
    scheduled, requester, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ticket = ticket_create(actor=requester, subject="one")
        append_event(ticket, actor=requester, kind="commented")
        assert scheduled == []  # nothing before the commit
    assert len(callbacks) == 1 and scheduled == [pipeline.batch_seconds()]
    with django_capture_on_commit_callbacks(execute=True):
        ticket_create(actor=requester, subject="two")  # within the batch window: the scheduled run reads it
    assert len(scheduled) == 1


@pytest.mark.django_db
def test_a_rolled_back_change_wakes_nobody(scheduled, requester, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        ticket_create(actor=requester, subject="never")
        raise RuntimeError("rolled back")
    assert callbacks == [] and scheduled == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_queue_workers_running_at_once_hand_each_event_over_once(only, requester, settings):
    settings.HUEY = {**settings.HUEY, "immediate": False}
    handed: list[int] = []
    lock = threading.Lock()

    def handle(events):
        with lock:
            handed.extend(e.pk for e in events)

    only(Recorder("x"))  # replaced below by a consumer that records across threads
    pipeline._consumers["x"] = pipeline.Consumer("x", handle=handle, start="beginning")
    for n in range(30):
        ticket_create(actor=requester, subject=f"ticket {n}")

    def work():
        try:
            for _ in range(5):
                pipeline.run(batch=7)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(handed) == list(TicketEvent.objects.order_by("pk").values_list("pk", flat=True))
    assert len(handed) == len(set(handed))
