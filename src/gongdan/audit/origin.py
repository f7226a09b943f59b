"""Where a change came from: the client's address and user agent. The middleware keeps them for the length of
a request, so services deep below a view (accounts, api) record them without being handed the request.

Behind a reverse proxy REMOTE_ADDR is the proxy. List the proxies in GONGDAN_TRUSTED_PROXIES (addresses or
networks, comma-separated); when the request comes from one of them, the client is the right-most
X-Forwarded-For address that is not itself a trusted proxy. Nothing else is believed: a client can write
any X-Forwarded-For it likes."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

MAX_USER_AGENT = 300


@dataclass(frozen=True)
class Origin:
    address: str | None
    user_agent: str


NOWHERE = Origin(address=None, user_agent="")
_current: ContextVar[Origin] = ContextVar("gongdan_audit_origin", default=NOWHERE)


@lru_cache(maxsize=4)
def _trusted(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def _is_trusted(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    ip = ipaddress.ip_address(address)
    return any(ip in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    remote = _valid(str(request.META.get("REMOTE_ADDR") or ""))
    networks = _trusted(tuple(getattr(settings, "GONGDAN_TRUSTED_PROXIES", ())))
    if remote is None or not networks or not _is_trusted(remote, networks):
        return remote
    hops = [hop for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _valid(hop)
        if address is None:
            return remote  # a garbled header: believe only the proxy itself
        if not _is_trusted(address, networks):
            return address
    return remote


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
