"""LDAP sign-in against a private slapd: search-then-bind with a service account and direct bind, groups
mapped to a role and a team, accounts created through the accounts service; a wrong password counts toward
the lockout like any other; a directory that is down says so, and a local administrator still signs in."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import override_settings

from gongdan.accounts.models import Membership, Role, User
from gongdan.accounts.services import user_deactivate
from gongdan.audit.models import AuditEntry
from gongdan.core.domain_errors import ValidationFailed
from gongdan.sso import ldap_directory
from gongdan.sso.models import MappingRule, ProviderKind
from gongdan.sso.services import provider_create, rule_create
from tests.factories import TeamFactory, UserFactory
from tests.sso.conftest import PEOPLE, SERVICE_DN, SERVICE_PASSWORD, SUFFIX

pytestmark = [pytest.mark.django_db, pytest.mark.peer("slapd")]


@pytest.fixture
def it_team(db):
    return TeamFactory(name="IT 支持", name_en="IT")


def _directory(slapd, it_team, **overrides):
    values = {"name": "公司目录", "name_en": "Company directory", "slug": "directory", "server_uri": slapd.uri,
                  "bind_dn": SERVICE_DN, "bind_password": SERVICE_PASSWORD, "user_search_base": f"ou=people,{SUFFIX}",
                  "user_search_filter": "(uid={username})", "group_search_base": f"ou=groups,{SUFFIX}",
                  "is_enabled": True, "create_users": True}  # fmt: skip
    values.update(overrides)
    provider = provider_create(actor=None, kind=ProviderKind.LDAP, **values)
    rule_create(actor=None, provider=provider, claim="groups", operator=MappingRule.Operator.CONTAINS,
                value="it-support", role=Role.AGENT, team=it_team)  # fmt: skip
    return provider


@pytest.fixture
def directory(slapd, it_team):
    return _directory(slapd, it_team)


def sign_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_a_directory_person_in_it_support_signs_in_as_an_agent_in_it(client, directory, it_team):
    response = sign_in(client, "carol", PEOPLE["carol"][0])
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(username="carol")
    assert (user.role, user.email, user.display_name) == (Role.AGENT, "carol@example.test", "Carol Directory")
    assert Membership.objects.filter(user=user, team=it_team).exists()
    assert not user.has_usable_password()
    entry = AuditEntry.objects.filter(kind="sign_in.success").latest("seq")
    assert entry.detail["backend"] == "gongdan.sso.backends.LdapBackend"
    assert AuditEntry.objects.filter(kind="sso.user_create", object_id=str(user.pk)).exists()


def test_someone_in_no_mapped_group_gets_the_default_role(client, directory):
    assert sign_in(client, "dave", PEOPLE["dave"][0]).status_code == 302
    assert User.objects.get(username="dave").role == Role.REQUESTER


def test_direct_bind_with_a_dn_template_works_without_a_service_account(client, slapd, it_team):
    _directory(slapd, it_team, bind_dn="", bind_password="", user_search_base="",
               user_dn_template=f"uid={{username}},ou=people,{SUFFIX}")  # fmt: skip
    assert sign_in(client, "carol", PEOPLE["carol"][0]).status_code == 302
    assert User.objects.get(username="carol").role == Role.AGENT


def test_a_wrong_password_is_refused_and_counted_toward_the_lockout(client, directory):
    response = sign_in(client, "carol", "not-her-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="carol").exists()
    assert AccessAttempt.objects.get(username="carol").failures_since_start == 1


@override_settings(AXES_FAILURE_LIMIT=2)
def test_a_locked_out_directory_account_is_refused_even_with_the_right_password(client, directory):
    sign_in(client, "carol", "wrong-1")
    sign_in(client, "carol", "wrong-2")
    response = sign_in(client, "carol", PEOPLE["carol"][0])
    assert response.status_code == 429
    assert not User.objects.filter(username="carol").exists()


def test_an_empty_password_is_never_an_anonymous_bind(directory):
    assert ldap_directory.authenticate(directory, "carol", "") is None


def test_a_filter_injection_in_the_username_finds_nobody(client, directory):
    assert ldap_directory.authenticate(directory, "*)(uid=*", "x") is None
    assert sign_in(client, "*", PEOPLE["carol"][0]).status_code == 200


def test_a_deactivated_directory_account_cannot_sign_in(client, directory, admin_user):
    sign_in(client, "carol", PEOPLE["carol"][0])
    client.logout()
    user_deactivate(actor=admin_user, user=User.objects.get(username="carol"))
    response = sign_in(client, "carol", PEOPLE["carol"][0])
    assert response.status_code == 200
    assert "deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_with_the_directory_down_people_are_told_and_a_local_admin_still_signs_in(client, slapd, it_team):
    from tests.sso.conftest import free_port

    _directory(slapd, it_team, server_uri=f"ldap://127.0.0.1:{free_port()}", timeout_seconds=1)
    UserFactory(username="root", role="admin", password="a-long-local-password-1")
    response = sign_in(client, "carol", PEOPLE["carol"][0])
    assert response.status_code == 200
    assert "cannot be reached" in response.content.decode()
    assert AuditEntry.objects.filter(kind="sso.failure", detail__reason="directory_unreachable").exists()
    assert sign_in(client, "root", "a-long-local-password-1").status_code == 302


def test_a_service_account_that_cannot_bind_counts_as_the_directory_being_down(client, slapd, it_team):
    _directory(slapd, it_team, bind_password="wrong")
    response = sign_in(client, "carol", PEOPLE["carol"][0])
    assert "cannot be reached" in response.content.decode()


def test_bad_directory_settings_are_refused_with_field_messages(slapd):
    with pytest.raises(ValidationFailed) as failed:
        provider_create(actor=None, kind=ProviderKind.LDAP, name="x", slug="x", server_uri="http://nope",
                        user_search_filter="(uid=fixed)", user_search_base="", is_enabled=True)  # fmt: skip
    assert set(failed.value.details) >= {"server_uri", "user_search_filter", "user_search_base"}
