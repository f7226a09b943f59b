"""Outgoing HTTP for webhooks and chat bots, behind an SSRF guard.

The host is resolved and every address it resolves to is checked: loopback, link-local, private,
multicast, unspecified and other non-public addresses are refused unless an admin allow-listed the host
name or a network that holds the address. The request then goes to the checked address itself (the name
is kept for the Host header, TLS SNI and certificate check), so a second DNS answer cannot swap in an
internal address between the check and the connection. Redirects are never followed. This runs on every
attempt, so an allow-list entry removed later stops deliveries at once."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from gongdan.outbox.models import AllowedNetwork

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
USER_AGENT = "Gongdan-Webhooks/1.0"

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The URL is not one we may call (scheme, host, or a non-public address not allow-listed)."""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    headers: dict[str, str]
    duration_ms: int

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def _is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast or address.is_loopback or address.is_link_local or address.is_unspecified
    )


def allow_list() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:

    hosts: set[str] = set()
    networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
    for value in AllowedNetwork.objects.values_list("value", flat=True):
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            hosts.add(value.lower())
    return hosts, networks


def resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise Refused(f"cannot resolve {host}: {error}") from error
    found: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in found:
            found.append(address)
    if not found:
        raise Refused(f"{host} has no address")
    return found


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: Address


def check_url(url: str) -> Target:
    """Where this URL may be called, or Refused saying why."""
    parts = urlsplit(url or "")
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise Refused("only http:// and https:// URLs with a host can be called")
    if parts.username or parts.password:
        raise Refused("URLs with a user name or password are not allowed")
    host = parts.hostname.lower()
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise Refused(f"bad port: {error}") from error
    address = check_host(host, port)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, address)


def check_host(host: str, port: int) -> Address:
    """The address to connect to for `host`, or Refused when any address it resolves to is non-public and
    not allow-listed. Any outgoing connection (webhooks, bots, the mail intake's IMAP) goes through this."""
    host = (host or "").strip().lower()
    if not host:
        raise Refused("no host given")
    addresses = resolve(host, port)
    hosts, networks = allow_list()
    if host not in hosts:
        for address in addresses:
            if not _is_public(address) and not any(address in network for network in networks):
                raise Refused(
                    f"{host} resolves to {address}, a non-public address; an administrator must allow-list "
                    f"this host or network first"
                )
    return addresses[0]


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Response:
    """POST to a checked address; raises Refused, or urllib3's errors for connection trouble."""
    return request("POST", url, body=body, headers=headers)


def get(url: str, *, headers: dict[str, str] | None = None) -> Response:
    """GET from a checked address (a chat platform's access-token call)."""
    return request("GET", url, body=None, headers=headers or {})


def request(method: str, url: str, *, body: bytes | None, headers: dict[str, str]) -> Response:
    import urllib3  # with the first delivery, not at every start (decision 0176)

    target = check_url(url)
    host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    common: dict[str, Any] = {
        "host": str(target.address),
        "port": target.port,
        "timeout": urllib3.Timeout(connect=CONNECT_TIMEOUT, read=READ_TIMEOUT),
        "retries": False,
        "maxsize": 1,
    }
    if target.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            server_hostname=target.host, assert_hostname=target.host, cert_reqs="CERT_REQUIRED", **common
        )
    else:
        pool = urllib3.HTTPConnectionPool(**common)
    started = time.monotonic()
    try:
        reply = pool.urlopen(
            method,
            target.path,
            body=body,
            headers={"Host": host_header, "User-Agent": USER_AGENT, **headers},
            redirect=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            data = reply.read(MAX_RESPONSE_BYTES)
        finally:
            reply.release_conn()
        return Response(
            status=reply.status,
            body=data,
            headers={k.lower(): v for k, v in reply.headers.items()},
            duration_ms=int((time.monotonic() - started) * 1000),
        )
    finally:
        pool.close()
