"""What the timeline can say about an automatic assignment, in both languages."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from gongdan.routing import selectors, services
from gongdan.routing.explain import describe_routing_reason
from gongdan.tickets import events

pytestmark = pytest.mark.django_db


def test_the_assignment_event_names_the_rule_strategy_candidates_and_score(report, make_agents, make_rule):
    # Given three agents of whom one is away, and a least-loaded rule
    ann, bob, cat = make_agents(3)
    services.presence_set(actor=cat, user=cat, status="away")
    rule = make_rule(name="VIP 优先", max_open_per_agent=9)
    report(actor=ann, assignee=ann)

    # When a ticket is routed
    ticket = report()

    # Then the event is by the system and its reason explains the choice
    event = ticket.events.get(kind=events.ASSIGNED)
    reason = event.data["reason"]
    assert event.actor is None
    assert reason["rule"] == {"id": rule.pk, "name": "VIP 优先"}
    assert (reason["strategy"], reason["outcome"], reason["candidates_total"]) == (
        "least_loaded",
        "assigned",
        3,
    )
    assert [c["id"] for c in reason["candidates"]] == [bob.pk, ann.pk, cat.pk]
    assert reason["candidates"][2]["excluded"] == "away"
    assert describe_routing_reason(reason) == (
        f"Rule “VIP 优先” (#{rule.pk}), least loaded: chose Agent 1 (load 0, 0 open) of 3 candidates (1 away)."
    )
    with translation.override("zh-hans"):
        assert describe_routing_reason(reason) == (
            f"规则“VIP 优先”(#{rule.pk}),负载最少优先:从 3 名候选人中选择了 Agent 1(负载 0,未结 0 张)(1 暂离)。"
        )


def test_reasons_not_written_by_routing_are_not_described():
    assert describe_routing_reason({"rule": "VPN"}) == ""
    assert describe_routing_reason(None) == ""
    assert describe_routing_reason({"by": "routing", "outcome": "no_rule"}).startswith(
        "No routing rule matched"
    )


def test_the_list_is_capped_at_twenty_candidates(report, make_agents, make_rule):
    make_agents(25)
    make_rule()

    reason = report().events.get(kind=events.ASSIGNED).data["reason"]

    assert len(reason["candidates"]) == 20 and reason["candidates_total"] == 25


def test_moving_a_rule_with_htmx_returns_the_refreshed_table(admin_browser, admin_user, team):
    first = services.rule_create(actor=admin_user, name="A", team=team)
    services.rule_create(actor=admin_user, name="B", team=team)

    response = admin_browser.post(
        reverse("routing:rule_move", args=[first.pk]), {"direction": "down"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div class="card" id="rules">')
    assert html.index(">B<") < html.index(">A<")


def test_moving_a_rule_without_htmx_redirects_to_the_list(admin_browser, admin_user, team):
    first = services.rule_create(actor=admin_user, name="A", team=team)
    services.rule_create(actor=admin_user, name="B", team=team)

    response = admin_browser.post(reverse("routing:rule_move", args=[first.pk]), {"direction": "down"})

    assert response.status_code == 302 and response["Location"] == reverse("routing:rule_list")
    assert [r.name for r in selectors.rule_list()] == ["B", "A"]
