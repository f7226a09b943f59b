"""Tokens: issue, use, list, revoke; deactivated users and revoked tokens are shut out; sessions need CSRF."""

from __future__ import annotations

import pytest
from django.test import Client

from gongdan.accounts.services import user_deactivate
from gongdan.api.models import ApiToken
from tests.api.conftest import ApiClient, assert_error
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def issue(client: ApiClient, username: str, password: str = PASSWORD, **extra):
    return client.post("auth/token", {"username": username, "password": password, **extra})


def test_token_is_issued_once_and_then_authenticates(anon, agent):
    # Given an agent's credentials, when they ask for a token
    response = issue(anon, "agent", name="sync script")
    # Then they get it once, and it opens the API
    assert response.status_code == 201
    body = response.json()
    assert body["token"].startswith("gd_") and body["name"] == "sync script" and body["id"]
    assert body["user"] == {"id": agent.pk, "name": agent.name}
    me = anon.get("users/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200 and me.json()["username"] == "agent"
    # and only its hash is kept
    assert not ApiToken.objects.filter(key_hash=body["token"]).exists()


def test_bad_credentials_get_401_in_the_error_shape(anon, agent):
    assert_error(issue(anon, "agent", "wrong password"), 401, "invalid_credentials")
    assert_error(issue(anon, "nobody"), 401, "invalid_credentials")


def test_failed_token_requests_lock_the_username_out(anon, agent, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert issue(anon, "agent", "wrong").status_code == 401
    # the failure that reaches the limit is answered as a lockout, and so is the right password after it
    assert_error(issue(anon, "agent", "wrong"), 429, "locked_out")
    error = assert_error(issue(anon, "agent"), 429, "locked_out")
    assert error["message"]


def test_no_credentials_and_bad_tokens_are_401(anon, agent):
    response = anon.get("tickets")
    assert_error(response, 401, "not_authenticated")
    assert "Bearer" in response["WWW-Authenticate"]
    for header in ("Bearer nonsense", "Bearer gd_" + "x" * 43, "Basic YWdlbnQ6eA==", "Bearer"):
        assert_error(anon.get("tickets", headers={"Authorization": header}), 401, "not_authenticated")


def test_revoked_token_stops_working(agent):
    client = ApiClient(agent)
    token_id = client.get("auth/tokens").json()[0]["id"]
    assert client.delete(f"auth/tokens/{token_id}").status_code == 204
    assert_error(client.get("users/me"), 401, "not_authenticated")


def test_token_list_is_mine_and_others_cannot_revoke_it(agent, other_agent):
    mine = ApiClient(agent)
    theirs = ApiClient(other_agent)
    tokens = mine.get("auth/tokens").json()
    assert len(tokens) == 1 and "token" not in tokens[0] and tokens[0]["prefix"].startswith("gd_")
    assert theirs.get("auth/tokens").json()[0]["id"] != tokens[0]["id"]
    assert_error(theirs.delete(f"auth/tokens/{tokens[0]['id']}"), 404, "not_found")
    assert mine.get("users/me").status_code == 200


def test_admin_can_revoke_anyones_token(agent, admin_user):
    client = ApiClient(agent)
    token_id = client.get("auth/tokens").json()[0]["id"]
    assert ApiClient(admin_user).delete(f"auth/tokens/{token_id}").status_code == 204
    assert client.get("users/me").status_code == 401


def test_deactivated_user_is_locked_out(agent, admin_user, anon):
    client = ApiClient(agent)
    user_deactivate(actor=admin_user, user=agent)
    assert_error(client.get("users/me"), 401, "not_authenticated")
    assert_error(issue(anon, "agent"), 401, "invalid_credentials")


def test_session_works_for_reads_and_needs_csrf_for_writes(agent):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    assert browser.get("/api/v1/users/me").status_code == 200
    body = '{"subject": "x"}'
    refused = browser.post("/api/v1/tickets", body, content_type="application/json")
    assert_error(refused, 403, "csrf_failed")
    browser.get("/api/v1/docs")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(
        "/api/v1/tickets", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201, accepted.content


def test_anonymous_post_is_401_not_a_csrf_complaint():
    browser = Client(enforce_csrf_checks=True)
    assert_error(
        browser.post("/api/v1/tickets", "{}", content_type="application/json"), 401, "not_authenticated"
    )
