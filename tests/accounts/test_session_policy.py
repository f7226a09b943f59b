"""Idle timeout and absolute session lifetime (decision 0118), on pages, htmx fragments and the API session,
with the clock moved forward."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from gongdan.accounts.models import SignInPolicy
from gongdan.accounts.session_policy import SEEN_AT, SIGNED_IN_AT
from tests.clients import signed_in

pytestmark = pytest.mark.django_db

QUEUE = reverse("tickets:queue")


@pytest.fixture
def travel(monkeypatch):
    """Move the clock `seconds` forward (cumulative)."""
    real = time.time
    offset = [0.0]

    def to(seconds: float) -> None:
        offset[0] += seconds
        monkeypatch.setattr(time, "time", lambda: real() + offset[0])

    return to


def test_staff_are_signed_out_after_30_idle_minutes(agent, travel):
    client = signed_in(agent)
    travel(29 * 60)
    assert client.get(QUEUE).status_code == 200  # activity: the idle clock starts again
    travel(29 * 60)
    assert client.get(QUEUE).status_code == 200
    travel(31 * 60)
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login") + "?next=")
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"])
    assert "signed out after a time without activity" in page.content.decode()


def test_requesters_idle_timeout_is_longer(requester, travel):
    client = signed_in(requester)
    travel(2 * 3600)
    assert client.get(reverse("portal:home")).status_code == 200
    travel(8 * 3600 + 60)
    assert client.get(reverse("portal:home")).status_code == 302


def test_absolute_lifetime_ends_an_active_session(agent, travel):
    client = signed_in(agent)
    for step in range(1, 30):  # noqa: B007 (read after the loop) busy all day: a request every 30 min minus a bit
        travel(29 * 60 + 50)
        if client.get(QUEUE).status_code != 200:
            break
    else:
        pytest.fail("a staff session outlived 12 hours")
    assert step == 25  # the 24th request (11.9 h) was served, the 25th (12.4 h) was not


def test_htmx_after_timeout_gets_hx_redirect_not_a_login_fragment(agent, travel):
    client = signed_in(agent)
    travel(31 * 60)
    response = client.get(
        reverse("accounts:profile"),
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/tickets/?q=printer"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(reverse("accounts:login") + "?next=")
    assert response["HX-Redirect"].endswith("?next=/tickets/%3Fq%3Dprinter")  # the page, not the fragment
    assert response.content == b""


def test_api_with_the_session_after_timeout_is_401(agent, travel):
    client = signed_in(agent)
    assert client.get("/api/v1/users/me").status_code == 200
    travel(31 * 60)
    response = client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_expired"


def test_the_policy_sets_the_limits(agent, travel):
    SignInPolicy.objects.create(pk=1, staff_idle_minutes=5)
    client = signed_in(agent)
    travel(6 * 60)
    assert client.get(QUEUE).status_code == 302


def test_last_seen_is_written_at_most_once_a_minute(agent, travel):
    client = signed_in(agent)
    first = client.session[SEEN_AT]
    client.get(QUEUE)
    assert client.session[SEEN_AT] == first
    travel(90)
    client.get(QUEUE)
    assert client.session[SEEN_AT] >= first + 90
    assert client.session[SIGNED_IN_AT] <= first
