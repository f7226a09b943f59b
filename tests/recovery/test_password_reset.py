"""Password reset by mailed link (decision 0119): the same answer and the same work for known and unknown
addresses, rate limits, a token that works once, for 30 minutes, and only while the credentials it was
issued for hold; the new password goes through the policy, revokes everything, is audited and announced."""

from __future__ import annotations

import re
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from huey.contrib.djhuey import HUEY

from gongdan.accounts import services as accounts
from gongdan.accounts.models import SignInPolicy, User
from gongdan.api.models import ApiToken
from gongdan.api.services import api_token_authenticate, api_token_create
from gongdan.audit.models import AuditEntry
from gongdan.outbox.models import OutboxMessage
from gongdan.recovery.mail import password_reset_mail_send
from tests.clients import signed_in
from tests.factories import PASSWORD, RequesterFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW = "tide pools under violet sky 9"
LINK = re.compile(r"https?://[^\s\"<>]+/password/reset/([^\s\"<>/]+)/")
PER_RESPONSE = re.compile(
    rb'(name="csrfmiddlewaretoken" value|name="csrf-token" content|nonce)="[^"]+"'
)  # differ on every answer


@pytest.fixture(autouse=True)
def _empty_rate_limits():
    cache.clear()
    yield
    cache.clear()


def ask(email: str, client: Client | None = None):
    client = client or Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.7")
    return client.post(reverse("recovery:request"), {"email": email})


def token_in_mail(user: User) -> str:
    mail = OutboxMessage.objects.filter(address=user.email, kind="password_reset").latest("pk")
    match = LINK.search(mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def set_new(token: str, password: str = NEW, client: Client | None = None):
    client = client or Client(HTTP_ACCEPT_LANGUAGE="en")
    return client.post(
        reverse("recovery:reset", args=[token]), {"new_password1": password, "new_password2": password}
    )


# Asking -------------------------------------------------------------------------------------------------


def test_known_and_unknown_addresses_get_the_same_answer_and_queue_the_same_task(agent):
    previous = HUEY.immediate
    HUEY.immediate = False  # keep the tasks in the queue to compare them
    HUEY.flush()
    try:
        known = ask(agent.email)  # agent@example.com
        unknown = ask("nobod@example.com")  # as long, and no account has it
        pending = HUEY.pending()
    finally:
        HUEY.flush()
        HUEY.immediate = previous
    assert known.status_code == unknown.status_code == 200

    def page(response, email: str) -> bytes:
        return PER_RESPONSE.sub(b"", response.content).replace(email.encode(), b"EMAIL")

    assert page(known, agent.email) == page(unknown, "nobod@example.com")
    assert sorted(known.headers) == sorted(unknown.headers)
    assert [task.name for task in pending] == ["password_reset_mail", "password_reset_mail"]
    assert [task.args for task in pending] == [(agent.email, "en"), ("nobod@example.com", "en")]
    assert not OutboxMessage.objects.exists()  # nothing was looked up or written by the request


def test_the_task_mails_a_known_address_and_nothing_for_others(agent, requester):
    ask(agent.email)
    assert token_in_mail(agent)
    for email in ("nobody@example.com", requester.email.upper()):  # unknown; a requester has a password too
        ask(email)
    assert OutboxMessage.objects.filter(kind="password_reset").count() == 2
    passwordless = RequesterFactory(username="linkonly")
    passwordless.set_unusable_password()
    passwordless.save()
    assert password_reset_mail_send(email=passwordless.email, language="en") is None
    inactive = UserFactory(username="gone", role="agent", is_active=False)
    assert password_reset_mail_send(email=inactive.email, language="en") is None


def test_the_mail_is_in_the_persons_language(db):
    zh = UserFactory(username="wang", role="agent", language="zh-hans")
    ask(zh.email)
    mail = OutboxMessage.objects.get(kind="password_reset")
    assert "重置" in mail.subject and "30" in mail.body_text
    en = UserFactory(username="smith", role="agent", language="en")
    ask(en.email)
    assert "Reset your password" in OutboxMessage.objects.filter(address=en.email).get().subject


def test_a_bad_address_is_a_400_and_queues_nothing(agent):
    response = ask("not an address")
    assert response.status_code == 400
    assert not OutboxMessage.objects.exists()


def test_rate_limited_per_address_and_per_client(settings, agent):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"reset_address": (2, 3600), "reset_ip": (4, 600)}
    for n in range(2):
        assert ask(agent.email, Client(REMOTE_ADDR=f"198.51.100.{n}")).status_code == 200
    mailed = OutboxMessage.objects.filter(kind="password_reset").count()  # 1 or 2: one a second at most
    refused = ask(agent.email, Client(REMOTE_ADDR="198.51.100.9", HTTP_ACCEPT_LANGUAGE="en"))
    assert refused.status_code == 429 and refused["Retry-After"] == "3600"
    assert b"Too many reset links" in refused.content
    assert OutboxMessage.objects.filter(kind="password_reset").count() == mailed
    client = Client(REMOTE_ADDR="203.0.113.50")
    for n in range(4):
        assert ask(f"p{n}@example.com", client).status_code == 200
    assert ask("p9@example.com", client).status_code == 429


# Using the link ------------------------------------------------------------------------------------------


def test_the_link_sets_a_new_password_once_revokes_everything_and_is_audited(agent):
    browser = signed_in(agent)
    _row, raw = api_token_create(actor=agent)
    ask(agent.email)
    token = token_in_mail(agent)
    page = Client().get(reverse("recovery:reset", args=[token]))
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    response = set_new(token)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    agent.refresh_from_db()
    assert agent.check_password(NEW)
    assert browser.get(reverse("tickets:queue")).status_code == 302  # the old session ended
    assert api_token_authenticate(raw) is None
    assert ApiToken.objects.filter(user=agent, revoked_at__isnull=True).count() == 0
    assert AuditEntry.objects.filter(kind="password.reset", object_id=str(agent.pk)).count() == 1
    told = OutboxMessage.objects.get(address=agent.email, kind="password_reset_done")
    assert "was changed with a reset link" in told.body_text
    again = set_new(token, "another fine passphrase 77")  # reuse
    assert again.status_code == 400 and b"not valid any more" in again.content
    agent.refresh_from_db()
    assert agent.check_password(NEW)


def test_the_link_expires_after_30_minutes(agent, monkeypatch):
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 31 * 60)  # issued 31 minutes ago
    token = accounts.password_reset_token(user=agent)
    monkeypatch.setattr(time, "time", real)
    response = set_new(token)
    assert response.status_code == 400 and b"expired" in response.content
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)


def test_the_policy_sets_the_lifetime(agent, monkeypatch):
    SignInPolicy.objects.create(pk=1, reset_link_minutes=10)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 11 * 60)
    token = accounts.password_reset_token(user=agent)
    monkeypatch.setattr(time, "time", real)
    assert set_new(token).status_code == 400


@pytest.mark.parametrize("change", ["password", "role", "deactivate"])
def test_a_later_credential_change_kills_the_link(agent, admin_user, change):
    token = accounts.password_reset_token(user=agent)
    if change == "password":
        accounts.user_update(actor=agent, user=agent, password="a different passphrase 5")
    elif change == "role":
        accounts.user_update(actor=admin_user, user=agent, role="team_lead")
    else:
        accounts.user_deactivate(actor=admin_user, user=agent)
        accounts.user_reactivate(actor=admin_user, user=agent)
    assert set_new(token).status_code == 400


def test_the_new_password_goes_through_the_policy(agent):
    token = accounts.password_reset_token(user=agent)
    response = set_new(token, "zhangsan1")
    assert response.status_code == 422
    assert response.context["form"].errors["new_password2"]
    agent.refresh_from_db()
    assert agent.check_password(PASSWORD)
    assert set_new(token, PASSWORD).status_code == 422  # the history: not the current one again
    assert set_new(token).status_code == 302  # the link still works after a refused try


def test_a_tampered_link_is_refused(agent):
    token = accounts.password_reset_token(user=agent)
    forged = signing.dumps({"u": agent.pk, "f": "0" * 32}, salt="gongdan.accounts.password-reset")
    assert set_new(forged).status_code == 400
    assert set_new(token[:-2] + "xx").status_code == 400
    assert Client().get("/password/reset/" + "a" * 400 + "/").status_code == 400


def test_login_page_links_to_the_reset(db):
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(reverse("accounts:login"))
    assert reverse("recovery:request").encode() in page.content
