"""OpenID Connect sign-in against a real provider (panva's oidc-provider): discovery, PKCE, state, nonce,
signed ID tokens, claim → role/team mapping, accounts created through the accounts service, and every refusal
a clear 4xx that signs nobody in."""

from __future__ import annotations

import base64
import json

import pytest

from gongdan.accounts.models import Membership, Role, User
from gongdan.accounts.services import user_deactivate
from gongdan.audit.models import AuditEntry
from gongdan.sso import oidc
from gongdan.sso.models import ExternalIdentity, MappingRule, ProviderKind
from gongdan.sso.profiles import SignInRefused
from gongdan.sso.services import provider_create, rule_create
from gongdan.sso.views import SESSION_KEY
from tests.factories import TeamFactory
from tests.sso.conftest import CLIENT_ID, CLIENT_SECRET, query_of, sign_in_at_provider

pytestmark = [pytest.mark.django_db, pytest.mark.peer("oidc-provider")]


@pytest.fixture
def it_team(db):
    return TeamFactory(name="IT 支持", name_en="IT")


@pytest.fixture
def acme(oidc_issuer, it_team):
    provider = provider_create(actor=None, kind=ProviderKind.OIDC, name="Acme 登录", name_en="Acme", slug="acme",
                               issuer=oidc_issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                               scopes="openid profile email groups", is_enabled=True, create_users=True)  # fmt: skip
    rule_create(actor=None, provider=provider, claim="groups", operator=MappingRule.Operator.CONTAINS,
                value="it-support", role=Role.AGENT, team=it_team)  # fmt: skip
    return provider


def start(client, slug="acme", **params):
    response = client.get(f"/sso/{slug}/start/", params)
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def round_trip(client, login, slug="acme"):
    back = sign_in_at_provider(start(client, slug), login)
    return client.get(back.removeprefix("http://testserver"))


def test_a_person_in_it_support_gets_an_agent_account_in_it_and_lands_in_the_queue(client, acme, it_team):
    # Given the rule "groups contains it-support → agent in IT"
    # When alice (in it-support at the provider) signs in for the first time
    response = round_trip(client, "alice")
    # Then she has an agent account in IT, made by the accounts service, and lands in the queue
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(external_identities__provider=acme, external_identities__subject="alice")
    assert (user.username, user.role, user.email, user.display_name) == ("alice", Role.AGENT, "alice@example.test",
                                                                         "Alice Agent")  # fmt: skip
    assert Membership.objects.filter(user=user, team=it_team).exists()
    assert not user.has_usable_password()
    assert client.get("/").status_code == 200
    kinds = list(AuditEntry.objects.order_by("seq").values_list("kind", flat=True))
    assert kinds[-4:] == ["user.create", "sso.user_create", "sign_in.success", "sso.sign_in"]


def test_the_authorization_request_carries_pkce_state_and_nonce(client, acme):
    query = query_of(start(client))
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]
    assert query["client_id"] == CLIENT_ID and query["redirect_uri"] == "http://testserver/sso/acme/callback/"


def test_someone_outside_the_mapped_groups_gets_the_default_role_and_the_portal(client, acme):
    response = round_trip(client, "bob")
    assert response.status_code == 302 and response["Location"] == "/portal/"
    assert User.objects.get(username="bob").role == Role.REQUESTER


def test_the_second_sign_in_uses_the_same_account(client, acme):
    round_trip(client, "alice")
    client.logout()
    assert round_trip(client, "alice").status_code == 302
    assert User.objects.filter(username__startswith="alice").count() == 1


def test_a_wrong_state_is_refused_and_signs_nobody_in(client, acme):
    back = sign_in_at_provider(start(client), "alice")
    query = query_of(back)
    response = client.get("/sso/acme/callback/", {"code": query["code"], "state": "forged"})
    assert response.status_code == 400
    assert "not valid any more" in response.content.decode()
    assert not User.objects.filter(username="alice").exists()
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(kind="sso.failure", detail__reason="bad_state").exists()


def test_a_replayed_code_is_refused_by_the_provider(client, acme):
    first = sign_in_at_provider(start(client), "alice")
    assert client.get(first.removeprefix("http://testserver")).status_code == 302
    client.logout()
    # a new sign-in's state, with the code already used
    fresh_state = query_of(start(client))["state"]
    response = client.get("/sso/acme/callback/", {"code": query_of(first)["code"], "state": fresh_state})
    assert response.status_code == 400
    assert "used already" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_same_callback_twice_is_refused(client, acme):
    back = sign_in_at_provider(start(client), "alice").removeprefix("http://testserver")
    assert client.get(back).status_code == 302
    client.logout()
    assert client.get(back).status_code == 400


def test_an_id_token_with_another_nonce_is_refused(client, acme):
    back = sign_in_at_provider(start(client), "alice")
    session = client.session
    flows = session[SESSION_KEY]
    flows[query_of(back)["state"]]["nonce"] = "not-the-one-sent"
    session[SESSION_KEY] = flows
    session.save()
    response = client.get(back.removeprefix("http://testserver"))
    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    assert not User.objects.filter(username="alice").exists()
    assert AuditEntry.objects.filter(kind="sso.failure", detail__reason="bad_nonce").exists()


def _real_id_token(acme):
    flow = oidc.new_flow()
    redirect = "http://testserver/sso/acme/callback/"
    code = query_of(sign_in_at_provider(oidc.authorization_url(acme, flow, redirect), "alice"))["code"]
    document = oidc.discovery(acme)
    tokens = oidc._token(acme, document, code, flow, redirect)
    return document, flow, tokens


def _tampered(id_token: str, **changes: str) -> str:
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_a_tampered_id_token_is_refused(acme):
    document, flow, tokens = _real_id_token(acme)
    # the untouched token passes: the test would pass for the wrong reason otherwise
    assert (
        oidc._id_token_claims(acme, document, tokens["id_token"], flow, tokens["access_token"])["sub"]
        == "alice"
    )
    with pytest.raises(SignInRefused) as refused:
        oidc._id_token_claims(
            acme, document, _tampered(tokens["id_token"], sub="admin"), flow, tokens["access_token"]
        )
    assert refused.value.code == "bad_id_token"


def test_an_id_token_for_another_client_is_refused(acme):
    document, flow, tokens = _real_id_token(acme)
    acme.client_id = "someone-else"
    with pytest.raises(SignInRefused) as refused:
        oidc._id_token_claims(acme, document, tokens["id_token"], flow, tokens["access_token"])
    assert refused.value.code == "bad_id_token"


def test_an_unknown_provider_is_a_clear_404(client, acme):
    for path in ("/sso/nobody/start/", "/sso/nobody/callback/?code=x&state=y"):
        response = client.get(path)
        assert response.status_code == 404
        assert "There is no sign-in method called “nobody”" in response.content.decode()


def test_a_turned_off_provider_offers_no_button_and_refuses(client, acme):
    assert "Sign in with Acme" in client.get("/login/").content.decode()
    type(acme).objects.filter(pk=acme.pk).update(is_enabled=False)
    assert "Sign in with Acme" not in client.get("/login/").content.decode()
    assert client.get("/sso/acme/start/").status_code == 404


def test_a_deactivated_person_cannot_come_back_through_the_provider(client, acme, admin_user):
    round_trip(client, "alice")
    client.logout()
    user_deactivate(actor=admin_user, user=User.objects.get(username="alice"))
    response = round_trip(client, "alice")
    assert response.status_code == 403
    assert "deactivated" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_without_account_creation_an_unknown_person_is_told_to_ask(client, acme):
    type(acme).objects.filter(pk=acme.pk).update(create_users=False)
    response = round_trip(client, "alice")
    assert response.status_code == 403
    assert "no account here yet" in response.content.decode()
    assert not ExternalIdentity.objects.exists()


def test_an_existing_account_is_linked_by_verified_email_when_the_admin_chose_so(client, acme, requester):
    requester.email = "bob@example.test"
    requester.save(update_fields=["email"])
    type(acme).objects.filter(pk=acme.pk).update(match_existing_by="email")
    assert round_trip(client, "bob").status_code == 302
    assert ExternalIdentity.objects.get(provider=acme).user == requester
    assert AuditEntry.objects.filter(kind="sso.link", object_id=str(requester.pk)).exists()


def test_a_provider_that_does_not_answer_is_a_clear_error(client, acme):
    type(acme).objects.filter(pk=acme.pk).update(issuer="http://127.0.0.1:9/")
    response = client.get("/sso/acme/start/")
    assert response.status_code == 502
    assert "cannot be reached" in response.content.decode()


def test_a_locked_out_username_is_refused_through_the_provider_too(client, acme, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    round_trip(client, "alice")
    client.logout()
    AccessAttempt.objects.create(username="alice", ip_address="192.0.2.1", user_agent="x", http_accept="*/*",
                                 path_info="/login/", get_data="", post_data="", attempt_time=timezone.now(),
                                 failures_since_start=settings.AXES_FAILURE_LIMIT)  # fmt: skip
    response = round_trip(client, "alice")
    assert response.status_code == 403
    assert "Too many failed sign-ins" in response.content.decode()
    assert AuditEntry.objects.filter(kind="sso.failure", detail__reason="locked_out").exists()
