"""When an agent goes away or their shift ends, their unstarted tickets move as the admin set."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from gongdan.routing import services
from gongdan.routing.explain import describe_routing_reason
from gongdan.routing.models import AgentPresence
from gongdan.routing.tasks import routing_shift_sweep
from gongdan.tickets import events
from gongdan.tickets.models import Status
from gongdan.tickets.services import ticket_transition

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann_holds_two(make_agents, make_rule, report):
    ann, bob = make_agents(2)
    make_rule(strategy="round_robin")
    waiting, _started = report(), report()  # round robin: ann, bob
    services.presence_set(actor=bob, user=bob, status="away")
    started2 = report()  # ann again (bob away)
    services.presence_set(actor=bob, user=bob, status="available")
    ticket_transition(actor=ann, ticket=started2, action="start")
    assert (waiting.assignee, started2.assignee) == (ann, ann)
    return ann, bob, waiting, started2


def test_going_away_returns_unstarted_tickets_to_the_pool(ann_holds_two, team):
    ann, _bob, waiting, started = ann_holds_two

    services.presence_set(actor=ann, user=ann, status="away")

    waiting.refresh_from_db()
    started.refresh_from_db()
    assert (waiting.assignee, waiting.team, waiting.status) == (None, team, Status.NEW)
    assert (started.assignee, started.status) == (ann, Status.IN_PROGRESS)
    reason = waiting.events.filter(kind=events.ASSIGNED).latest("pk").data["reason"]
    assert (reason["outcome"], reason["trigger"], reason["mode"]) == ("returned_to_pool", "away", "pool")
    assert describe_routing_reason(reason) == "Returned to the team's pool because Agent 0 is away."


def test_going_away_can_route_the_tickets_again(ann_holds_two, admin_user):
    ann, bob, waiting, started = ann_holds_two
    services.routing_settings_update(actor=admin_user, rebalance_mode="reroute")

    services.presence_set(actor=ann, user=ann, status="offline")

    waiting.refresh_from_db()
    started.refresh_from_db()
    assert waiting.assignee == bob and started.assignee == ann
    text = describe_routing_reason(waiting.events.filter(kind=events.ASSIGNED).latest("pk").data["reason"])
    assert "chose Agent 1" in text and "Handed on because Agent 0 is offline" in text


def test_keep_mode_leaves_the_tickets_alone(ann_holds_two, admin_user):
    ann, _bob, waiting, _started = ann_holds_two
    services.routing_settings_update(actor=admin_user, rebalance_mode="keep")

    services.presence_set(actor=ann, user=ann, status="away")

    waiting.refresh_from_db()
    assert waiting.assignee == ann


def test_a_shift_end_rebalances_once_even_when_the_sweep_runs_twice(ann_holds_two, admin_user, team):
    ann, _bob, waiting, _started = ann_holds_two
    days = services.schedule_save(
        actor=admin_user,
        name="Days",
        time_zone="Asia/Shanghai",
        periods={d: [(time(9), time(18))] for d in range(7)},
    )
    services.presence_set_schedule(actor=admin_user, user=ann, schedule=days)
    services.shift_sweep(now=datetime(2026, 11, 25, 2, tzinfo=UTC))  # 10:00 in Shanghai: on shift

    ended_first = services.shift_sweep(now=datetime(2026, 11, 25, 11, tzinfo=UTC))  # 19:00: off
    ended_again = services.shift_sweep(now=datetime(2026, 11, 25, 11, 1, tzinfo=UTC))

    waiting.refresh_from_db()
    assert (ended_first, ended_again) == (1, 0)
    assert (waiting.assignee, waiting.team) == (None, team)
    assert waiting.events.filter(kind=events.ASSIGNED, data__reason__trigger="off_shift").count() == 1
    assert AgentPresence.objects.get(user=ann).was_on_shift is False
    # back on shift the next morning: the flag follows, nothing moves
    assert services.shift_sweep(now=datetime(2026, 11, 26, 2, tzinfo=UTC)) == 0
    assert AgentPresence.objects.get(user=ann).was_on_shift is True


def test_the_periodic_task_calls_the_sweep(ann_holds_two):
    assert routing_shift_sweep.call_local() == 0


def test_an_agent_returns_a_ticket_to_be_routed_again(ann_holds_two):
    ann, bob, waiting, _started = ann_holds_two

    services.ticket_reroute(actor=ann, ticket=waiting, exclude=[ann])

    waiting.refresh_from_db()
    assert waiting.assignee == bob
    reason = waiting.events.filter(kind=events.ASSIGNED).latest("pk").data["reason"]
    assert reason["trigger"] == "reroute" and reason["requested_by"]["id"] == ann.pk
    assert {c["id"]: c.get("excluded") for c in reason["candidates"]}[ann.pk] == "excluded"


def test_started_tickets_cannot_be_routed_again(ann_holds_two):
    from gongdan.core.domain_errors import ValidationFailed

    ann, _bob, _waiting, started = ann_holds_two

    with pytest.raises(ValidationFailed):
        services.ticket_reroute(actor=ann, ticket=started)


def test_someone_else_cannot_set_my_presence(agent, other_agent):
    from gongdan.core.domain_errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.presence_set(actor=other_agent, user=agent, status="away")
