"""The identity provider settings screen: administrators only, one form per kind, secrets sealed and never
shown back, every change on the audit trail, bad input refused with the field's message and nothing saved."""

from __future__ import annotations

import pytest
from django.db import connection

from gongdan.audit.models import AuditEntry
from gongdan.sso.models import IdentityProvider, MappingRule
from tests.clients import signed_in
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

OIDC = {"name": "公司账号", "name_en": "Company account", "slug": "corp", "issuer": "https://id.example.test",
        "client_id": "gongdan", "client_secret": "s3cret-value", "scopes": "openid profile email groups",
        "default_role": "requester", "order": "10", "is_enabled": "on"}  # fmt: skip


def test_an_admin_adds_an_oidc_provider_sealed_and_audited(admin_user):
    client = signed_in(admin_user)
    response = client.post("/settings/sso/new/oidc/", OIDC)
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(slug="corp")
    assert provider.client_secret == "s3cret-value"
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM sso_identityprovider WHERE id = %s", [provider.pk])
        assert cursor.fetchone()[0].startswith("gdenc:1:")  # sealed under the field-encryption scheme (0130)
    entry = AuditEntry.objects.filter(kind="config.create").latest("seq")
    assert entry.object_type == "sso.identityprovider" and "s3cret-value" not in str(entry.detail)
    page = client.get(f"/settings/sso/{provider.pk}/").content.decode()
    assert "s3cret-value" not in page and "Stored — leave empty to keep it" in page
    assert "http://testserver/sso/corp/callback/" in page


def test_saving_with_an_empty_secret_keeps_the_stored_one_and_records_the_change(admin_user):
    client = signed_in(admin_user)
    client.post("/settings/sso/new/oidc/", OIDC)
    provider = IdentityProvider.objects.get(slug="corp")
    response = client.post(f"/settings/sso/{provider.pk}/", {**OIDC, "client_secret": "", "name_en": "Corp"})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert (provider.client_secret, provider.name_en) == ("s3cret-value", "Corp")
    assert AuditEntry.objects.filter(kind="config.update", object_id=str(provider.pk)).exists()


def test_the_ldap_form_asks_for_directory_fields_only(admin_user):
    page = signed_in(admin_user).get("/settings/sso/new/ldap/").content.decode()
    assert 'name="server_uri"' in page and 'name="bind_password"' in page
    assert 'name="client_id"' not in page and 'name="issuer"' not in page


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"slug": "Not A Slug"}, "slug", "lowercase letters"),
        ({"scopes": "profile email"}, "scopes", "must include openid"),
        ({"client_secret": ""}, "client_secret", "Required before the provider can be enabled"),
        ({"default_role": "admin"}, "default_role", "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_with_the_fields_message_and_nothing_saved(admin_user, change, field, message):
    response = signed_in(admin_user).post("/settings/sso/new/oidc/", {**OIDC, **change})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not IdentityProvider.objects.exists()
    assert not AuditEntry.objects.filter(kind="config.create").exists()


def test_an_unknown_kind_is_a_404(admin_user):
    assert signed_in(admin_user).get("/settings/sso/new/kerberos/").status_code == 404


def test_only_administrators_see_the_screen(agent):
    client = signed_in(agent)
    assert client.get("/settings/sso/").status_code == 403
    assert client.post("/settings/sso/new/oidc/", OIDC).status_code == 403
    assert not IdentityProvider.objects.exists()


def test_a_mapping_rule_is_added_from_the_provider_page_and_audited(admin_user):
    client = signed_in(admin_user)
    client.post("/settings/sso/new/oidc/", OIDC)
    provider = IdentityProvider.objects.get(slug="corp")
    team = TeamFactory(name="IT")
    rule = {"provider": provider.pk, "claim": "groups", "operator": "contains", "value": "it-support",
            "role": "agent", "team": team.pk, "order": "10"}  # fmt: skip
    response = client.post("/settings/sso/rules/new/", rule)
    assert response.status_code == 302 and response["Location"] == f"/settings/sso/{provider.pk}/"
    assert MappingRule.objects.get(provider=provider).team == team
    assert AuditEntry.objects.filter(kind="config.create", object_type="sso.mappingrule").exists()
    assert "it-support" in client.get(f"/settings/sso/{provider.pk}/").content.decode()


def test_a_rule_that_does_nothing_is_refused(admin_user):
    client = signed_in(admin_user)
    client.post("/settings/sso/new/oidc/", OIDC)
    provider = IdentityProvider.objects.get(slug="corp")
    response = client.post("/settings/sso/rules/new/", {"provider": provider.pk, "claim": "groups",
                                                        "operator": "contains", "value": "x", "order": "1"})  # fmt: skip
    assert response.status_code == 422
    assert "Give a role, a team, or both." in response.content.decode()
    assert not MappingRule.objects.exists()


def test_the_list_and_the_delete(admin_user):
    client = signed_in(admin_user)
    client.post("/settings/sso/new/oidc/", OIDC)
    provider = IdentityProvider.objects.get(slug="corp")
    assert "Company account" in client.get("/settings/sso/").content.decode()
    assert client.post(f"/settings/sso/{provider.pk}/delete/").status_code == 302
    assert not IdentityProvider.objects.exists()
    assert AuditEntry.objects.filter(kind="config.delete", object_type="sso.identityprovider").exists()
