from __future__ import annotations

import socket

import pytest

from tests.peers import require_peer


@pytest.fixture
def test_redis_url() -> str:
    return require_peer("redis")


@pytest.fixture
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
