"""Field encryption: SM4-GCM or AES-256-GCM, keys from the environment, algorithm and key id in the value."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from gongdan.core import field_crypto
from gongdan.outbox.models import Webhook

KEY_A = "a1:" + base64.urlsafe_b64encode(b"A" * 32).decode()
KEY_B = "b2:" + base64.urlsafe_b64encode(b"B" * 32).decode()


@pytest.mark.parametrize("cipher", ["sm4", "aes"])
def test_a_value_round_trips_and_names_its_algorithm_and_key(settings, cipher):
    settings.GONGDAN_FIELD_CIPHER = cipher
    settings.GONGDAN_FIELD_KEYS = KEY_A
    sealed = field_crypto.encrypt("身份证 110101199003077777")
    assert sealed.startswith(f"gdenc:1:{cipher}:a1:")
    assert "110101199003077777" not in sealed
    assert field_crypto.decrypt(sealed) == "身份证 110101199003077777"
    assert field_crypto.encrypt("x") != field_crypto.encrypt("x")  # a fresh nonce each time


def test_an_altered_or_relabelled_value_is_refused(settings):
    settings.GONGDAN_FIELD_KEYS = KEY_A
    sealed = field_crypto.encrypt("secret")
    body = sealed.rsplit(":", 1)[1]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(field_crypto.UndecryptableValue):
        field_crypto.decrypt(sealed.rsplit(":", 1)[0] + ":" + flipped)
    with pytest.raises(field_crypto.UndecryptableValue):  # the algorithm is bound to the ciphertext
        field_crypto.decrypt(sealed.replace(":sm4:", ":aes:"))


def test_an_older_key_still_opens_and_a_missing_one_does_not(settings):
    settings.GONGDAN_FIELD_KEYS = KEY_A
    old = field_crypto.encrypt("v")
    settings.GONGDAN_FIELD_KEYS = f"{KEY_B},{KEY_A}"
    assert field_crypto.decrypt(old) == "v" and not field_crypto.is_current(old)
    settings.GONGDAN_FIELD_KEYS = KEY_B
    with pytest.raises(field_crypto.UndecryptableValue):
        field_crypto.decrypt(old)


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        ("nocolon", "id:base64"),
        ("k:" + base64.b64encode(b"short").decode(), "32 bytes"),
        (f"{KEY_A},{KEY_A}", "twice"),
    ],
)
def test_bad_key_configuration_is_refused_with_the_reason(keys, reason):
    with pytest.raises(ImproperlyConfigured, match=reason):
        field_crypto.parse_keys(keys)


def raw_secret(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT secret FROM {Webhook._meta.db_table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_rotation_reseals_credentials_under_the_newest_key_and_a_second_run_changes_nothing(settings):
    settings.GONGDAN_FIELD_KEYS = KEY_A
    hooks = [
        Webhook.objects.create(name=f"h{i}", url="https://crm.example/hook", secret=f"whsec_{i}")
        for i in range(3)
    ]
    assert all(":a1:" in raw_secret(h.pk) for h in hooks)
    settings.GONGDAN_FIELD_KEYS = f"{KEY_B},{KEY_A}"
    settings.GONGDAN_FIELD_CIPHER = "aes"
    out = StringIO()
    call_command("rotate_field_keys", "--batch-size", "2", stdout=out)
    assert "outbox.Webhook (secret): 3 re-sealed" in out.getvalue()
    assert all(raw_secret(h.pk).startswith("gdenc:1:aes:b2:") for h in hooks)
    settings.GONGDAN_FIELD_KEYS = KEY_B  # the old key is gone: everything still opens
    assert sorted(Webhook.objects.values_list("secret", flat=True)) == ["whsec_0", "whsec_1", "whsec_2"]
    again = StringIO()
    call_command("rotate_field_keys", stdout=again)
    assert "done: 0 re-sealed" in again.getvalue()


def test_the_command_prints_a_fresh_key():
    out = StringIO()
    call_command("rotate_field_keys", "--new-key", "2027a", stdout=out)
    key_id, _sep, _key = out.getvalue().strip().partition(":")
    assert key_id == "2027a" and len(field_crypto.parse_keys(out.getvalue().strip())[0][1]) == 32
