"""API tokens come only from a session that passed the second factor, and the username + password token
endpoint asks users with an authenticator app for its code (decision 0122)."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from gongdan.api.models import ApiToken
from gongdan.audit.models import AuditEntry
from tests.api.conftest import ApiClient, assert_error
from tests.clients import signed_in
from tests.factories import PASSWORD
from tests.mfa.authenticator import SoftwareAuthenticator
from tests.mfa.conftest import code_for, enrol_totp, password_step
from tests.mfa.test_passkeys import register

pytestmark = pytest.mark.django_db


def token(client: ApiClient, user, **extra):
    return client.post(
        "auth/token",
        {"username": user.username, "password": PASSWORD, **extra},
        headers={"Accept-Language": "en"},
    )


def test_a_session_that_did_not_pass_the_second_factor_cannot_create_a_token(agent):
    enrol_totp(agent)
    client = signed_in(agent)  # a session made without the second step (as the test client's login does)

    response = client.post(reverse("accounts:profile_tokens"), {"name": "script"})

    assert response.status_code == 403
    assert "second factor" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_session_that_passed_the_second_factor_creates_a_token(agent):
    device, _codes = enrol_totp(agent)
    client = Client()
    password_step(client, agent)
    client.post(reverse("mfa:verify"), {"code": code_for(device, steps_ahead=1)})

    response = client.post(reverse("accounts:profile_tokens"), {"name": "script"})

    assert response.status_code == 200
    assert ApiToken.objects.filter(user=agent).count() == 1


def test_someone_without_a_second_factor_who_need_not_have_one_creates_tokens_as_before(agent):
    assert signed_in(agent).post(reverse("accounts:profile_tokens"), {"name": "s"}).status_code == 200


def test_the_password_endpoint_asks_for_the_code_and_takes_a_right_one(agent):
    device, _codes = enrol_totp(agent)
    api = ApiClient()

    assert_error(token(api, agent), 403, "second_factor_required")
    assert_error(token(api, agent, code="000000"), 401, "invalid_second_factor")
    time.sleep(1.1)  # django-otp holds back the next try for 2^(failures-1) seconds after a wrong code
    response = token(api, agent, code=code_for(device, steps_ahead=1))

    assert response.status_code == 201 and response.json()["token"].startswith("gd_")
    assert AuditEntry.objects.filter(kind="sign_in.mfa", detail__purpose="api_token").count() == 2


def test_wrong_codes_on_the_token_endpoint_lock_the_account(agent, settings):
    enrol_totp(agent)
    api = ApiClient()

    statuses = [token(api, agent, code="000000").status_code for _ in range(settings.AXES_FAILURE_LIMIT)]

    assert statuses[-1] == 429 and set(statuses[:-1]) == {401}


def test_a_passkey_only_user_is_refused_by_the_password_endpoint(agent):
    register(signed_in(agent), SoftwareAuthenticator(), "key")

    error = assert_error(token(ApiClient(), agent), 403, "second_factor_required")

    assert "passkey" in error["message"]


def test_someone_who_must_enrol_first_gets_no_token(admin_user):
    error = assert_error(token(ApiClient(), admin_user), 403, "second_factor_required")

    assert "set one up" in error["message"]
    assert not ApiToken.objects.exists()
