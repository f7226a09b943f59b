"""Signed, expiring links that let an approver decide from the email without signing in.

A link names the task, the person it was mailed to, the task's round and the decision; it is signed with the
site's key under its own salt. It opens a confirmation page (a GET never decides); single use follows from
the task: once decided, or asked again after a send-back (a new round), the link no longer matches."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

SALT = "gongdan.approvals.decide-link"
MAX_TOKEN = 400


class LinkInvalid(Exception):
    """Tampered, malformed or for another purpose."""


class LinkExpired(LinkInvalid):
    pass


@dataclass(frozen=True)
class LinkClaim:
    task_id: int
    user_id: int
    round: int
    decision: str


def max_age() -> int:
    return int(settings.GONGDAN_APPROVAL_LINK_MAX_AGE)


def make_link(*, task_id: int, user_id: int, round: int, decision: str) -> str:
    return signing.dumps({"t": task_id, "u": user_id, "r": round, "d": decision}, salt=SALT, compress=False)


def read_link(token: str) -> LinkClaim:
    if not token or len(token) > MAX_TOKEN:
        raise LinkInvalid
    try:
        value = signing.loads(token, salt=SALT, max_age=max_age())
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    if not isinstance(value, dict):
        raise LinkInvalid
    numbers = [value.get(k) for k in ("t", "u", "r")]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in numbers):
        raise LinkInvalid
    if value.get("d") not in ("approve", "reject"):
        raise LinkInvalid
    return LinkClaim(task_id=value["t"], user_id=value["u"], round=value["r"], decision=value["d"])
