"""Agents' saved queue views: own, shared with a team, guarded (issue 16 item 2)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.tickets.models import SavedView
from gongdan.tickets.models.saved_view import DEFAULT_COLUMNS
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


def test_a_view_keeps_the_columns_it_shows_in_the_queues_order(agent):
    view = saved_view_create(actor=agent, name="Lean", query="", columns=["due", "status", "created"])
    assert view.columns == "status,created,due"
    assert view.column_list == ["status", "created", "due"]
    # the default set is kept as "the default", and a view saved without columns has it
    assert saved_view_update(actor=agent, view=view, columns=list(DEFAULT_COLUMNS)).columns == ""
    assert saved_view_create(actor=agent, name="Plain", query="").column_list == list(DEFAULT_COLUMNS)


@pytest.mark.parametrize(
    ("columns", "message"),
    [(["status", "colour"], "Unknown column: colour."), ([], "Choose at least one column.")],
)
def test_bad_columns_are_refused_and_nothing_changes(agent, columns, message):
    view = saved_view_create(actor=agent, name="Lean", query="", columns=["status"])
    with pytest.raises(ValidationFailed) as caught:
        saved_view_update(actor=agent, view=view, name="Renamed", columns=columns)
    assert caught.value.details["columns"] == [message]
    view.refresh_from_db()
    assert (view.name, view.columns) == ("Lean", "status")
    with pytest.raises(ValidationFailed):
        saved_view_create(actor=agent, name="Other", query="", columns=columns)
    assert SavedView.objects.count() == 1


def _headers(response) -> list[str]:
    return re.findall(r'<th scope="col">([^<]*)</th>', response.content.decode())


def test_the_queue_shows_the_saved_views_columns(agent, make_ticket):
    make_ticket()
    view = saved_view_create(actor=agent, name="Lean", query="view=all", columns=["created"])
    client = signed_in(agent)
    assert _headers(client.get(QUEUE, {"view": "all", "saved": view.pk})) == ["Number", "Subject", "Created"]
    assert _headers(client.get(QUEUE, {"view": "all"})) == [
        "Number", "Subject", "Status", "Priority", "Requester", "Assignee / Team", "Updated", "Due / SLA"
    ]  # fmt: skip


def test_columns_chosen_in_the_dialog_and_none_ticked_is_refused(agent):
    client = signed_in(agent)
    response = client.post(
        "/queue/views/", {"name": "Lean", "query": "", "columns_shown": "1", "columns": ["due", "requester"]}
    )
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert view.column_list == ["requester", "due"]
    response = client.post(f"/queue/views/{view.pk}/", {"name": "Empty", "columns_shown": "1"})
    assert response.status_code == 303
    view.refresh_from_db()
    assert (view.name, view.column_list) == ("Lean", ["requester", "due"])


def test_compact_or_comfortable_rows_are_kept_on_the_account(agent, requester, make_ticket):
    client = signed_in(agent)
    assert "gd-queue-table--comfortable" not in client.get(QUEUE, {"view": "all"}).content.decode()
    response = client.post("/queue/density/", {"density": "comfortable", "next": "/?view=all"})
    assert response.status_code == 302 and response["Location"] == "/?view=all"
    agent.refresh_from_db()
    assert agent.queue_density == "comfortable"
    make_ticket()
    assert "gd-queue-table--comfortable" in client.get(QUEUE, {"view": "all"}).content.decode()
    # a made-up density is refused and changes nothing; a requester has no queue rows to choose for
    refused = client.post("/queue/density/", {"density": "roomy"})
    assert refused.status_code == 400 and "Choose compact or comfortable." in refused.content.decode()
    agent.refresh_from_db()
    assert agent.queue_density == "comfortable"
    assert signed_in(requester).post("/queue/density/", {"density": "compact"}).status_code == 403
