"""Passkeys: several named keys registered through the real endpoints with real attestation objects from a
software authenticator, then one of them signing the second step of a sign-in. Forged signatures, foreign
origins and replayed challenges are refused."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from gongdan.audit.models import AuditEntry
from gongdan.mfa.models import Passkey, RecoveryCode
from tests.clients import signed_in
from tests.mfa.authenticator import SoftwareAuthenticator
from tests.mfa.conftest import password_step

pytestmark = pytest.mark.django_db


def post_json(client: Client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def register(client: Client, authenticator: SoftwareAuthenticator, name: str, **create_kwargs):
    options = post_json(client, reverse("mfa:passkey_options")).json()
    credential = authenticator.create(options, **create_kwargs)
    return post_json(client, reverse("mfa:passkey_add"), {"name": name, "credential": credential})


def test_several_named_passkeys_are_registered_and_the_first_one_brings_recovery_codes(agent):
    client = signed_in(agent)
    first, second = SoftwareAuthenticator(), SoftwareAuthenticator()

    one = register(client, first, "YubiKey 5")
    fresh = client.get(one.json()["redirect"])
    two = register(client, second, "工作电脑")

    assert one.status_code == 200 and one.json()["redirect"] == reverse("mfa:fresh_codes")
    assert fresh.status_code == 200 and fresh.content.decode().count('<code class="fs-3">') == 10
    assert two.status_code == 200 and two.json()["redirect"] == reverse("mfa:enrol")
    assert list(Passkey.objects.filter(user=agent).values_list("name", flat=True)) == [
        "YubiKey 5",
        "工作电脑",
    ]
    assert RecoveryCode.objects.filter(user=agent).count() == 10
    assert AuditEntry.objects.filter(kind="mfa.enrol", actor=agent).count() == 2


def test_the_options_exclude_keys_already_registered(agent):
    client = signed_in(agent)
    authenticator = SoftwareAuthenticator()
    register(client, authenticator, "key")

    options = post_json(client, reverse("mfa:passkey_options")).json()

    assert [c["id"] for c in options["excludeCredentials"]] == [Passkey.objects.get().credential_id]
    assert options["attestation"] == "none" and options["rp"]["id"] == "testserver"


@pytest.mark.parametrize(
    ("name", "message"), [("", "Give the passkey a name"), ("a\nb", "One line"), ("x" * 101, "At most 100")]
)
def test_a_bad_name_is_refused_and_nothing_is_kept(agent, name, message):
    client = signed_in(agent)

    response = register(client, SoftwareAuthenticator(), name)

    assert response.status_code == 422 and message in response.json()["error"]
    assert not Passkey.objects.exists()


def test_an_attestation_for_another_origin_or_a_replayed_challenge_is_refused(agent):
    client = signed_in(agent)

    phished = register(client, SoftwareAuthenticator(), "key", origin="https://evil.example")
    assert phished.status_code == 422 and "could not be registered" in phished.json()["error"]

    options = post_json(client, reverse("mfa:passkey_options")).json()
    credential = SoftwareAuthenticator().create(options)
    assert (
        post_json(client, reverse("mfa:passkey_add"), {"name": "a", "credential": credential}).status_code
        == 200
    )
    again = post_json(client, reverse("mfa:passkey_add"), {"name": "b", "credential": credential})
    assert again.status_code == 400  # the challenge was used up
    assert Passkey.objects.count() == 1


def test_garbage_instead_of_a_credential_is_a_clear_422(agent):
    client = signed_in(agent)
    post_json(client, reverse("mfa:passkey_options"))

    response = post_json(client, reverse("mfa:passkey_add"), {"name": "a", "credential": "not json"})

    assert response.status_code == 422 and response.json()["error"]
    assert not Passkey.objects.exists()


def sign_in_with(client: Client, authenticator: SoftwareAuthenticator, **get_kwargs):
    options = post_json(client, reverse("mfa:verify_passkey_options")).json()
    return post_json(
        client, reverse("mfa:verify_passkey"), {"credential": authenticator.get(options, **get_kwargs)}
    )


def test_a_passkey_signs_the_second_step(agent):
    authenticator = SoftwareAuthenticator()
    register(signed_in(agent), authenticator, "key")
    client = Client()

    assert password_step(client, agent, next_url="/tickets/").url == reverse("mfa:verify")
    page = client.get(reverse("mfa:verify"))
    assert "data-passkey-sign-in" in page.content.decode()
    response = sign_in_with(client, authenticator)

    assert response.status_code == 200 and response.json()["redirect"] == "/tickets/"
    assert int(client.session[SESSION_KEY]) == agent.pk
    passkey = Passkey.objects.get()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    entry = AuditEntry.objects.filter(kind="sign_in.mfa").latest("seq")
    assert entry.detail == {"result": "passed", "method": "passkey", "purpose": "sign_in"}


def test_a_forged_signature_is_refused_and_counted(agent):
    authenticator = SoftwareAuthenticator()
    register(signed_in(agent), authenticator, "key")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    password_step(client, agent)

    response = sign_in_with(client, authenticator, key=ec.generate_private_key(ec.SECP256R1()))

    assert response.status_code == 400 and "could not be checked" in response.json()["error"]
    assert SESSION_KEY not in client.session
    assert AuditEntry.objects.filter(kind="sign_in.failure", actor_username=agent.username).exists()


def test_another_users_passkey_does_not_sign_in(agent, lead):
    theirs = SoftwareAuthenticator()
    register(signed_in(lead), theirs, "lead's key")
    register(signed_in(agent), SoftwareAuthenticator(), "mine")
    client = Client()
    password_step(client, agent)

    response = sign_in_with(client, theirs)

    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_removing_a_passkey_needs_a_code(agent):
    client = signed_in(agent)
    register(client, SoftwareAuthenticator(), "one")
    codes_page = client.get(reverse("mfa:fresh_codes"))
    code = codes_page.content.decode().split('<code class="fs-3">')[1].split("<")[0]
    passkey = Passkey.objects.get()

    assert (
        client.post(reverse("mfa:remove"), {"what": f"passkey:{passkey.pk}", "code": "nope"}).status_code
        == 422
    )
    assert (
        client.post(reverse("mfa:remove"), {"what": f"passkey:{passkey.pk}", "code": code}).status_code == 302
    )
    assert not Passkey.objects.exists()
