"""The routing screens under /settings/routing/ and the agent's availability page."""

from __future__ import annotations

import re
from datetime import time

import pytest
from django.test import Client
from django.urls import reverse

from gongdan.routing import services
from gongdan.routing.models import AgentPresence, RoutingRule, SkillRequirement, WorkSchedule
from gongdan.tickets.models import Ticket, TicketEvent
from tests.factories import SkillFactory
from tests.html import field_errors, form_errors

pytestmark = pytest.mark.django_db


def _rule_post(team, **extra):
    return {"name": "VIP 优先", "team": team.pk, "strategy": "least_loaded", "max_open_per_agent": "5",
            "is_active": "on", **extra}  # fmt: skip


@pytest.fixture
def agent_browser(agent) -> Client:
    client = Client()
    client.force_login(agent)
    return client


@pytest.mark.parametrize(
    "name",
    ["rule_list", "rule_create", "dry_run", "agent_list", "schedule_list", "schedule_create", "settings"],
)
def test_an_agent_gets_403_on_every_routing_settings_screen(agent_browser, name):
    assert agent_browser.get(reverse(f"routing:{name}")).status_code == 403


def test_a_signed_out_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("routing:rule_list"))

    assert response.status_code == 302 and "login" in response["Location"]


def test_admin_creates_a_vip_rule_with_conditions(admin_browser, team):
    # Given the form with two condition rows: VIP tier and the words "断网"/"VPN" in the subject
    data = _rule_post(
        team,
        cond=["a1", "b2"],
        **{"cond-a1-kind": "service_tier", "cond-a1-values": ["vip"],
           "cond-b2-kind": "words", "cond-b2-words": "断网, VPN", "cond-b2-within": "subject"},
    )  # fmt: skip

    # When the admin saves it
    response = admin_browser.post(reverse("routing:rule_create"), data)

    # Then the rule is stored with normalised conditions and the list shows it readably
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.name, rule.team, rule.max_open_per_agent) == ("VIP 优先", team, 5)
    assert rule.conditions == [
        {"kind": "service_tier", "negate": False, "values": ["vip"]},
        {"kind": "words", "negate": False, "words": ["断网", "vpn"], "within": "subject"},
    ]
    page = admin_browser.get(reverse("routing:rule_list")).content.decode()
    assert "Service tier: VIP" in page and "断网, vpn" in page


def test_bad_conditions_are_shown_on_their_row_and_nothing_is_saved(admin_browser, team):
    data = _rule_post(
        team,
        cond=["a1", "b2"],
        **{"cond-a1-kind": "category", "cond-a1-values": ["999999"],
           "cond-b2-kind": "time", "cond-b2-start": "25:00", "cond-b2-end": "18:00",
           "cond-b2-time_zone": "Mars/Olympus"},
    )  # fmt: skip

    response = admin_browser.post(reverse("routing:rule_create"), data)

    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'data-condition-error="a1">#999999 does not exist', html)
    errors_b2 = re.findall(r'data-condition-error="b2">([^<]*)<', html)
    assert "Choose at least one weekday." in errors_b2 and "Unknown time zone." in errors_b2
    assert "Enter a time as HH:MM, e.g. 09:00." in errors_b2
    assert not RoutingRule.objects.exists()


def test_a_rule_without_name_or_team_gets_field_errors(admin_browser):
    response = admin_browser.post(reverse("routing:rule_create"), {"name": "", "strategy": "magic"})

    assert response.status_code == 422
    assert (
        field_errors(response, "name")
        and field_errors(response, "team")
        and field_errors(response, "strategy")
    )


def test_adding_a_condition_row_without_javascript_keeps_what_was_typed(admin_browser, team):
    response = admin_browser.post(
        reverse("routing:rule_create"), {**_rule_post(team), "add": "1", "new_kind": "channel"}
    )

    html = response.content.decode()
    assert response.status_code == 200 and 'value="VIP 优先"' in html
    assert 'name="cond-' in html and "Email" in html
    assert not RoutingRule.objects.exists()


def test_htmx_serves_a_condition_row_of_the_chosen_kind(admin_browser, category):
    response = admin_browser.get(reverse("routing:condition_row"), {"new_kind": "category"})

    assert response.status_code == 200
    assert "Network fault" in response.content.decode()
    assert admin_browser.get(reverse("routing:condition_row"), {"new_kind": "nope"}).status_code == 400


def test_moving_a_rule_up_changes_which_rule_wins(admin_browser, admin_user, team):
    first = services.rule_create(actor=admin_user, name="A", team=team)
    second = services.rule_create(actor=admin_user, name="B", team=team)

    admin_browser.post(reverse("routing:rule_move", args=[second.pk]), {"direction": "up"})

    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["B", "A"]
    first.refresh_from_db()
    assert first.position == 1


def test_deactivating_and_deleting_a_rule(admin_browser, admin_user, team):
    rule = services.rule_create(actor=admin_user, name="A", team=team)

    admin_browser.post(reverse("routing:rule_toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active is False
    admin_browser.post(reverse("routing:rule_delete", args=[rule.pk]))
    assert not RoutingRule.objects.exists()


def test_the_rules_list_costs_the_same_queries_for_many_rules(
    admin_browser, admin_user, team, category, django_assert_max_num_queries
):
    def add_rules(count: int) -> None:
        for n in range(count):
            services.rule_create(
                actor=admin_user, name=f"R{n}", team=team,
                conditions=[{"kind": "category", "values": [category.pk]}, {"kind": "channel", "values": ["email"]}],
            )  # fmt: skip

    add_rules(2)
    with django_assert_max_num_queries(12) as few:
        admin_browser.get(reverse("routing:rule_list"))
    add_rules(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_browser.get(reverse("routing:rule_list"))
    assert response.content.decode().count("data-rule=") == 32


def test_the_dry_run_shows_the_rule_and_the_person_and_writes_nothing(
    admin_browser, admin_user, team, agent, category
):
    services.rule_create(actor=admin_user, name="网络", team=team,
                         conditions=[{"kind": "category", "values": [category.pk]}])  # fmt: skip
    before = (Ticket.objects.count(), TicketEvent.objects.count())

    response = admin_browser.post(
        reverse("routing:dry_run"), {"subject": "断网了", "category": category.pk, "channel": "web"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r"data-rule>网络", html) and re.search(r"data-chosen>\s*Agent", html)
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before


def test_the_dry_run_refuses_a_bad_custom_values_line(admin_browser):
    response = admin_browser.post(
        reverse("routing:dry_run"), {"subject": "x", "channel": "web", "custom_values": "no equals sign"}
    )

    assert response.status_code == 422 and field_errors(response, "custom_values")


def test_admin_creates_a_schedule_and_puts_an_agent_on_it(admin_browser, agent):
    response = admin_browser.post(
        reverse("routing:schedule_create"),
        {
            "name": "白班",
            "time_zone": "Asia/Shanghai",
            "day_0": "09:00-12:00, 13:00-18:00",
            "day_5": "22:00-06:00",
        },
    )
    assert response.status_code == 302
    schedule = WorkSchedule.objects.get()
    assert [(p.weekday, f"{p.start:%H:%M}", f"{p.end:%H:%M}") for p in schedule.periods.all()] == [
        (0, "09:00", "12:00"), (0, "13:00", "18:00"), (5, "22:00", "06:00"),
    ]  # fmt: skip

    admin_browser.post(
        reverse("routing:agent_edit", args=[agent.pk]), {"status": "away", "schedule": schedule.pk}
    )

    presence = AgentPresence.objects.get(user=agent)
    assert (presence.status, presence.schedule) == ("away", schedule)
    assert "白班" in admin_browser.get(reverse("routing:agent_list")).content.decode()


def test_a_schedule_with_a_bad_period_or_zone_is_refused(admin_browser):
    response = admin_browser.post(
        reverse("routing:schedule_create"), {"name": "X", "time_zone": "Nowhere/City", "day_0": "9 to 5"}
    )

    assert response.status_code == 422
    assert field_errors(response, "day_0")
    assert not WorkSchedule.objects.exists()


def test_admin_sets_rebalancing_and_adds_a_skill_requirement(admin_browser, category):
    skill = SkillFactory(name="网络")

    admin_browser.post(reverse("routing:settings"), {"form": "settings", "rebalance_mode": "reroute"})
    admin_browser.post(
        reverse("routing:settings"),
        {"form": "skill", "skill": skill.pk, "min_level": "3", "category": category.pk},
    )
    bad = admin_browser.post(
        reverse("routing:settings"), {"form": "skill", "skill": skill.pk, "min_level": "2"}
    )

    assert services.routing_settings().rebalance_mode == "reroute"
    assert SkillRequirement.objects.get().min_level == 3
    assert bad.status_code == 422 and form_errors(bad) + field_errors(bad, "category")


def test_an_agent_switches_to_away_from_their_own_page(agent_browser, agent):
    page = agent_browser.get(reverse("routing:my_presence"))
    assert page.status_code == 200

    response = agent_browser.post(reverse("routing:my_presence"), {"status": "away"})

    assert response.status_code == 302
    assert AgentPresence.objects.get(user=agent).status == "away"


def test_a_requester_has_no_availability_page(client, requester):
    client.force_login(requester)

    assert client.get(reverse("routing:my_presence")).status_code == 403


def test_the_user_menu_links_staff_to_their_availability(agent_browser):
    html = agent_browser.get(reverse("routing:my_presence")).content.decode()

    assert reverse("routing:my_presence") in html


def test_the_agents_overview_costs_the_same_queries_for_many_agents(
    admin_browser, admin_user, make_agents, django_assert_max_num_queries
):
    night = services.schedule_save(
        actor=admin_user, name="夜班", time_zone="Asia/Shanghai", periods={0: [(time(20), time(8))]}
    )

    def add(count: int, prefix: str) -> None:
        for user in make_agents(count, prefix=prefix):
            services.presence_set_schedule(actor=admin_user, user=user, schedule=night)
            services.presence_set(actor=user, user=user, status="away")

    add(2, "a")
    with django_assert_max_num_queries(12) as few:
        admin_browser.get(reverse("routing:agent_list"))
    add(15, "b")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = admin_browser.get(reverse("routing:agent_list"))
    assert response.content.decode().count("夜班") >= 17
