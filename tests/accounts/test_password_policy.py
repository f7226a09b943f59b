"""The password policy (decision 0116) on every path that sets a password, and its screen (decision 0115)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from gongdan.accounts import services
from gongdan.accounts.models import PasswordHistoryEntry, SignInPolicy, User
from gongdan.accounts.password_policy import common_reason
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from tests.api.conftest import ApiClient, assert_error
from tests.clients import signed_in
from tests.factories import PASSWORD, RequesterFactory, UserFactory
from tests.html import field_errors

pytestmark = pytest.mark.django_db

STRONG = "tide pools under violet sky 9"


@pytest.fixture
def security_admin(db):
    return UserFactory(username="security", role="security_admin", language="en")


def refused(call, *, field: str = "password") -> list[str]:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return [str(m) for m in caught.value.details[field]]


# What is refused ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["123456789012", "5201314520131", "1qaz2wsx3edc", "qwertyuiop[]", "woaini1314!!", "zhangwei2024!!",
     "wangxiaoming88", "aaaaaaaaaaaaaa", "P@ssw0rd12345", "abcabcabcabc"],
)  # fmt: skip
def test_common_chinese_patterns_are_refused(password):
    assert common_reason(password), password


@pytest.mark.parametrize("password", [STRONG, "correct horse battery staple", "Gx7!kq2#Lm9$"])
def test_good_passwords_pass(password):
    assert common_reason(password) is None


def test_zhangsan1_is_refused_for_an_administrator(admin_user):
    messages = refused(
        lambda: services.user_create(actor=admin_user, username="ops", password="zhangsan1", role="admin")
    )
    assert any("12 characters" in m for m in messages)
    assert any("pinyin" in m for m in messages)
    assert not User.objects.filter(username="ops").exists()


def test_staff_need_twelve_characters_requesters_eight(admin_user):
    nine = "Kv8#mq2!x"
    refused(lambda: services.user_create(actor=admin_user, username="a1", password=nine, role="agent"))
    user = services.user_create(actor=admin_user, username="r1", password=nine, role="requester")
    assert user.check_password(nine)


def test_the_password_may_not_contain_the_username_or_name(admin_user):
    messages = refused(
        lambda: services.user_create(
            actor=admin_user, username="liu.yang", password="liu.yang-secure-42", role="agent"
        )
    )
    assert any("username, name or email" in m for m in messages)


def test_history_refuses_the_last_n_passwords(agent):
    for password in ("first long passphrase 1", "second long passphrase 2"):
        services.user_update(actor=agent, user=agent, password=password)
    messages = refused(
        lambda: services.user_update(actor=agent, user=agent, password="first long passphrase 1")
    )
    assert any("last 5 passwords" in m for m in messages)
    refused(lambda: services.user_update(actor=agent, user=agent, password=PASSWORD))  # the factory's one
    assert PasswordHistoryEntry.objects.filter(user=agent).count() == 2
    assert all(entry.password.startswith("md5$") for entry in PasswordHistoryEntry.objects.all())  # hashes


def test_history_keeps_only_n(agent):
    SignInPolicy.objects.create(pk=1, history_count=2)
    for n in range(4):
        services.user_update(actor=agent, user=agent, password=f"rotating passphrase number {n}")
    assert PasswordHistoryEntry.objects.filter(user=agent).count() == 1  # plus the current one: 2
    services.user_update(actor=agent, user=agent, password="rotating passphrase number 1")  # 3 back: allowed


def test_requesters_have_no_history(requester):
    services.user_update(actor=requester, user=requester, password="requester pass 1")
    services.user_update(actor=requester, user=requester, password=PASSWORD)
    assert not PasswordHistoryEntry.objects.exists()


# Every path ------------------------------------------------------------------------------------------------


def test_profile_page_applies_the_policy(agent_client, agent):
    response = agent_client.post(
        reverse("accounts:profile"),
        {
            "form": "password",
            "old_password": PASSWORD,
            "new_password1": "zhangsan1",
            "new_password2": "zhangsan1",
        },
    )
    assert response.status_code == 400
    assert "pinyin" in " ".join(response.context["password_form"].errors["new_password2"])
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_api_me_applies_the_policy(agent):
    response = ApiClient(agent).patch("users/me", {"password": "qwertyuiop123", "current_password": PASSWORD})
    error = assert_error(response, 422)
    assert error["details"]["password"]
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_admin_screens_apply_the_policy_on_create_and_reset(admin_browser, agent):
    created = admin_browser.post(
        reverse("accounts:user_create"),
        {
            "username": "ops",
            "role": "admin",
            "language": "en",
            "time_zone": "Asia/Shanghai",
            "password": "zhangsan1",
        },
    )
    assert created.status_code == 422
    assert field_errors(created, "password")
    edit = {"display_name": agent.display_name, "email": agent.email, "role": "agent", "language": "en",
            "time_zone": "Asia/Shanghai", "password": "1qaz2wsx3edc4rfv"}  # fmt: skip
    reset = admin_browser.post(reverse("accounts:user_edit", args=[agent.pk]), edit)
    assert reset.status_code == 422
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_api_user_create_applies_the_policy(admin_user):
    response = ApiClient(admin_user).post(
        "users", {"username": "ops", "password": "zhangsan1", "role": "admin", "email": "ops@example.com"}
    )
    assert assert_error(response, 422)["details"]["password"]
    assert not User.objects.filter(username="ops").exists()


def test_commands_apply_the_policy(monkeypatch):
    monkeypatch.setenv("WEAK", "zhangsan1")
    with pytest.raises(CommandError, match="too short"):
        call_command("create_security_admin", "sec", "--password-from-env", "WEAK")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "zhangsan1")
    with pytest.raises(CommandError, match="too short"):
        call_command("createsuperuser", "--username", "root2", "--noinput")
    monkeypatch.setenv("GONGDAN_ADMIN_PASSWORD", "zhangsan1")
    with pytest.raises(CommandError, match="not accepted"):
        call_command("bootstrap")
    assert not User.objects.exists()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", STRONG)
    call_command("createsuperuser", "--username", "root2", "--noinput")
    root = User.objects.get(username="root2")
    assert root.is_superuser and root.role == "admin" and root.check_password(STRONG)
    assert AuditEntry.objects.filter(kind="user.create", object_repr="root2").exists()


def test_changepassword_goes_through_the_policy_and_revokes(agent, monkeypatch):
    answers = iter(["zhangsan1", "zhangsan1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="too short"):
        call_command("changepassword", "agent")
    answers = iter([STRONG, STRONG])
    version = agent.credentials_version
    call_command("changepassword", "agent")
    agent.refresh_from_db()
    assert agent.check_password(STRONG) and agent.credentials_version == version + 1
    assert AuditEntry.objects.filter(
        kind="password.change", object_repr="agent", detail__by="operator"
    ).exists()


# Expiry ----------------------------------------------------------------------------------------------------


def test_an_expired_staff_password_must_be_changed_before_anything_else(agent):
    SignInPolicy.objects.create(pk=1, staff_max_age_days=90)
    User.objects.filter(pk=agent.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=91))
    client = signed_in(agent)
    response = client.get(reverse("tickets:queue"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_expired")
    htmx = client.get(reverse("tickets:queue"), headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == reverse("accounts:password_expired")
    api = client.get("/api/v1/users/me")
    assert_error(api, 403, "password_expired")
    page = client.get(reverse("accounts:password_expired"))
    assert page.status_code == 200 and "Your password has expired" in page.content.decode()
    same = client.post(reverse("accounts:password_expired"),
                       {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})  # fmt: skip
    assert same.status_code == 422  # the history: not the same one again
    done = client.post(reverse("accounts:password_expired"),
                       {"old_password": PASSWORD, "new_password1": STRONG, "new_password2": STRONG})  # fmt: skip
    assert done.status_code == 302
    assert client.get(reverse("tickets:queue")).status_code == 200


def test_requesters_passwords_do_not_expire(db):
    SignInPolicy.objects.create(pk=1, staff_max_age_days=1)
    requester = RequesterFactory(username="req")
    User.objects.filter(pk=requester.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=400))
    assert signed_in(requester).get(reverse("portal:home")).status_code == 200


# The screen ----------------------------------------------------------------------------------------------


def test_security_admin_sets_the_policy_and_it_is_audited(security_admin, admin_user):
    client = signed_in(security_admin)
    page = client.get(reverse("accounts:sign_in_policy"))
    assert page.status_code == 200
    values = {"staff_min_length": 14, "requester_min_length": 10, "history_count": 8, "staff_max_age_days": 180,
              "staff_idle_minutes": 20, "staff_session_hours": 10, "requester_idle_minutes": 600,
              "requester_session_hours": 72, "reset_link_minutes": 15}  # fmt: skip
    assert client.post(reverse("accounts:sign_in_policy"), values).status_code == 302
    row = SignInPolicy.objects.get()
    assert (row.staff_min_length, row.staff_idle_minutes, row.reset_link_minutes) == (14, 20, 15)
    entry = AuditEntry.objects.get(kind="sign_in_policy.change")
    assert entry.actor_username == "security"
    assert (
        entry.detail["before"]["staff_min_length"] == 12 and entry.detail["after"]["staff_min_length"] == 14
    )
    thirteen = "Kv8#mq2!xLp0z"
    refused(lambda: services.user_create(actor=admin_user, username="a1", password=thirteen, role="agent"))


def test_policy_screen_is_for_the_security_administrator_only(admin_user, agent):
    assert signed_in(admin_user).get(reverse("accounts:sign_in_policy")).status_code == 403
    assert signed_in(agent).get(reverse("accounts:sign_in_policy")).status_code == 403
    with pytest.raises(PermissionDenied):
        services.sign_in_policy_update(actor=admin_user, staff_min_length=8)


def test_bad_policy_values_are_refused_and_nothing_is_saved(security_admin):
    client = signed_in(security_admin)
    response = client.post(
        reverse("accounts:sign_in_policy"), {"staff_min_length": 4, "staff_idle_minutes": 0}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["staff_min_length"]
    assert not SignInPolicy.objects.exists()
    assert not AuditEntry.objects.filter(kind="sign_in_policy.change").exists()
    with pytest.raises(ValidationFailed):
        services.sign_in_policy_update(actor=security_admin, staff_idle_minutes=0)
