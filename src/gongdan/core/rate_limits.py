"""Per-IP and per-address limits for the portal's public doors, counted in the shared cache (Redis in
production), so a flood is refused before it reaches the database and agents never feel it.

Fixed windows: `cache.add` starts a window with its expiry, `cache.incr` counts inside it. Limits come from
settings (GONGDAN_PORTAL_RATE_LIMITS, "name=count/seconds,…")."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "link_ip": (20, 3600),  # sign-in links asked from one IP address
    "link_address": (5, 3600),  # sign-in links mailed to one address
    # Password reset links (gongdan.recovery): asked from one IP address, mailed to one address.
    "reset_ip": (20, 3600),
    "reset_address": (5, 3600),
    "lookup_ip": (10, 3600),
    "lookup_address": (5, 3600),
    "submit_ip": (30, 3600),
    "submit_user": (10, 3600),
    "reply_user": (60, 3600),
    "suggest_ip": (120, 60),
    "survey_ip": (60, 3600),
    # Reporting without an account (gongdan.portal.walk_up): reports from one IP address, by one phone or
    # email, at one place (a code on a lift door photographed and posted online), and what a tracking link
    # may add or read.
    "walkup_ip": (10, 3600),
    "walkup_contact": (5, 3600),
    "walkup_place": (30, 3600),
    "walkup_reply": (20, 3600),
    "walkup_track_ip": (300, 3600),
    # Open311's public doors (gongdan.integrations): reads and request creation from one IP address.
    "open311_read_ip": (300, 60),
    "open311_write_ip": (30, 60),
}


@dataclass(frozen=True)
class Refused:
    name: str
    retry_after: int


def limits() -> dict[str, tuple[int, int]]:
    configured = getattr(settings, "GONGDAN_PORTAL_RATE_LIMITS", None) or {}
    return {**DEFAULT_LIMITS, **configured}


def _key(name: str, subject: str) -> str:
    digest = hashlib.sha256(f"{name}\0{subject.strip().lower()}".encode()).hexdigest()[:32]
    return f"gongdan:portal-rate:{name}:{digest}"


def hit(name: str, subject: str) -> Refused | None:
    """Count one attempt of `name` by `subject` (an IP, an address, a user id); Refused when over the limit."""
    count_limit, window = limits()[name]
    key = _key(name, subject)
    if cache.add(key, 1, window):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # the window ran out between add and incr
            cache.set(key, 1, window)
            count = 1
    if count > count_limit:
        return Refused(name=name, retry_after=window)
    return None


def check(*checks: tuple[str, str]) -> Refused | None:
    """Count every (name, subject) pair, so each limit sees the attempt; the first refusal is returned."""
    refused = None
    for name, subject in checks:
        result = hit(name, subject)
        refused = refused or result
    return refused
