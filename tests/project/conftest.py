from __future__ import annotations

import os
import socket

import pytest


def redis_url() -> str | None:
    """A Redis database the tests may use, or None when none answers (CI always provides one)."""
    url = os.environ.get("GONGDAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError):
        return None
    return url


@pytest.fixture
def test_redis_url() -> str:
    url = redis_url()
    if url is None:
        if os.environ.get("CI"):
            pytest.fail("CI must provide Redis (GONGDAN_TEST_REDIS_URL or 127.0.0.1:6379)")
        pytest.skip("no Redis answers at GONGDAN_TEST_REDIS_URL / 127.0.0.1:6379")
    return url


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
