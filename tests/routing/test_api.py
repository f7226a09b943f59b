"""/api/v1/routing/…: availability and position, an agent's availability, the dry run."""

from __future__ import annotations

import pytest

from gongdan.routing import services
from gongdan.routing.models import AgentPresence
from gongdan.tickets.models import Ticket, TicketEvent
from tests.api.conftest import ApiClient, assert_error

pytestmark = pytest.mark.django_db


def test_an_agent_goes_away_and_reports_a_position(agent):
    api = ApiClient(agent)

    response = api.put("routing/presence/me", {"status": "away", "latitude": 31.2304, "longitude": 121.4737})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["latitude"], body["longitude"], body["on_shift"]) == (
        "away",
        31.2304,
        121.4737,
        True,
    )
    assert AgentPresence.objects.get(user=agent).status == "away"
    assert api.get("routing/presence/me").json()["status"] == "away"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "sleeping"}, None),
        ({"latitude": 91, "longitude": 0}, None),
        ({"latitude": 30}, "latitude"),
        ({"status": "away", "colour": "red"}, None),
    ],
)
def test_bad_presence_input_is_refused_with_the_shared_error_shape(agent, payload, field):
    response = ApiClient(agent).put("routing/presence/me", payload)

    error = assert_error(response, 422)
    if field:
        assert field in error["details"]
    assert not AgentPresence.objects.filter(status="away").exists()


def test_a_requester_has_no_presence(requester):
    assert_error(ApiClient(requester).put("routing/presence/me", {"status": "away"}), 422, "not_staff")
    assert_error(ApiClient(requester).get("routing/presence/me"), 403)


def test_staff_read_an_agents_presence_but_requesters_cannot(agent, lead, requester):
    services.presence_set(actor=agent, user=agent, status="offline")

    assert ApiClient(lead).get(f"routing/presence/{agent.pk}").json()["status"] == "offline"
    assert_error(ApiClient(requester).get(f"routing/presence/{agent.pk}"), 403)
    assert_error(ApiClient(lead).get(f"routing/presence/{requester.pk}"), 404)


def test_the_dry_run_answers_admins_and_writes_nothing(admin_user, agent, team, category):
    services.rule_create(actor=admin_user, name="网络", team=team, strategy="round_robin",
                         conditions=[{"kind": "category", "values": [category.pk]}])  # fmt: skip
    before = (Ticket.objects.count(), TicketEvent.objects.count())

    response = ApiClient(admin_user).post("routing/dry-run", {"subject": "断网", "category": category.pk})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["outcome"] == "assigned"
    assert body["rule"]["name"] == "网络" and body["chosen"]["id"] == agent.pk
    assert "Rule “网络”" in body["explanation"]
    assert (Ticket.objects.count(), TicketEvent.objects.count()) == before


def test_the_dry_run_is_for_admins_and_checks_ids(agent, admin_user):
    assert_error(ApiClient(agent).post("routing/dry-run", {"subject": "x"}), 403)
    error = assert_error(
        ApiClient(admin_user).post("routing/dry-run", {"subject": "x", "category": 999999}), 422
    )
    assert "category" in error["details"]


def test_the_field_app_can_forget_the_position(agent):
    api = ApiClient(agent)
    api.put("routing/presence/me", {"latitude": 31.2, "longitude": 121.4})

    body = api.put("routing/presence/me", {"latitude": None, "longitude": None}).json()

    assert (body["latitude"], body["longitude"], body["status"]) == (None, None, "available")


def test_an_agent_hands_a_ticket_back_to_the_rules(admin_user, agent, team, category, requester):
    from gongdan.tickets.services import ticket_create
    from tests.factories import AgentFactory

    colleague = AgentFactory(username="colleague")
    team.memberships.create(user=colleague)
    services.rule_create(actor=admin_user, name="网络", team=team, strategy="least_loaded")
    ticket = ticket_create(
        actor=agent, subject="断网", category=category, assignee=agent, requester=requester
    )

    response = ApiClient(agent).post(f"routing/tickets/{ticket.number}/reroute", {})

    assert response.status_code == 200, response.content
    assert response.json()["assignee_id"] == colleague.pk
    assert "Rule “网络”" in response.json()["explanation"]
    assert_error(ApiClient(requester).post(f"routing/tickets/{ticket.number}/reroute", {}), 403)
    assert_error(ApiClient(agent).post("routing/tickets/GD-1999-000001/reroute", {}), 404)


def test_an_agents_position_is_shown_only_to_them_and_the_leads_of_their_teams(agent, team, admin_user):
    from tests.factories import AgentFactory, TeamFactory

    ApiClient(agent).put("routing/presence/me", {"latitude": 31.2304, "longitude": 121.4737})
    lead, colleague, outsider = (AgentFactory(username=n) for n in ("lead", "colleague", "outsider"))
    team.memberships.create(user=lead, team_role="lead")
    team.memberships.create(user=colleague)
    TeamFactory(name="别的组").memberships.create(user=outsider, team_role="lead")

    def position(viewer) -> tuple:
        body = ApiClient(viewer).get(f"routing/presence/{agent.pk}").json()
        return body["latitude"], body["longitude"], body["status"]

    assert position(agent) == (31.2304, 121.4737, "available")
    assert position(lead) == (31.2304, 121.4737, "available")
    # another team's lead, a colleague on the same team and an administrator see availability, not the place
    assert position(outsider) == (None, None, "available")
    assert position(colleague) == (None, None, "available")
    assert position(admin_user) == (None, None, "available")
