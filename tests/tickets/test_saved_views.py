"""Agents' saved queue views: own, shared with a team, guarded (issue 16 item 2)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.tickets.models import SavedView
from gongdan.tickets.selectors import saved_view_list
from gongdan.tickets.services.saved_views import saved_view_create, saved_view_delete, saved_view_update
from tests.clients import signed_in
from tests.factories import AgentFactory

QUEUE = "/"


@pytest.fixture
def teammate(team):
    user = AgentFactory(username="teammate")
    team.memberships.create(user=user)
    return user


def test_a_view_keeps_the_filters_but_not_the_page(agent):
    view = saved_view_create(
        actor=agent, name="  Urgent   ones ", query="?priority=P1&sort=due&cursor=abc&back=x"
    )
    assert view.name == "Urgent ones"
    assert view.query == "priority=P1&sort=due"


@pytest.mark.parametrize(
    ("name", "query", "field"),
    [
        ("", "status=open", "name"),
        ("x" * 61, "", "name"),
        ("Bad", "status=nonsense", "query"),
        ("Bad", "sort=up", "query"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(agent, name, query, field):
    with pytest.raises(ValidationFailed) as caught:
        saved_view_create(actor=agent, name=name, query=query)
    assert field in caught.value.details
    assert not SavedView.objects.exists()


def test_a_name_is_used_once_per_owner(agent):
    saved_view_create(actor=agent, name="Mine", query="")
    with pytest.raises(ValidationFailed) as caught:
        saved_view_create(actor=agent, name="Mine", query="status=open")
    assert "name" in caught.value.details


def test_a_view_is_shared_only_with_a_team_of_ones_own(agent, other_team):
    with pytest.raises(ValidationFailed) as caught:
        saved_view_create(actor=agent, name="Theirs", query="", team=other_team)
    assert "team" in caught.value.details


def test_a_requester_saves_no_views(requester):
    with pytest.raises(PermissionDenied):
        saved_view_create(actor=requester, name="Mine", query="")


def test_private_views_are_the_owners_and_shared_ones_the_teams(agent, teammate, other_agent, team):
    private = saved_view_create(actor=agent, name="Private", query="")
    shared = saved_view_create(actor=agent, name="Shared", query="status=open", team=team)
    assert list(saved_view_list(actor=agent)) == [private, shared]
    assert list(saved_view_list(actor=teammate)) == [shared]
    assert list(saved_view_list(actor=other_agent)) == []


def test_only_the_owner_or_a_lead_of_the_team_changes_a_view(agent, teammate, lead, team):
    shared = saved_view_create(actor=agent, name="Shared", query="", team=team)
    with pytest.raises(PermissionDenied):
        saved_view_update(actor=teammate, view=shared, name="Mine now")
    with pytest.raises(PermissionDenied):
        saved_view_delete(actor=teammate, view=shared)
    renamed = saved_view_update(actor=lead, view=shared, name="Team queue")
    assert renamed.name == "Team queue"
    with pytest.raises(PermissionDenied):  # the lead tidies the name but does not unshare it
        saved_view_update(actor=lead, view=shared, team=None)
    saved_view_delete(actor=lead, view=shared)
    assert not SavedView.objects.exists()


def test_the_queue_shows_ones_own_and_the_teams_views_as_tabs(agent, teammate, other_agent, team):
    saved_view_create(actor=agent, name="Private printer jams", query="q=printer")
    saved_view_create(actor=agent, name="Team urgent", query="priority=P1", team=team)

    teammate_page = signed_in(teammate).get(QUEUE).content.decode()
    assert "Team urgent" in teammate_page and "Private printer jams" not in teammate_page
    other_page = signed_in(other_agent).get(QUEUE).content.decode()
    assert "Team urgent" not in other_page and "Private printer jams" not in other_page
    own = signed_in(agent).get(QUEUE).content.decode()
    assert "Team urgent" in own and "Private printer jams" in own


def test_saving_from_the_queue_and_refusals(agent, other_agent, other_team):
    client = signed_in(agent)
    response = client.post("/queue/views/", {"name": "Due soon", "query": "sort=due&status=open"})
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert response["Location"] == f"/?sort=due&status=open&saved={view.pk}"
    # another agent can neither see nor change it
    assert signed_in(other_agent).post(f"/queue/views/{view.pk}/", {"delete": "1"}).status_code == 303
    assert SavedView.objects.filter(pk=view.pk).exists()
    # a team that is not the agent's is refused, and nothing is written
    response = client.post("/queue/views/", {"name": "Theirs", "query": "", "team": str(other_team.pk)})
    assert response.status_code == 303
    assert SavedView.objects.count() == 1
    # the owner deletes it
    assert client.post(f"/queue/views/{view.pk}/", {"delete": "1"}).status_code == 302
    assert not SavedView.objects.exists()


def _queue_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(QUEUE, {"view": "all"}).status_code == 200
    return len(captured)


def test_the_queue_query_count_does_not_grow_with_views(agent, team):
    client = signed_in(agent)
    client.get(QUEUE)
    without_views = _queue_queries(client)
    for i in range(6):
        saved_view_create(actor=agent, name=f"View {i}", query=f"q=x{i}", team=team if i % 2 else None)
    assert _queue_queries(client) == without_views <= 8
