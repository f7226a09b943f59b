"""Users and teams: agents read, admins provision; requesters only see themselves."""

from __future__ import annotations

import re

import pytest

from gongdan.accounts.models import User
from tests.api.conftest import ApiClient, assert_error
from tests.factories import AgentFactory

pytestmark = pytest.mark.django_db


def test_agents_list_and_filter_users(agent_api, agent, lead, requester, team):
    everyone = agent_api.get("users").json()
    assert {u["username"] for u in everyone["items"]} >= {"agent", "lead", "alice"}
    assert [u["username"] for u in agent_api.get("users", {"role": "team_lead"}).json()["items"]] == ["lead"]
    in_team = {u["username"] for u in agent_api.get("users", {"team": team.pk}).json()["items"]}
    assert in_team == {"agent", "lead"}
    assert [u["username"] for u in agent_api.get("users", {"q": "ALI"}).json()["items"]] == ["alice"]
    assert agent_api.get(f"users/{agent.pk}").json()["teams"] == [
        {"id": team.pk, "label": team.name_en, "team_role": "member"}
    ]
    assert_error(agent_api.get("users", {"role": "king"}), 422)
    assert_error(agent_api.get("users/999999"), 404)


def test_user_list_pages(agent_api, agent):
    for i in range(5):
        AgentFactory(username=f"page{i}")
    first = agent_api.get("users", {"limit": 2}).json()
    assert first["has_more"] and len(first["items"]) == 2
    names = [u["username"] for u in first["items"]]
    body = first
    while body["has_more"]:
        body = agent_api.get("users", {"limit": 2, "cursor": body["next_cursor"]}).json()
        names += [u["username"] for u in body["items"]]
    assert len(names) == len(set(names)) == User.objects.count()


def test_admin_provisions_updates_and_deactivates(admin_api, team, organisation, anon):
    created = admin_api.post(
        "users",
        {"username": "carol", "password": "a long enough passphrase 42", "email": "Carol@Example.com",
         "role": "agent", "teams": [team.pk], "organisation": organisation.pk, "language": "en"},
    )  # fmt: skip
    assert created.status_code == 201, created.content
    carol = created.json()
    assert carol["email"] == "carol@example.com" and carol["teams"][0]["id"] == team.pk
    token = anon.post("auth/token", {"username": "carol", "password": "a long enough passphrase 42"}).json()[
        "token"
    ]
    updated = admin_api.patch(f"users/{carol['id']}", {"display_name": "Carol C", "role": "team_lead"})
    assert updated.status_code == 200 and updated.json()["role"] == "team_lead"
    deactivated = admin_api.post(f"users/{carol['id']}/deactivate")
    assert deactivated.status_code == 200 and deactivated.json()["is_active"] is False
    assert_error(anon.get("users/me", headers={"Authorization": f"Bearer {token}"}), 401)
    assert admin_api.post(f"users/{carol['id']}/reactivate").json()["is_active"] is True


def test_provisioning_errors(admin_api, agent):
    assert_error(admin_api.post("users", {"username": "agent"}), 422)
    error = assert_error(
        admin_api.post("users", {"username": "dave", "role": "pope", "teams": [987654]}), 422
    )
    assert "teams" in error["details"]
    assert_error(admin_api.post("users", {"username": "erin", "password": "123"}), 422)
    assert_error(admin_api.post("users", {"username": "erin", "shoe_size": 44}), 422)


def test_non_admins_cannot_provision(agent_api, agent, team):
    assert_error(agent_api.post("users", {"username": "mallory"}), 403, "permission_denied")
    assert_error(agent_api.patch(f"users/{agent.pk}", {"role": "admin"}), 403)
    assert_error(agent_api.post(f"users/{agent.pk}/deactivate"), 403)
    assert_error(agent_api.post("teams", {"name": "x"}), 403)
    assert_error(agent_api.put(f"teams/{team.pk}/members", {"members": []}), 403)


def test_users_update_their_own_profile(requester_api, requester):
    response = requester_api.patch("users/me", {"display_name": "Alice Z", "language": "zh-hans"})
    assert response.status_code == 200 and response.json()["display_name"] == "Alice Z"
    assert_error(requester_api.patch("users/me", {"role": "admin"}), 422)
    assert_error(requester_api.patch("users/me", {"time_zone": "Mars/Olympus"}), 422)


def test_admin_manages_teams(admin_api, agent, lead, requester, agent_api):
    created = admin_api.post("teams", {"name": "网络组", "name_en": "Network"})
    assert created.status_code == 201
    team_id = created.json()["id"]
    assert_error(admin_api.post("teams", {"name": "网络组"}), 422)
    renamed = admin_api.patch(f"teams/{team_id}", {"name_en": "Networks", "description": "LAN & Wi-Fi"})
    assert renamed.json()["name_en"] == "Networks"
    members = admin_api.put(f"teams/{team_id}/members", {"members": [agent.pk], "leads": [lead.pk]})
    assert members.status_code == 200
    assert {(m["id"], m["team_role"]) for m in members.json()["members"]} == {
        (agent.pk, "member"),
        (lead.pk, "lead"),
    }
    assert_error(admin_api.put(f"teams/{team_id}/members", {"members": [requester.pk]}), 422)
    assert_error(admin_api.patch(f"teams/{team_id}", {"parent": team_id}), 422)
    assert team_id in [t["id"] for t in agent_api.get("teams").json()]


def test_docs_and_openapi_work_offline(agent):
    client = ApiClient(agent)
    spec = client.get("openapi.json")
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.1")
    assert "/api/v1/tickets" in spec.json()["paths"]
    page = client.get("docs")
    html = page.content.decode()
    # nothing loaded from elsewhere (a random CSRF token may contain "cdn": look at the addresses)
    assert page.status_code == 200 and not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert "<script>" not in html  # CSP: external scripts only
    for asset in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        assert f"/api/v1/docs/assets/{asset}" in html
        assert client.get(f"docs/assets/{asset}").status_code == 200
    assert_error(client.get("docs/assets/../../settings.py"), 404)
