"""Who gets a new ticket: each strategy, caps, presence, shifts, and the pool when nobody can."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gongdan.accounts.services import agent_set_skills
from gongdan.assets.models import Location
from gongdan.routing import events as routing_events
from gongdan.routing import services
from gongdan.routing.explain import describe_routing_reason
from gongdan.routing.models import Strategy
from gongdan.tickets import events
from gongdan.tickets.models import Priority, Status
from gongdan.tickets.services import ticket_transition
from tests.factories import CategoryFactory, CustomFieldFactory, SkillFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_without_rules_a_ticket_waits_with_its_categorys_team(report, make_agents, team):
    # Given agents but no routing rule
    make_agents(2)

    # When a requester reports a ticket
    ticket = report()

    # Then it stays with the category's default team, unassigned, and nothing claims it was routed
    assert (ticket.team, ticket.assignee, ticket.status) == (team, None, Status.NEW)
    assert not ticket.events.filter(kind=events.ASSIGNED).exists()


def test_round_robin_takes_turns_in_the_team(report, make_agents, make_rule):
    agents = make_agents(3)
    make_rule(strategy=Strategy.ROUND_ROBIN)

    owners = [report().assignee for _ in range(7)]

    assert owners == [agents[0], agents[1], agents[2], agents[0], agents[1], agents[2], agents[0]]


def test_least_loaded_weighs_open_tickets_by_priority(report, make_agents, make_rule):
    # Given Ann holds one P0 (weight 5) and Bob two P4 (weight 1 each)
    ann, bob = make_agents(2)
    p0, p4 = Priority.objects.get(code="P0"), Priority.objects.get(code="P4")
    report(actor=ann, assignee=ann, priority=p0)
    report(actor=bob, assignee=bob, priority=p4)
    report(actor=bob, assignee=bob, priority=p4)
    make_rule(strategy=Strategy.LEAST_LOADED)

    # When a new ticket arrives
    ticket = report()

    # Then Bob gets it: his load (2) is lighter than Ann's (5) though he holds more tickets
    assert ticket.assignee == bob
    reason = ticket.events.get(kind=events.ASSIGNED).data["reason"]
    assert reason["chosen"] == {"id": bob.pk, "name": bob.name, "open": 2, "load": 2.0, "score": 2.0}


def test_finished_tickets_do_not_count_as_load(report, make_agents, make_rule):
    ann, bob = make_agents(2)
    done = report(actor=ann, assignee=ann)
    ticket_transition(actor=ann, ticket=done, action="start")
    ticket_transition(actor=ann, ticket=done, action="resolve", note="fixed")
    report(actor=bob, assignee=bob)
    make_rule()

    assert report().assignee == ann


def test_an_agent_at_the_cap_gets_nothing_and_then_the_pool_takes_over(report, make_agents, make_rule, team):
    # Given a cap of one open ticket per agent and two agents
    make_agents(2)
    make_rule(strategy=Strategy.LEAST_LOADED, max_open_per_agent=1)

    # When three tickets arrive
    first, second, third = report(), report(), report()

    # Then the first two are spread, the third waits with the team and says why
    assert {first.assignee, second.assignee} == {*team.members.all()}
    assert (third.assignee, third.team, third.status) == (None, team, Status.NEW)
    event = third.events.get(kind=routing_events.ROUTING_UNASSIGNED)
    assert event.data["reason"]["outcome"] == "no_candidate"
    assert event.data["reason"]["excluded_counts"] == {"at_cap": 2}


def test_round_robin_also_respects_the_cap(report, make_agents, make_rule):
    ann, bob = make_agents(2)
    report(actor=ann, assignee=ann)
    make_rule(strategy=Strategy.ROUND_ROBIN, max_open_per_agent=1)

    assert [report().assignee, report().assignee] == [bob, None]


def test_away_and_offline_agents_are_skipped_by_every_strategy(report, make_agents, make_rule):
    ann, bob, cat = make_agents(3)
    services.presence_set(actor=ann, user=ann, status="away")
    services.presence_set(actor=bob, user=bob, status="offline")
    make_rule(strategy=Strategy.ROUND_ROBIN)

    ticket = report()

    assert ticket.assignee == cat
    reason = ticket.events.get(kind=events.ASSIGNED).data["reason"]
    assert {c["id"]: c.get("excluded") for c in reason["candidates"]} == {
        cat.pk: None,
        ann.pk: "away",
        bob.pk: "offline",
    }


def test_agents_off_shift_are_skipped(report, make_agents, make_rule, admin_user):
    # Given Ann works weekdays 09:00–18:00 Shanghai time and Bob has no schedule (always on)
    ann, bob = make_agents(2)
    office = services.schedule_save(
        actor=admin_user,
        name="Office hours",
        time_zone="Asia/Shanghai",
        periods={d: [(time(9), time(18))] for d in range(5)},
    )
    services.presence_set_schedule(actor=admin_user, user=ann, schedule=office)
    make_rule(strategy=Strategy.LEAST_LOADED)

    # When a sample ticket is tried on a Wednesday at 20:00 and at 10:00 Shanghai time
    ticket = report()
    evening = services.dry_run(actor=admin_user, ticket=ticket, now=datetime(2026, 11, 25, 12, tzinfo=UTC))
    morning = services.dry_run(actor=admin_user, ticket=ticket, now=datetime(2026, 11, 25, 2, tzinfo=UTC))

    # Then in the evening only Bob is eligible; in the morning Ann is too
    assert {c.user_id: c.excluded for c in evening.candidates} == {ann.pk: "off_shift", bob.pk: None}
    assert {c.user_id: c.excluded for c in morning.candidates} == {ann.pk: None, bob.pk: None}


def test_a_night_shift_runs_past_midnight(admin_user):
    from gongdan.routing.presence import on_shift

    schedule = services.schedule_save(
        actor=admin_user, name="Nights", time_zone="America/New_York", periods={4: [(time(22), time(6))]}
    )
    periods = list(schedule.periods.all())

    # Friday 23:00 and Saturday 05:00 New York time are on; Saturday 07:00 and Thursday 23:00 are off
    def at(day: int, hour: int) -> bool:
        local = datetime(2026, 11, day, hour, tzinfo=ZoneInfo("America/New_York"))
        return on_shift(periods, "America/New_York", local.astimezone(UTC))

    # 2026-11-27 is a Friday
    assert (at(27, 23), at(28, 5)) == (True, True)
    assert (at(28, 7), at(26, 23)) == (False, False)


def test_skills_match_picks_the_best_level_among_those_who_have_every_skill(
    report, make_agents, make_rule, admin_user, team
):
    # Given 网络故障 needs "网络" at level 3 or more, and the floor field value "机房" also needs "布线"
    network, cabling = SkillFactory(name="网络"), SkillFactory(name="布线")
    category = CategoryFactory(name="网络故障", default_team=team)
    services.skill_requirement_create(actor=admin_user, skill=network, category=category, min_level=3)
    services.skill_requirement_create(
        actor=admin_user, skill=cabling, field_key="room", field_value="机房", min_level=1
    )
    novice, expert, wiring = make_agents(3)
    agent_set_skills(actor=admin_user, user=novice, levels={network: 2, cabling: 5})
    agent_set_skills(actor=admin_user, user=expert, levels={network: 5})
    agent_set_skills(actor=admin_user, user=wiring, levels={network: 3, cabling: 4})
    make_rule(strategy=Strategy.SKILLS)

    # When a network ticket comes in, and another for the machine room
    CustomFieldFactory(category=category, key="room", field_type="text")
    plain = report(category=category)
    machine_room = report(category=category, custom_values={"room": "机房"})

    # Then the expert gets the plain one; only Wiring has both skills for the machine room
    assert plain.assignee == expert
    assert machine_room.assignee == wiring
    reason = machine_room.events.get(kind=events.ASSIGNED).data["reason"]
    assert {c["id"]: c.get("excluded") for c in reason["candidates"]}[novice.pk] == "missing_skill"
    assert reason["chosen"]["skills"] == {str(network.pk): 3, str(cabling.pk): 4}


def test_nearest_picks_the_closest_agent_by_great_circle_distance(report, make_agents, make_rule, admin_user):
    # Given a site in Shanghai and a room inside it (no coordinates of its own)
    site = Location.objects.create(
        name="上海园区", latitude=Decimal("31.2304"), longitude=Decimal("121.4737")
    )
    site.path = f"/{site.pk}/"
    site.save()
    room = Location.objects.create(name="301", parent=site, kind="room")
    room.path = f"{site.path}{room.pk}/"
    room.save()
    far, near, unknown = make_agents(3)
    services.presence_set(actor=far, user=far, latitude="39.9042", longitude="116.4074")  # Beijing
    services.presence_set(actor=near, user=near, latitude="31.1443", longitude="121.8083")  # Pudong airport
    make_rule(strategy=Strategy.NEAREST)

    # When a ticket for the room arrives
    ticket = report(location=room)

    # Then the agent at Pudong (~33 km) gets it, not the one in Beijing; nobody knows where the third is
    assert ticket.assignee == near
    reason = ticket.events.get(kind=events.ASSIGNED).data["reason"]
    assert 30 < reason["chosen"]["distance_km"] < 40
    assert {c["id"]: c.get("excluded") for c in reason["candidates"]}[unknown.pk] == "no_location"
    assert "km away" in describe_routing_reason(reason)


def test_nearest_without_ticket_coordinates_falls_back_to_least_loaded(report, make_agents, make_rule):
    ann, bob = make_agents(2)
    report(actor=ann, assignee=ann)
    make_rule(strategy=Strategy.NEAREST)

    ticket = report()

    assert ticket.assignee == bob
    assert ticket.events.get(kind=events.ASSIGNED).data["reason"]["notes"] == ["ticket_location_unknown"]


def test_an_empty_team_leaves_the_ticket_in_its_pool_with_the_reason(report, make_rule):
    empty = TeamFactory(name="夜班")
    make_rule(team=empty)

    ticket = report()

    assert (ticket.team, ticket.assignee) == (empty, None)
    reason = ticket.events.get(kind=events.ASSIGNED).data["reason"]
    assert reason["outcome"] == "no_candidate"
    assert "nobody of 0 candidates" in describe_routing_reason(reason)


def test_a_ticket_created_with_an_assignee_is_not_routed(report, make_agents, make_rule, agent):
    make_agents(2)
    make_rule()

    ticket = report(actor=agent, assignee=agent)

    assert ticket.assignee == agent
    assert ticket.events.filter(kind=events.ASSIGNED).count() == 0


def test_a_decision_takes_a_fixed_handful_of_queries_whatever_the_team_size(
    report, make_agents, make_rule, team, django_assert_max_num_queries
):
    from django.utils import timezone

    from gongdan.routing.engine import decide

    make_agents(3)
    make_rule(strategy=Strategy.LEAST_LOADED, max_open_per_agent=10)
    ticket = report()
    decide(ticket, now=timezone.now(), lock=True)  # warms the per-process configuration cache
    # team state, members (+ team, names, shifts), loads, the chosen user, the state update; the configuration's
    # fingerprint is checked at most once a second
    with django_assert_max_num_queries(5) as few:
        decide(ticket, now=timezone.now(), lock=True)
    make_agents(30, prefix="more")
    with django_assert_max_num_queries(len(few.captured_queries)):
        decide(ticket, now=timezone.now(), lock=True)


def test_the_configuration_cache_sees_a_renamed_or_deactivated_team(report, make_agents, make_rule, team):
    make_agents(1)
    make_rule(strategy=Strategy.ROUND_ROBIN)
    assert report().team == team
    team.name, team.name_en = "改名", "Renamed desk"
    team.save(update_fields=["name", "name_en"])
    reason = report().events.get(kind=events.ASSIGNED).data["reason"]
    assert reason["team"]["label"] in {"改名", "Renamed desk"}
    team.is_active = False
    team.save(update_fields=["is_active"])
    ticket = report()
    assert ticket.assignee is None  # the rule of an inactive team no longer matches
    assert not ticket.events.filter(kind=events.ASSIGNED).exists()
