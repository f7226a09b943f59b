"""Floods are refused with a clear 429 page before they reach the database."""

from __future__ import annotations

import os

import pytest
from django.core.cache import caches
from django.test import Client

from gongdan.portal.models import MagicLink
from gongdan.tickets.models import Ticket
from tests.peers import require_peer
from tests.portal.conftest import mails_to

pytestmark = pytest.mark.django_db


def test_sign_in_links_per_ip(settings, django_assert_num_queries):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"link_ip": (3, 600)}
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.9")
    for i in range(3):
        assert client.post("/portal/sign-in/", {"email": f"p{i}@example.com"}).status_code == 200
    with django_assert_num_queries(0):  # refused before any query: a flood never slows agents
        response = client.post("/portal/sign-in/", {"email": "p9@example.com"})
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert b"data-rate-limited" in response.content and b"10 minutes" in response.content
    assert MagicLink.objects.count() == 3
    # Another address (IP) is not affected
    assert (
        Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.1")
        .post("/portal/sign-in/", {"email": "q@example.com"})
        .status_code
        == 200
    )


def test_sign_in_links_per_address_across_ips(settings):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"link_address": (2, 3600)}
    for i in range(2):
        Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"192.0.2.{i}").post(
            "/portal/sign-in/", {"email": "victim@example.com"}
        )
    response = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="192.0.2.99").post(
        "/portal/sign-in/", {"email": "Victim@Example.com"}
    )
    assert response.status_code == 429
    assert len(mails_to("victim@example.com")) == 2  # a mailbox cannot be bombed


def test_lookup_is_rate_limited(settings, make_request, requester):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"lookup_ip": (2, 3600)}
    ticket = make_request()
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.50")
    for number in ("GD-1999-000001", "GD-1999-000002"):
        assert client.post("/portal/lookup/", {"number": number, "email": requester.email}).status_code == 200
    response = client.post("/portal/lookup/", {"number": ticket.number, "email": requester.email})
    assert response.status_code == 429
    assert mails_to(requester.email) == []


def test_submitting_is_rate_limited_per_user(settings, requester_client):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"submit_user": (2, 3600)}
    for i in range(2):
        assert requester_client.post("/portal/new/", {"subject": f"Problem {i}"}).status_code == 302
    assert requester_client.post("/portal/new/", {"subject": "Problem 3"}).status_code == 429
    assert Ticket.objects.count() == 2


def test_surveys_are_rate_limited(settings, client):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"survey_ip": (1, 60)}
    client.post("/portal/survey/nonsense/", {"rating": "5"})
    response = client.post("/portal/survey/nonsense/", {"rating": "5"})
    assert response.status_code == 429
    assert b"a minute" in response.content


@pytest.fixture
def redis_cache(settings):
    """The production cache backend: Redis (GONGDAN_TEST_REDIS_URL, default db 9 for the portal's tests)."""
    require_peer("redis")
    url = os.environ.get("GONGDAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
                                   "KEY_PREFIX": "portal-tests"}}  # fmt: skip
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_limits_hold_on_the_redis_cache(redis_cache, settings):
    settings.GONGDAN_PORTAL_RATE_LIMITS = {"link_ip": (2, 60)}
    client = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.77")
    codes = [client.post("/portal/sign-in/", {"email": f"r{i}@example.com"}).status_code for i in range(3)]
    assert codes == [200, 200, 429]
    client_redis = redis_cache._cache.get_client()
    keys = client_redis.keys("*portal-rate*")
    assert keys and all(
        0 < client_redis.ttl(key) <= 3600 for key in keys
    )  # counters expire with their window
