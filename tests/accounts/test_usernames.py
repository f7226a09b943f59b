"""Usernames are stored NFKC-normalised and refused when they look like an existing one (decision 0117)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from gongdan.accounts import services
from gongdan.accounts.models import User
from gongdan.accounts.selectors import username_clashes
from gongdan.accounts.usernames import skeleton
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import PermissionDenied, ValidationFailed
from gongdan.portal.services import magic_link_redeem, magic_link_request
from gongdan.portal.tokens import LINK_SALT, make_token
from tests.api.conftest import ApiClient, assert_error
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CYRILLIC_I = "\u0456"


def username_error(call) -> str:
    with pytest.raises(ValidationFailed) as caught:
        call()
    return " ".join(str(m) for m in caught.value.details["username"])


def test_skeletons_match_look_alikes():
    assert skeleton(f"l{CYRILLIC_I}.na") == skeleton("li.na") == skeleton("LI.NA") == skeleton("ｌｉ.ｎａ")
    assert skeleton("paypa1") == skeleton("paypal")
    assert skeleton("li.na") != skeleton("li.ma")
    assert skeleton("王芳") != skeleton("王方")


def test_a_cyrillic_look_alike_is_refused_with_a_clear_message(admin_user):
    services.user_create(actor=admin_user, username="li.na", role="agent")
    message = username_error(lambda: services.user_create(actor=admin_user, username=f"l{CYRILLIC_I}.na"))
    assert "looks like the existing username “li.na”" in message
    assert User.objects.count() == 2  # admin and li.na


def test_case_and_width_variants_are_the_same_username(admin_user):
    services.user_create(actor=admin_user, username="Zhang.Wei")
    assert "taken" in username_error(lambda: services.user_create(actor=admin_user, username="zhang.wei"))
    assert "taken" in username_error(
        lambda: services.user_create(actor=admin_user, username="ｚｈａｎｇ.ｗｅｉ")
    )


def test_usernames_are_stored_nfkc(admin_user):
    user = services.user_create(actor=admin_user, username="ａｇｅｎｔ７")
    assert user.username == "agent7"
    assert user.username_skeleton == skeleton("agent7")


def test_web_screen_shows_the_confusable_message(admin_browser):
    services.user_create(actor=None, username="li.na")
    response = admin_browser.post(
        reverse("accounts:user_create"),
        {"username": f"l{CYRILLIC_I}.na", "role": "agent", "language": "en", "time_zone": "Asia/Shanghai"},
    )
    assert response.status_code == 422
    assert "looks like the existing username" in response.content.decode()


def test_api_create_and_rename_refuse_look_alikes(admin_user):
    api = ApiClient(admin_user)
    services.user_create(actor=None, username="li.na")
    error = assert_error(api.post("users", {"username": f"l{CYRILLIC_I}.na", "role": "agent"}), 422)
    assert "looks like" in error["details"]["username"][0]
    other = services.user_create(actor=None, username="wang.fang")
    error = assert_error(api.patch(f"users/{other.pk}", {"username": "LI.NA"}), 422)
    assert "taken" in error["details"]["username"][0]
    other.refresh_from_db()
    assert other.username == "wang.fang"
    renamed = api.patch(f"users/{other.pk}", {"username": "wang.fang2"})
    assert renamed.status_code == 200 and renamed.json()["username"] == "wang.fang2"
    other.refresh_from_db()
    assert other.username_skeleton == skeleton("wang.fang2")
    assert AuditEntry.objects.filter(kind="user.rename", detail__before="wang.fang").exists()


def test_only_administrators_rename(agent, other_agent):
    with pytest.raises(PermissionDenied):
        services.user_update(actor=agent, user=agent, username="agent-renamed")


def test_commands_refuse_look_alikes(monkeypatch):
    services.user_create(actor=None, username="security")
    monkeypatch.setenv("PW", "tide pools under violet sky 9")
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="looks like"):
        call_command("create_security_admin", f"secur{CYRILLIC_I}ty", "--password-from-env", "PW")


def test_portal_new_requesters_never_clash(db):
    UserFactory(username="paypal@example.com", email="")  # a look-alike of the new address
    link = magic_link_request(email="paypa1@example.com")
    assert link is not None
    redeemed = magic_link_redeem(token=make_token(link.pk, salt=LINK_SALT))
    assert redeemed.user.username.startswith("portal-")


def test_existing_clashes_are_reported_not_renamed(capsys, db):
    UserFactory(username="li.na")
    clash = UserFactory(username="placeholder")
    User.objects.filter(pk=clash.pk).update(username=f"l{CYRILLIC_I}.na", username_skeleton="")
    migration = importlib.import_module("gongdan.accounts.migrations.0010_signin_username_skeletons")
    migration.fill_skeletons(apps, None)
    out = capsys.readouterr().out
    assert "look alike" in out and "'li.na'" in out
    assert sorted(User.objects.values_list("username", flat=True)) == sorted(["li.na", f"l{CYRILLIC_I}.na"])
    assert username_clashes() == [sorted(["li.na", f"l{CYRILLIC_I}.na"])]
    with pytest.raises(SystemExit):
        call_command("username_clashes")
