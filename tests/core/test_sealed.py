"""Credentials Gongdan must use again are encrypted at rest: a dump of the database does not reveal them."""

from __future__ import annotations

import logging

import pytest
from django.db import connection

from gongdan.channels.models import Mailbox
from gongdan.core.field_crypto import PREFIX
from gongdan.core.sealed import LEGACY_PREFIX, seal, seal_existing, unseal
from gongdan.outbox.models import ChatBot, Webhook

pytestmark = pytest.mark.django_db


def stored(model, pk: int, column: str) -> str:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608 — test's own names
        return cursor.fetchone()[0]


def test_a_mailbox_password_and_tokens_are_stored_sealed_and_read_back_plain():
    mailbox = Mailbox.objects.create(name="Support", address="support@example.test", host="h", username="u",
                                     password="hunter2-密码", oauth_client_secret="client-secret-cs", oauth_refresh_token="refresh-token-rt")  # fmt: skip
    for column, plain in (
        ("password", "hunter2-密码"),
        # Long enough that they cannot turn up by chance in the random base64 of a sealed value.
        ("oauth_client_secret", "client-secret-cs"),
        ("oauth_refresh_token", "refresh-token-rt"),
    ):
        raw = stored(Mailbox, mailbox.pk, column)
        assert raw.startswith(PREFIX) and plain not in raw
    fresh = Mailbox.objects.get(pk=mailbox.pk)
    assert (fresh.password, fresh.oauth_client_secret, fresh.oauth_refresh_token) == (
        "hunter2-密码",
        "client-secret-cs",
        "refresh-token-rt",
    )
    assert Mailbox.objects.values_list("password", flat=True).get() == "hunter2-密码"
    assert stored(Mailbox, mailbox.pk, "oauth_access_token") == ""  # empty stays empty


def test_chat_bot_url_and_secrets_are_sealed():
    bot = ChatBot.objects.create(name="Ops", kind="dingtalk", secret="SECabc",
                                 url="https://oapi.dingtalk.com/robot/send?access_token=tok123")  # fmt: skip
    hook = Webhook.objects.create(name="CRM", url="https://crm.example/hook", secret="whsec_xyz")
    assert "tok123" not in stored(ChatBot, bot.pk, "url") and "SECabc" not in stored(
        ChatBot, bot.pk, "secret"
    )
    assert "whsec_xyz" not in stored(Webhook, hook.pk, "secret")
    assert ChatBot.objects.get().url.endswith("access_token=tok123")
    assert Webhook.objects.get().secret == "whsec_xyz"
    # An update through the queryset seals too.
    Webhook.objects.filter(pk=hook.pk).update(secret="whsec_new")
    assert (
        "whsec_new" not in stored(Webhook, hook.pk, "secret") and Webhook.objects.get().secret == "whsec_new"
    )


def test_a_value_stored_before_sealing_is_read_and_sealed_by_the_migration_helper():
    hook = Webhook.objects.create(name="Old", url="https://old.example/hook", secret="x")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Webhook._meta.db_table} SET secret = %s WHERE id = %s",  # noqa: S608
            ["plain-old", hook.pk],
        )
    assert Webhook.objects.get().secret == "plain-old"
    assert seal_existing(Webhook, "secret") == 1
    assert stored(Webhook, hook.pk, "secret").startswith(PREFIX)
    assert Webhook.objects.get().secret == "plain-old"


def test_a_rotated_secret_key_still_opens_old_values(settings):
    sealed = seal("bot-secret")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-and-long-enough-secret-key-for-this-test-0123456789"
    assert unseal(sealed) == "bot-secret"
    assert unseal(seal("new")) == "new"


def test_a_value_sealed_with_a_lost_key_reads_empty_and_is_logged(settings, caplog):
    sealed = seal("bot-secret")
    settings.SECRET_KEY = "another-secret-key-without-the-old-one-as-fallback-0123456789"
    settings.SECRET_KEY_FALLBACKS = []
    with caplog.at_level(logging.ERROR, logger="gongdan.core.sealed"):
        assert unseal(sealed, where="notifications.ChatBot.secret") == ""
    assert "notifications.ChatBot.secret" in caplog.text
    assert unseal(PREFIX + "not-a-token") == ""
    assert unseal(LEGACY_PREFIX + "not-a-token") == ""


def test_a_secret_that_looks_sealed_is_still_sealed():
    assert unseal(seal(PREFIX + "abc")) == PREFIX + "abc"


def test_the_seal_secrets_command_reseals_with_the_current_key(settings):
    from io import StringIO

    from django.core.management import call_command

    hook = Webhook.objects.create(name="CRM", url="https://crm.example/hook", secret="whsec_xyz")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-and-long-enough-secret-key-for-this-test-0123456789"
    out = StringIO()
    call_command("seal_secrets", stdout=out)
    assert "outbox.Webhook: 1 row(s) sealed" in out.getvalue()
    settings.SECRET_KEY_FALLBACKS = []  # the old key is gone: the value must open with the new one alone
    assert Webhook.objects.get(pk=hook.pk).secret == "whsec_xyz"
