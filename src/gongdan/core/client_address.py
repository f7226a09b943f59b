"""The address a request came from. Behind trusted reverse proxies (GONGDAN_TRUSTED_PROXY_COUNT of them, or
the peers listed in GONGDAN_TRUSTED_PROXIES) it is the address the nearest untrusted hop gave in
X-Forwarded-For; otherwise the socket's peer (REMOTE_ADDR). A client can prepend anything to
X-Forwarded-For, so only the entries our own proxies appended are believed."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def _trusted_peer(address: str) -> bool:
    networks = getattr(settings, "GONGDAN_TRUSTED_PROXIES", ())
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net, strict=False) for net in networks)


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text ("unknown" when the peer gave none that parses)."""
    peer = _valid(str(request.META.get("REMOTE_ADDR") or "")) or "unknown"
    proxy_count = int(getattr(settings, "GONGDAN_TRUSTED_PROXY_COUNT", 0) or 0)
    if proxy_count <= 0 and not (peer != "unknown" and _trusted_peer(peer)):
        return peer
    hops = [h for h in str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    if proxy_count <= 0:  # peers listed by address: walk back past every trusted one
        for hop in reversed(hops):
            address = _valid(hop)
            if address is None:
                return peer
            if not _trusted_peer(address):
                return address
        return peer
    # proxy_count proxies: the last one is the peer itself, the others appended the entries on the right.
    if len(hops) < proxy_count:
        return peer
    return _valid(hops[-proxy_count]) or peer
