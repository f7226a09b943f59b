"""Each figure of docs/reports.md on a hand-built history, with the expected values worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gongdan.reports.metrics import ReportFilters, Scope, dashboard
from gongdan.reports.projection import project_pending
from gongdan.reports.selectors import Labels
from gongdan.tickets.services import (
    append_event,
    ticket_assign,
    ticket_comment,
    ticket_create,
    ticket_transition,
)

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 2)
WEEK = ReportFilters(start=DAY, end=DAY + timedelta(days=6))


def board(filters=WEEK, scope=None):
    project_pending()
    return dashboard(scope or Scope(), filters, labels=Labels())


@pytest.fixture
def history(wall_clock, policy, agent, team, requester, priorities):
    """Three tickets, all created on Monday 2 November 09:00 Shanghai, P2 (24×7 policy, pending pauses).

    A: assigned after 10 min, first reply at 30 min, waits on the requester from 1 h to 3 h, resolved at 4 h
       → active 4 h − 2 h pending = 2 h; one staff reply, never reopened → first contact. Rated 4.
    B: created assigned, resolved at 1 h, reopened at 2 h, resolved again at 5 h (Monday 14:00 Shanghai)
       → resolved once; active 1 h + 3 h = 4 h; reopened; rated 2 then 5 (the last rating counts).
    C: cancelled after 1 h → counted as created and cancelled, nothing else.
    """
    t0 = wall_clock.now
    a = ticket_create(actor=agent, requester=requester, subject="A", team=team, priority=priorities["P2"])
    b = ticket_create(
        actor=agent, requester=requester, subject="B", team=team, assignee=agent, priority=priorities["P2"]
    )
    c = ticket_create(actor=agent, requester=requester, subject="C", team=team, priority=priorities["P2"])
    wall_clock.at(t0 + timedelta(minutes=10))
    ticket_assign(actor=agent, ticket=a, assignee=agent)
    wall_clock.at(t0 + timedelta(minutes=30))
    ticket_comment(actor=agent, ticket=a, body="Looking into it")
    wall_clock.at(t0 + timedelta(hours=1))
    ticket_transition(actor=agent, ticket=a, action="wait_requester")
    ticket_transition(actor=agent, ticket=b, action="resolve", note="fixed")
    ticket_transition(actor=agent, ticket=c, action="cancel")
    wall_clock.at(t0 + timedelta(hours=2))
    ticket_transition(actor=agent, ticket=b, action="reopen")
    wall_clock.at(t0 + timedelta(hours=3))
    ticket_transition(actor=agent, ticket=a, action="start")
    wall_clock.at(t0 + timedelta(hours=4))
    ticket_transition(actor=agent, ticket=a, action="resolve", note="fixed")
    wall_clock.at(t0 + timedelta(hours=5))
    ticket_transition(actor=agent, ticket=b, action="resolve", note="fixed again")
    wall_clock.at(t0 + timedelta(hours=6))
    append_event(a, actor=requester, kind="csat_rated", data={"rating": 4, "comment": ""})
    append_event(b, actor=requester, kind="csat_rated", data={"rating": 2, "comment": ""})
    wall_clock.at(t0 + timedelta(hours=7))
    append_event(b, actor=requester, kind="csat_rated", data={"rating": 5, "comment": "better"})
    return {"a": a, "b": b, "c": c}


def test_volume_counts_cancelled_as_created_and_cancelled_only(history):
    totals = board().totals
    assert totals["created"] == 3
    assert totals["cancelled"] == 1
    assert totals["resolved"] == 2  # B resolved twice, counted once; C never


def test_mttr_excludes_pending_time_and_counts_a_reopened_ticket_once(history):
    totals = board().totals
    # A: 2 h active (2 h pending excluded); B: 1 h + 3 h. Mean (7200 + 14400) / 2.
    assert totals["mttr_wall_seconds"] == 10_800
    # The 24×7 calendar: business time equals active wall time.
    assert totals["mttr_business_seconds"] == 10_800
    assert totals["median_wall_seconds"] == 10_800  # interpolated between 7200 and 14400
    assert totals["p90_wall_seconds"] == pytest.approx(7200 + 0.9 * 7200)


def test_reopen_and_first_contact_rates(history):
    totals = board().totals
    assert totals["reopened"] == 1
    assert totals["reopen_rate"] == 0.5
    assert totals["first_contact"] == 1  # A: one reply, never reopened; B was reopened
    assert totals["first_contact_rate"] == 0.5


def test_mtta_and_first_response(history):
    totals = board().totals
    assert totals["mtta_seconds"] == 300  # A after 600 s, B at creation
    assert totals["first_response_count"] == 1
    assert totals["first_response_seconds"] == 1800


def test_sla_attainment_by_priority(history):
    figures = board()
    (p2,) = figures.by_priority
    assert p2["label"] == str(p2["label"]) and p2["resolved"] == 2
    assert (p2["sla_resolution_met"], p2["sla_resolution_breached"]) == (2, 0)
    # A replied at 30 min; B's response clock stopped, met, when it was resolved at exactly 60 min.
    assert (p2["sla_response_met"], p2["sla_response_breached"]) == (2, 0)


def test_csat_counts_the_last_rating_of_each_ticket(history):
    figures = board()
    assert figures.totals["csat_count"] == 2
    assert figures.totals["csat_average"] == 4.5
    assert figures.csat_distribution == [0, 0, 0, 1, 1]


def test_trend_puts_each_ticket_on_its_local_day(history):
    figures = board()
    assert figures.trend[0] == {"day": "2026-11-02", "created": 3, "resolved": 2}
    assert all(d["created"] == d["resolved"] == 0 for d in figures.trend[1:])


def test_backlog_age_buckets(history, wall_clock, agent, team, requester):
    ticket_create(actor=agent, requester=requester, subject="D", team=team)
    wall_clock.advance(days=4)
    ticket_create(actor=agent, requester=requester, subject="E", team=team)
    backlog = board().backlog
    assert backlog["total"] == 2
    assert backlog["buckets"] == {"lt1d": 1, "1to3d": 0, "3to7d": 1, "7to30d": 0, "gt30d": 0}


def test_team_and_agent_rankings_carry_their_median_active_time(
    history, wall_clock, agent, other_agent, other_team
):
    # Given, besides A (2 h) and B (4 h) of the agent's team, a ticket of another team resolved after 6 h
    other = ticket_create(actor=other_agent, requester=history["a"].requester, subject="D", team=other_team)
    ticket_assign(actor=other_agent, ticket=other, assignee=other_agent)
    wall_clock.advance(hours=6)
    ticket_transition(actor=other_agent, ticket=other, action="resolve", note="done")
    # When the week's rankings are read
    figures = board()
    # Then each team's and each agent's median is over their own resolved tickets
    teams = {row["id"]: row["median_seconds"] for row in figures.teams}
    agents = {row["id"]: row["median_seconds"] for row in figures.agents}
    assert teams == {history["a"].team_id: 10_800, other_team.pk: 21_600}
    assert agents == {agent.pk: 10_800, other_agent.pk: 21_600}
