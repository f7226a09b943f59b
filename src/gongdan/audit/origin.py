"""Where a change came from: the client's address and user agent. The middleware keeps them for the length of
a request, so services deep below a view (accounts, api) record them without being handed the request.

Behind a reverse proxy REMOTE_ADDR is the proxy: the address is read as the sign-in lockout reads it
(gongdan.core.client_address: GONGDAN_TRUSTED_PROXY_COUNT or GONGDAN_TRUSTED_PROXIES)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from gongdan.core.client_address import client_address as shared_client_address

MAX_USER_AGENT = 300


@dataclass(frozen=True)
class Origin:
    address: str | None
    user_agent: str


NOWHERE = Origin(address=None, user_agent="")
_current: ContextVar[Origin] = ContextVar("gongdan_audit_origin", default=NOWHERE)


def client_address(request: HttpRequest) -> str | None:
    """The one reading of the client's address (gongdan.core.client_address), None when it gave none."""
    address = shared_client_address(request)
    return None if address == "unknown" else address


def origin_of(request: HttpRequest) -> Origin:
    agent = str(request.META.get("HTTP_USER_AGENT", ""))[:MAX_USER_AGENT]
    return Origin(address=client_address(request), user_agent=agent)


def current() -> Origin:
    return _current.get()


class AuditOriginMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(origin_of(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
