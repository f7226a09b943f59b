"""Any credential change, deactivation or role change revokes every session and every API token of the
account at once, and reactivation revives none; a new password needs the current one."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from gongdan.accounts import services
from gongdan.accounts.signals import credentials_changed
from tests.api.conftest import ApiClient, assert_error
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a much longer new passphrase 7"
SESSION_BACKENDS = ["django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cache"]


def signed_in(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    assert (
        client.post(reverse("accounts:login"), {"username": username, "password": password}).status_code
        == 302
    )
    return client


def bearer(user) -> ApiClient:
    return ApiClient(user)  # signs its calls with a fresh bearer token of the user


def works(client: Client) -> bool:
    return client.get(reverse("tickets:queue")).status_code == 200


def token_works(client: ApiClient) -> bool:
    return client.get("users/me").status_code == 200


@pytest.mark.parametrize("engine", SESSION_BACKENDS)
def test_an_admin_password_reset_signs_the_user_out_everywhere(agent, admin_user, engine):
    with override_settings(SESSION_ENGINE=engine):
        laptop, phone, script = signed_in("agent"), signed_in("agent"), bearer(agent)
        assert works(laptop) and works(phone) and token_works(script)

        services.user_update(actor=admin_user, user=agent, password=NEW_PASSWORD)

        assert not works(laptop) and not works(phone) and not token_works(script)
        assert works(signed_in("agent", NEW_PASSWORD))


@pytest.mark.parametrize("engine", SESSION_BACKENDS)
def test_deactivation_revokes_and_reactivation_revives_nothing(agent, admin_user, engine):
    with override_settings(SESSION_ENGINE=engine):
        laptop, script = signed_in("agent"), bearer(agent)

        services.user_deactivate(actor=admin_user, user=agent)
        services.user_reactivate(actor=admin_user, user=agent)

        assert not works(laptop) and not token_works(script)
        assert works(signed_in("agent"))  # they may sign in afresh


def test_a_role_change_revokes_sessions_and_tokens(agent, admin_user):
    laptop, script = signed_in("agent"), bearer(agent)
    services.user_update(actor=admin_user, user=agent, role="requester")
    assert laptop.get(reverse("tickets:queue")).status_code == 302
    assert not token_works(script)


def test_a_profile_edit_that_changes_no_credential_keeps_everyone_signed_in(agent, admin_user):
    laptop, script = signed_in("agent"), bearer(agent)
    services.user_update(actor=admin_user, user=agent, display_name="Agent Smith", role="agent")
    assert works(laptop) and token_works(script)


def test_own_password_change_on_the_profile_keeps_this_browser_and_ends_the_others(agent):
    this, other, script = signed_in("agent"), signed_in("agent"), bearer(agent)
    response = this.post(reverse("accounts:profile"), {"form": "password", "old_password": PASSWORD,
                         "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})  # fmt: skip
    assert response.status_code == 302
    assert works(this) and not works(other) and not token_works(script)


def test_the_api_needs_the_current_password_to_set_a_new_one(agent):
    api = ApiClient(agent)
    missing = assert_error(api.patch("users/me", {"password": NEW_PASSWORD}), 422)
    assert "current_password" in missing["details"]
    wrong = assert_error(api.patch("users/me", {"password": NEW_PASSWORD, "current_password": "nope"}), 422)
    assert "current_password" in wrong["details"]
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)  # nothing half-written

    ok = api.patch("users/me", {"password": NEW_PASSWORD, "current_password": PASSWORD})
    assert ok.status_code == 200
    agent.refresh_from_db()
    assert agent.check_password(NEW_PASSWORD)


def test_a_token_that_changes_its_own_password_is_revoked_with_the_rest(agent):
    script = bearer(agent)
    response = script.patch("users/me", {"password": NEW_PASSWORD, "current_password": PASSWORD})
    assert response.status_code == 200
    assert not token_works(script)


def test_wrong_current_passwords_count_towards_the_lockout(agent, settings):
    api = ApiClient(agent)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        api.patch("users/me", {"password": NEW_PASSWORD, "current_password": "nope"})
    assert api.patch("users/me", {"password": NEW_PASSWORD, "current_password": "nope"}).status_code == 429


def test_every_revocation_is_announced_with_its_reason(agent, admin_user, django_capture_on_commit_callbacks):
    heard: list[tuple[str, object]] = []
    credentials_changed.connect(lambda **kw: heard.append((kw["reason"], kw["actor"])), weak=False,
                                dispatch_uid="test-revoked")  # fmt: skip
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.user_update(actor=admin_user, user=agent, password=NEW_PASSWORD)
            services.user_update(actor=admin_user, user=agent, role="team_lead")
            services.user_deactivate(actor=admin_user, user=agent)
    finally:
        credentials_changed.disconnect(dispatch_uid="test-revoked")
    assert heard == [
        ("password_changed", admin_user),
        ("role_removed", admin_user),
        ("deactivated", admin_user),
    ]
