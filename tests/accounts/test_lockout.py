"""One lockout for every way in (decision 0080): the sign-in page, the Django admin and the API's token
endpoint count towards the same limit per username and per address, a locked account stays locked whichever
door is tried next, an administrator can lift it, and the user hears about it."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from gongdan.accounts import services
from gongdan.accounts.sign_in_guard import is_locked_out, progressive_delay
from gongdan.accounts.signals import account_locked, account_unlocked
from gongdan.core.client_address import client_address
from gongdan.core.domain_errors import PermissionDenied
from tests.api.conftest import ApiClient, assert_error
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=False)


def web_sign_in(client: Client, username: str, password: str, path: str | None = None):
    return client.post(path or reverse("accounts:login"), {"username": username, "password": password})


def token(client: ApiClient, username: str, password: str):
    return client.post("auth/token", {"username": username, "password": password})


def fail_until_locked(settings, attempt) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt().status_code in (200, 401)
    assert attempt().status_code == 429


def test_wrong_passwords_on_the_web_lock_the_account_and_the_right_one_is_then_refused(agent, settings):
    client = Client()
    fail_until_locked(settings, lambda: web_sign_in(client, "agent", "wrong"))

    response = web_sign_in(client, "agent", PASSWORD)

    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert "locked" in response.content.decode() or "锁定" in response.content.decode()
    assert client.get(reverse("tickets:queue")).status_code == 302  # not signed in
    assert is_locked_out("agent") and is_locked_out("AGENT")


def test_a_lockout_earned_on_the_api_holds_on_the_web_and_the_django_admin(admin_user, settings):
    api = ApiClient()
    fail_until_locked(settings, lambda: token(api, "admin", "wrong"))

    # the browser cannot sidestep the API's lockout, nor the Django admin's sign-in page
    assert web_sign_in(Client(), "admin", PASSWORD).status_code == 429
    assert web_sign_in(Client(), "admin", PASSWORD, reverse("admin:login")).status_code == 429
    assert_error(token(api, "admin", PASSWORD), 429, "locked_out")


def test_the_django_admin_counts_towards_the_same_lockout(admin_user, settings):
    client = Client()
    fail_until_locked(settings, lambda: web_sign_in(client, "admin", "wrong", reverse("admin:login")))
    assert_error(token(ApiClient(), "admin", PASSWORD), 429, "locked_out")


def test_usernames_are_counted_normalised(agent, settings):
    client = Client()
    spellings = [
        "agent",
        "AGENT",
        " Agent ",
        "ａｇｅｎｔ",
    ]  # the last in full-width letters (NFKC folds them)
    for n in range(settings.AXES_FAILURE_LIMIT):
        web_sign_in(client, spellings[n % len(spellings)], "wrong")
    assert is_locked_out("agent")


def test_one_address_trying_many_usernames_is_locked_and_other_addresses_are_not(agent, settings):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": f"guess{n}", "password": "wrong"})

    assert web_sign_in(client, "agent", PASSWORD).status_code == 429
    assert not is_locked_out("agent")  # the account itself was never tried
    assert web_sign_in(Client(REMOTE_ADDR="203.0.113.8"), "agent", PASSWORD).status_code == 302


def test_the_forwarded_address_counts_only_behind_a_trusted_proxy(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9")
    assert client_address(request) == "10.0.0.2"  # no proxy configured: the header is the client's own words
    settings.GONGDAN_TRUSTED_PROXY_COUNT = 1
    assert client_address(request) == "198.51.100.9"  # what our proxy appended, not what the client wrote
    settings.GONGDAN_TRUSTED_PROXY_COUNT = 0
    settings.GONGDAN_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_address(request) == "198.51.100.9"
    spoofed = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_address(spoofed) == "192.0.2.1"


def test_a_success_before_the_limit_clears_the_count(agent, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        web_sign_in(client, "agent", "wrong")
    assert web_sign_in(client, "agent", PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username="agent").exists()


def test_an_admin_unlocks_on_the_people_screen_and_over_the_api(
    agent, admin_user, admin_browser, settings, django_capture_on_commit_callbacks
):
    fail_until_locked(settings, lambda: web_sign_in(Client(), "agent", "wrong"))
    screen = admin_browser.get(reverse("accounts:user_edit", args=[agent.pk]))
    assert "Unlock sign-in" in screen.content.decode()
    unlocked: list[dict] = []
    account_unlocked.connect(lambda **kw: unlocked.append(kw), weak=False, dispatch_uid="test-unlock")
    try:
        with pytest.raises(PermissionDenied):  # the people screen is for administrators only
            services.user_unlock(actor=agent, user=agent)
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_browser.post(reverse("accounts:user_unlock", args=[agent.pk]))
    finally:
        account_unlocked.disconnect(dispatch_uid="test-unlock")
    assert response.status_code == 302
    assert web_sign_in(Client(), "agent", PASSWORD).status_code == 302
    assert [(u["user"], u["actor"]) for u in unlocked] == [(agent, admin_user)]

    fail_until_locked(settings, lambda: token(ApiClient(), "agent", "wrong"))
    assert_error(ApiClient(agent).post(f"users/{agent.pk}/unlock", {}), 403)
    assert ApiClient(admin_user).post(f"users/{agent.pk}/unlock", {}).status_code == 200
    assert token(ApiClient(), "agent", PASSWORD).status_code == 201


def test_the_lockout_is_announced_once_and_the_user_is_told(
    agent, settings, django_capture_on_commit_callbacks
):
    heard: list[dict] = []
    account_locked.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="test-locked")
    try:
        client = Client()
        for _ in range(settings.AXES_FAILURE_LIMIT + 3):
            with django_capture_on_commit_callbacks(execute=True):
                web_sign_in(client, "agent", "wrong")
    finally:
        account_locked.disconnect(dispatch_uid="test-locked")
    assert [(h["username"], h["user"]) for h in heard] == [("agent", agent)]
    notice = agent.notifications.get(kind="account_locked")
    assert notice.data["ip_address"] == "127.0.0.1"


def test_an_unknown_username_is_counted_but_names_no_account(db, settings):
    heard: list[dict] = []
    account_locked.connect(lambda **kw: heard.append(kw), weak=False, dispatch_uid="test-locked-unknown")
    try:
        fail_until_locked(settings, lambda: web_sign_in(Client(), "nobody", "wrong"))
    finally:
        account_locked.disconnect(dispatch_uid="test-locked-unknown")
    assert [(h["username"], h["user"]) for h in heard] == [("nobody", None)]


@override_settings(GONGDAN_SIGNIN_DELAY_AFTER=3, GONGDAN_SIGNIN_DELAY_BASE=0.25, GONGDAN_SIGNIN_DELAY_MAX=2)
def test_the_delay_grows_after_a_few_failures_up_to_a_cap():
    assert [progressive_delay(n) for n in range(1, 9)] == [0, 0, 0, 0.25, 0.5, 1, 2, 2]


def test_an_inactive_lockout_setting_turns_the_guard_off(agent, settings):
    settings.AXES_ENABLED = False
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        web_sign_in(client, "agent", "wrong")
    assert web_sign_in(client, "agent", PASSWORD).status_code == 302


def test_a_requester_with_a_password_is_locked_the_same_way(db, settings):
    UserFactory(username="carol", role="requester")
    fail_until_locked(settings, lambda: web_sign_in(Client(), "carol", "wrong"))
    assert web_sign_in(Client(), "carol", PASSWORD).status_code == 429


def test_a_request_without_a_peer_address_is_counted_by_username(agent, settings):
    request = RequestFactory().post("/login/", {"username": "agent", "password": "wrong"})
    del request.META["REMOTE_ADDR"]
    for _ in range(settings.AXES_FAILURE_LIMIT):
        assert authenticate(request, username="agent", password="wrong") is None
    assert is_locked_out("agent")
    assert AccessAttempt.objects.filter(ip_address__isnull=True).exists()


def test_guessing_portal_links_locks_the_address_out_of_every_door(agent, requester, settings):
    """The portal's mailed links take no password, but a link that does not open is a guess like a wrong
    password: the address that makes them is locked out of the links, the sign-in page and the API."""
    guesser = Client(REMOTE_ADDR="203.0.113.20")
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        response = guesser.post(reverse("portal:link", args=[f"not-a-link-{n}"]))
        assert response.status_code in (400, 404, 410)
    crossing = guesser.post(reverse("portal:link", args=["the-last-guess"]))
    assert crossing.status_code == 429 and "Retry-After" in crossing.headers
    assert "data-rate-limited" in crossing.content.decode()  # the portal's own page, not the staff sign-in

    assert guesser.post(reverse("portal:link", args=["another-guess"])).status_code == 429
    assert guesser.post(reverse("portal:sign_in"), {"email": requester.email}).status_code == 429
    assert web_sign_in(guesser, "agent", PASSWORD).status_code == 429
    assert not is_locked_out("agent")  # no account was named: only the address is locked
    # another address is not touched by this one's guesses
    assert web_sign_in(Client(REMOTE_ADDR="203.0.113.21"), "agent", PASSWORD).status_code == 302
    assert Client(REMOTE_ADDR="203.0.113.21").post(reverse("portal:link", args=["x"])).status_code != 429


def test_blank_username_failures_from_many_addresses_never_add_up(agent, settings):
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(reverse("portal:link", args=["wrong"]))

    assert Client(REMOTE_ADDR="198.51.100.1").post(reverse("portal:link", args=["wrong"])).status_code != 429
    assert web_sign_in(Client(REMOTE_ADDR="198.51.100.1"), "agent", PASSWORD).status_code == 302


def test_lifting_a_lockout_is_in_the_audit_trail(agent, admin_user, admin_browser, settings):
    from gongdan.audit.models import AuditEntry

    fail_until_locked(settings, lambda: web_sign_in(Client(), "agent", "wrong"))
    admin_browser.post(reverse("accounts:user_unlock", args=[agent.pk]))

    entry = AuditEntry.objects.filter(kind="user.unlock").get()
    assert (entry.actor_id, entry.object_id) == (admin_user.pk, str(agent.pk))
