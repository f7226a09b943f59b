"""Clocks driven by the real ticket services: create, pause, resume, reply, resolve, reopen, recompute, OLA."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gongdan.sla import services as sla
from gongdan.sla.models import ClockKind, SlaClock
from gongdan.tickets.services import (
    ticket_assign,
    ticket_comment,
    ticket_create,
    ticket_transition,
    ticket_update,
)

pytestmark = pytest.mark.django_db


def live(ticket, kind=None):
    clocks = SlaClock.objects.filter(ticket=ticket, stopped_at__isnull=True)
    if kind:
        clocks = clocks.filter(kind=kind)
    return list(clocks.order_by("kind", "pk"))


def one(ticket, kind, **filters):
    return SlaClock.objects.get(ticket=ticket, kind=kind, **filters)


def test_create_starts_first_response_resolution_and_the_team_stage(
    wall_clock, policy, agent, requester, category
):
    # given the test policy (24×7: P2 respond 60 min, resolve 480 min, each team 240 min)
    start = wall_clock.now
    # when a requester reports a ticket in a category owned by a team
    ticket = ticket_create(actor=requester, subject="VPN 连不上", category=category)
    # then three clocks run with due times stored
    clocks = {c.kind: c for c in live(ticket)}
    assert set(clocks) == {ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION, ClockKind.STAGE}
    assert clocks[ClockKind.FIRST_RESPONSE].due_at == start + timedelta(minutes=60)
    assert clocks[ClockKind.RESOLUTION].due_at == start + timedelta(minutes=480)
    assert clocks[ClockKind.STAGE].team == category.default_team
    # and the queue's fields on the ticket show the nearest due time and when it turns at risk (80 %)
    ticket.refresh_from_db()
    assert ticket.sla_due_at == start + timedelta(minutes=60)
    assert ticket.sla_warn_at == start + timedelta(minutes=48)
    assert not ticket.sla_paused and not ticket.sla_breached


def test_a_staff_reply_meets_first_response_with_its_margin(wall_clock, policy, agent, requester, category):
    ticket = ticket_create(actor=requester, subject="打印机卡纸", category=category)
    wall_clock.advance(minutes=20)
    ticket_comment(actor=agent, ticket=ticket, body="我们正在处理。")
    clock = one(ticket, ClockKind.FIRST_RESPONSE)
    assert clock.met is True
    assert clock.margin_seconds == 40 * 60  # met 40 minutes early
    assert clock.stopped_at == wall_clock.now


def test_an_internal_note_does_not_count_as_a_response(wall_clock, policy, agent, requester, category):
    ticket = ticket_create(actor=requester, subject="邮箱满了", category=category)
    ticket_comment(actor=agent, ticket=ticket, body="内部备注", is_internal=True)
    assert live(ticket, ClockKind.FIRST_RESPONSE)


def test_pending_on_requester_pauses_and_the_reply_resumes_moving_the_due_time(
    wall_clock, policy, agent, requester, category
):
    # given a ticket the agent has answered and put waiting on the requester after 100 minutes
    ticket = ticket_create(actor=requester, subject="Outlook 崩溃", category=category)
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    ticket_comment(actor=agent, ticket=ticket, body="请发一下截图。")
    ticket = ticket_transition(actor=agent, ticket=ticket, action="start")
    wall_clock.advance(minutes=100)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="wait_requester")
    resolution = one(ticket, ClockKind.RESOLUTION)
    due_before = resolution.due_at
    assert resolution.paused_since == wall_clock.now
    ticket.refresh_from_db()
    assert ticket.sla_paused
    # when the requester replies three hours later (through any channel: the comment service)
    wall_clock.advance(hours=3)
    ticket_comment(actor=requester, ticket=ticket, body="截图在附件。", channel="email")
    # then the clock runs again, due three hours later, and the reply started the next-response clock
    resolution.refresh_from_db()
    assert resolution.paused_since is None
    assert resolution.paused_business_seconds == 3 * 3600
    assert resolution.due_at == due_before + timedelta(hours=3)
    assert one(ticket, ClockKind.NEXT_RESPONSE).due_at == wall_clock.now + timedelta(minutes=120)
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and not ticket.sla_paused


def test_resolve_stops_every_clock_and_reopen_starts_a_new_resolution_run(
    wall_clock, policy, agent, requester, category
):
    ticket = ticket_create(actor=requester, subject="网络慢", category=category)
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="start")
    wall_clock.advance(minutes=90)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="resolve", note="重启了交换机")
    assert live(ticket) == []
    first = one(ticket, ClockKind.FIRST_RESPONSE)
    assert first.met is False and first.margin_seconds == -30 * 60  # 30 minutes late
    assert first.breached_at == first.started_at + timedelta(minutes=60)
    resolution = one(ticket, ClockKind.RESOLUTION, run=1)
    assert resolution.met is True
    # when the requester reopens it the next day
    wall_clock.advance(days=1)
    ticket_comment(actor=requester, ticket=ticket, body="又慢了")
    again = one(ticket, ClockKind.RESOLUTION, run=2)
    assert again.started_at == wall_clock.now
    assert again.due_at == wall_clock.now + timedelta(minutes=480)
    assert one(ticket, ClockKind.RESOLUTION, run=1).met is True  # the first run keeps its attainment


def test_raising_the_priority_recomputes_the_due_times(
    wall_clock, policy, agent, requester, category, priorities
):
    ticket = ticket_create(actor=requester, subject="服务器宕机", category=category)
    wall_clock.advance(minutes=10)
    ticket_update(actor=agent, ticket=ticket, changes={"priority": priorities["P1"]})
    resolution = live(ticket, ClockKind.RESOLUTION)[0]
    assert resolution.target_minutes == 240
    assert resolution.due_at == resolution.started_at + timedelta(minutes=240)
    ticket.refresh_from_db()
    assert ticket.sla_due_at == resolution.started_at + timedelta(minutes=30)


def test_a_priority_without_targets_stops_the_clocks_uncounted(
    wall_clock, policy, agent, requester, category, priorities
):
    sla.policy_update(actor=agent.__class__.objects.get(username="admin"), policy=policy, name="测试",
                      calendar=policy.calendar, order=0, stage_minutes=240, conditions={"priorities": ["P1", "P2"]},
                      targets={priorities["P2"]: (60, 120, 480), priorities["P1"]: (30, 60, 240)})  # fmt: skip
    ticket = ticket_create(actor=requester, subject="旧电脑", category=category)
    # P4 matches the seeded standard policy instead (business hours)
    ticket_update(actor=agent, ticket=ticket, changes={"priority": priorities["P4"]})
    resolution = live(ticket, ClockKind.RESOLUTION)[0]
    assert resolution.policy_id != policy.pk
    assert resolution.target_minutes == 4800


def test_moving_the_ticket_to_another_team_stops_its_stage_clock_and_starts_the_new_one(
    wall_clock, policy, agent, other_team, requester, category
):
    ticket = ticket_create(actor=requester, subject="空调漏水", category=category)
    wall_clock.advance(minutes=300)
    ticket_assign(actor=agent, ticket=ticket, assignee=None, team=other_team)
    stages = list(SlaClock.objects.filter(ticket=ticket, kind=ClockKind.STAGE).order_by("pk"))
    assert [s.team_id for s in stages] == [category.default_team_id, other_team.pk]
    assert stages[0].met is False and stages[0].margin_seconds == -60 * 60  # the first team was 1 h late
    assert stages[1].stopped_at is None and stages[1].due_at == wall_clock.now + timedelta(minutes=240)


def test_business_hours_policy_due_times_skip_nights_weekends_and_holidays(
    wall_clock, requester, category, db
):
    # the seeded standard policy on the mainland China calendar (P2: respond in 240 business minutes)
    from datetime import UTC, datetime

    wall_clock.now = datetime(2026, 9, 30, 9, 0, tzinfo=UTC)  # Wed 30 Sep 17:00, before National Day
    ticket = ticket_create(actor=requester, subject="年报系统打不开", category=category)
    first = live(ticket, ClockKind.FIRST_RESPONSE)[0]
    # one hour on the 30th, then 1–7 Oct are holidays; Thursday 8 Oct 09:00 + 3 h: due at 12:00 local
    assert first.due_at == datetime(2026, 10, 8, 4, 0, tzinfo=UTC)
