"""Escalation steps fire once each, at their point on the clock, with their action and a ticket event."""

from __future__ import annotations

import pytest

from gongdan.sla import services as sla
from gongdan.sla.models import ClockKind, EscalationFiring, SlaClock
from gongdan.tickets.models import TicketEvent
from gongdan.tickets.services import ticket_assign, ticket_create, ticket_transition

pytestmark = pytest.mark.django_db


def kinds(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket).order_by("pk").values_list("kind", flat=True))


def escalations(ticket):
    return [(e.data["clock"], e.data["action"], e.data["percent"])
            for e in TicketEvent.objects.filter(ticket=ticket, kind="sla_escalated").order_by("pk")]  # fmt: skip


@pytest.fixture
def chain(policy, admin_user, lead):
    """Resolution: 50 % notify the assignee, 100 % notify the leads; 30 minutes before due of first response."""
    sla.step_create(
        actor=admin_user, policy=policy, target=ClockKind.RESOLUTION, percent=50, action="notify_assignee"
    )
    sla.step_create(
        actor=admin_user, policy=policy, target=ClockKind.RESOLUTION, percent=100, action="notify_team_leads"
    )
    sla.step_create(actor=admin_user, policy=policy, target=ClockKind.FIRST_RESPONSE, minutes_from_due=-30,
                    action="notify_assignee")  # fmt: skip
    return policy


def test_each_step_fires_once_at_its_point_and_the_breach_is_recorded_once(
    wall_clock, chain, agent, lead, requester, category, sweep
):
    ticket = ticket_create(actor=requester, subject="ERP 登录失败", category=category)
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    # nothing is due at the start
    assert sweep() == 0
    # 30 minutes in: "30 minutes before first-response due" fires, once
    wall_clock.advance(minutes=30)
    assert sweep() == 1
    assert sweep() == 0
    # past the first-response due time: its breach is recorded once
    wall_clock.advance(minutes=31)
    assert sweep() == 1
    assert kinds(ticket).count("sla_breached") == 1
    assert TicketEvent.objects.get(ticket=ticket, kind="sla_breached").data["clock"] == "first_response"
    # 50 % and then 100 % of the 480-minute resolution target
    wall_clock.advance(minutes=240 - 61)
    assert sweep() == 2  # the 50 % step, and the team's 240-minute stage (OLA) breach
    wall_clock.advance(minutes=240)
    assert sweep() == 2  # the breach and the 100 % step
    assert sweep() == 0
    assert escalations(ticket) == [
        ("first_response", "notify_assignee", None),
        ("resolution", "notify_assignee", 50),
        ("resolution", "notify_team_leads", 100),
    ]
    # the people were notified through the notifications app, in their inbox
    from gongdan.notifications.models import Notification

    assert Notification.objects.filter(user=agent, kind="sla_escalation").count() == 2
    assert Notification.objects.filter(user=lead, kind="sla_escalation").count() == 1
    ticket.refresh_from_db()
    assert ticket.sla_breached
    assert EscalationFiring.objects.filter(clock__ticket=ticket).count() == 3
    assert not EscalationFiring.objects.filter(clock__ticket=ticket, acted_at__isnull=True).exists()


def test_a_paused_clock_does_not_escalate_until_it_resumes(
    wall_clock, chain, agent, requester, category, sweep
):
    ticket = ticket_create(actor=requester, subject="报销单卡住", category=category)
    ticket = ticket_assign(actor=agent, ticket=ticket, assignee=agent)
    ticket = ticket_transition(actor=agent, ticket=ticket, action="start")
    ticket = ticket_transition(actor=agent, ticket=ticket, action="wait_third_party")
    wall_clock.advance(hours=10)
    assert sweep() == 0
    assert SlaClock.objects.filter(ticket=ticket, next_escalation_at__isnull=False).count() == 0


def test_raise_priority_and_reassign_steps_change_the_ticket_through_its_services(
    wall_clock, policy, admin_user, agent, other_team, requester, category, priorities, sweep
):
    sla.step_create(
        actor=admin_user, policy=policy, target=ClockKind.RESOLUTION, percent=80, action="raise_priority"
    )
    sla.step_create(actor=admin_user, policy=policy, target=ClockKind.RESOLUTION, percent=90, action="reassign_team",
                    team=other_team)  # fmt: skip
    ticket = ticket_create(actor=requester, subject="仓库扫码枪坏了", category=category)
    wall_clock.advance(minutes=400)  # 83 % of 480
    assert sweep() == 3  # the first-response and stage breaches, and the raise
    ticket.refresh_from_db()
    assert ticket.priority.code == "P1"
    # the P1 target (240 min) re-timed the resolution clock: already breached and past 90 %, so the change
    # queued that work at once (no waiting for the next sweep): the ticket went to the other team
    assert sweep() == 0
    ticket.refresh_from_db()
    assert ticket.team == other_team
    assert ticket.priority.code == "P1"  # raised once only
    update = TicketEvent.objects.filter(ticket=ticket, kind="updated").get()
    assert update.actor is None and update.data["changes"]["priority"]["to"]["label"].startswith("P1")


def test_a_p0_ticket_pages_on_call_as_soon_as_it_is_created(
    wall_clock, agent, requester, category, priorities, django_capture_on_commit_callbacks
):
    # the seeded urgent policy pages on-call at 0 % of the P0 first-response target
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(actor=agent, requester=requester, subject="全厂断网", category=category,
                               priority=priorities["P0"])  # fmt: skip
    assert ("first_response", "page_on_call", 0) in escalations(ticket)
    # N's pager recorded its own event: paged, or nobody on call in this empty test site
    assert {"oncall_paged", "oncall_unavailable"} & set(kinds(ticket))


def test_step_validation_names_the_fields(policy, admin_user, agent):
    with pytest.raises(sla.ValidationFailed) as caught:
        sla.step_create(actor=admin_user, policy=policy, target="lunch", action="dance")
    assert set(caught.value.details) == {"target", "action", "percent"}
    with pytest.raises(sla.ValidationFailed) as caught:
        sla.step_create(
            actor=admin_user, policy=policy, target="resolution", percent=80, action="reassign_team"
        )
    assert "team" in caught.value.details
    with pytest.raises(sla.PermissionDenied):
        sla.step_create(actor=agent, policy=policy, target="resolution", percent=80, action="notify_assignee")
