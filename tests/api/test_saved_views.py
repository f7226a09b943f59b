"""Saved queue views over the API: mine and my teams' only; guards answer 4xx and write nothing."""

from __future__ import annotations

import pytest

from gongdan.tickets.models import SavedView
from tests.api.conftest import assert_error
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def teammate(team):
    user = AgentFactory(username="teammate")
    team.memberships.create(user=user)
    return user


def test_create_list_update_delete(agent_api, team):
    created = agent_api.post("saved-views", {"name": "Due soon", "query": "sort=due&cursor=x"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["query"] == "sort=due" and body["team"] is None
    changed = agent_api.patch(f"saved-views/{body['id']}", {"name": "Due first", "team": team.pk})
    assert changed.status_code == 200, changed.content
    assert changed.json()["team"] == team.pk and changed.json()["query"] == "sort=due"
    assert [v["name"] for v in agent_api.get("saved-views").json()] == ["Due first"]
    unshared = agent_api.patch(f"saved-views/{body['id']}", {"team": None})
    assert unshared.json()["team"] is None
    assert agent_api.delete(f"saved-views/{body['id']}").status_code == 204
    assert not SavedView.objects.exists()


def test_private_views_are_invisible_and_shared_ones_only_to_the_team(
    api_as, agent, teammate, other_agent, team
):
    own = api_as(agent)
    private = own.post("saved-views", {"name": "Private"}).json()
    shared = own.post("saved-views", {"name": "Shared", "team": team.pk}).json()
    assert [v["name"] for v in api_as(teammate).get("saved-views").json()] == ["Shared"]
    stranger = api_as(other_agent)
    assert stranger.get("saved-views").json() == []
    assert_error(stranger.patch(f"saved-views/{private['id']}", {"name": "Mine"}), 404)
    assert_error(stranger.delete(f"saved-views/{shared['id']}"), 404)
    # a teammate sees the shared view but may not change it
    assert_error(api_as(teammate).patch(f"saved-views/{shared['id']}", {"name": "Mine"}), 403)
    assert SavedView.objects.get(pk=shared["id"]).name == "Shared"


@pytest.mark.parametrize(
    "body",
    [
        {"name": ""},
        {"name": "x" * 61},
        {"name": "Bad", "query": "status=nonsense"},
        {"name": "Bad", "extra": 1},
    ],
)
def test_bad_input_is_422_and_writes_nothing(agent_api, body):
    assert_error(agent_api.post("saved-views", body), 422)
    assert not SavedView.objects.exists()


def test_sharing_with_someone_elses_team_is_422(agent_api, other_team):
    error = assert_error(agent_api.post("saved-views", {"name": "Theirs", "team": other_team.pk}), 422)
    assert "team" in str(error)
    assert not SavedView.objects.exists()


def test_a_requester_saves_no_views(requester_api):
    assert_error(requester_api.post("saved-views", {"name": "Mine"}), 403)
    assert requester_api.get("saved-views").json() == []


def test_a_view_chooses_its_columns_and_unknown_ones_are_refused(agent_api):
    created = agent_api.post("saved-views", {"name": "Lean", "columns": ["due", "status"]})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["columns"] == ["status", "due"]
    changed = agent_api.patch(f"saved-views/{body['id']}", {"columns": ["created"]})
    assert changed.json()["columns"] == ["created"] and changed.json()["name"] == "Lean"
    error = assert_error(agent_api.patch(f"saved-views/{body['id']}", {"columns": ["colour"]}), 422)
    assert "colour" in str(error)
    assert SavedView.objects.get().columns == "created"
    plain = agent_api.post("saved-views", {"name": "Plain"}).json()
    assert plain["columns"] == ["status", "priority", "requester", "assignee", "updated", "due"]
