"""Who must have a second factor: the administrator roles always, the roles the security administrator picks
(a screen, audited); such a person without one is sent to enrol after the password and reaches nothing else.
The security administrator resets a person's factors (audited, told, signed out everywhere)."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from gongdan.accounts.models import Role
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.mfa import selectors, services
from gongdan.mfa.models import MfaPolicy, Passkey, RecoveryCode
from gongdan.notifications.models import Notification
from tests.clients import signed_in
from tests.factories import UserFactory
from tests.mfa.conftest import code_for, enrol_totp, password_step

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_admin(db):
    return UserFactory(username="sec", role=Role.SECURITY_ADMIN, language="en")


def test_administrator_roles_must_always_enrol_and_the_others_only_when_chosen(
    admin_user, agent, security_admin
):
    assert selectors.must_have_second_factor(admin_user)
    assert selectors.must_have_second_factor(security_admin)
    assert not selectors.must_have_second_factor(agent)

    services.mfa_policy_update(actor=security_admin, required_roles=["agent"])

    assert selectors.must_have_second_factor(agent)


def test_with_enforcement_off_nobody_is_made_to_enrol(admin_user, settings):
    settings.GONGDAN_MFA_ENFORCED = False

    assert not selectors.must_have_second_factor(admin_user)


def test_a_person_who_must_enrol_is_sent_to_enrolment_and_reaches_nothing_else(agent, security_admin):
    services.mfa_policy_update(actor=security_admin, required_roles=["agent"])
    client = Client()

    response = password_step(client, agent)

    assert response.status_code == 302 and response.url.startswith(reverse("mfa:enrol"))
    assert client.get(reverse("tickets:queue")).url == reverse("mfa:enrol")
    assert client.get(reverse("accounts:profile")).url == reverse("mfa:enrol")
    api = client.get("/api/v1/users/me")
    assert api.status_code == 403 and api.json()["error"]["code"] == "second_factor_enrolment_required"
    assert client.get(reverse("mfa:enrol")).status_code == 200
    assert client.get(reverse("mfa:totp_setup")).status_code == 200

    device = agent.totpdevice_set.get(confirmed=False)
    assert client.post(reverse("mfa:totp_setup"), {"code": code_for(device)}).status_code == 200
    assert client.get(reverse("tickets:queue")).status_code == 200


def test_the_policy_screen_is_for_the_security_administrator_only(admin_user, security_admin):
    assert signed_in(admin_user).get(reverse("mfa:policy")).status_code == 403
    page = signed_in(security_admin).get(reverse("mfa:policy"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "System administrator" in html and 'value="agent"' in html and 'value="admin"' not in html


def test_saving_the_policy_is_audited_with_before_and_after(security_admin):
    client = signed_in(security_admin)

    response = client.post(reverse("mfa:policy"), {"required_roles": ["agent", "team_lead"]})

    assert response.status_code == 302
    assert MfaPolicy.objects.get().required_roles == ["agent", "team_lead"]
    entry = AuditEntry.objects.get(kind="mfa.policy")
    assert entry.detail == {
        "before": {"required_roles": []},
        "after": {"required_roles": ["agent", "team_lead"]},
    }
    assert entry.actor_id == security_admin.pk


def test_an_administrator_role_cannot_be_exempted_or_an_unknown_role_chosen(security_admin):
    client = signed_in(security_admin)

    response = client.post(reverse("mfa:policy"), {"required_roles": ["admin"]})

    assert response.status_code == 400
    assert not MfaPolicy.objects.exists()
    with pytest.raises(ValidationFailed):
        services.mfa_policy_update(actor=security_admin, required_roles=["admin"])


def test_only_a_security_administrator_changes_the_policy(admin_user):
    with pytest.raises(PermissionDenied):
        services.mfa_policy_update(actor=admin_user, required_roles=["agent"])


def test_a_reset_removes_every_factor_signs_out_everywhere_and_tells_the_user(
    agent, security_admin, django_capture_on_commit_callbacks
):
    enrol_totp(agent)
    Passkey.objects.create(user=agent, name="key", credential_id="abc", public_key=b"x")
    agent_browser = signed_in(agent)
    version = agent.credentials_version

    admin_browser = signed_in(security_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_browser.post(reverse("mfa:reset", args=[agent.pk]))

    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.credentials_version == version + 1
    assert not selectors.has_second_factor(agent) and not RecoveryCode.objects.filter(user=agent).exists()
    assert agent_browser.get(reverse("tickets:queue")).status_code == 302  # signed out
    entry = AuditEntry.objects.get(kind="mfa.reset")
    assert entry.actor_id == security_admin.pk and entry.object_id == str(agent.pk)
    assert entry.detail == {"totp": 1, "passkeys": 1, "recovery_codes": 10}
    assert Notification.objects.filter(user=agent, kind="second_factors_reset").exists()


def test_a_system_administrator_cannot_reset_second_factors(admin_user, agent):
    enrol_totp(agent)

    response = signed_in(admin_user).post(reverse("mfa:reset", args=[agent.pk]))

    assert response.status_code == 403
    assert selectors.has_second_factor(agent)


def test_the_last_factor_of_someone_who_must_have_one_cannot_be_removed(agent, security_admin):
    _device, codes = enrol_totp(agent)
    services.mfa_policy_update(actor=security_admin, required_roles=["agent"])

    response = signed_in(agent).post(reverse("mfa:remove"), {"what": "totp", "code": codes[0]})

    assert response.status_code == 409
    assert selectors.has_second_factor(agent)
    assert RecoveryCode.objects.filter(user=agent, used_at__isnull=True).count() == 10  # code not spent


def test_the_django_admin_sign_in_takes_the_same_two_steps(admin_user):
    enrol_totp(admin_user)
    client = Client()

    response = password_step(client, admin_user)
    direct = client.post(
        reverse("admin:login"), {"username": "admin", "password": "correct horse battery staple"}
    )

    assert response.url == reverse("mfa:verify") and direct.url == reverse("mfa:verify")
    assert SESSION_KEY not in client.session
