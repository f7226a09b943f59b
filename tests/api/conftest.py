"""API test helpers: a client that speaks JSON with a bearer token, and tickets made by the services."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from gongdan.api.services import api_token_create
from gongdan.tickets.services import ticket_create


class ApiClient:
    def __init__(self, user: Any = None) -> None:
        self.client = Client()
        self.headers: dict[str, str] = {}
        if user is not None:
            _token, raw = api_token_create(actor=user)
            self.headers["Authorization"] = f"Bearer {raw}"

    def _call(
        self, method: str, path: str, data: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        all_headers = {**self.headers, **(headers or {})}
        if data is not None and not isinstance(data, bytes | str):
            data = json.dumps(data)
        if data is not None:
            kw.setdefault("content_type", "application/json")
            kw["data"] = data
        return getattr(self.client, method)(url, headers=all_headers, **kw)

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.client.get(url, params or {}, headers={**self.headers, **kw.pop("headers", {})}, **kw)

    def post(self, path: str, data: Any = None, **kw: Any):
        return self._call("post", path, data, **kw)

    def patch(self, path: str, data: Any = None, **kw: Any):
        return self._call("patch", path, data, **kw)

    def put(self, path: str, data: Any = None, **kw: Any):
        return self._call("put", path, data, **kw)

    def delete(self, path: str, **kw: Any):
        return self._call("delete", path, None, **kw)


def assert_error(response, status: int, code: str | None = None) -> dict[str, Any]:
    """Every error has the one shape; returns the `error` object."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "details"}
    assert isinstance(error["message"], str) and error["message"]
    assert all(isinstance(v, list) for v in error["details"].values())
    if code is not None:
        assert error["code"] == code, error
    return error


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as():
    return ApiClient


@pytest.fixture
def anon():
    return ApiClient()


@pytest.fixture
def agent_api(agent):
    return ApiClient(agent)


@pytest.fixture
def requester_api(requester):
    return ApiClient(requester)


@pytest.fixture
def admin_api(admin_user):
    return ApiClient(admin_user)


@pytest.fixture
def make_ticket(agent, category):
    def make(actor=None, **kwargs: Any):
        actor = actor or agent
        kwargs.setdefault("subject", "打印机卡纸 printer jammed")
        kwargs.setdefault("category", category)
        return ticket_create(actor=actor, **kwargs)

    return make
