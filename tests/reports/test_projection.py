"""The projection: rollups always equal a from-scratch recomputation, late events correct them, and the
cursor never applies an event twice."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gongdan.core.domain_errors import DomainError
from gongdan.reports.models import COUNTERS, DIMENSIONS, DailyRollup, ProjectionCursor, TicketFact
from gongdan.reports.projection import compute_facts, project_pending, projection_lag, projection_rebuild
from gongdan.tickets.models import EventCursor, Ticket, TicketEvent
from gongdan.tickets.services import (
    append_event,
    ticket_assign,
    ticket_comment,
    ticket_create,
    ticket_transition,
)

pytestmark = pytest.mark.django_db


def rollup_state() -> dict[tuple, Counter]:
    state: dict[tuple, Counter] = {}
    for row in DailyRollup.objects.values("day", *DIMENSIONS, *COUNTERS):
        key = (row["day"].isoformat(), *(row[d] for d in DIMENSIONS))
        counters = Counter({c: row[c] for c in COUNTERS if row[c]})
        if counters:
            state[key] = counters
    return state


def recomputed_state() -> dict[tuple, Counter]:
    """What the rollups must hold: every ticket's fact recomputed from its events, summed."""
    state: dict[tuple, Counter] = {}
    for fact in compute_facts(Ticket.objects.values_list("pk", flat=True)).values():
        contribution = fact.contribution()
        for day, counters in contribution["days"].items():
            state.setdefault((day, *contribution["dims"]), Counter()).update(counters)
    return {
        k: Counter({c: v for c, v in counters.items() if v})
        for k, counters in state.items()
        if any(counters.values())
    }


def test_a_back_dated_rating_moves_to_its_own_day(wall_clock, agent, team, requester):
    ticket = ticket_create(actor=agent, requester=requester, subject="printer", team=team)
    append_event(ticket, actor=requester, kind="csat_rated", data={"rating": 2, "comment": ""})
    project_pending()
    assert DailyRollup.objects.get(csat_count=1).day.isoformat() == "2026-11-02"
    # A later correction, dated three days earlier than now: the old rating leaves, the new one lands.
    wall_clock.advance(days=5)
    append_event(
        ticket, actor=requester, kind="csat_rated", data={"rating": 5, "comment": ""}, at=wall_clock.now
    )
    append_event(
        ticket,
        actor=agent,
        kind="commented",
        data={},
        at=wall_clock.now - timedelta(days=3),
    )
    project_pending()
    rated = DailyRollup.objects.filter(csat_count__gt=0)
    assert [(r.day.isoformat(), r.csat_sum) for r in rated] == [("2026-11-07", 5)]
    assert DailyRollup.objects.get(day="2026-11-02").csat_count == 0
    assert rollup_state() == recomputed_state()


def test_a_second_run_finds_nothing_and_the_lag_is_zero(wall_clock, agent, team, requester):
    for n in range(3):
        ticket_create(actor=agent, requester=requester, subject=f"t{n}", team=team)
    first = project_pending(batch_size=2)
    assert first.events == TicketEvent.objects.count() and first.batches >= 2
    again = project_pending()
    assert (again.events, again.lag) == (0, 0)
    assert sum(DailyRollup.objects.values_list("created", flat=True)) == 3


def test_an_event_committed_late_below_the_cursor_is_still_projected(wall_clock, agent, team, requester):
    ticket = ticket_create(actor=agent, requester=requester, subject="late", team=team)
    project_pending()
    # Simulate a transaction that took an id earlier but committed after the cursor passed it.
    late = append_event(ticket, actor=requester, kind="csat_rated", data={"rating": 3, "comment": ""})
    later = append_event(ticket, actor=requester, kind="linked", data={})
    cursor = EventCursor.objects.get(name="reports.facts")
    cursor.last_event_id = later.pk
    cursor.gaps = {str(late.pk): wall_clock.now.isoformat()}
    cursor.save()
    project_pending()
    assert TicketFact.objects.get().csat_rating == 3
    assert EventCursor.objects.get(name="reports.facts").gaps == {}


def test_rebuild_gives_the_same_rollups(wall_clock, agent, team, requester):
    ticket = ticket_create(actor=agent, requester=requester, subject="x", team=team)
    ticket_transition(actor=agent, ticket=ticket, action="resolve", note="done")
    project_pending()
    before = rollup_state()
    projection_rebuild()
    assert rollup_state() == before and projection_lag() == 0


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["create", "assign", "reply", "resolve", "reopen", "wait", "start", "cancel", "rate",
                         "rate_back_dated", "project"]),
        st.integers(min_value=0, max_value=4),
        st.integers(min_value=1, max_value=5),
        st.integers(min_value=1, max_value=60 * 30),
    ),
    min_size=1,
    max_size=25,
)  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_rollups_equal_a_from_scratch_recomputation(wall_clock, policy, agent, team, requester, operations):
    tickets = list(Ticket.objects.order_by("pk"))
    for operation, which, rating, minutes in operations:
        wall_clock.advance(minutes=minutes)
        if operation == "create" or not tickets:
            tickets.append(ticket_create(actor=agent, requester=requester, subject="random", team=team))
            continue
        ticket = Ticket.objects.get(pk=tickets[which % len(tickets)].pk)
        try:
            if operation == "assign":
                ticket_assign(actor=agent, ticket=ticket, assignee=agent)
            elif operation == "reply":
                ticket_comment(actor=agent, ticket=ticket, body="reply")
            elif operation in ("resolve", "reopen", "wait", "start", "cancel"):
                action = {"wait": "wait_requester"}.get(operation, operation)
                ticket_transition(actor=agent, ticket=ticket, action=action, note="n")
            elif operation == "rate":
                append_event(ticket, actor=requester, kind="csat_rated", data={"rating": rating})
            elif operation == "rate_back_dated":
                at = wall_clock.now - timedelta(days=rating)
                append_event(ticket, actor=requester, kind="csat_rated", data={"rating": rating}, at=at)
            elif operation == "project":
                project_pending(batch_size=3)
        except DomainError:
            pass  # an illegal transition for the ticket's state: nothing changed
    project_pending()
    assert rollup_state() == recomputed_state()


def test_facts_and_rollups_give_the_same_figures(wall_clock, policy, agent, team, requester):
    """The location filter sums the ticket facts instead of the rollups: both paths must agree."""
    from gongdan.reports.metrics import ReportFilters, Scope, Source

    tickets = [ticket_create(actor=agent, requester=requester, subject=f"t{n}", team=team) for n in range(3)]
    wall_clock.advance(minutes=20)
    ticket_comment(actor=agent, ticket=tickets[0], body="on it")
    ticket_assign(actor=agent, ticket=tickets[1], assignee=agent)
    wall_clock.advance(days=1)
    ticket_transition(actor=agent, ticket=tickets[0], action="resolve", note="ok")
    ticket_transition(actor=agent, ticket=tickets[2], action="cancel")
    append_event(tickets[0], actor=requester, kind="csat_rated", data={"rating": 4})
    project_pending()
    filters = ReportFilters(start=wall_clock.now.date() - timedelta(days=3), end=wall_clock.now.date())
    from_rollups = Source(Scope(), filters)
    from_facts = Source(Scope(), filters)
    from_facts.from_facts = True
    from_facts.base = TicketFact.objects.all()
    from gongdan.reports.metrics import fact_sums

    from_facts.sums = fact_sums(filters.start, filters.end)
    clean = lambda row: {k: v or 0 for k, v in row.items()}  # noqa: E731
    assert clean(from_facts.total()) == clean(from_rollups.total())
    assert clean(from_rollups.total())["resolved"] == 1
    assert from_facts.per_day() == from_rollups.per_day()


def test_a_first_build_goes_ticket_by_ticket_and_counts_changes_made_meanwhile_once(
    wall_clock, policy, agent, team, requester, monkeypatch
):
    """A large log is first built in chunks of tickets; events arriving between chunks go through the
    normal path, and a ticket built by that path is not counted again by the chunk that reaches it."""
    from gongdan.reports import projection

    monkeypatch.setattr(projection, "BULK_THRESHOLD_EVENTS", 5)
    tickets = [ticket_create(actor=agent, requester=requester, subject=f"t{n}", team=team) for n in range(7)]
    wall_clock.advance(hours=2)
    for ticket in tickets[:4]:
        ticket_comment(actor=agent, ticket=ticket, body="on it")
    ticket_transition(actor=agent, ticket=tickets[0], action="resolve", note="fixed")
    projection.bulk_start_if_worth_it()
    assert projection_lag() == TicketEvent.objects.count()  # nothing counted yet: all of it is to build
    assert projection.bulk_step(tickets=3) == 3
    # Meanwhile: a change to a ticket already built and to one the build has not reached yet.
    wall_clock.advance(hours=1)
    ticket_transition(actor=agent, ticket=tickets[1], action="resolve", note="fixed")
    ticket_transition(actor=agent, ticket=tickets[5], action="cancel")
    project_pending(max_events=100)  # a web page folding in fresh events does not wait for the build
    assert ProjectionCursor.objects.filter(name=projection.BULK_CURSOR).exists()
    result = project_pending()
    assert result.tickets >= 4 and not ProjectionCursor.objects.filter(name=projection.BULK_CURSOR).exists()
    assert projection_lag() == 0
    assert TicketFact.objects.count() == 7
    assert rollup_state() == recomputed_state()
    totals = DailyRollup.objects.values_list("created", "resolved", "cancelled")
    assert [sum(column) for column in zip(*totals, strict=True)] == [7, 2, 1]


def test_a_stopped_first_build_goes_on_where_it_was(wall_clock, agent, team, requester, monkeypatch):
    from gongdan.reports import projection

    monkeypatch.setattr(projection, "BULK_THRESHOLD_EVENTS", 1)
    for n in range(5):
        ticket_create(actor=agent, requester=requester, subject=f"t{n}", team=team)
    projection.bulk_start_if_worth_it()
    projection.bulk_step(tickets=2)  # then the worker is killed
    assert TicketFact.objects.count() == 2
    project_pending()
    assert TicketFact.objects.count() == 5 and rollup_state() == recomputed_state()


def test_the_one_statement_groupings_equal_the_per_grouping_sums(wall_clock, policy, agent, team, requester):
    """On PostgreSQL the dashboard reads the groupings in two GROUPING SETS statements (every counter per
    priority and team, the shown ones per day, channel and category): same figures."""
    from gongdan.reports.metrics import GROUPINGS, NARROW_GROUPINGS, ReportFilters, Scope, Source

    tickets = [ticket_create(actor=agent, requester=requester, subject=f"t{n}", team=team) for n in range(4)]
    wall_clock.advance(hours=3)
    ticket_comment(actor=agent, ticket=tickets[0], body="on it")
    ticket_transition(actor=agent, ticket=tickets[0], action="resolve", note="ok")
    wall_clock.advance(days=1)
    ticket_transition(actor=agent, ticket=tickets[1], action="resolve", note="ok")
    ticket_transition(actor=agent, ticket=tickets[2], action="cancel")
    project_pending()
    filters = ReportFilters(start=wall_clock.now.date() - timedelta(days=3), end=wall_clock.now.date())
    for scope in (Scope(), Scope((team.pk,)), Scope((team.pk + 1000,))):
        source = Source(scope, filters)
        groups = source.grouped()
        clean = lambda row: {k: v or 0 for k, v in row.items()}  # noqa: E731
        assert clean(groups.total) == clean(source.total())
        assert groups.per_day == source.per_day()
        for column in GROUPINGS:
            shown = NARROW_GROUPINGS[1] if column in NARROW_GROUPINGS[0] else tuple(groups.total)
            rows = [
                sorted((k, v or 0) for k, v in row.items() if k in shown or k == column)
                for row in groups.by[column]
            ]
            expected = [
                sorted((k, v or 0) for k, v in row.items() if k in shown or k == column)
                for row in source.by(column)
            ]
            assert sorted(rows, key=str) == sorted(expected, key=str)
    assert Source(Scope(), filters).grouped().total["resolved"] == 2
