"""Signed, expiring links that acknowledge a page from an email without signing in."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

SALT = "gongdan.notifications.page-ack"


def ack_token(page_id: int, user_id: int) -> str:
    return signing.dumps({"p": page_id, "u": user_id}, salt=SALT, compress=False)


def read_ack_token(token: str) -> tuple[int, int]:
    """(page id, user id) of a valid token; raises signing.SignatureExpired / signing.BadSignature."""
    value = signing.loads(token, salt=SALT, max_age=settings.GONGDAN_PAGE_LINK_MAX_AGE)
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("p"), int)
        or not isinstance(value.get("u"), int)
    ):
        raise signing.BadSignature("malformed")
    return value["p"], value["u"]
